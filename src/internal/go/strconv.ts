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

/** The message of Go's `*strconv.NumError`: `strconv.ParseInt: parsing "x": invalid syntax`. */
function numError(fn: string, s: string, err: "invalid syntax" | "value out of range" | "invalid base" | "invalid bit size"): Error {
  return new Error(`strconv.${fn}: parsing ${goQuote(s)}: ${err}`);
}

function digitVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 122) return c - 87;
  if (c >= 65 && c <= 90) return c - 55;
  return 99;
}

const MAX_U64 = (1n << 64n) - 1n;

function parseUintAs(fn: string, s: string, base: number, bitSize: number): bigint {
  if (s === "") throw numError(fn, s, "invalid syntax");
  if (base < 2 || base > 36) throw numError(fn, s, "invalid base");
  const maxVal = (1n << BigInt(bitSize)) - 1n;
  const b = BigInt(base);
  const cutoff = MAX_U64 / b + 1n;
  let n = 0n;
  for (let i = 0; i < s.length; i++) {
    const d = digitVal(s.charCodeAt(i));
    if (d >= base) throw numError(fn, s, "invalid syntax");
    if (n >= cutoff) throw numError(fn, s, "value out of range");
    n = n * b + BigInt(d);
    if (n > maxVal) throw numError(fn, s, "value out of range");
  }
  return n;
}

/**
 * Go's `strconv.ParseUint(s, base, bitSize)` for an explicit base (2 to 36; no prefixes, no underscores).
 * Throws an Error worded as Go's `*NumError`.
 */
export function parseUint(s: string, base: number, bitSize: number): bigint {
  return parseUintAs("ParseUint", s, base, bitSize);
}

/**
 * Go's `strconv.ParseInt(s, base, bitSize)` for an explicit base (an optional sign, no prefixes, no underscores).
 * Throws an Error worded as Go's `*NumError`.
 */
export function parseInt(s: string, base: number, bitSize: number): bigint {
  if (s === "") throw numError("ParseInt", s, "invalid syntax");
  let body = s;
  let neg = false;
  if (s[0] === "+" || s[0] === "-") {
    neg = s[0] === "-";
    body = s.slice(1);
  }
  let un: bigint;
  try {
    un = parseUintAs("ParseInt", body, base, bitSize);
  } catch (err) {
    if ((err as Error).message.endsWith("value out of range")) un = (1n << BigInt(bitSize)) - 1n;
    else throw numError("ParseInt", s, (err as Error).message.endsWith("invalid base") ? "invalid base" : "invalid syntax");
  }
  const cutoff = 1n << BigInt(bitSize - 1);
  if (!neg && un >= cutoff) throw numError("ParseInt", s, "value out of range");
  if (neg && un > cutoff) throw numError("ParseInt", s, "value out of range");
  return neg ? -un : un;
}

const decFloat = /^[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$/;
const hexFloat = /^([+-]?)0[xX]((?:_?[0-9a-fA-F])*)(?:\.([0-9a-fA-F](?:_?[0-9a-fA-F])*)?)?[pP]([+-]?[0-9]+(?:_?[0-9]+)*)$/;
const specialFloat = /^([+-]?)(inf|infinity|nan)$/i;

/**
 * Go's `strconv.ParseFloat(s, 64)`: decimal and hexadecimal (`0x1.8p3`) forms, `_` between digits,
 * `inf`, `infinity` and `nan`. Undefined where Go returns an error (bad syntax, or a finite value out of range).
 */
export function parseFloat(s: string): number | undefined {
  const sp = specialFloat.exec(s);
  if (sp) {
    if (sp[2]!.toLowerCase() === "nan") return sp[1] === "" ? NaN : undefined;
    return sp[1] === "-" ? -Infinity : Infinity;
  }
  let v: number;
  if (decFloat.test(s)) {
    v = Number((s.startsWith("+") ? s.slice(1) : s).replace(/_/g, ""));
  } else {
    const m = hexFloat.exec(s);
    if (!m) return undefined;
    const intPart = m[2]!.replace(/_/g, "");
    const fracPart = (m[3] ?? "").replace(/_/g, "");
    if (intPart === "" && fracPart === "") return undefined;
    const mant = BigInt("0x" + (intPart + fracPart || "0"));
    const exp = Number(m[4]!.replace(/_/g, "")) - 4 * fracPart.length;
    v = Number(mant) * 2 ** exp;
    if (!Number.isFinite(v) && mant !== 0n) {
      // Split the scaling so large mantissas with negative exponents stay finite.
      v = Number(mant) * 2 ** (exp / 2) * 2 ** (exp - exp / 2);
    }
    if (m[1] === "-") v = -v;
  }
  if (!Number.isFinite(v)) return undefined;
  return v;
}
