// Go's fmt/time formatting progressui relies on, reproduced exactly. Go's "%.Nf" and the
// byte sizes (tonistiigi/units) are in internal/go/units.ts.

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
