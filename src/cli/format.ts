/**
 * Table and value formatting shared by `du`, `prune`, `workers`, `daemon` and `inspect`, as buildctl prints them
 * (cmd/buildctl/diskusage.go, prune.go, workers.go at v0.32.2): a port of Go's text/tabwriter as buildctl
 * configures it (the writer is internal/go/tabwriter.ts), Go's time.Duration/time.Time formatting, and the disk-usage rows. Byte sizes are
 * internal/go/units.ts.
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

/** Go's `time.Duration.String()` of a number of nanoseconds: "48h0m0s", "1.5s", "300ms". */
export function formatGoDuration(ns: bigint): string {
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  const frac = (v: bigint, prec: number): [string, bigint] => {
    let s = "";
    let printed = false;
    for (let i = 0; i < prec; i++) {
      const digit = v % 10n;
      printed = printed || digit !== 0n;
      if (printed) s = digit.toString() + s;
      v /= 10n;
    }
    return [printed ? "." + s : "", v];
  };
  if (u < 1_000_000_000n) {
    if (u === 0n) return "0s";
    let unit: string;
    let prec: number;
    if (u < 1000n) [unit, prec] = ["ns", 0];
    else if (u < 1_000_000n) [unit, prec] = ["µs", 3];
    else [unit, prec] = ["ms", 6];
    const [f, rest] = frac(u, prec);
    out = rest.toString() + f + unit;
  } else {
    const [f, secs] = frac(u, 9);
    u = secs;
    out = (u % 60n).toString() + f + "s";
    u /= 60n;
    if (u > 0n) {
      out = (u % 60n).toString() + "m" + out;
      u /= 60n;
      if (u > 0n) out = u.toString() + "h" + out;
    }
  }
  return neg ? "-" + out : out;
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
