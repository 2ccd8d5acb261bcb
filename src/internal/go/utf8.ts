/**
 * UTF-8 views of JS strings as Go sees its strings (Go 1.26 `unicode/utf8`,
 * string comparison): byte length, byte-wise order, code points. Pure: no I/O.
 */

/** The UTF-8 length of a well-formed JS string (`len(s)` in Go). */
export function utf8Length(s: string): number {
  let len = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) len += 1;
    else if (c < 0x800) len += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      len += 4;
      i++;
    } else len += 3;
  }
  return len;
}

const utf8Encoder = new TextEncoder();

/** Compares two strings by their UTF-8 bytes, as Go's `<` (and `strings.Compare`) on strings does. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  // Fast path: when both are below U+D800, UTF-16 order equals UTF-8 byte order.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca < 0xd800 && cb < 0xd800) return ca - cb;
    return compareBytes(utf8Encoder.encode(a.slice(i)), utf8Encoder.encode(b.slice(i)));
  }
  return a.length - b.length;
}

/** Byte-wise order of two byte slices (Go's `bytes.Compare`, by sign). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

/** The code points of a string (Go's `[]rune(s)`, a lone surrogate kept as its own value). */
export function codePoints(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) out.push(ch.codePointAt(0)!);
  return out;
}
