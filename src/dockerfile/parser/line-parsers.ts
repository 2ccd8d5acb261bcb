/**
 * Port of buildkit v0.32.2 frontend/dockerfile/parser/line_parsers.go: the
 * per-instruction argument parsers that build an instruction's `next` chain.
 */

import { DockerfileError } from "../../errors.js";
import { goQuote } from "../../internal/go/strconv.js";
import { fromUtf8BinaryString, utf8BinaryString } from "../../internal/go/utf8.js";
import { isAscii, isSpace, trimLeftSpace } from "../../internal/go/unicode.js";
import type { Directives, Node } from "./parser.js";

/** A Node with Go's zero values. */
export function newNode(): Node {
  return {
    value: "",
    next: undefined,
    children: [],
    heredocs: [],
    attributes: {},
    original: "",
    flags: [],
    startLine: 0,
    endLine: 0,
    prevComment: [],
  };
}

/** What a line parser returns: the `next` chain and the attributes (Go: node, attrs, err). */
export type LineParseResult = [Node | undefined, Record<string, boolean> | undefined];

export const errDockerfileNotStringArray = "when using JSON array syntax, arrays must be comprised of strings only";

/** Go's reWhitespace `[\t\v\f\r ]+`. */
const reWhitespace = /[\t\v\f\r ]+/g;

/** Go's reWhitespace.Split(s, n) (regexp.Split semantics: a leading or trailing match gives an empty string). */
export function splitWhitespace(s: string, n: number): string[] {
  if (n === 0) return [];
  if (s.length === 0) return [""];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  reWhitespace.lastIndex = 0;
  for (;;) {
    if (n > 0 && out.length === n - 1) break;
    const m = reWhitespace.exec(s);
    if (!m) break;
    end = m.index;
    const mEnd = m.index + m[0].length;
    if (mEnd !== 0) out.push(s.slice(beg, end));
    beg = mEnd;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** Go's parseIgnore: an empty node (unknown instructions keep their command only). */
export function parseIgnore(): LineParseResult {
  return [newNode(), undefined];
}

const IN_SPACES = 0;
const IN_WORD = 1;
const IN_QUOTE = 2;

/**
 * Go's parseWords: space-separated words, quotes and escapes kept (removed later by the lexer).
 * Go appends character by character; every word is a substring of `rest` (only an escape token
 * ending the line is left out), so words are sliced.
 */
export function parseWords(rest: string, d: Directives): string[] {
  const words: string[] = [];
  let phase = IN_SPACES;
  let quote = 0;
  let blankOK = false;
  let ch = 0;
  let chWidth = 0;
  /** Where the current word starts, and where it ends when an escape token ends the line (else -1). */
  let start = 0;
  let end = -1;
  const esc = d.escapeToken.charCodeAt(0);
  const n = rest.length;
  for (let pos = 0; pos <= n; pos += chWidth) {
    if (pos !== n) {
      ch = rest.codePointAt(pos)!;
      chWidth = ch > 0xffff ? 2 : 1;
    }
    if (phase === IN_SPACES) {
      if (pos === n) break;
      if (isSpace(ch)) continue;
      phase = IN_WORD;
      start = pos;
    }
    if ((phase === IN_WORD || phase === IN_QUOTE) && pos === n) {
      const e = end >= 0 ? end : n;
      if (blankOK || e > start) words.push(rest.slice(start, e));
      break;
    }
    if (phase === IN_WORD) {
      if (isSpace(ch)) {
        phase = IN_SPACES;
        if (blankOK || pos > start) words.push(rest.slice(start, pos));
        blankOK = false;
        continue;
      }
      if (ch === 0x27 || ch === 0x22) {
        quote = ch;
        blankOK = true;
        phase = IN_QUOTE;
      }
      if (ch === esc) {
        if (pos + chWidth === n) {
          end = pos;
          continue;
        }
        pos += chWidth;
        ch = rest.codePointAt(pos)!;
        chWidth = ch > 0xffff ? 2 : 1;
      }
      continue;
    }
    if (phase === IN_QUOTE) {
      if (ch === quote) phase = IN_WORD;
      if (ch === esc && quote !== 0x27) {
        if (pos + chWidth === n) {
          phase = IN_WORD;
          end = pos;
          continue;
        }
        pos += chWidth;
        ch = rest.codePointAt(pos)!;
        chWidth = ch > 0xffff ? 2 : 1;
      }
    }
  }
  return words;
}

/** Go's parseNameVal (ENV, LABEL): `KEY name value` or `KEY n1=v1 n2=v2 ...`. */
function parseNameVal(rest: string, key: string, d: Directives): Node | undefined {
  const words = parseWords(rest, d);
  if (words.length === 0) return undefined;
  if (!words[0]!.includes("=")) {
    const parts = splitWhitespace(rest, 2);
    if (parts.length < 2) throw new DockerfileError(`${key} must have two arguments`);
    return newKeyValueNode(parts[0]!, parts[1]!, "");
  }
  let rootNode: Node | undefined;
  let prevNode: Node | undefined;
  for (const word of words) {
    const eq = word.indexOf("=");
    if (eq < 0) throw new DockerfileError(`Syntax error - can't find = in ${goQuote(word)}. Must be of the form: name=value`);
    const node = newKeyValueNode(word.slice(0, eq), word.slice(eq + 1), "=");
    if (rootNode === undefined) rootNode = node;
    if (prevNode !== undefined) prevNode.next = node;
    prevNode = node.next!.next!;
  }
  return rootNode;
}

function newKeyValueNode(key: string, value: string, sep: string): Node {
  const sepNode = newNode();
  sepNode.value = sep;
  const valueNode = newNode();
  valueNode.value = value;
  valueNode.next = sepNode;
  const node = newNode();
  node.value = key;
  node.next = valueNode;
  return node;
}

/** Go's parseEnv. */
export function parseEnv(rest: string, d: Directives): LineParseResult {
  return [parseNameVal(rest, "ENV", d), undefined];
}

/** Go's parseLabel. */
export function parseLabel(rest: string, d: Directives): LineParseResult {
  return [parseNameVal(rest, "LABEL", d), undefined];
}

/** Go's parseNameOrNameVal (ARG): one node per word. */
export function parseNameOrNameVal(rest: string, d: Directives): LineParseResult {
  return [chainOf(parseWords(rest, d)), undefined];
}

function chainOf(values: readonly string[]): Node | undefined {
  let root: Node | undefined;
  let prev: Node | undefined;
  for (const v of values) {
    const node = newNode();
    node.value = v;
    if (prev === undefined) root = node;
    else prev.next = node;
    prev = node;
  }
  return root;
}

/** Go's parseStringsWhitespaceDelimited (FROM, EXPOSE, shell-form ADD/COPY/VOLUME). */
export function parseStringsWhitespaceDelimited(rest: string): LineParseResult {
  if (rest === "") return [undefined, undefined];
  return [chainOf(splitWhitespace(rest, -1)), undefined];
}

/** Go's parseString: the whole rest as one node. */
export function parseString(rest: string): LineParseResult {
  if (rest === "") return [undefined, undefined];
  const n = newNode();
  n.value = rest;
  return [n, undefined];
}

const NOT_JSON = Symbol("not a JSON array");

/** Go's parseJSON: a JSON array of strings, or NOT_JSON; throws for an array holding a non-string. */
function parseJSON(input: string): LineParseResult | typeof NOT_JSON {
  const rest = trimLeftSpace(input);
  if (!rest.startsWith("[")) return NOT_JSON;
  let parsed: unknown;
  try {
    parsed = JSON.parse(rest);
  } catch {
    return NOT_JSON;
  }
  if (!Array.isArray(parsed)) return NOT_JSON;
  const values: string[] = [];
  for (const v of parsed) {
    if (typeof v !== "string") {
      // Go's decoder fails first (an error other than the string-array one) on a number beyond float64
      // (Infinity here) and on nesting deeper than 10000.
      if (hasInfinity(parsed) || jsonDepth(rest) > 10000) return NOT_JSON;
      throw new DockerfileError(errDockerfileNotStringArray);
    }
    values.push(toWellFormed(v));
  }
  return [chainOf(values), { json: true }];
}

/** Whether a parsed JSON value holds a number JSON.parse made infinite. */
function hasInfinity(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "number") {
      if (!Number.isFinite(v)) return true;
    } else if (Array.isArray(v)) stack.push(...v);
    else if (v !== null && typeof v === "object") stack.push(...Object.values(v));
  }
  return false;
}

