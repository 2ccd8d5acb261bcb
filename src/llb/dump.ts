/**
 * A readable JSON dump of a definition, one object per op and line, shaped
 * like `buildctl debug dump-llb` (Go's encoding/json of `pb.Op`: proto field
 * names, empty fields left out, oneofs under their Go wrapper names).
 */

import type { Definition } from "./definition.js";
import { inspectDefinition } from "./decode.js";

const oneofs: Record<string, { wrapper: string; members: Record<string, string> }> = {
  op: {
    wrapper: "Op",
    members: { exec: "Exec", source: "Source", file: "File", build: "Build", merge: "Merge", diff: "Diff", passthrough: "Passthrough" },
  },
  action: { wrapper: "Action", members: { copy: "Copy", mkfile: "Mkfile", mkdir: "Mkdir", rm: "Rm", symlink: "Symlink" } },
  user: { wrapper: "User", members: { byName: "ByName", byID: "ByID" } },
};

const mapFields = new Set(["attrs", "description", "caps", "inputs", "metadata", "locations"]);

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === 0n || v === "") return true;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof Uint8Array) return v.length === 0;
  return false;
}

function toJsonValue(v: unknown, oneofKind?: string): unknown {
  if (typeof v === "bigint") return { $bigint: v.toString() };
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  if (Array.isArray(v)) return v.map((x) => toJsonValue(x));
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    const spec = oneofKind ? oneofs[oneofKind] : undefined;
    for (const [k, val] of Object.entries(v)) {
      const member = spec?.members[k];
      if (member) {
        out[spec!.wrapper] = { [member]: toJsonValue(val, childOneof(k)) };
        continue;
      }
      if (isEmpty(val)) continue;
      // Maps are Go maps (omitted when empty); empty messages stay, as Go keeps set pointers.
      if (mapFields.has(k) && val && typeof val === "object" && Object.keys(val).length === 0) continue;
      out[k] = toJsonValue(val, childOneof(k));
    }
    return out;
  }
  return v;
}

function childOneof(field: string): string | undefined {
  if (field === "actions") return "action";
  if (field === "user" || field === "group") return "user";
  return undefined;
}

function stringify(v: unknown, indent: string | undefined): string {
  const s = JSON.stringify(v, null, indent);
  // int64 values beyond 2^53 are printed as bare numbers, as Go does.
  return s.replace(/\{\s*"\$bigint":\s*"(-?\d+)"\s*\}/g, "$1");
}

/** One JSON line per op: `{"Op": ..., "Digest": ..., "OpMetadata": ...}`. */
export function dumpDefinitionJson(def: Definition, options: { indent?: string } = {}): string[] {
  return inspectDefinition(def).map((o) => {
    const op = toJsonValue({ inputs: o.op.inputs, platform: o.op.platform, constraints: o.op.constraints, ...pickOneof(o.op) }, "op");
    return stringify({ Op: op, Digest: o.digest, OpMetadata: toJsonValue(o.metadata ?? {}) }, options.indent);
  });
}

function pickOneof(op: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ["exec", "source", "file", "build", "merge", "diff", "passthrough"]) {
    const v = (op as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}
