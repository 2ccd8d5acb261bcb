/**
 * One build request on one connection: a program (program/run.ts through
 * `buildProgram`), a Dockerfile (the Dockerfile builder through
 * `gatewayBuild`, loaded only when needed), a frontend or a Definition
 * (`solve`), or one Definition per platform (solved through the gateway). `tsfrontend build` runs it once on one daemon; a builder
 * (run.ts) runs it once per node, each with its own session services.
 */

import { buildProgram, gatewayBuild } from "../client/build.js";
import type { BuildkitConnection } from "../client/connection.js";
import type { RequestServices } from "../client/session-services.js";
import { solve, type ExportEntry, type SolveOptions, type SolveResult } from "../client/solve.js";
import type { GatewayResult } from "../gateway/types.js";
import type { moby } from "../proto/index.js";
import { parsePlatform, type Definition, type Platform } from "../llb/index.js";
import { marshalDockerOCIImage } from "../llb/image-config.js";
import type { LoadedProgram } from "../program/load.js";
import { assembleResult } from "../program/result.js";

/** What is built. */
export type BuildInput =
  | { kind: "program"; program: LoadedProgram }
  | { kind: "dockerfile" }
  | { kind: "frontend"; frontend: string }
  | { kind: "definition"; definition: Definition }
  /** One Definition per target platform (normalised platform string -> its graph, in the target order), as `llb --output-dir` writes them: one multi-platform result. */
  | { kind: "definitions"; definitions: ReadonlyMap<string, Definition> };

/** A build request, independent of the daemon it runs on. */
export interface BuildRequest {
  input: BuildInput;
  /** Frontend options (`platform`, `build-arg:*`, `target`, `no-cache`, `filename`...). */
  opts: Record<string, string>;
  buildPlatform?: Platform;
  entitlements?: string[];
  sourcePolicy?: moby.buildkit.v1.sourcepolicy.Policy.$Properties;
  proxyNetwork?: boolean;
}

/** How one run of a request on a connection is wired. */
export interface BuildRunOptions {
  exports: ExportEntry[];
  /** The session services assembled for this run (client/session-services.ts). */
  requestServices: RequestServices;
  signal?: AbortSignal;
  onStatus?: (status: moby.buildkit.v1.StatusResponse) => void;
  onWarning?: (message: string) => void;
  /** The daemon has the whole build (solve.ts `onSubmitted`). */
  onSubmitted?: () => void;
  /** The build's ref (default: a new random one), known before it starts (`--ref-file` of a failed build). */
  ref?: string;
  /** The daemon's worker platforms if known (saves a `ListWorkers` call). */
  workerPlatforms?: Platform[];
  /** A program's or Dockerfile's conversation starts when this resolves (client/build.ts `beforeConversation`). */
  beforeConversation?: (workerPlatforms: readonly Platform[]) => Promise<void>;
}

/** Whether a run of `request` has a client-side conversation (and so calls `beforeConversation`). */
export function hasConversation(request: BuildRequest): boolean {
  const kind = request.input.kind;
  return kind === "program" || kind === "dockerfile" || kind === "definitions" || (kind === "frontend" && request.opts["requestid"] !== undefined);
}

/** Runs `request` on `conn` and resolves with the exporter response. */
export async function runBuildRequest(conn: BuildkitConnection, request: BuildRequest, run: BuildRunOptions): Promise<SolveResult> {
  const common: SolveOptions = {
    exports: run.exports,
    requestServices: run.requestServices,
    ...(request.entitlements && request.entitlements.length > 0 ? { entitlements: request.entitlements } : {}),
    ...(request.sourcePolicy ? { sourcePolicy: request.sourcePolicy } : {}),
    ...(request.proxyNetwork ? { proxyNetwork: true } : {}),
    ...(run.signal ? { signal: run.signal } : {}),
    ...(run.onStatus ? { onStatus: run.onStatus } : {}),
    ...(run.onWarning ? { onWarning: run.onWarning } : {}),
    ...(run.onSubmitted ? { onSubmitted: run.onSubmitted } : {}),
    ...(run.ref ? { ref: run.ref } : {}),
  };
  const buildPlatform = {
    ...(request.buildPlatform ? { buildPlatform: request.buildPlatform } : {}),
    ...(run.workerPlatforms ? { workerPlatforms: run.workerPlatforms } : {}),
    ...(run.beforeConversation ? { beforeConversation: run.beforeConversation } : {}),
  };
  const input = request.input;
  switch (input.kind) {
    case "program":
      return buildProgram(conn, { ...common, program: input.program, ...buildPlatform, opts: request.opts });
    case "dockerfile": {
      // Loaded here, not at startup: a program or Definition build never pays for the converter.
      const { buildDockerfile } = await import("../dockerfile/index.js");
      // A failure has gone back through Return (with its Dockerfile source): the daemon fails the
      // solve with it, and that error (a BuildkitError) is what the caller reports.
      return gatewayBuild(conn, { ...common, ...buildPlatform, opts: request.opts }, (gateway, env) =>
        buildDockerfile(gateway, {
          opts: env.opts,
          sessionID: env.sessionID,
          buildPlatform: env.buildPlatform,
          ...(run.requestServices.localFiles ? { localFiles: run.requestServices.localFiles } : {}),
        }).catch(() => undefined),
      );
    }
    case "frontend":
      // A subrequest is asked through the gateway, as buildctl does, to get the answer back.
      if (request.opts["requestid"] !== undefined) {
        const frontend = input.frontend;
        return gatewayBuild(conn, { ...common, ...buildPlatform, opts: request.opts }, async (gateway, env) => {
          let result: GatewayResult | { error: Error };
          try {
            const res = await gateway.solve({ frontend, frontendOpt: env.opts });
            result = { ...(res.ref ? { ref: res.ref } : {}), ...(res.refs ? { refs: res.refs } : {}), metadata: res.metadata };
          } catch (err) {
            // The daemon then fails the solve with it (its details kept), as for any frontend.
            result = { error: err instanceof Error ? err : new Error(String(err)) };
          }
          await gateway.return(result);
        });
      }
      return solve(conn, { ...common, frontend: input.frontend, frontendAttrs: request.opts });
    case "definition":
      return solve(conn, { ...common, definition: input.definition });
    case "definitions": {
      // Each platform's graph solved through the gateway and returned as one result keyed by platform
      // (`refs.platforms`), each image with the config `FROM scratch` has for its platform (the exporter's
      // own default would name the daemon's platform).
      const graphs = [...input.definitions];
      const { emptyImage } = await import("../dockerfile/convert/image.js");
      return gatewayBuild(conn, { ...common, ...buildPlatform, opts: request.opts }, async (gateway) => {
        const results = await Promise.all(
          graphs.map(async ([name, definition]) => {
            const platform = parsePlatform(name);
            const config = new TextEncoder().encode(marshalDockerOCIImage(emptyImage(platform)));
            return { platform, ref: (await gateway.solve({ definition })).ref ?? null, config };
          }),
        );
        await gateway.return(assembleResult(results, graphs.length > 1));
      });
    }
  }
}
