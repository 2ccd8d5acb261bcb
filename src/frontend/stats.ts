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
 *     returned;
 *   - `frontend.tsfrontend.timeline-ms`: JSON `[[method, start, end], ...]`,
 *     each LLBBridge call before the Return, in ms since the process started
 *     (where a build's time goes: Ping, ReadFile, ResolveImageConfig, Solve),
 *     then the phases measured in the process (`performance.measure` named
 *     `tsfrontend:NAME`, e.g. loading the bundle, transpiling the program)
 *     as `~NAME`.
 * Measured with a clock read per call: nothing written to stdio.
 */

import type { GatewayResult } from "../gateway/types.js";
import type { GatewayTransport } from "../gateway/transport.js";

export const METADATA_COLDSTART_MS = "frontend.tsfrontend.coldstart-ms";
export const METADATA_MAXRSS_BYTES = "frontend.tsfrontend.maxrss-bytes";
export const METADATA_TIMELINE_MS = "frontend.tsfrontend.timeline-ms";

/** Prefix of the `performance.measure` names that go into the timeline as phases. */
export const PHASE_PREFIX = "tsfrontend:";

/** One LLBBridge call: its method's short name, and when it started and ended (ms since the process started). */
export type TimedCall = [method: string, start: number, end: number];

export interface TimedTransport extends GatewayTransport {
  firstCallMs(): number | undefined;
  timeline(): readonly TimedCall[];
}

/** `transport`, noting when each call starts and ends (ms since the process started; see {@link statsMetadata}). */
export function timedTransport(transport: GatewayTransport): TimedTransport {
  const calls: TimedCall[] = [];
  return {
    async unary(method, request, options) {
      const call: TimedCall = [method.slice(method.lastIndexOf("/") + 1), round(performance.now()), -1];
      calls.push(call);
      try {
        return await transport.unary(method, request, options);
      } finally {
        call[2] = round(performance.now());
      }
    },
    firstCallMs: () => calls[0]?.[1],
    // The phases measured with `performance.measure("tsfrontend:NAME", ...)` (program/load.ts, main.ts) follow the calls as `~NAME`.
    timeline: () => [
      ...calls,
      ...performance
        .getEntriesByType("measure")
        .filter((m) => m.name.startsWith(PHASE_PREFIX))
        .map((m): TimedCall => [`~${m.name.slice(PHASE_PREFIX.length)}`, round(m.startTime), round(m.startTime + m.duration)]),
    ],
  };
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

/** The stats keys for a result's metadata: cold start (when known), peak RSS now, and the calls so far. */
export function statsMetadata(firstCallMs: number | undefined, timeline: readonly TimedCall[] = []): Record<string, Uint8Array> {
  const enc = new TextEncoder();
  const out: Record<string, Uint8Array> = {};
  if (firstCallMs !== undefined) out[METADATA_COLDSTART_MS] = enc.encode(firstCallMs.toFixed(1));
  out[METADATA_MAXRSS_BYTES] = enc.encode(String(process.resourceUsage().maxRSS * 1024));
  if (timeline.length > 0) out[METADATA_TIMELINE_MS] = enc.encode(JSON.stringify(timeline));
  return out;
}

/** `result` with the stats keys added to its metadata (errors are returned as they are). */
export function withStats(result: GatewayResult | { error: Error }, firstCallMs: number | undefined, timeline: readonly TimedCall[] = []): GatewayResult | { error: Error } {
  if ("error" in result) return result;
  return { ...result, metadata: { ...result.metadata, ...statsMetadata(firstCallMs, timeline) } };
}
