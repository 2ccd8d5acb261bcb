/**
 * One progress display for several nodes: each node's updates get their
 * vertex names prefixed with `[node platform]` (as buildx prefixes the steps
 * of each node's build) and their digests made unique per node, so the same
 * step built on two nodes shows as two steps.
 */

import type { SolveStatus } from "../progress/index.js";

/** `status` of node `node` with vertex names prefixed by `label` and digests suffixed by `@node`. */
export function labelStatus(status: SolveStatus, node: string, label: string): SolveStatus {
  const d = (digest: string) => (digest === "" ? digest : `${digest}@${node}`);
  const out: SolveStatus = {};
  if (status.vertexes) out.vertexes = status.vertexes.map((v) => ({ ...v, digest: d(v.digest), inputs: v.inputs.map(d), name: v.name === "" ? v.name : `${label} ${v.name}` }));
  if (status.statuses) out.statuses = status.statuses.map((s) => ({ ...s, vertex: d(s.vertex) }));
  if (status.logs) out.logs = status.logs.map((l) => ({ ...l, vertex: d(l.vertex) }));
  if (status.warnings) out.warnings = status.warnings.map((w) => ({ ...w, vertex: d(w.vertex) }));
  return out;
}

/** The digest a node's vertex has in the labelled display. */
export function labelledDigest(digest: string, node: string): string {
  return `${digest}@${node}`;
}
