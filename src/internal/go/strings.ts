/** Go 1.26 `strings` functions whose Unicode rules differ from JavaScript's. Pure: no I/O. */

/**
 * Go's `strings.EqualFold`: equal under simple Unicode case folding, compared code point by
 * code point (approximated by JavaScript's one-to-one lower and upper case mappings).
 */
export function equalFold(a: string, b: string): boolean {
  if (a === b) return true;
  const ca = Array.from(a);
  const cb = Array.from(b);
  if (ca.length !== cb.length) return false;
  for (let i = 0; i < ca.length; i++) {
    const x = ca[i]!;
    const y = cb[i]!;
    if (x === y) continue;
    const lx = x.toLowerCase();
    const ly = y.toLowerCase();
    if (lx === ly && Array.from(lx).length === 1) continue;
    const ux = x.toUpperCase();
    const uy = y.toUpperCase();
    if (ux === uy && Array.from(ux).length === 1) continue;
    return false;
  }
  return true;
}

const GO_SPACE = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const GO_SPACE_START = new RegExp(`^[${GO_SPACE}]+`);
const GO_SPACE_END = new RegExp(`[${GO_SPACE}]+$`);

/** Go `strings.TrimSpace` (Unicode White_Space, which differs from JS `trim()` on U+0085 and U+FEFF). */
export function goTrimSpace(s: string): string {
  if (s.length > 0) {
    const a = s.charCodeAt(0);
    const b = s.charCodeAt(s.length - 1);
    if (a > 0x20 && a < 0x7f && b > 0x20 && b < 0x7f) return s;
  }
  return s.replace(GO_SPACE_START, "").replace(GO_SPACE_END, "");
}
