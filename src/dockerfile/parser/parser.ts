/**
 * Port of buildkit v0.32.2 frontend/dockerfile/parser/parser.go: a
 * Dockerfile turned into buildkit's low-level AST, one child Node per
 * instruction, with heredocs, parser directives, comments and line ranges
 * exactly as Go computes them. Pure: no I/O. Bad input throws DockerfileError.
 */

import type { DockerfileRange } from "../../errors.js";
import { DockerfileError } from "../../errors.js";
import { goQuote } from "../../internal/go/strconv.js";
import { isSpace, toLower, trimLeftSpace, trimSpace } from "../../internal/go/unicode.js";
import { decodeUtf8Go, utf8Length } from "../../internal/go/utf8.js";
import { DirectiveParser } from "../../program/syntax.js";
import { Lex, type EnvGetter } from "../shell/lex.js";
import { toRanges, withLineLocation } from "./errors.js";
import {
  parseEnv,
  parseHealthConfig,
  parseIgnore,
  parseLabel,
  parseMaybeJSON,
  parseMaybeJSONToList,
  parseNameOrNameVal,
  parseString,
  parseStringsWhitespaceDelimited,
  newNode,
  type LineParseResult,
} from "./line-parsers.js";

export { newNode };
import { splitCommand } from "./split-command.js";

/** One heredoc attached to an instruction. */
export interface Heredoc {
  name: string;
  fileDescriptor: number;
  expand: boolean;
  chomp: boolean;
  content: string;
}

/**
 * buildkit's parser.Node: `value` is the token, `next` the next token of the
 * same expression, `children` the sub-expressions (the root's children are
 * the instructions; ONBUILD's argument is a node with one child).
 */
export interface Node {
  value: string;
  next: Node | undefined;
  children: Node[];
  heredocs: Heredoc[];
  attributes: Record<string, boolean>;
  original: string;
  flags: string[];
  startLine: number;
  endLine: number;
  prevComment: string[];
}

/** A parser warning (e.g. an empty continuation line). */
export interface Warning {
  short: string;
  detail: string[];
  url: string;
  location: DockerfileRange | undefined;
}

/** What `parse` returns. */
export interface Result {
  ast: Node;
  /** `\` or `` ` `` (the `# escape=` directive). */
  escapeToken: string;
  warnings: Warning[];
}

/** Go's DefaultEscapeToken. */
export const defaultEscapeToken = "\\";

/** Go's Node.Location: one range per line of the node. */
export function nodeLocation(node: Node): DockerfileRange[] {
  return toRanges(node.startLine, node.endLine);
}

/** Go's Node.Dump: the AST as s-expressions (the format of buildkit's parser test files). */
export function dump(node: Node): string {
  let str = toLower(node.value);
  if (node.flags.length > 0) str += " [" + node.flags.map(goQuote).join(" ") + "]";
  for (const n of node.children) str += "(" + dump(n) + ")\n";
  for (let n = node.next; n; n = n.next) str += " " + (n.children.length > 0 ? dump(n) : goQuote(n.value));
  return trimSpace(str);
}

/** Go's Node.AddChild: appends `child` with its lines and widens the parent's range. */
export function addChild(node: Node, child: Node, startLine: number, endLine: number): void {
  child.startLine = startLine;
  child.endLine = endLine;
  if (node.startLine < 0) node.startLine = startLine;
  node.endLine = endLine;
  node.children.push(child);
}

const heredocDirectives = new Set(["add", "copy", "run"]);
const heredocCompoundDirectives = new Set(["onbuild"]);

function canContainHeredoc(n: Node): boolean {
  let node = n;
  if (heredocCompoundDirectives.has(toLower(node.value))) {
    if (node.next && node.next.children.length > 0) node = node.next.children[0]!;
  }
  if (!heredocDirectives.has(toLower(node.value))) return false;
  return !node.attributes["json"];
}

