/** Go 1.26 `strconv` functions the buildkit client side relies on. Pure: no I/O. */

/** Go's `strconv.ParseBool`: true for 1 t T TRUE true True, false for 0 f F FALSE false False, undefined (an error in Go) otherwise. */
export function parseBool(s: string): boolean | undefined {
  switch (s) {
    case "1":
    case "t":
    case "T":
    case "TRUE":
    case "true":
    case "True":
      return true;
    case "0":
    case "f":
    case "F":
    case "FALSE":
    case "false":
    case "False":
      return false;
    default:
      return undefined;
  }
}

/**
 * Go's `fmt` `%q` of a string (strconv.Quote): printable runes as they are,
 * the usual backslash escapes, other control characters as \xNN, other
 * non-printable runes as \uNNNN or \UNNNNNNNN.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") {
      out += "\\" + ch;
      continue;
    }
    if (printable.test(ch)) {
      out += ch;
      continue;
    }
    const esc = quoteEscapes[ch];
    if (esc) out += esc;
    else if (cp < 0x20 || cp === 0x7f) out += "\\x" + cp.toString(16).padStart(2, "0");
    else if (cp >= 0xd800 && cp <= 0xdfff) out += "\\ufffd"; // a lone surrogate has no UTF-8 form
    else if (cp < 0x10000) out += "\\u" + cp.toString(16).padStart(4, "0");
    else out += "\\U" + cp.toString(16).padStart(8, "0");
  }
  return out + '"';
}

/** strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const quoteEscapes: Record<string, string> = { "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v" };

/** A `*strconv.NumError` as Go prints it: `strconv.ParseInt: parsing "x": invalid syntax`. */
export class NumError extends Error {
  constructor(
    readonly func: string,
    readonly num: string,
    readonly reason: "invalid syntax" | "value out of range",
  ) {
    super(`strconv.${func}: parsing ${goQuote(num)}: ${reason}`);
    this.name = "NumError";
  }
}

/**
 * Go's `strconv.ParseInt(s, 10, 64)` (and `ParseUint` with `unsigned`): an
 * optional sign (not for unsigned), decimal digits, `_` not allowed in base 10.
 * Throws {@link NumError} with Go's message. The value is a bigint (int64 range).
 */
export function parseInt64(s: string, unsigned = false): bigint {
  const func = unsigned ? "ParseUint" : "ParseInt";
  const m = (unsigned ? /^([0-9]+)$/ : /^([+-]?[0-9]+)$/).exec(s);
  if (!m) throw new NumError(func, s, "invalid syntax");
  const v = BigInt(s);
  const [min, max] = unsigned ? [0n, (1n << 64n) - 1n] : [-(1n << 63n), (1n << 63n) - 1n];
  if (v < min || v > max) throw new NumError(func, s, "value out of range");
  return v;
}
