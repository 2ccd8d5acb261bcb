/**
 * Dotted-quad IPv4 parsing shared by Go's net.ParseIP and netip.ParseAddr
 * ports: four decimal fields 0-255, no leading zeros, no empty fields.
 */

/** Parses `a.b.c.d` into `out` (when given); false if it is not a valid IPv4 address. */
export function parseIPv4Fields(s: string, out: number[] = []): boolean {
  let val = 0;
  let digLen = 0;
  let pos = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch >= 48 && ch <= 57) {
      if (digLen === 1 && val === 0) return false;
      val = val * 10 + ch - 48;
      digLen++;
      if (val > 255) return false;
    } else if (ch === 46) {
      if (i === 0 || i === s.length - 1 || s.charCodeAt(i - 1) === 46) return false;
      if (pos === 3) return false;
      out[pos++] = val;
      val = 0;
      digLen = 0;
    } else {
      return false;
    }
  }
  if (pos < 3) return false;
  out[3] = val;
  return true;
}
