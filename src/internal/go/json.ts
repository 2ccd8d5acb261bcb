/**
 * Go 1.26 `encoding/json` string encoding (`json.Marshal` of a string and of a
 * `[]string`, with the default HTML-safe escaping). Pure: no I/O.
 */

/** Go's `json.Marshal` of one string (HTML-safe escaping, as Go's default). */
export function goJSONString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
    }
    if (cp < 0x20 || ch === "<" || ch === ">" || ch === "&" || cp === 0x2028 || cp === 0x2029) {
      out += "\\u" + cp.toString(16).padStart(4, "0");
    } else if (cp >= 0xd800 && cp <= 0xdfff) {
      // A lone surrogate has no UTF-8 form; Go sees invalid bytes and writes U+FFFD.
      out += "\\ufffd";
    } else {
      out += ch;
    }
  }
  return out + '"';
}

/** Go's `json.Marshal([]string)`. */
export function goJSONStringArray(list: readonly string[]): string {
  return "[" + list.map(goJSONString).join(",") + "]";
}
