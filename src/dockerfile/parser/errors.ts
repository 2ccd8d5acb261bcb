/**
 * Port of buildkit v0.32.2 frontend/dockerfile/parser/errors.go: errors
 * with Dockerfile line ranges (Go's LocationError is DockerfileError here).
 */

import type { DockerfileRange } from "../../errors.js";
import { DockerfileError } from "../../errors.js";

/** Go's WithLocation: `err` at `ranges`, added after any location it already has. */
export function withLocation(err: unknown, ranges: DockerfileRange[]): DockerfileError {
  if (err instanceof DockerfileError) return err.withRanges(ranges);
  return new DockerfileError(messageOf(err), { ranges, cause: err });
}

/** Go's SetLocation: `err` at `ranges`, replacing any location it had. */
export function setLocation(err: unknown, ranges: DockerfileRange[]): DockerfileError {
  if (err instanceof DockerfileError) {
    return new DockerfileError(err.message, { ranges, ...(err.cause !== undefined ? { cause: err.cause } : {}) });
  }
  return new DockerfileError(messageOf(err), { ranges, cause: err });
}

/** One range per line from `start` to `end` (at least `start`), as Go's toRanges. */
export function toRanges(start: number, end: number): DockerfileRange[] {
  if (end <= start) end = start;
  const r: DockerfileRange[] = [];
  for (let i = start; i <= end; i++) r.push({ start: { line: i, character: 0 }, end: { line: i, character: 0 } });
  return r;
}

/** Go's unexported withLocation(err, start, end). */
export function withLineLocation(err: unknown, start: number, end: number): DockerfileError {
  return withLocation(err, toRanges(start, end));
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
