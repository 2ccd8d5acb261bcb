/**
 * Building a TypeScript program on the daemon: the program runs here, its
 * graphs are solved through the gateway bridge of the same build, and the
 * result (one ref, or one per platform with its image config) is returned so
 * the daemon's exporters write the image.
 */

import { ProgramError } from "../errors.js";
import type { GatewayResult, ResultRef } from "../gateway/types.js";
import { formatPlatform, formatPlatformAll, normalizePlatform, type Platform } from "../llb/index.js";
import { createBuildContext } from "../program/context.js";
import { composeImageConfig, type ImageDocument } from "../program/image-config.js";
import type { LoadedProgram } from "../program/load.js";
import { runProgram } from "../program/load.js";
import type { BuildkitConnection } from "./connection.js";
import { ControlClient } from "./connection.js";
import { BridgeGatewayClient } from "./gateway-bridge.js";
import { solve, type SolveOptions, type SolveResult } from "./solve.js";

export interface ProgramBuildOptions extends Omit<SolveOptions, "definition" | "frontend" | "gateway"> {
  program: LoadedProgram;
  /** Target platforms; default: the build platform. */
  platforms?: Platform[];
  /** Default: the first platform of the first worker. */
  buildPlatform?: Platform;
  buildArgs?: Record<string, string>;
  target?: string;
  opts?: Record<string, string>;
  /** Solve every platform's graph with evaluate, so build errors surface during the program. */
  evaluate?: boolean;
  /** Ignore cached results for every op (`--no-cache`). */
  noCache?: boolean;
}

const encoder = new TextEncoder();

/** The daemon's default platform: the first platform of the first worker. */
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
  const workers = await workerPlatforms(conn);
  const buildPlatform = options.buildPlatform ?? workers[0];
  if (!buildPlatform) throw new ProgramError("the daemon reported no worker platforms");
  const targets = options.platforms && options.platforms.length > 0 ? options.platforms : [buildPlatform];

  return solve(conn, {
    ...options,
    // The exporter compares these with the result's platforms (and warns when they differ).
    frontendAttrs: { ...(options.frontendAttrs ?? {}), platform: targets.map(formatPlatformAll).join(",") },
    gateway: async (ref, session, _attrs, cacheImports) => {
      const gw = new BridgeGatewayClient(conn, ref, workers, session.id, { cacheImports, signal: session.signal });
      try {
        const ctx = createBuildContext({
          targetPlatforms: targets,
          buildPlatform,
          buildArgs: options.buildArgs ?? {},
          ...(options.target !== undefined ? { target: options.target } : {}),
          opts: options.opts ?? {},
          gateway: gw,
        });
        const results = await runProgram(options.program, ctx);
        const refs: Record<string, ResultRef | null> = {};
        const metadata: Record<string, Uint8Array> = {};
        const platformsJson: { ID: string; Platform: Record<string, unknown> }[] = [];
        for (const r of results) {
          const def = await r.state.marshal({ platform: r.platform, ...(options.noCache ? { ignoreCache: true } : {}) });
          let resultRef: ResultRef | null = null;
          if (!def.isEmpty()) {
            const solved = await gw.solve({ definition: def, evaluate: options.evaluate ?? false });
            resultRef = solved.ref ?? null;
          }
          let base: Partial<ImageDocument> | undefined;
          if (r.base) {
            const resolved = await gw.resolveImageConfig(r.base, { platform: r.platform, resolveMode: "default" });
            base = JSON.parse(Buffer.from(resolved.config).toString("utf8")) as Partial<ImageDocument>;
          }
          const config = composeImageConfig(r.platform, r.config, base);
          const id = formatPlatformAll(r.platform);
          refs[id] = resultRef;
          metadata[`containerimage.config/${id}`] = encoder.encode(JSON.stringify(config));
          const pj: Record<string, unknown> = { architecture: r.platform.architecture, os: r.platform.os };
          if (r.platform.variant) pj["variant"] = r.platform.variant;
          platformsJson.push({ ID: id, Platform: pj });
        }
        let result: GatewayResult;
        if (results.length === 1) {
          // One platform: a single manifest, as the Dockerfile frontend exports it.
          const id = formatPlatformAll(results[0]!.platform);
          result = { ref: refs[id] ?? null, metadata: { "containerimage.config": metadata[`containerimage.config/${id}`]! } };
        } else {
          metadata["refs.platforms"] = encoder.encode(JSON.stringify({ Platforms: platformsJson }));
          result = { refs, metadata };
        }
        await gw.return(result);
      } catch (err) {
        await gw.return({ error: err instanceof Error ? err : new Error(String(err)) }).catch(() => {});
        throw err;
      }
    },
  });
}

export { formatPlatform };
