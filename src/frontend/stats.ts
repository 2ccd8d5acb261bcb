/**
 * Cold start and memory of the frontend process, for `npm run bench:frontend`:
 * added to the metadata of the result the frontend returns. buildkitd
 * (v0.32.2 solver/llbsolver/solver.go) copies every result metadata key that
 * starts with `frontend.` into the solve response, so `buildctl build
 * --metadata-file` shows them (as strings) with or without an exporter:
 *   - `frontend.tsfrontend.coldstart-ms`: milliseconds from the process's
 *     start (Node's `performance.timeOrigin`, taken before Node bootstraps)
 *     to the first LLBBridge call (the Ping) being sent;
 *   - `frontend.tsfrontend.maxrss-bytes`: the process's peak resident set
 *     size so far (`process.resourceUsage().maxRSS`), when the result is
 *     returned.
 * Two numbers, measured once each: no other cost, nothing written to stdio.
 */

import type { GatewayResult } from "../gateway/types.js";
import type { GatewayTransport } from "../gateway/transport.js";

export const METADATA_COLDSTART_MS = "frontend.tsfrontend.coldstart-ms";
export const METADATA_MAXRSS_BYTES = "frontend.tsfrontend.maxrss-bytes";

/** `transport`, noting when its first call starts (ms since the process started; see {@link statsMetadata}). */
export function timedTransport(transport: GatewayTransport): GatewayTransport & { firstCallMs(): number | undefined } {
  let first: number | undefined;
  return {
    unary(method, request, options) {
      first ??= performance.now();
      return transport.unary(method, request, options);
    },
    firstCallMs: () => first,
  };
}

/** The stats keys for a result's metadata: cold start (when known) and peak RSS now. */
export function statsMetadata(firstCallMs: number | undefined): Record<string, Uint8Array> {
  const enc = new TextEncoder();
  const out: Record<string, Uint8Array> = {};
  if (firstCallMs !== undefined) out[METADATA_COLDSTART_MS] = enc.encode(firstCallMs.toFixed(1));
  out[METADATA_MAXRSS_BYTES] = enc.encode(String(process.resourceUsage().maxRSS * 1024));
  return out;
}

/** `result` with the stats keys added to its metadata (errors are returned as they are). */
export function withStats(result: GatewayResult | { error: Error }, firstCallMs: number | undefined): GatewayResult | { error: Error } {
  if ("error" in result) return result;
  return { ...result, metadata: { ...result.metadata, ...statsMetadata(firstCallMs) } };
}