const continuationBackslash = /([^\\])\\[ \t]*$|^\\[ \t]*$/;
const continuationBacktick = /([^`])`[ \t]*$|^`[ \t]*$/;

/** Go's parser `directives`: the directive parser and the current escape token. */
export class Directives {
  readonly parser = new DirectiveParser();
  escapeToken = defaultEscapeToken;
  lineContinuationRegex = continuationBackslash;

  /** Go's setEscapeToken: only ` and \ are allowed. */
  setEscapeToken(s: string): void {
    if (s !== "`" && s !== "\\") throw new DockerfileError(`invalid escape token '${s}' does not match \` or \\`);
    this.escapeToken = s;
    this.lineContinuationRegex = s === "`" ? continuationBacktick : continuationBackslash;
  }

  /** Go's possibleParserDirective: true when `line` is a parser directive. */
  possibleParserDirective(line: string): boolean {
    const directive = this.parser.parseLine(line);
    if (directive && directive.name === "escape") {
      this.setEscapeToken(directive.value);
      return true;
    }
    return directive !== undefined;
  }
}

type LineParser = (rest: string, d: Directives) => LineParseResult;

const dispatch = new Map<string, LineParser>([
  ["add", parseMaybeJSONToList],
  ["arg", parseNameOrNameVal],
  ["cmd", parseMaybeJSON],
  ["copy", parseMaybeJSONToList],
  ["entrypoint", parseMaybeJSON],
  ["env", parseEnv],
  ["expose", parseStringsWhitespaceDelimited],
  ["from", parseStringsWhitespaceDelimited],
  ["healthcheck", parseHealthConfig],
  ["label", parseLabel],
  ["maintainer", parseString],
  ["run", parseMaybeJSON],
  ["shell", parseMaybeJSON],
  ["stopsignal", parseString],
  ["user", parseString],
  ["volume", parseMaybeJSONToList],
  ["workdir", parseString],
]);

/**
 * Go's newNodeFromLine: the instruction node of one logical line. ONBUILD
 * (Go's parseSubCommand, which recurses) is unrolled into a loop so a long
 * chain of ONBUILDs cannot exhaust the stack.
 */
function newNodeFromLine(line: string, d: Directives, comments: string[]): Node {
  const outer: Node[] = [];
  let cur = line;
  let cmts = comments;
  let node: Node;
  for (;;) {
    const [cmd, flags, args] = splitCommand(cur, d);
    node = newNode();
    node.value = cmd;
    node.original = cur;
    node.flags = flags;
    node.prevComment = cmts;
    const key = toLower(cmd);
    if (key === "onbuild") {
      if (args === "") break;
      outer.push(node);
      cur = args;
      cmts = [];
      continue;
    }
    const [next, attrs] = (dispatch.get(key) ?? parseIgnore)(args, d);
    node.next = next;
    if (attrs) node.attributes = attrs;
    break;
  }
  let child = node;
  for (let i = outer.length - 1; i >= 0; i--) {
    const wrapper = newNode();
    wrapper.children.push(child);
    outer[i]!.next = wrapper;
    child = outer[i]!;
  }
  return child;
}

/** Go's bufio.MaxScanTokenSize. */
const maxScanTokenSize = 64 * 1024;

/** Index of the first line bufio.Scanner refuses (longer than its 64 KiB buffer), or -1. */
function tooLongLineOfBytes(b: Uint8Array): number {
  let pos = 0;
  for (let index = 0; pos < b.length; index++) {
    const nl = b.indexOf(10, pos);
    const len = (nl < 0 ? b.length : nl + 1) - pos;
    if (nl < 0 ? len >= maxScanTokenSize : len > maxScanTokenSize) return index;
    if (nl < 0) break;
    pos = nl + 1;
  }
  return -1;
}

function tooLongLineOfString(s: string): number {
  if (s.length < maxScanTokenSize / 3) return -1;
  let pos = 0;
  for (let index = 0; pos < s.length; index++) {
    const nl = s.indexOf("\n", pos);
    const end = nl < 0 ? s.length : nl + 1;
    const units = end - pos;
    if (units * 3 >= maxScanTokenSize - 3) {
      const len = utf8Length(s.slice(pos, end));
      if (nl < 0 ? len >= maxScanTokenSize : len > maxScanTokenSize) return index;
    }
    if (nl < 0) break;
    pos = end;
  }
  return -1;
}

/** bufio.Scanner with buildkit's scanLines: lines with their line endings; stops at a too long line. */
class LineScanner {
  private pos = 0;
  private index = 0;
  /** Set when the scan stopped at a line longer than bufio's buffer. */
  err = false;

  constructor(
    private readonly text: string,
    private readonly tooLong: number,
  ) {}

  scan(): string | undefined {
    if (this.pos >= this.text.length) return undefined;
    if (this.index === this.tooLong) {
      this.err = true;
      return undefined;
    }
    const nl = this.text.indexOf("\n", this.pos);
    const end = nl < 0 ? this.text.length : nl + 1;
    const tok = this.text.slice(this.pos, end);
    this.pos = end;
    this.index++;
    return tok;
  }
}

/** Go's bytes.TrimRight(src, "\r\n"). */
function trimNewline(s: string): string {
  let j = s.length;
  for (;;) {
    const c = s.charCodeAt(j - 1);
    if (c !== 0x0a && c !== 0x0d) break;
    j--;
  }
  return j === s.length ? s : s.slice(0, j);
}

function trimLeadingTabs(s: string): string {
  let i = 0;
  while (s.charCodeAt(i) === 0x09) i++;
  return i === 0 ? s : s.slice(i);
}

function isComment(line: string): boolean {
  let i = 0;
  while (i < line.length && isSpace(line.charCodeAt(i))) i++;
  return line.charCodeAt(i) === 0x23;
}

function isEmptyContinuationLine(line: string): boolean {
  return trimLeftSpace(trimNewline(line)).length === 0;
}

/** Go's trimContinuationCharacter: the line without its continuation token, and whether the instruction ends here. */
function trimContinuationCharacter(line: string, d: Directives): [string, boolean] {
  const m = d.lineContinuationRegex.exec(line);
  if (m) return [line.slice(0, m.index) + (m[1] ?? ""), false];
  return [line, true];
}

/** Go's processLine: line ending (and maybe leading space) trimmed, directives noted, a comment emptied. */
function processLine(d: Directives, token: string, stripLeftWhitespace: boolean): [string, boolean] {
  let t = trimNewline(token);
  if (stripLeftWhitespace) t = trimLeftSpace(t);
  const directiveOk = d.possibleParserDirective(t);
  return [isComment(t) ? "" : t, directiveOk];
}

/**
 * Go's `strings.TrimSpace(string(line[1:]))` of a comment line: the first
 * byte dropped, so a line starting with a multi-byte space keeps the rest of
 * that character's bytes (U+FFFD each, as Go's decoding shows them).
 */
function commentText(line: string): string {
  const c = line.codePointAt(0)!;
  if (c < 0x80) return trimSpace(line.slice(1));
  const width = c > 0xffff ? 2 : 1;
  return trimSpace("\ufffd".repeat(utf8Length(String.fromCodePoint(c)) - 1) + line.slice(width));
}

const emptyContinuationURL = "https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/";

/**
 * Go's parser.Parse: the AST of a Dockerfile (bytes are read as Go reads
 * them; a string is taken as already decoded). Throws DockerfileError with
 * Go's message and lines for: an invalid or repeated directive, a bad
 * instruction argument, an unterminated heredoc, a file without
 * instructions, a line longer than 64 KiB.
 */
export function parse(source: string | Uint8Array): Result {
  let text: string;
  let tooLong: number;
  if (typeof source === "string") {
    text = source;
    tooLong = tooLongLineOfString(source);
  } else {
    text = decodeUtf8Go(source);
    tooLong = tooLongLineOfBytes(source);
  }
  const d = new Directives();
  let currentLine = 0;
  const root = newNode();
  root.startLine = -1;
  const scanner = new LineScanner(text, tooLong);
  const warnings: Warning[] = [];
  let comments: string[] = [];

  for (;;) {
    let bytesRead = scanner.scan();
    if (bytesRead === undefined) break;
    if (currentLine === 0 && bytesRead.charCodeAt(0) === 0xfeff) bytesRead = bytesRead.slice(1);
    if (isComment(bytesRead)) {
      const comment = commentText(bytesRead);
      if (comment === "") comments = [];
      else comments.push(comment);
    }
    let directiveOk: boolean;
    try {
      [bytesRead, directiveOk] = processLine(d, bytesRead, true);
    } catch (err) {
      throw withLineLocation(err, currentLine, 0);
    }
    if (directiveOk) comments.pop();
    currentLine++;

    const startLine = currentLine;
    let isEndOfLine: boolean;
    [bytesRead, isEndOfLine] = trimContinuationCharacter(bytesRead, d);
    if (isEndOfLine && bytesRead.length === 0) continue;
    let line = bytesRead;

    let hasEmptyContinuationLine = false;
    while (!isEndOfLine) {
      const raw = scanner.scan();
      if (raw === undefined) break;
      let next: string;
      try {
        [next] = processLine(d, raw, false);
      } catch (err) {
        throw withLineLocation(err, currentLine, 0);
      }
      currentLine++;
      if (isComment(raw)) continue;
      if (isEmptyContinuationLine(next)) {
        hasEmptyContinuationLine = true;
        continue;
      }
      [next, isEndOfLine] = trimContinuationCharacter(next, d);
      line += next;
    }

    if (hasEmptyContinuationLine) {
      warnings.push({
        short: "Empty continuation line found in: " + line,
        detail: ["Empty continuation lines will become errors in a future release"],
        url: emptyContinuationURL,
        location: { start: { line: currentLine, character: 0 }, end: { line: currentLine, character: 0 } },
      });
    }

    let child: Node;
    let heredocs: Heredoc[];
    try {
      child = newNodeFromLine(line, d, comments);
      heredocs = canContainHeredoc(child) && line.includes("<<") ? heredocsFromLine(line) : [];
    } catch (err) {
      throw withLineLocation(err, startLine, currentLine);
    }
    for (const heredoc of heredocs) {
      const terminator = heredoc.name;
      let terminated = false;
      let content = heredoc.content;
      for (;;) {
        const raw = scanner.scan();
        if (raw === undefined) break;
        currentLine++;
        let possibleTerminator = trimNewline(raw);
        if (heredoc.chomp) possibleTerminator = trimLeadingTabs(possibleTerminator);
        if (possibleTerminator === terminator) {
          terminated = true;
          break;
        }
        content += raw;
      }
      if (!terminated) throw withLineLocation(new DockerfileError("unterminated heredoc"), startLine, currentLine);
      heredoc.content = content;
      child.heredocs.push(heredoc);
    }

    addChild(root, child, startLine, currentLine);
    comments = [];
  }

  if (root.startLine < 0) throw withLineLocation(new DockerfileError("file with no instructions"), currentLine, 0);
  if (scanner.err) {
    throw withLineLocation(new DockerfileError(`dockerfile line greater than max allowed size of ${maxScanTokenSize - 1}`), currentLine, 0);
  }
  return { ast: root, warnings, escapeToken: d.escapeToken };
}

/** Go's emptyEnvs. */
const emptyEnvs: EnvGetter = { get: () => undefined, keys: () => [] };

/** Go's reHeredoc `^(\d*)<<(-?)\s*([^<]*)$`. */
const reHeredoc = /^([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)$/;

// Go builds a fresh Lex per call; parsing is synchronous, so one of each kind is reused.
const heredocWordLex = new Lex("\\");
heredocWordLex.skipUnsetEnv = true;
const heredocLineLex = new Lex("\\");
heredocLineLex.rawQuotes = true;
heredocLineLex.rawEscapes = true;
heredocLineLex.skipUnsetEnv = true;

function countQuotes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x27 || c === 0x22) n++;
  }
  return n;
}

