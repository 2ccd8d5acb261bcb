/**
 * Building a TypeScript program (or, through the same path, a Dockerfile) on
 * the daemon, client-side as Go's `client.Build` does: the solve starts with
 * a gateway callback that builds a {@link BridgeGatewayClient} over the
 * control connection for that build and hands it to the program runner
 * (program/run.ts) or the caller's builder (the CLI passes the Dockerfile
 * builder), which solves the graphs and returns the result so the daemon's
 * exporters write the image.
 */

import { readFileSync } from "node:fs";
import { ProgramError } from "../errors.js";
import { BridgeGatewayClient, pingBridge } from "../gateway/bridge-client.js";
import type { GatewayClient, GatewayResult } from "../gateway/types.js";
import { formatPlatformAll, normalizePlatform, type Platform } from "../llb/index.js";
import type { LoadedProgram } from "../program/load.js";
import { parseProgramOpts, programOpts, targetPlatforms } from "../program/opts.js";
import { returnedError, runProgramBuild } from "../program/run.js";
import { programSubrequest, REQUEST_LINT } from "../program/subrequests.js";
import type { BuildkitConnection } from "./connection.js";
import { ControlClient } from "./connection.js";
import { ControlGatewayTransport } from "./gateway-transport.js";
import { solve, type SolveOptions, type SolveResult } from "./solve.js";

/** Options of a build run client-side against a gateway (a program, a Dockerfile). */
export interface GatewayBuildOptions extends Omit<SolveOptions, "definition" | "frontend" | "gateway"> {
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
  /**
   * The daemon's worker platforms, when the caller has read them already. Else
   * they come from the gateway's `Ping`, or from `ListWorkers` before the solve
   * when the targets depend on them (no platform asked for and no build
   * platform given): buildkitd answers `ListWorkers` by probing its emulators
   * again (every 20 s), `Ping` from what it knows.
   */
  workerPlatforms?: Platform[];
  /**
   * Called in the gateway callback once `Ping` has answered, with the
   * worker platforms; the conversation (the program, the converter) starts
   * when it resolves. A builder uses it to let the nodes that emulate go first.
   */
  beforeConversation?: (workerPlatforms: readonly Platform[]) => Promise<void>;
  /** Ignore cached results for every op (`--no-cache`; adds `opts["no-cache"]`). */
  noCache?: boolean;
}

export interface ProgramBuildOptions extends GatewayBuildOptions {
  program: LoadedProgram;
  /** Solve every platform's graph with evaluate, so build errors surface during the program. */
  evaluate?: boolean;
}

/** What a client-side build callback gets besides the gateway. */
export interface GatewayBuildEnv {
  /** The frontend options with the typed options merged in. */
  opts: Record<string, string>;
  buildPlatform: Platform;
  sessionID: string;
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

/**
 * `attest:provenance` (`mode=min|max`...), which the daemon itself acts on, as buildctl
 * and buildx send it. (`attest:sbom` stays with the frontend, which runs the scanner.)
 */
function attestAttrs(opts: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(opts).filter(([k]) => k === "attest:provenance"));
}

/**
 * Runs `run` as the build's gateway callback (Go's `client.Build`): it gets
 * a {@link BridgeGatewayClient} over the control connection for this build
 * (with the daemon's caps from `Ping`), must `Return` the result, and the
 * daemon's exporters then write it.
 */
