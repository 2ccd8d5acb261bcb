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

const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Bytes as a Go program reading them as a string sees them rune by rune
 * (utf8.DecodeRune): valid UTF-8 as it is (a BOM kept), and each byte of an
 * invalid sequence as one U+FFFD (TextDecoder would merge some into one).
 */
export function decodeUtf8Go(b: Uint8Array): string {
  try {
    return strictDecoder.decode(b);
  } catch {
    // invalid somewhere: decode by hand below
  }
  const parts: string[] = [];
  let units: number[] = [];
  const flush = (): void => {
    parts.push(String.fromCharCode(...units));
    units = [];
  };
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    let cp = 0xfffd;
    let size = 1;
    if (c < 0x80) {
      cp = c;
    } else if (c >= 0xc2 && c <= 0xf4) {
      const need = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
      const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
      const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
      const c1 = i + 1 < n ? b[i + 1]! : -1;
      if (c1 >= lo && c1 <= hi) {
        if (need === 2) {
          cp = ((c & 0x1f) << 6) | (c1 & 0x3f);
          size = 2;
        } else {
          const c2 = i + 2 < n ? b[i + 2]! : -1;
          if (c2 >= 0x80 && c2 <= 0xbf) {
            if (need === 3) {
              cp = ((c & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
              size = 3;
            } else {
              const c3 = i + 3 < n ? b[i + 3]! : -1;
              if (c3 >= 0x80 && c3 <= 0xbf) {
                cp = ((c & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f);
                size = 4;
              }
            }
          }
        }
      }
    }
    if (cp > 0xffff) {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
      units.push(cp);
    }
    if (units.length >= 8192) flush();
    i += size;
  }
  flush();
  return parts.join("");
}

/**
 * A JS string's bytes as a "binary string" (one char per UTF-8 byte, code
 * 0-255): how Go code that indexes a string byte by byte (`rune(s[i])`) sees it.
 */
export function utf8BinaryString(s: string): string {
  const bytes = utf8Encoder.encode(s);
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return out;
}

/** The inverse of utf8BinaryString: a binary string's bytes decoded as Go does (decodeUtf8Go). */
export function fromUtf8BinaryString(bin: string): string {
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return decodeUtf8Go(bytes);
}