/** Go's `strconv.ParseUint(s, 10, 0)` result ignoring its error: 0 for "", the maximum on overflow. */
function parseFileDescriptor(digits: string): number {
  if (digits === "") return 0;
  if (digits.length <= 15) return Number(digits);
  const v = BigInt(digits);
  return Number(v > 0xffffffffffffffffn ? 0xffffffffffffffffn : v);
}

/**
 * Go's ParseHeredoc: the heredoc a word such as `<<EOF`, `<<-"EOF"` or
 * `3<<EOF` opens, or undefined. Content expands unless the name is quoted.
 */
export function parseHeredoc(src: string): Heredoc | undefined {
  const match = reHeredoc.exec(src);
  if (!match) return undefined;
  const fd = parseFileDescriptor(match[1]!);
  const chomp = match[2] === "-";
  const rest = match[3]!;
  if (rest.length === 0) return undefined;
  heredocWordLex.rawQuotes = false;
  const words = heredocWordLex.processWords(rest, emptyEnvs);
  if (words.length !== 1) return undefined;
  heredocWordLex.rawQuotes = true;
  const wordsRaw = heredocWordLex.processWords(rest, emptyEnvs);
  if (wordsRaw.length !== words.length) {
    throw new DockerfileError(`internal lexing of heredoc produced inconsistent results: ${rest}`);
  }
  const word = words[0]!;
  return { name: word, expand: countQuotes(word) === countQuotes(wordsRaw[0]!), chomp, fileDescriptor: fd, content: "" };
}

/** Go's MustParseHeredoc: parseHeredoc with errors ignored. */
export function mustParseHeredoc(src: string): Heredoc | undefined {
  try {
    return parseHeredoc(src);
  } catch {
    return undefined;
  }
}

function heredocsFromLine(line: string): Heredoc[] {
  let words: string[];
  try {
    words = heredocLineLex.processWords(line, emptyEnvs);
  } catch {
    words = [];
  }
  const docs: Heredoc[] = [];
  for (const word of words) {
    const heredoc = parseHeredoc(word);
    if (heredoc) docs.push(heredoc);
  }
  return docs;
}

/** Go's ChompHeredocContent: leading tabs removed from every line. */
export function chompHeredocContent(src: string): string {
  return src.replace(/(^|\n)\t+/g, "$1");
}
