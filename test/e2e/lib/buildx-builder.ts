/**
 * A docker buildx builder on the test daemon, as the e2e tests use it: the
 * remote driver on BUILDKIT_HOST's socket, in a private BUILDX_CONFIG (the
 * user's buildx state is never touched), with the env's DOCKER_CONFIG for
 * registry credentials and buildx's default attestations left on.
 */

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { buildxPath, buildxProblem } from "../../lib/buildx.js";
import { ok, run, type E2eEnv, type RunResult } from "./env.js";

export interface RemoteBuilder {
  /** The builder's name (for `--builder`). */
  readonly name: string;
  /** Runs `buildx ARGS` with the private config. */
  run(args: readonly string[], timeout?: number): Promise<RunResult>;
  /** `buildx rm` of the builder. */
  remove(): Promise<void>;
}

/** Creates builder `name` in `dir`/buildx-config; fails the test when buildx is missing or the daemon is not on a unix socket. */
export async function createRemoteBuilder(env: E2eEnv, dir: string, name: string): Promise<RemoteBuilder> {
  const buildx = buildxPath();
  assert.equal(buildxProblem(buildx), undefined);
  const socket = /^unix:\/\/(\/.+)$/.exec(env.buildkitHost)?.[1];
  assert.ok(socket, `BUILDKIT_HOST is not a unix socket: ${env.buildkitHost}`);
  const config = join(dir, "buildx-config");
  mkdirSync(config, { recursive: true });
  const { BUILDX_NO_DEFAULT_ATTESTATIONS: _a, BUILDX_BUILDER: _b, ...rest } = process.env;
  const buildxEnv = { ...rest, BUILDX_CONFIG: config };
  const runBuildx = (args: readonly string[], timeout = 10 * 60_000) => run(buildx, args, { env: buildxEnv, timeout });
  ok(await runBuildx(["create", "--name", name, "--driver", "remote", `unix://${socket}`]), "buildx create");
  return {
    name,
    run: runBuildx,
    remove: async () => {
      await runBuildx(["rm", name]);
    },
  };
}