export async function gatewayBuild(conn: BuildkitConnection, options: GatewayBuildOptions, run: (gateway: GatewayClient, env: GatewayBuildEnv) => Promise<unknown>): Promise<SolveResult> {
  const opts = programOpts(
    {
      ...(options.platforms ? { platforms: options.platforms } : {}),
      ...(options.buildArgs ? { buildArgs: options.buildArgs } : {}),
      ...(options.target !== undefined ? { target: options.target } : {}),
      ...(options.noCache ? { noCache: true } : {}),
    },
    options.opts ?? {},
  );
  const parsed = parseProgramOpts(opts);
  // Read before the solve only when the targets need the build platform.
  const known = options.workerPlatforms ?? (parsed.platforms.length === 0 && !options.buildPlatform ? await workerPlatforms(conn) : undefined);
  const knownBuildPlatform = options.buildPlatform ?? known?.[0];
  if (known && !knownBuildPlatform) throw new ProgramError("the daemon reported no worker platforms");
  const targets = knownBuildPlatform ? targetPlatforms(parsed, knownBuildPlatform) : parsed.platforms;

  // A subrequest's answer is the metadata of the result the frontend returns.
  let subrequest: Record<string, Uint8Array> | undefined;
  const result = await solve(conn, {
    ...options,
    // The exporter compares these with the result's platforms (and warns when they differ).
    // Provenance is added by the daemon's Solve when the frontend attrs ask for it.
    frontendAttrs: { ...attestAttrs(opts), ...(options.frontendAttrs ?? {}), platform: targets.map(formatPlatformAll).join(",") },
    gateway: async (ref, session, _attrs, cacheImports) => {
      const transport = new ControlGatewayTransport(conn, ref);
      let gateway: BridgeGatewayClient | undefined;
      try {
        // Go's grpcclient pings first; a daemon that does not answer leaves the caps unknown.
        const pong = await pingBridge(transport).catch(() => undefined);
        const workers = known ?? (pong && pong.workerPlatforms.length > 0 ? pong.workerPlatforms : await workerPlatforms(conn));
        const buildPlatform = knownBuildPlatform ?? workers[0];
        if (!buildPlatform) throw new ProgramError("the daemon reported no worker platforms");
        await options.beforeConversation?.(workers);
        gateway = new BridgeGatewayClient(transport, {
          workerPlatforms: workers,
          sessionID: session.id,
          // --import-cache, and the frontend's own `cache-imports`/`cache-from` opts as dockerui reads them.
          cacheImports: [...cacheImports, ...parsed.cacheImports],
          signal: session.signal,
          ...(pong ? { caps: pong.caps, llbCaps: pong.llbCaps } : {}),
          // The inputs are the ones this Solve sent (none unless given): no Inputs call needed.
          inputs: options.frontendInputs ?? {},
          ...(opts["requestid"] !== undefined ? { onReturn: (r: GatewayResult) => (subrequest = r.metadata) } : {}),
        });
        await run(gateway, { opts, buildPlatform, sessionID: session.id });
      } catch (err) {
        // The daemon's Solve waits for a Return: one with the error ends it now (not when the client gives up waiting).
        const g = gateway ?? new BridgeGatewayClient(transport, { workerPlatforms: [], sessionID: session.id, signal: session.signal });
        if (!g.hasReturned) await g.return({ error: err instanceof Error ? err : new Error(String(err)) }).catch(() => {});
        throw err;
      }
    },
  });
  return subrequest ? { ...result, subrequest } : result;
}

/** `<program>.dockerignore` next to a program on disk (it replaces the context's, as dockerui's `<Dockerfile>.dockerignore`). */
function buildFileIgnore(program: LoadedProgram): Uint8Array | undefined {
  try {
    return readFileSync(`${program.file}.dockerignore`);
  } catch {
    return undefined;
  }
}

/** Runs a build program against the daemon and exports its result. */
export async function buildProgram(conn: BuildkitConnection, options: ProgramBuildOptions): Promise<SolveResult> {
  const ignore = buildFileIgnore(options.program);
  return gatewayBuild(conn, options, async (gateway, env) => {
    // A subrequest (`--opt requestid=...`) is answered from the program's declarations, as the frontend image does.
    let answer: GatewayResult | undefined;
    try {
      if (env.opts["requestid"] === REQUEST_LINT) {
        // --call check: the program is run and marshalled, nothing solved.
        const { lintProgram } = await import("../program/lint.js");
        answer = await lintProgram(gateway, options.program, { opts: env.opts, buildPlatform: env.buildPlatform, sessionID: env.sessionID, ...(ignore ? { buildFileIgnore: ignore } : {}) });
      } else {
        answer = programSubrequest(options.program, env.opts);
      }
    } catch (err) {
      await gateway.return({ error: returnedError(err, options.program) });
      return;
    }
    if (answer) {
      await gateway.return(answer);
      return;
    }
    await runProgramBuild(gateway, {
      program: options.program,
      opts: env.opts,
      buildPlatform: env.buildPlatform,
      sessionID: env.sessionID,
      ...(ignore ? { buildFileIgnore: ignore } : {}),
      ...(options.evaluate !== undefined ? { evaluate: options.evaluate } : {}),
    });
  });
}
