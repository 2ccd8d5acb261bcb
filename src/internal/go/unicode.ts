/**
 * Go 1.26 `unicode` predicates on code points (`unicode.IsSpace`, `IsLetter`,
 * `IsDigit`) and the `strings`/`bytes` trims built on `unicode.IsSpace`. Pure: no I/O.
 */

/** Go's unicode.IsSpace. */
export function isSpace(c: number): boolean {
  if (c < 0x100) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

const letterRe = /^\p{L}$/u;
const digitRe = /^\p{Nd}$/u;

/** Go's unicode.IsLetter. */
export function isLetter(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
  return c <= 0x10ffff && letterRe.test(String.fromCodePoint(c));
}

/** Go's unicode.IsDigit (decimal digits, Nd). */
export function isDigit(c: number): boolean {
  if (c < 0x80) return c >= 0x30 && c <= 0x39;
  return c <= 0x10ffff && digitRe.test(String.fromCodePoint(c));
}

/** Go's strings.TrimLeftFunc(s, unicode.IsSpace). */
export function trimLeftSpace(s: string): string {
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return i === 0 ? s : s.slice(i);
}

/** Go's strings.TrimRightFunc(s, unicode.IsSpace). */
export function trimRightSpace(s: string): string {
  let j = s.length;
  while (j > 0 && isSpace(s.charCodeAt(j - 1))) j--;
  return j === s.length ? s : s.slice(0, j);
}

/** Go's strings.TrimSpace. */
export function trimSpace(s: string): string {
  return trimRightSpace(trimLeftSpace(s));
}

/** True when every character of `s` is ASCII. */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** Go's strings.ToLower: per code point (no context rules; İ becomes i). */
export function toLower(s: string): string {
  if (isAscii(s)) return s.toLowerCase();
  let out = "";
  for (const ch of s) {
    if (ch === "\u0130") out += "i";
    else {
      const l = ch.toLowerCase();
      out += Array.from(l).length === 1 ? l : ch;
    }
  }
  return out;
}
