/**
 * `frontend.convertllb`: port of buildkit v0.32.2
 * frontend/dockerfile/dockerfile2llb/convertllb.go (the target's marshalled ops by
 * digest, with their metadata and source map) and of the JSON that
 * frontend/subrequests/convertllb/convertllb.go writes for it: ops and source as
 * protojson, metadata as encoding/json of llb.OpMetadata, the whole indented by
 * `json.MarshalIndent` (which normalizes protojson's whitespace).
 */

import { goJSONMarshalIndent } from "../../internal/go/json.js";
import { compareUtf8 } from "../../internal/go/utf8.js";
import { decodeOp } from "../../llb/decode.js";
import { sha256Digest } from "../../llb/digest.js";
import type { Definition } from "../../llb/index.js";
import type { PbOp, PbOpMetadata } from "../../llb/pb.js";
import { pb } from "../../proto/ops.js";
import type { DispatchState } from "./dispatch-state.js";

/** convertllb.Result: every op of the target's definition by digest, with metadata and source. */
export interface ConvertLLBResult {
  def: Map<string, PbOp>;
  metadata: ReadonlyMap<string, PbOpMetadata>;
  /** The definition the ops come from (its bytes give the JSON). */
  definition: Definition;
}

/** dispatchState.ConvertLLB: marshals the target state with its defaults and decodes each op. */
export async function convertLLB(ds: DispatchState): Promise<ConvertLLBResult> {
  const definition = await ds.state.marshal();
  const def = new Map<string, PbOp>();
  for (const dt of definition.def) def.set(sha256Digest(dt), decodeOp(dt));
  return { def, metadata: definition.metadata, definition };
}

const conversion = { longs: String, enums: String, bytes: String, defaults: false, arrays: false, objects: false, oneofs: false };

// Fields that are proto maps in the messages convertllb writes (protojson sorts map keys).
const mapFields = new Set(["attrs", "inputs", "locations", "description", "caps", "metadata"]);

/** protobufjs's plain object (proto field names) as protojson writes it: JSON names, map keys sorted. */
function protojsonValue(v: unknown, key = ""): unknown {
  if (Array.isArray(v)) return v.map((x) => protojsonValue(x));
  if (v === null || typeof v !== "object") return v;
  const entries = Object.entries(v as Record<string, unknown>);
  if (mapFields.has(key)) {
    entries.sort(([a], [b]) => compareUtf8(a, b));
    return Object.fromEntries(entries.map(([k, x]) => [k, protojsonValue(x)]));
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of entries) out[jsonName(k)] = protojsonValue(x, k);
  return out;
}

/** protoc's json_name: underscores dropped, the letter after one upper-cased. */
function jsonName(name: string): string {
  return name.includes("_") ? name.replace(/_+([a-z]?)/g, (_, c: string) => c.toUpperCase()) : name;
}

function sortedRecord<T>(rec: Readonly<Record<string, T>> | undefined, map: (v: T) => unknown = (v) => v): Record<string, unknown> | undefined {
  if (!rec) return undefined;
  const keys = Object.keys(rec).sort(compareUtf8);
  if (keys.length === 0) return undefined;
  return Object.fromEntries(keys.map((k) => [k, map(rec[k]!)]));
}

/** llb.OpMetadata through encoding/json (omitempty everywhere; int64 as numbers). */
export function opMetadataJSONValue(m: PbOpMetadata): Record<string, unknown> {
  const lr = m.linux_resources;
  return {
    ignore_cache: m.ignore_cache || undefined,
    description: sortedRecord(m.description),
    export_cache: m.export_cache ? { Value: m.export_cache.Value || undefined } : undefined,
    caps: sortedRecord(m.caps),
    progress_group: m.progress_group
      ? { id: m.progress_group.id || undefined, name: m.progress_group.name || undefined, weak: m.progress_group.weak || undefined }
      : undefined,
    linux_resources: lr
      ? {
          memory: numberOrUndefined(lr.memory),
          memorySwap: numberOrUndefined(lr.memorySwap),
          cpuShares: numberOrUndefined(lr.cpuShares),
          cpuPeriod: numberOrUndefined(lr.cpuPeriod),
          cpuQuota: numberOrUndefined(lr.cpuQuota),
          cpusetCpus: lr.cpusetCpus || undefined,
          cpusetMems: lr.cpusetMems || undefined,
        }
      : undefined,
  };
}

function numberOrUndefined(v: number | bigint | undefined): number | undefined {
  if (v === undefined || v === 0 || v === 0n) return undefined;
  return Number(v);
}

/** The `result.json` of `frontend.convertllb` (Go's `json.MarshalIndent(result, "", "  ")`). */
export function convertLLBResultJSON(r: ConvertLLBResult): string {
  const decoded = pb.Definition.decode(r.definition.toBytes());
  const def: Record<string, unknown> = {};
  const digests = [...r.def.keys()].sort(compareUtf8);
  const opsByDigest = new Map<string, Uint8Array>();
  for (const dt of r.definition.def) opsByDigest.set(sha256Digest(dt), dt);
  for (const d of digests) def[d] = protojsonValue(pb.Op.toObject(pb.Op.decode(opsByDigest.get(d)!), conversion));
  const metadata: Record<string, unknown> = {};
  for (const k of [...r.metadata.keys()].sort(compareUtf8)) metadata[k] = opMetadataJSONValue(r.metadata.get(k)!);
  // protojson writes a nil message as {}.
  const source = decoded.Source ? protojsonValue(pb.Source.toObject(decoded.Source as pb.Source, conversion)) : {};
  return goJSONMarshalIndent({ def, metadata, source });
}
