/**
 * Parser directives of a build file: a port of buildkit v0.32.2
 * frontend/dockerfile/parser/directives.go (`DirectiveParser`, `DetectSyntax`,
 * `ParseDirective`). `DetectSyntax` tries, in order: `# key=value` lines,
 * then `// key=value` lines, then the whole file as a JSON object with a
 * string `syntax` key; a UTF-8 BOM is dropped and a first `#!` line skipped.
 * Directive lines end at the first line that is not a directive of a known
 * key (`syntax`, `escape`, `check`), so a blank line or an unknown key stops them.
 */

import { DockerfileError } from "../errors.js";
import { trimLeftSpace as trimLeftGoSpace } from "../internal/go/unicode.js";

const VALID_DIRECTIVES = new Set(["syntax", "escape", "check"]);

/** Go's regexp `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` (RE2: `\s` is [\t\n\f\r ], `.` is anything but \n). */
const DIRECTIVE_RE = /^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/;

/** One parser directive and its (1-based) line. */
export interface Directive {
  /** Lower-cased key: `syntax`, `escape` or `check`. */
  name: string;
  value: string;
  line: number;
}

/** Lines as bufio.ScanLines gives them: split at \n, one trailing \r dropped, no empty last token. */
function scanLines(data: string): string[] {
  const parts = data.split("\n");
  if (parts.at(-1) === "") parts.pop();
  return parts.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
}

/**
 * Go's `DirectiveParser`: fed one line at a time (without its line ending),
 * it returns the directive on that line while the file's leading directive
 * block lasts, and nothing once a line is not a directive of a known key.
 * A repeated key throws (Go returns that error).
 */
export class DirectiveParser {
  /** The number of lines seen so far (the last line's 1-based number). */
  line: number;
  private readonly comment: string;
  private readonly seen = new Set<string>();
  private done = false;

  /** `comment` is the line prefix (Go's SetComment): `#`, `//`, or "" for comment text already stripped (the linter's `# check=` above an instruction). */
  constructor(firstLine = 0, comment = "#") {
    this.line = firstLine;
    this.comment = comment;
  }

  /** True once a line ended the directive block. */
  isDone(): boolean {
    return this.done;
  }

  /** Go's `ParseLine`. */
  parseLine(raw: string): Directive | undefined {
    this.line++;
    if (this.done) return undefined;
    if (!raw.startsWith(this.comment)) {
      this.done = true;
      return undefined;
    }
    const m = DIRECTIVE_RE.exec(trimLeftGoSpace(raw.slice(this.comment.length)));
    if (!m) {
      this.done = true;
      return undefined;
    }
    const name = m[1]!.toLowerCase();
    if (!VALID_DIRECTIVES.has(name)) {
      this.done = true;
      return undefined;
    }
    if (this.seen.has(name)) throw new DockerfileError(`only one ${name} parser directive can be used`);
    this.seen.add(name);
    return { name, value: m[2]!, line: this.line };
  }
}

/**
 * Go's `DirectiveParser.ParseAll` with comment prefix `comment`, starting
 * after `firstLine` lines (1 when a shebang was skipped). A repeated key
 * ends the scan (Go returns the directives so far with an error).
 */
export function parseDirectives(data: string, comment: "#" | "//" = "#", firstLine = 0): Directive[] {
  const out: Directive[] = [];
  const parser = new DirectiveParser(firstLine, comment);
  for (const raw of scanLines(data)) {
    let d: Directive | undefined;
    try {
      d = parser.parseLine(raw);
    } catch {
      break;
    }
    if (!d) {
      if (parser.isDone()) break;
      continue;
    }
    out.push(d);
  }
  return out;
}

/** What `DetectSyntax` found. */
export interface SyntaxDirective {
  /** The frontend reference: the value up to the first space. */
  ref: string;
  /** The whole value (reference and its arguments). */
  cmdline: string;
  /** The directive's line (Go's Range start = end line; 0 for the JSON form without shebang, as Go reports it). */
  line: number;
  /** How it was written. */
  form: "#" | "//" | "json";
}

function discardBOM(dt: string): string {
  return dt.startsWith("\ufeff") ? dt.slice(1) : dt;
}

function discardShebang(dt: string): [string, boolean] {
  const nl = dt.indexOf("\n");
  const first = nl < 0 ? dt : dt.slice(0, nl);
  if (first.startsWith("#!")) return [nl < 0 ? "" : dt.slice(nl + 1), true];
  return [dt, false];
}

function parseDirectiveOf(key: string, source: string, anyFormat: boolean): SyntaxDirective | undefined {
  const [dt, hadShebang] = discardShebang(discardBOM(source));
  const line = hadShebang ? 1 : 0;
  const forms: ("#" | "//")[] = anyFormat ? ["#", "//"] : ["#"];
  for (const form of forms) {
    const d = parseDirectives(dt, form, line).find((x) => x.name === key);
    if (d) {
      const sp = d.value.indexOf(" ");
      return { ref: sp < 0 ? d.value : d.value.slice(0, sp), cmdline: d.value, line: d.line, form };
    }
  }
  if (!anyFormat) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(dt);
  } catch {
    return undefined;
  }
  if (json && typeof json === "object" && !Array.isArray(json)) {
    const v = (json as Record<string, unknown>)[key];
    if (typeof v === "string") return { ref: v, cmdline: v, line, form: "json" };
  }
  return undefined;
}

/** buildkit's `parser.DetectSyntax`: the `syntax` directive in any of its three forms. */
export function detectSyntaxDirective(source: string): SyntaxDirective | undefined {
  return parseDirectiveOf("syntax", source, true);
}

/** buildkit's `parser.ParseDirective`: a directive `key` in the `#` form only. */
export function parseDirective(key: string, source: string): SyntaxDirective | undefined {
  return parseDirectiveOf(key, source, false);
}

/** The frontend reference of the syntax directive (`DetectSyntax`'s first value), if any. */
export function detectSyntax(source: string): string | undefined {
  return detectSyntaxDirective(source)?.ref;
}

/**
 * The source with its BOM dropped and its directive lines (`#` and `//`
 * forms) blanked, keeping every other line where it was, so a file starting
 * with `# syntax=...` transpiles as TypeScript with unchanged line numbers.
 */
export function blankDirectiveLines(source: string): string {
  const text = discardBOM(source);
  const [dt, hadShebang] = discardShebang(text);
  const first = hadShebang ? 1 : 0;
  const blank = new Set<number>();
  for (const form of ["#", "//"] as const) for (const d of parseDirectives(dt, form, first)) blank.add(d.line);
  if (blank.size === 0) return text;
  const lines = text.split("\n");
  for (const n of blank) {
    const l = lines[n - 1]!;
    lines[n - 1] = l.endsWith("\r") ? "\r" : "";
  }
  return lines.join("\n");
}
