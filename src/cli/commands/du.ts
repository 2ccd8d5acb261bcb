/**
 * `tsfrontend du`: build cache disk usage, as `buildctl du` prints it. Also holds the
 * printing helpers `prune` and `workers` share (as buildctl's diskusage.go does):
 * a port of Go's text/tabwriter as buildctl configures it, and Go's formatting of
 * byte sizes (tonistiigi/units), durations and times.
 */

import type { Command } from "commander";
import { ControlClient, type UsageRecord } from "../../client/connection.js";
import { BuildkitError } from "../../client/errors.js";
import { UsageError } from "../../errors.js";
import { connect } from "../connect.js";
import { collect } from "../options.js";

// --- Go formatting ---------------------------------------------------------------------------

/**
 * Go's `text/tabwriter` with buildctl's settings `NewWriter(w, 1, 8, 1, '\t', 0)`:
 * cells end at `\t`, columns of consecutive lines align, padding is done with tabs.
 * A line without tabs ends the block (its columns are aligned separately).
 */
export class TabWriter {
  private lines: string[][] = [[]];
  private cell = "";
  private out = "";

  constructor(
    private readonly minwidth = 1,
    private readonly tabwidth = 8,
    private readonly padding = 1,
  ) {}

  write(s: string): this {
    for (const ch of s) {
      if (ch === "\t") {
        this.lines.at(-1)!.push(this.cell);
        this.cell = "";
      } else if (ch === "\n") {
        const line = this.lines.at(-1)!;
        line.push(this.cell);
        this.cell = "";
        this.lines.push([]);
        if (line.length === 1) this.flush();
      } else {
        this.cell += ch;
      }
    }
    return this;
  }

  /** Formats what is buffered and returns everything formatted so far. */
  flush(): this {
    if (this.cell !== "") {
      this.lines.at(-1)!.push(this.cell);
      this.cell = "";
    }
    const widths: number[] = [];
    this.format(widths, 0, this.lines.length);
    this.lines = [[]];
    return this;
  }

  /** Flushes and takes the output. */
  take(): string {
    this.flush();
    const s = this.out;
    this.out = "";
    return s;
  }

  private format(widths: number[], line0: number, line1: number): void {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= this.lines[i]!.length - 1) continue;
      this.writeLines(widths, line0, i);
      line0 = i;
      let width = this.minwidth;
      for (; i < line1; i++) {
        const line = this.lines[i]!;
        if (column >= line.length - 1) break;
        const w = runeCount(line[column]!) + this.padding;
        if (w > width) width = w;
      }
      widths.push(width);
      this.format(widths, line0, i);
      widths.pop();
      line0 = i;
    }
    this.writeLines(widths, line0, line1);
  }

  private writeLines(widths: number[], line0: number, line1: number): void {
    for (let i = line0; i < line1; i++) {
      const line = this.lines[i]!;
      line.forEach((c, j) => {
        this.out += c;
        if (j < widths.length) {
          const textw = runeCount(c);
          const cellw = Math.ceil(widths[j]! / this.tabwidth) * this.tabwidth;
          this.out += "\t".repeat(Math.ceil((cellw - textw) / this.tabwidth));
        }
      });
      // The last buffered line is the one still being written: no newline yet.
      if (i + 1 !== this.lines.length) this.out += "\n";
    }
  }
}

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** A protobufjs int64 (number or Long) as a bigint. */
export function int64(v: number | { toString(): string } | null | undefined): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === "number") return BigInt(Math.trunc(v));
  return BigInt(v.toString());
}

const decimalUnits = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

function floatValue(b: bigint): [number, string] | undefined {
  const mag = b < 0n ? -b : b;
  let i = 0;
  let base = 1n;
  while (mag >= base * 1000n) {
    i++;
    base *= 1000n;
  }
  if (i === 0) return undefined;
  return [Number(b) / Number(base), decimalUnits[i]!];
}

/** Go's `fmt.Sprintf("%.2f", units.Bytes(n))`: "123B", "1.23kB", "10.5MB" is "10.50MB". */
export function formatBytes(n: bigint | number): string {
  const b = typeof n === "bigint" ? n : BigInt(Math.trunc(n));
  const fv = floatValue(b);
  if (!fv) return `${b}B`;
  return fixed2(fv[0]) + fv[1];
}

/** Go's `%g` of units.Bytes: shortest form, "10GB", "51.2GB". */
export function formatBytesG(n: bigint | number): string {
  const b = typeof n === "bigint" ? n : BigInt(Math.trunc(n));
  const fv = floatValue(b);
  if (!fv) return `${b}B`;
  return String(fv[0]) + fv[1];
}