/** The deepest nesting of arrays and objects in valid JSON text. */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** Go's parseMaybeJSON (CMD, ENTRYPOINT, RUN, SHELL): a JSON array, else the rest as one node. */
export function parseMaybeJSON(rest: string): LineParseResult {
  if (rest === "") return [undefined, undefined];
  const r = parseJSON(rest);
  if (r !== NOT_JSON) return r;
  const node = newNode();
  node.value = rest;
  return [node, undefined];
}

/** Go's parseMaybeJSONToList (ADD, COPY, VOLUME): a JSON array, else whitespace-separated words. */
export function parseMaybeJSONToList(rest: string): LineParseResult {
  const r = parseJSON(rest);
  if (r !== NOT_JSON) return r;
  return parseStringsWhitespaceDelimited(rest);
}

/** Go's parseHealthConfig: the type word (NONE, CMD) then parseMaybeJSON of the rest; Go splits bytes, as here. */
export function parseHealthConfig(input: string): LineParseResult {
  const ascii = isAscii(input);
  const rest = ascii ? input : utf8BinaryString(input);
  let sep = 0;
  for (; sep < rest.length; sep++) if (isSpace(rest.charCodeAt(sep))) break;
  let next = sep;
  for (; next < rest.length; next++) if (!isSpace(rest.charCodeAt(next))) break;
  if (sep === 0) return [undefined, undefined];
  const typ = ascii ? rest.slice(0, sep) : fromUtf8BinaryString(rest.slice(0, sep));
  const [cmd, attrs] = parseMaybeJSON(ascii ? rest.slice(next) : fromUtf8BinaryString(rest.slice(next)));
  const node = newNode();
  node.value = typ;
  node.next = cmd;
  return [node, attrs];
}

/** Lone surrogates (from `\ud800` escapes) as U+FFFD, as Go's JSON decoder gives them. */
function toWellFormed(s: string): string {
  if (!/[\ud800-\udfff]/.test(s)) return s;
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}
