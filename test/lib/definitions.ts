/**
 * Comparing two LLB definitions (Go's and ours) and explaining the first
 * difference: op count, the first differing op (decoded, and the bytes around
 * the difference), metadata, source maps, then the whole bytes. Used by the
 * client/llb golden vectors (test/golden) and the Dockerfile goldens
 * (test/dockerfile).
 */

import { isDeepStrictEqual } from "node:util";
import { dumpDefinitionJson, sha256Digest, type Definition } from "../../src/llb/index.js";

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/** Explains the first difference between two definitions, or returns undefined when equal. */
export function compareDefinitions(want: Definition, got: Definition, wantBytes: Uint8Array, gotBytes: Uint8Array): string | undefined {
  if (want.def.length !== got.def.length) {
    return `op count: want ${want.def.length}, got ${got.def.length}\n  want ops:\n    ${dumpDefinitionJson(want).join("\n    ")}\n  got ops:\n    ${dumpDefinitionJson(got).join("\n    ")}`;
  }
  for (let i = 0; i < want.def.length; i++) {
    const w = want.def[i]!;
    const g = got.def[i]!;
    if (Buffer.compare(w, g) !== 0) {
      const at = firstDifference(w, g);
      return (
        `op ${i} differs at byte ${at}: want ${sha256Digest(w)}, got ${sha256Digest(g)}\n` +
        `  want: ${dumpDefinitionJson(new (want.constructor as typeof Definition)([w], new Map(), undefined))[0]}\n` +
        `  got:  ${dumpDefinitionJson(new (got.constructor as typeof Definition)([g], new Map(), undefined))[0]}\n` +
        `  want hex: ${hex(w.subarray(Math.max(0, at - 8), at + 24))}\n  got hex:  ${hex(g.subarray(Math.max(0, at - 8), at + 24))}`
      );
    }
  }
  const wk = [...want.metadata.keys()].sort();
  const gk = [...got.metadata.keys()].sort();
  if (!isDeepStrictEqual(wk, gk)) return `metadata keys differ:\n  want ${wk.join(" ")}\n  got  ${gk.join(" ")}`;
  for (const k of wk) {
    const wm = normalizeMeta(want.metadata.get(k));
    const gm = normalizeMeta(got.metadata.get(k));
    if (!isDeepStrictEqual(wm, gm)) return `metadata of ${k} differs:\n  want ${JSON.stringify(wm)}\n  got  ${JSON.stringify(gm)}`;
  }
  const ws = normalizeJson(want.source);
  const gs = normalizeJson(got.source);
  if (!isDeepStrictEqual(ws, gs)) return `source maps differ:\n  want ${JSON.stringify(ws)}\n  got  ${JSON.stringify(gs)}`;
  if (Buffer.compare(wantBytes, gotBytes) !== 0) {
    return `whole Definition bytes differ at ${firstDifference(wantBytes, gotBytes)} (ops, metadata and sources are equal)`;
  }
  return undefined;
}

function normalizeJson(v: unknown): unknown {
  return JSON.parse(
    JSON.stringify(v ?? null, (_k, val: unknown) => {
      if (val instanceof Uint8Array) return Buffer.from(val).toString("base64");
      if (typeof val === "bigint") return val.toString();
      if (val && typeof val === "object" && (val as { type?: string }).type === "Buffer") return val;
      return val;
    }),
  );
}

/** Metadata compared as decoded values: empty maps and false/zero fields equal absent ones, as on the wire. */
function normalizeMeta(m: unknown): unknown {
  const j = normalizeJson(m) as Record<string, unknown> | null;
  if (!j) return {};
  const out: Record<string, unknown> = {};
  for (let [k, v] of Object.entries(j)) {
    if (v === false || v === 0 || v === "" || v === null) continue;
    // Nested messages too (export_cache {Value: false} decodes as {}); maps (description, caps) are kept as they are.
    if (typeof v === "object" && !Array.isArray(v) && k !== "description" && k !== "caps") v = normalizeMeta(v);
    if (typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 0 && k !== "export_cache") continue;
    out[k] = v;
  }
  return out;
}
