// Go's fmt/time formatting (Go 1.26 fmt "%-<w>s"/"%<w>d", time.Duration.Seconds) that buildkit's
// progressui output relies on, reproduced exactly. Go's "%.Nf" and the byte sizes are in units.ts.

/** time.Duration(ns).Seconds(), bit-for-bit. */
export function durationSeconds(ns: bigint): number {
  const sec = ns / 1_000_000_000n;
  const nsec = ns % 1_000_000_000n;
  return Number(sec) + Number(nsec) / 1e9;
}

/** Go's fmt "%-<w>s" (pads by rune count). */
export function padRight(s: string, w: number): string {
  const n = runeCount(s);
  return n >= w ? s : s + " ".repeat(w - n);
}

/** utf8.RuneCountInString, for strings holding valid text. */
export function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