/** `x.toFixed(2)` with Go's rounding of exact ties (half to even; JS rounds them up). */
function fixed2(x: number): string {
  const s = x.toFixed(2);
  // A tie at the third decimal is exactly representable only as an odd multiple of 1/8.
  const e = x * 8;
  if (Number.isInteger(e) && !Number.isInteger(x * 4)) {
    const down = Math.trunc(x * 100) / 100;
    const lastDown = Math.abs(Math.trunc(x * 100)) % 10;
    if (lastDown % 2 === 0) return down.toFixed(2);
  }
  return s;
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

const durationUnits: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's `time.ParseDuration` ("300ms", "1.5h", "2h45m"), in nanoseconds; undefined if malformed. */
export function parseGoDuration(s: string): number | undefined {
  let rest = s;
  let neg = false;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    neg = rest[0] === "-";
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") return undefined;
  let total = 0;
  const re = /^([0-9]*)(?:\.([0-9]*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== "") {
    const m = re.exec(rest);
    if (!m || (m[1] === "" && (m[2] ?? "") === "")) return undefined;
    const unit = durationUnits[m[3]!]!;
    let v = Number(m[1] || "0") * unit;
    if (m[2]) v += Math.trunc(Number(m[2]) * (unit / 10 ** m[2].length));
    total += v;
    rest = rest.slice(m[0].length);
  }
  return neg ? -total : total;
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
  const ms = now - (Number(int64(ts.seconds)) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6));
  const seconds = Math.trunc(ms / 1000);
  let h: string;
  if (seconds < 1) h = "Less than a second";
  else if (seconds === 1) h = "1 second";
  else if (seconds < 60) h = `${seconds} seconds`;
  else {
    const minutes = Math.trunc(seconds / 60);
    const hours = Math.round(ms / 3_600_000);
    if (minutes === 1) h = "About a minute";
    else if (minutes < 60) h = `${minutes} minutes`;
    else if (hours === 1) h = "About an hour";
    else if (hours < 48) h = `${hours} hours`;
    else if (hours < 24 * 7 * 2) h = `${Math.trunc(hours / 24)} days`;
    else if (hours < 24 * 30 * 2) h = `${Math.trunc(hours / 24 / 7)} weeks`;
    else if (hours < 24 * 365 * 2) h = `${Math.trunc(hours / 24 / 30)} months`;
    else h = `${Math.trunc(ms / 3_600_000 / 24 / 365)} years`;
  }
  return `${h} ago`;
}

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

/** The filter flag as buildctl's StringSliceFlag takes it: repeated, and split at commas. */
export function parseFilters(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(",")).filter((v) => v !== "");
}

/** A daemon error about the filters, reported against the flag. */
export function filterError(err: unknown, filters: string[]): never {
  if (err instanceof BuildkitError && filters.length > 0 && (err.reason === "INVALID_ARGUMENT" || /filter|parse/i.test(err.message))) {
    const named = filters.every((f) => err.message.includes(f));
    throw new UsageError(named ? err.message : `${err.message} (filters: ${filters.join(" ")})`, { flag: "--filter", cause: err });
  }
  throw err;
}

// --- the command ----------------------------------------------------------------------------

interface DuFlags {
  filter: string[];
  verbose?: boolean;
}

export function registerDu(program: Command): void {
  program
    .command("du")
    .description("disk usage of the build cache (as `buildctl du`)")
    .option("-f, --filter <filter>", "filter records, e.g. type==regular (repeatable; commas separate alternatives, as in buildctl)", collect, [])
    .option("-v, --verbose", "verbose output")
    .action(async (flags: DuFlags, cmd: Command) => {
      await runDu(flags, cmd);
    });
}

async function runDu(flags: DuFlags, cmd: Command): Promise<void> {
  const filters = parseFilters(flags.filter);
  const conn = await connect(cmd);
  let records: UsageRecord[];
  try {
    records = sortUsage(await new ControlClient(conn).diskUsage(filters).catch((err: unknown) => filterError(err, filters)));
  } finally {
    conn.close();
  }
  const tw = new TabWriter();
  if (flags.verbose) {
    for (const r of records) printUsageVerbose(tw, r);
  } else {
    tw.write(USAGE_HEADER);
    const now = Date.now();
    for (const r of records) printUsageRow(tw, r, now);
  }
  tw.flush();
  if (filters.length === 0) {
    let total = 0n;
    let reclaimable = 0n;
    let shared = 0n;
    for (const r of records) {
      const size = int64(r.Size);
      if (size > 0n) {
        total += size;
        if (!r.InUse) reclaimable += size;
      }
      if (r.Shared) shared += size;
    }
    if (shared > 0n) {
      tw.write(`Shared:\t${formatBytes(shared)}\n`);
      tw.write(`Private:\t${formatBytes(total - shared)}\n`);
    }
    tw.write(`Reclaimable:\t${formatBytes(reclaimable)}\n`);
    tw.write(`Total:\t${formatBytes(total)}\n`);
  }
  process.stdout.write(tw.take());
}
