/**
 * Table and value formatting shared by `du`, `prune`, `workers`, `daemon` and `inspect`, as buildctl prints them
 * (cmd/buildctl/diskusage.go, prune.go, workers.go at v0.32.2): a port of Go's text/tabwriter as buildctl
 * configures it (the writer is internal/go/tabwriter.ts), Go's time.Time formatting, and the disk-usage rows. Byte sizes are
 * internal/go/units.ts, durations internal/go/time.ts.
 */

import type { UsageRecord } from "../client/connection.js";
import { formatBytes, humanDuration } from "../internal/go/units.js";

import { TabWriter } from "../internal/go/tabwriter.js";

export { TabWriter };

/** A protobufjs int64 (number or Long) as a bigint. */
export function int64(v: number | { toString(): string } | null | undefined): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === "number") return BigInt(Math.trunc(v));
  return BigInt(v.toString());
}

/**
 * A buildkit `Descriptor` message as Go prints it with `%s` (protobuf-go's
 * one-line text form: set fields in field order, map entries sorted by key),
 * e.g. `media_type:"application/vnd.oci.image.manifest.v1+json" digest:"sha256:..." size:1234`.
 * protobuf-go sometimes doubles a space there on purpose (so nobody compares
 * its text byte for byte); this is the single-spaced form.
 */
export function descriptorText(d: { media_type?: string | null; digest?: string | null; size?: number | { toString(): string } | null; annotations?: Record<string, string> | null }): string {
  const parts: string[] = [];
  if (d.media_type) parts.push(`media_type:${textString(d.media_type)}`);
  if (d.digest) parts.push(`digest:${textString(d.digest)}`);
  const size = int64(d.size);
  if (size !== 0n) parts.push(`size:${size}`);
  for (const k of Object.keys(d.annotations ?? {}).sort()) parts.push(`annotations:{key:${textString(k)} value:${textString(d.annotations![k]!)}}`);
  return parts.join(" ");
}

/** A string as protobuf-go's text format quotes it: ", \\ and control characters escaped, UTF-8 kept. */
function textString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + '"';
}

/** Go's `time.Time.String()` of a UTC protobuf timestamp: "2024-05-01 10:00:00.123 +0000 UTC". */
export function formatGoTime(ts: { seconds?: number | { toString(): string } | null; nanos?: number | null } | null | undefined): string {
  const secs = int64(ts?.seconds);
  const nanos = ts?.nanos ?? 0;
  const d = new Date(Number(secs) * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  let s = `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  if (nanos > 0) s += "." + p(nanos, 9).replace(/0+$/, "");
  return s + " +0000 UTC";
}

/** Go's `t.Local().Format(time.RFC3339)` of a protobuf timestamp: "2024-05-01T12:00:00+02:00", "Z" for UTC. */
export function formatRfc3339Local(ts: { seconds?: number | { toString(): string } | null; nanos?: number | null } | null | undefined): string {
  if (!ts) return "";
  const d = new Date(Number(int64(ts.seconds)) * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const offset = -d.getTimezoneOffset();
  const zone = offset === 0 ? "Z" : `${offset < 0 ? "-" : "+"}${p(Math.floor(Math.abs(offset) / 60))}:${p(Math.abs(offset) % 60)}`;
  return `${p(d.getFullYear(), 4)}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}${zone}`;
}

/** docker/go-units HumanDuration + " ago", as `docker buildx du` prints LAST ACCESSED. */
export function formatAgo(ts: { seconds?: number | { toString(): string } | null; nanos?: number | null } | null | undefined, now = Date.now()): string {
  if (!ts) return "";
  return `${humanDuration(now - (Number(int64(ts.seconds)) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)))} ago`;
}

// --- usage records -------------------------------------------------------------------------

// --- usage records -------------------------------------------------------------------------

/** buildctl's printVerbose for one record (ends with an empty line). */
export function printUsageVerbose(tw: TabWriter, r: UsageRecord): void {
  const kv = (k: string, v: string) => tw.write(`${k}:\t${v}\n`);
  kv("ID", r.ID ?? "");
  if (r.Parents && r.Parents.length > 0) kv("Parents", r.Parents.join(";"));
  kv("Created at", formatGoTime(r.CreatedAt));
  kv("Mutable", String(Boolean(r.Mutable)));
  kv("Reclaimable", String(!r.InUse));
  kv("Shared", String(Boolean(r.Shared)));
  kv("Size", formatBytes(int64(r.Size)));
  if (r.Description) kv("Description", r.Description);
  kv("Usage count", int64(r.UsageCount).toString());
  if (r.LastUsedAt) kv("Last used", formatGoTime(r.LastUsedAt));
  if (r.RecordType) kv("Type", r.RecordType);
  tw.write("\n");
}

export const USAGE_HEADER = "ID\tRECLAIMABLE\tSIZE\tLAST ACCESSED\n";

/** buildctl's printTableRow, plus the last access time buildctl leaves blank. */
export function printUsageRow(tw: TabWriter, r: UsageRecord, now = Date.now()): void {
  const id = (r.ID ?? "") + (r.Mutable ? "*" : "");
  const size = formatBytes(int64(r.Size)) + (r.Shared ? "*" : "");
  tw.write(`${id.padEnd(71)}\t${String(!r.InUse).padEnd(11)}\t${size}\t${formatAgo(r.LastUsedAt, now)}\n`);
}

/** Sorted as Go's client.DiskUsage returns them: by size, then ID. */
export function sortUsage(records: UsageRecord[]): UsageRecord[] {
  return [...records].sort((a, b) => {
    const sa = int64(a.Size);
    const sb = int64(b.Size);
    if (sa !== sb) return sa < sb ? -1 : 1;
    const ia = a.ID ?? "";
    const ib = b.ID ?? "";
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  });
}

/**
 * A subrequest's answer as buildctl prints it after the build (cmd/buildctl/build.go):
 * `result.txt` as is, else every `result.*` entry as its name and its value on lines of
 * their own (sorted here; Go's map order is random).
 */
export function formatSubrequestResult(metadata: Readonly<Record<string, Uint8Array>>): Buffer {
  const txt = metadata["result.txt"];
  if (txt) return Buffer.from(txt);
  const parts: Buffer[] = [];
  for (const k of Object.keys(metadata).sort()) {
    if (k.startsWith("result.")) parts.push(Buffer.from(`${k}\n`), Buffer.from(metadata[k]!), Buffer.from("\n"));
  }
  return Buffer.concat(parts);
}
