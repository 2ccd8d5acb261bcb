// Number/size/time formatting that reproduces Go's fmt output exactly.
//
// Go rounds `%.Nf` on the exact binary value of the float64 and breaks exact
// ties to even (strconv/math/big), while Number.prototype.toFixed breaks ties
// upwards; e.g. Go prints 1.25 with "%.1f" as "1.2", toFixed gives "1.3".

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Go's fmt "%.<prec>f" for a float64. */
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

/** github.com/tonistiigi/units: fmt.Sprintf("%.2f", units.Bytes(n)). */
export function formatBytes(n: number): string {
  let i = 0;
  let base = n < 0 ? -1 : 1;
  for (;;) {
    const next = base * 1000;
    if ((base > 0 && n >= next) || (base < 0 && n <= next)) {
      i++;
      base = next;
      continue;
    }
    break;
  }
  if (i === 0) return `${Math.trunc(n)}B`;
  return goFixed(n / Math.abs(base), 2) + decimalUnits[i];
}

/** time.Duration(ns).Seconds(), bit-for-bit. */
export function durationSeconds(ns: bigint): number {
  const sec = ns / 1_000_000_000n;
  const nsec = ns % 1_000_000_000n;
  return Number(sec) + Number(nsec) / 1e9;
}

/** Go's fmt "%-<w>s" (pads by rune count). */
export function padRight(s: string, w: number): string {
  const n = runeLen(s);
  return n >= w ? s : s + " ".repeat(w - n);
}

export function runeLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Go's fmt "%<w>d". */
export function padLeft(s: string, w: number): string {
  return s.length >= w ? s : " ".repeat(w - s.length) + s;
}
