// Ports of the byte-size and duration formatting buildctl and progressui print:
//   github.com/tonistiigi/units v0.0.0-20180711220420-6950e57a87ea bytes.go
//     (Bytes.Format with "%.2f" and "%g", decimal units),
//   github.com/docker/go-units v0.5.0 duration.go (HumanDuration),
//   and Go's fmt "%.<prec>f" of a float64 (strconv.FormatFloat(x, 'f', prec, 64), Go 1.22+),
//   which both the sizes and progressui's timers use.
// Pure: no I/O.

import { goQuote, parseFloat, parseInt } from "./strconv.js";

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Go's fmt "%.<prec>f" for a float64.
 *
 * Go rounds on the exact binary value of the float64 and breaks exact ties to even, while
 * Number.prototype.toFixed breaks ties upwards: Go prints 1.25 with "%.1f" as "1.2", toFixed gives "1.3".
 */
export function goFixed(x: number, prec: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  f64[0] = x;
  const hi = u32[LE ? 1 : 0]!;
  const lo = u32[LE ? 0 : 1]!;
  const neg = (hi >>> 31) === 1;
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (bexp === 0) {
    exp = -1074; // subnormal
  } else {
    mant |= 1n << 52n;
    exp = bexp - 1075;
  }
  const scale = 10n ** BigInt(prec);
  let q: bigint;
  if (exp >= 0) {
    q = (mant << BigInt(exp)) * scale;
  } else {
    const k = BigInt(-exp);
    const num = mant * scale;
    q = num >> k;
    const r = num - (q << k);
    const half = 1n << (k - 1n);
    if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
  }
  let digits = q.toString();
  if (prec > 0) {
    digits = digits.padStart(prec + 1, "0");
    digits = digits.slice(0, digits.length - prec) + "." + digits.slice(digits.length - prec);
  }
  return (neg ? "-" : "") + digits;
}

const decimalUnits = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

/** Bytes.floatValue(false): the value in its largest decimal unit, or undefined below 1kB. */
function floatValue(b: bigint): [number, string] | undefined {
  let i = 0;
  let base = b < 0n ? -1n : 1n;
  for (;;) {
    const next = base * 1000n;
    if ((base > 0n && b >= next) || (base < 0n && b <= next)) {
      i++;
      base = next;
      continue;
    }
    break;
  }
  if (i === 0) return undefined;
  return [Number(b) / Math.abs(Number(base)), decimalUnits[i]!];
}

function int64(n: bigint | number): bigint {
  return typeof n === "bigint" ? n : BigInt(Math.trunc(n));
}

/** `fmt.Sprintf("%.2f", units.Bytes(n))`: "123B", "1.23kB", "10.50MB". */
export function formatBytes(n: bigint | number): string {
  const b = int64(n);
  const fv = floatValue(b);
  if (!fv) return `${b}B`;
  return goFixed(fv[0], 2) + fv[1];
}

/** go-units `BytesSize`: binary units, `%.4g`: "488.3MiB", "2GiB", "512B". */
export function bytesSize(n: bigint | number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];
  let size = Number(n);
  let i = 0;
  while (size >= 1024 && i < units.length - 1) {
    size /= 1024;
    i++;
  }
  return `${Number(size.toPrecision(4))}${units[i]}`;
}

/** `fmt.Sprintf("%g", units.Bytes(n))`: shortest form, "10GB", "51.2GB". */
export function formatBytesG(n: bigint | number): string {
  const b = int64(n);
  const fv = floatValue(b);
  if (!fv) return `${b}B`;
  return String(fv[0]) + fv[1];
}

/** go-units `HumanDuration` of a duration in milliseconds: "Less than a second", "5 minutes", "About an hour". */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3_600_000 / 24 / 365)} years`;
}

/** A resource limit (github.com/docker/go-units v0.5.0 ulimit.go `Ulimit`). */
export interface Ulimit {
  name: string;
  soft: bigint;
  hard: bigint;
}

const ulimitNames = new Set(["core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"]);

/** go-units' `ParseUlimit`: `name=soft[:hard]`; throws an Error with go-units' (or strconv's) message. */
export function parseUlimit(val: string): Ulimit {
  const eq = val.indexOf("=");
  if (eq < 0) throw new Error(`invalid ulimit argument: ${val}`);
  const name = val.slice(0, eq);
  const value = val.slice(eq + 1);
  if (!ulimitNames.has(name)) throw new Error(`invalid ulimit type: ${name}`);
  const parts = value.split(":");
  if (parts.length > 2) throw new Error(`too many limit value arguments - ${value}, can only have up to two, \`soft[:hard]\``);
  const hardGiven = parts.length === 2 ? parseInt(parts[1]!, 10, 64) : undefined;
  const soft = parseInt(parts[0]!, 10, 64);
  const hard = hardGiven ?? soft;
  if (hard !== -1n) {
    if (soft === -1n) throw new Error(`ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: ${hard}`);
    if (soft > hard) throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  }
  return { name, soft, hard };
}

const binaryMap: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Go's int64(f) of a float64 as amd64 does it: out-of-range values become the minimum int64. */
function goInt64(f: number): number {
  if (!(f > -(2 ** 63) && f < 2 ** 63)) return -(2 ** 63);
  return Math.trunc(f);
}

/**
 * docker/go-units v0.5.0 `RAMInBytes`: "64m", "1.5GiB", "512 kb", "100" as a byte count (binary
 * multiples; case-insensitive suffix, optional `b`/`ib`). Throws an Error worded as go-units' for a
 * bad value (`invalid size: 'x'`, `invalid suffix: 'x'`, or strconv's message for a bad number).
 */
export function ramInBytes(sizeStr: string): number {
  let sep = -1;
  for (let i = sizeStr.length - 1; i >= 0; i--) {
    if ("01234567890. ".includes(sizeStr[i]!)) {
      sep = i;
      break;
    }
  }
  if (sep === -1) throw new Error(`invalid size: '${sizeStr}'`);
  const num = sizeStr[sep] !== " " ? sizeStr.slice(0, sep + 1) : sizeStr.slice(0, sep);
  let sfx = sizeStr.slice(sep + 1);
  let size = parseFloat(num);
  if (size === undefined) throw new Error(`strconv.ParseFloat: parsing ${goQuote(num)}: invalid syntax`);
  if (size < 0) throw new Error(`invalid size: '${sizeStr}'`);
  if (sfx.length === 0) return goInt64(size);
  const bad = () => new Error(`invalid suffix: '${sfx}'`);
  if (sfx.length > 3) throw bad();
  sfx = sfx.toLowerCase();
  if (sfx[0] === "b") {
    if (sfx.length > 1) throw bad();
    return goInt64(size);
  }
  const mul = binaryMap[sfx[0]!];
  if (mul === undefined) throw bad();
  size *= mul;
  if ((sfx.length === 2 && sfx[1] !== "b") || (sfx.length === 3 && sfx.slice(1) !== "ib")) throw bad();
  return goInt64(size);
}
