/**
 * Go 1.26 `encoding/json` string encoding (`json.Marshal` of a string and of a
 * `[]string`, with the default HTML-safe escaping), and telling a decoded JSON
 * object from other values. Pure: no I/O.
 */

/** Go's `json.Marshal` of one string (HTML-safe escaping, as Go's default; a lone surrogate becomes U+FFFD as invalid UTF-8 does in Go). */
export function goJSONString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | null = null;
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26) {
      switch (c) {
        case 0x22:
          rep = '\\"';
          break;
        case 0x5c:
          rep = "\\\\";
          break;
        case 0x08:
          rep = "\\b";
          break;
        case 0x0c:
          rep = "\\f";
          break;
        case 0x0a:
          rep = "\\n";
          break;
        case 0x0d:
          rep = "\\r";
          break;
        case 0x09:
          rep = "\\t";
          break;
        default:
          rep = "\\u00" + c.toString(16).padStart(2, "0");
      }
    } else if (c === 0x2028 || c === 0x2029) {
      rep = "\\u" + c.toString(16);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // a valid surrogate pair passes through; a lone surrogate is invalid UTF-8 in Go
      const isPair = c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      if (isPair) {
        i++;
        continue;
      }
      rep = "\\ufffd";
    }
    if (rep !== null) {
      out += s.slice(start, i) + rep;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

/** Go's `json.Marshal([]string)`. */
export function goJSONStringArray(list: readonly string[]): string {
  return "[" + list.map(goJSONString).join(",") + "]";
}

/**
 * The object with its keys in the order Go's encoding/json writes a map's
 * (sorted by bytes; JavaScript's `<` on these ASCII keys is that order), so
 * JSON.stringify writes what json.Marshal of the map would.
 */
export function goMapOrder<V>(m: Readonly<Record<string, V>>): Record<string, V> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A decoded JSON object (Go's `map[string]any` after json.Unmarshal into `any`): not null, not an array. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Go's `json.MarshalIndent(v, "", indent)` of plain data (objects in key
 * order, as Go writes struct fields in declaration order; arrays; strings with
 * {@link goJSONString}; finite numbers; booleans; null). Empty arrays and
 * objects are `[]` and `{}`; `undefined` object members are left out.
 */
export function goJSONMarshalIndent(v: unknown, indent = "  ", prefix = ""): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return goJSONString(v);
  if (typeof v === "number" || typeof v === "boolean") return JSON.stringify(v);
  const inner = prefix + indent;
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    return "[\n" + v.map((x) => inner + goJSONMarshalIndent(x, indent, inner)).join(",\n") + "\n" + prefix + "]";
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return "{}";
  return "{\n" + entries.map(([k, x]) => inner + goJSONString(k) + ": " + goJSONMarshalIndent(x, indent, inner)).join(",\n") + "\n" + prefix + "}";
}
