/**
 * The gateway frontend: what runs inside the frontend image (buildkit's
 * dockerfile.v0 forwards to it for `# syntax=<image>`, or `gateway.v0` runs
 * it). It pings the daemon, reads the options from its environment, answers
 * subrequests (`--call`), finds the build file and classifies it
 * (program/classify.ts): a Dockerfile is built by the Dockerfile builder
 * (src/dockerfile, as dockerfile.v0 builds it, subrequests included), a
 * program is loaded (as `tsfrontend build -f` does, imports read through the
 * gateway) and run with the same runner (program/run.ts). Every failure goes back through `Return` (with the
 * build file's line when known); the process then exits 0, as buildkit wants.
 */

import { ProgramError } from "../errors.js";
import { DetailedError, ErrorDetailType } from "../gateway/errdefs.js";
import { goJSONString } from "../internal/go/json.js";
import { GrpcCode } from "../internal/grpc/status.js";
import { BridgeGatewayClient, pingBridge, type BridgePong } from "../gateway/bridge-client.js";
import type { GatewayTransport } from "../gateway/transport.js";
import type { GatewayResult } from "../gateway/types.js";
import { loadProgramSource } from "../program/load.js";
import { parseProgramOpts, type CacheImport } from "../program/opts.js";
import { returnedError, runProgramBuild, type BuildFileSource } from "../program/run.js";
import { readBuildFile } from "../program/build-file.js";
import { classifyBuildFile } from "../program/classify.js";
import { buildDockerfile } from "../dockerfile/index.js";
import { readFrontendEnv, type FrontendEnv } from "./env.js";
import { describeResult, programSubrequest, REQUEST_DESCRIBE, REQUEST_LINT, REQUEST_OUTLINE, REQUEST_TARGETS, unsupportedSubrequest } from "../program/subrequests.js";
import { FRONTEND_CAPS } from "./caps.js";
import { timedTransport, withStats } from "./stats.js";

export { FRONTEND_CAPS };

/** Gateway caps the frontend cannot work without. */
const REQUIRED_CAPS = ["solve.base", "return", "returnmap", "readfile", "proto.refarray", "reference.output"];

/**
 * Checks the `frontend.caps` a client asks for, as buildkit's Dockerfile
 * frontend does (builder/caps.go `validateCaps`): an unknown cap fails with
 * errdefs.UnsupportedFrontendCapError (code Unimplemented) unless it is
 * marked `+forward`.
 */
export function checkFrontendCaps(value: string | undefined): void {
  if (!value) return;
  for (const cap of value.split(",")) {
    const name = cap.split("+", 1)[0]!;
    if (FRONTEND_CAPS.includes(name) || cap.includes("+forward")) continue;
    throw new DetailedError(`unsupported frontend capability ${name}`, {
      grpcCode: GrpcCode.UNIMPLEMENTED,
      other: [{ typeUrl: ErrorDetailType.frontendCap, value: new TextEncoder().encode(`{"name":${goJSONString(name)}}`) }],
    });
  }
}

export interface RunFrontendOptions {
  transport: GatewayTransport;
  env?: FrontendEnv;
}

/** Runs one frontend request to its `Return`. Resolves with whether the build succeeded; never rejects once pinged. */
export async function runFrontend(o: RunFrontendOptions): Promise<boolean> {
  const env = o.env ?? readFrontendEnv(process.env);
  const transport = timedTransport(o.transport);
  // Inputs is asked for together with the Ping (a round trip less); its answer is used only when the
  // daemon has the cap (build-file.ts).
  const inputs = new BridgeGatewayClient(transport, { workerPlatforms: [], sessionID: env.sessionID }).inputs();
  inputs.catch(() => {});
  const pong: BridgePong = await pingBridge(transport);
  const workerPlatforms = env.workerPlatforms.length > 0 ? env.workerPlatforms : pong.workerPlatforms;
  let cacheImports: CacheImport[] = [];
  let optsError: unknown;
  try {
    cacheImports = parseProgramOpts(env.opts).cacheImports;
  } catch (err) {
    optsError = err;
  }
  const gateway = new StatsGatewayClient(transport, { workerPlatforms, sessionID: env.sessionID, cacheImports, caps: pong.caps, llbCaps: pong.llbCaps });
  let file: BuildFileSource | undefined;
  try {
    if (optsError) throw optsError;
    const missing = REQUIRED_CAPS.filter((c) => !pong.caps.has(c));
    if (missing.length > 0) throw new ProgramError(`buildkitd lacks gateway capabilities ${missing.join(", ")}: BuildKit 0.7 or later is needed`);
    checkFrontendCaps(env.opts["frontend.caps"]);
    const request = env.opts["requestid"];
    if (request === REQUEST_DESCRIBE) {
      await gateway.return(describeResult());
      return true;
    }

    const build = await readBuildFile({ opts: env.opts, gateway, sessionID: env.sessionID, caps: pong.caps, inputs });
    file = { displayName: build.path, source: build.source };
    if ((await classifyBuildFile(build.path, build.source)).kind === "dockerfile") {
      await buildDockerfile(gateway, {
        opts: env.opts,
        sessionID: env.sessionID,
        ...(workerPlatforms[0] ? { buildPlatform: workerPlatforms[0] } : {}),
        buildFile: build,
      });
      return true;
    }
    if (request !== undefined && request !== REQUEST_OUTLINE && request !== REQUEST_TARGETS && request !== REQUEST_LINT) throw unsupportedSubrequest(request);
    const program = await loadProgramSource({ path: build.path, source: build.source, files: build.files });
    // What the program runs with, for a build and for a check alike.
    const run = {
      opts: env.opts,
      ...(workerPlatforms[0] ? { buildPlatform: workerPlatforms[0] } : {}),
      sessionID: env.sessionID,
      ...(build.context ? { context: build.context } : {}),
      ...(build.dockerignore ? { buildFileIgnore: build.dockerignore } : {}),
    };
    if (request === REQUEST_LINT) {
      const { lintProgram } = await import("../program/lint.js");
      await gateway.return(await lintProgram(gateway, program, run));
      return true;
    }
    const answer = programSubrequest(program, env.opts);
    if (answer) {
      await gateway.return(answer);
      return true;
    }
    await runProgramBuild(gateway, { program, ...run });
    return true;
  } catch (err) {
    // runProgramBuild has returned its own errors; anything before it is returned here.
    await gateway.return({ error: returnedError(err, file) }).catch(() => {});
    process.stderr.write(`tsfrontend frontend: ${err instanceof Error ? err.message : String(err)}\n`);
    return false;
  }
}

/** The bridge client whose result carries the process's cold start and peak RSS (stats.ts). */
class StatsGatewayClient extends BridgeGatewayClient {
  readonly #transport: ReturnType<typeof timedTransport>;
  constructor(transport: ReturnType<typeof timedTransport>, options: ConstructorParameters<typeof BridgeGatewayClient>[1]) {
    super(transport, options);
    this.#transport = transport;
  }
  override return(result: GatewayResult | { error: Error }): Promise<void> {
    return super.return(withStats(result, this.#transport.firstCallMs(), this.#transport.timeline()));
  }
}
