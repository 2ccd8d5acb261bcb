/**
 * `frontend.outline` for Dockerfiles: port of buildkit v0.32.2
 * frontend/dockerfile/dockerfile2llb/outline.go (the build args, secrets and ssh ids a
 * target uses, through its base and the stages it reads from) and the Outline types of
 * frontend/subrequests/outline/outline.go. The capture types (OutlineCapture, ArgInfo...)
 * live with DispatchState in dispatch-state.ts. {@link outlineJSONValue} gives the value
 * whose `json.MarshalIndent` is Go's `result.json`.
 */

import type { DockerfileRange } from "../../errors.js";
import type { PbLocation } from "../../llb/pb.js";
import { locationJSONValue } from "../../program/subrequests.js";

export { locationJSONValue };
import type { DispatchState } from "./dispatch-state.js";

/** outline.Arg. */
export interface OutlineArg {
  name: string;
  description: string;
  value: string;
  location: PbLocation | undefined;
}

/** outline.Secret. */
export interface OutlineSecret {
  name: string;
  required: boolean;
  location: PbLocation | undefined;
}

/** outline.SSH (the same fields as a secret). */
export type OutlineSSH = OutlineSecret;

/** outline.CacheMount (declared by the format; dockerfile.v0 never fills it). */
export interface OutlineCacheMount {
  id: string;
  location: PbLocation | undefined;
}

/** outline.Outline: what a build target takes as parameters. */
export interface Outline {
  name: string;
  description: string;
  args: OutlineArg[];
  secrets: OutlineSecret[];
  ssh: OutlineSSH[];
  cache: OutlineCacheMount[];
  /** The Dockerfile(s) the locations point into. */
  sources: Uint8Array[];
}

/** The args used by `ds`, its base and the stages it reads from, each once (Go's dispatchState.args). */
function args(ds: DispatchState, visited: Set<string>): OutlineArg[] {
  ds.outline.markAllUsed(ds.outline.usedArgs, new Set());
  const out: OutlineArg[] = [];
  for (const k of ds.outline.usedArgs) {
    const a = ds.outline.allArgs.get(k);
    if (a && !visited.has(k)) {
      out.push({ name: a.definition.key, value: a.value, description: a.definition.docComment, location: toSourceLocation(a.location) });
      visited.add(k);
    }
  }
  if (ds.base) out.push(...args(ds.base, visited));
  for (const d of ds.deps.keys()) out.push(...args(d, visited));
  return out;
}

/** Go's dispatchState.secrets and dispatchState.ssh: the ids of one kind used by `ds`, its base and its deps, each once. */
function requiredIDs(ds: DispatchState, kind: "secrets" | "ssh", visited: Set<string>): OutlineSecret[] {
  const out: OutlineSecret[] = [];
  for (const [k, v] of ds.outline[kind]) {
    if (!visited.has(k)) {
      out.push({ name: k, required: v.required, location: toSourceLocation(v.location) });
      visited.add(k);
    }
  }
  if (ds.base) out.push(...requiredIDs(ds.base, kind, visited));
  for (const d of ds.deps.keys()) out.push(...requiredIDs(d, kind, visited));
  return out;
}

/** The outline of the target stage `ds` (Go's dispatchState.Outline), each list ordered by line. */
export function outline(ds: DispatchState, dt: Uint8Array): Outline {
  const byLocation = <T extends { location: PbLocation | undefined }>(list: T[]): T[] => list.sort((a, b) => compLocation(a.location, b.location));
  return {
    name: ds.stage.name,
    description: ds.stage.docComment,
    sources: [dt],
    args: byLocation(args(ds, new Set())),
    secrets: byLocation(requiredIDs(ds, "secrets", new Set())),
    ssh: byLocation(requiredIDs(ds, "ssh", new Set())),
    cache: [],
  };
}

/** The location message of `r` (source index 0); undefined when there are no ranges. */
export function toSourceLocation(r: readonly DockerfileRange[]): PbLocation | undefined {
  if (r.length === 0) return undefined;
  return {
    sourceIndex: 0,
    ranges: r.map((x) => ({ start: { line: x.start.line, character: x.start.character }, end: { line: x.end.line, character: x.end.character } })),
  };
}

/** Orders by source index, then by the first range's start line. */
function compLocation(a: PbLocation | undefined, b: PbLocation | undefined): number {
  const ia = a?.sourceIndex ?? 0;
  const ib = b?.sourceIndex ?? 0;
  if (ia !== ib) return ia - ib;
  const la = a?.ranges[0]?.start?.line ?? 0;
  const lb = b?.ranges[0]?.start?.line ?? 0;
  return la - lb;
}

// -- JSON ------------------------------------------------------------------------------

function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length > 0 ? list : undefined;
}

/** The outline as a plain value in Go's JSON field order and omitempty rules (sources base64), for `goJSONMarshalIndent`. */
export function outlineJSONValue(o: Outline): Record<string, unknown> {
  return {
    name: o.name || undefined,
    description: o.description || undefined,
    args: nonEmpty(
      o.args.map((a) => ({ name: a.name, description: a.description || undefined, value: a.value || undefined, location: locationJSONValue(a.location) })),
    ),
    secrets: nonEmpty(o.secrets.map((s) => ({ name: s.name, required: s.required || undefined, location: locationJSONValue(s.location) }))),
    ssh: nonEmpty(o.ssh.map((s) => ({ name: s.name, required: s.required || undefined, location: locationJSONValue(s.location) }))),
    cache: nonEmpty(o.cache.map((c) => ({ ID: c.id, location: locationJSONValue(c.location) }))),
    sources: nonEmpty(o.sources.map((s) => Buffer.from(s).toString("base64"))),
  };
}
