/**
 * Building a TypeScript program on the daemon, client-side as Go's
 * `client.Build` does: the solve starts with a gateway callback that builds a
 * {@link BridgeGatewayClient} over the control connection for that build and
 * hands it to the program runner (program/run.ts), which solves the graphs
 * and returns the result so the daemon's exporters write the image.
 */

import { ProgramError } from "../errors.js";
import { BridgeGatewayClient } from "../gateway/bridge-client.js";
import { formatPlatformAll, normalizePlatform, type Platform } from "../llb/index.js";
import type { LoadedProgram } from "../program/load.js";
import { parseProgramOpts, programOpts, targetPlatforms } from "../program/opts.js";
import { runProgramBuild } from "../program/run.js";
import type { BuildkitConnection } from "./connection.js";
import { ControlClient } from "./connection.js";
import { ControlGatewayTransport } from "./gateway-transport.js";
import { solve, type SolveOptions, type SolveResult } from "./solve.js";

export interface ProgramBuildOptions extends Omit<SolveOptions, "definition" | "frontend" | "gateway"> {
  program: LoadedProgram;
  /** Frontend options (`--opt`): `platform`, `build-arg:*`, `target`, `no-cache`, `context:*` (program/opts.ts). */
  opts?: Record<string, string>;
  /** Target platforms (replace `opts.platform`); default: the build platform. */
  platforms?: Platform[];
  /** Default: the first platform of the first worker. */
  buildPlatform?: Platform;
  /** Build arguments (replace `opts["build-arg:K"]`). */
  buildArgs?: Record<string, string>;
  /** Replaces `opts.target`. */
  target?: string;
  /** Solve every platform's graph with evaluate, so build errors surface during the program. */
  evaluate?: boolean;
  /** Ignore cached results for every op (`--no-cache`; adds `opts["no-cache"]`). */
  noCache?: boolean;
}

/** The daemon's worker platforms, in order (the first is the default build platform). */
export async function workerPlatforms(conn: BuildkitConnection): Promise<Platform[]> {
  const workers = await new ControlClient(conn).listWorkers();
  const out: Platform[] = [];
  for (const w of workers) {
    for (const p of w.platforms ?? []) {
      out.push(normalizePlatform({ os: p.OS ?? "", architecture: p.Architecture ?? "", ...(p.Variant ? { variant: p.Variant } : {}) }));
    }
  }
  return out;
}

/** Runs a build program against the daemon and exports its result. */
export async function buildProgram(conn: BuildkitConnection, options: ProgramBuildOptions): Promise<SolveResult> {
  const opts = programOpts(
    {
      ...(options.platforms ? { platforms: options.platforms } : {}),
      ...(options.buildArgs ? { buildArgs: options.buildArgs } : {}),
      ...(options.target !== undefined ? { target: options.target } : {}),
      ...(options.noCache ? { noCache: true } : {}),
    },
    options.opts ?? {},
  );
  const workers = await workerPlatforms(conn);
  const buildPlatform = options.buildPlatform ?? workers[0];
  if (!buildPlatform) throw new ProgramError("the daemon reported no worker platforms");
  const targets = targetPlatforms(parseProgramOpts(opts), buildPlatform);

  return solve(conn, {
    ...options,
    // The exporter compares these with the result's platforms (and warns when they differ).
    frontendAttrs: { ...(options.frontendAttrs ?? {}), platform: targets.map(formatPlatformAll).join(",") },
    gateway: async (ref, session, _attrs, cacheImports) => {
      const gateway = new BridgeGatewayClient(new ControlGatewayTransport(conn, ref), {
        workerPlatforms: workers,
        sessionID: session.id,
        cacheImports,
        signal: session.signal,
      });
      await runProgramBuild(gateway, {
        program: options.program,
        opts,
        buildPlatform,
        sessionID: session.id,
        ...(options.evaluate !== undefined ? { evaluate: options.evaluate } : {}),
      });
    },
  });
}
