/**
 * `github.com/moby/patternmatcher` v0.6.1 (the include/exclude patterns of
 * fsutil.NewFilterFS and `.dockerignore`) and `patternmatcher/ignorefile`
 * (reading a `.dockerignore`), as vendored by BuildKit v0.32.2. Unix
 * semantics only: `\` escapes, `/` separates. Pure: no I/O.
 */

import { BadPatternError, cleanPath, dirPath, matchPath } from "./path.js";
import { goTrimSpace } from "./strings.js";
import { codePoints } from "./utf8.js";

export { BadPatternError, goTrimSpace };

const SLASH = 0x2f;
const BACKSLASH = 0x5c;


// ---------------------------------------------------------------------------
// moby/patternmatcher

const enum MatchType {
  Unknown,
  Exact,
  Prefix,
  Suffix,
  Regexp,
  Bad,
}

/** One compiled pattern (patternmatcher.Pattern). */
export class Pattern {
  private type = MatchType.Unknown;
  private re: RegExp | undefined;

  constructor(
    /** The cleaned pattern without its leading `!`. */
    readonly cleaned: string,
    readonly exclusion: boolean,
  ) {}

  toString(): string {
    return this.cleaned;
  }

  /** Matches one `/`-separated path; throws BadPatternError like Go's `match`. */
  match(path: string): boolean {
    if (this.type === MatchType.Unknown) this.compile();
    switch (this.type) {
      case MatchType.Exact:
        return path === this.cleaned;
      case MatchType.Prefix:
        return path.startsWith(this.cleaned.slice(0, -2));
      case MatchType.Suffix: {
        const suffix = this.cleaned.slice(2);
        if (path.endsWith(suffix)) return true;
        return suffix.charCodeAt(0) === SLASH && path === suffix.slice(1);
      }
      case MatchType.Regexp:
        return this.re!.test(path);
      default:
        throw new BadPatternError(this.cleaned);
    }
  }

  /**
   * patternmatcher's `compile`: builds the same regular expression text Go
   * builds (RE2 syntax), then translates it to a JS RegExp.
   */
  private compile(): void {
    let reg = "^";
    let type = MatchType.Exact;
    const cps = codePoints(this.cleaned);
    let k = 0;
    // text/scanner skips a leading byte order mark
    if (cps[0] === 0xfeff) k = 1;
    const peek = (): number => (k < cps.length ? cps[k]! : -1);
    for (let i = 0; k < cps.length; i++) {
      const ch = cps[k++]!;
      if (ch === 0x2a) {
        if (peek() === 0x2a) {
          k++;
          if (peek() === SLASH) k++;
          if (peek() === -1) {
            if (type === MatchType.Exact) type = MatchType.Prefix;
            else {
              reg += ".*";
              type = MatchType.Regexp;
            }
          } else {
            reg += "(.*/)?";
            type = MatchType.Regexp;
          }
          if (i === 0) type = MatchType.Suffix;
        } else {
          reg += "[^/]*";
          type = MatchType.Regexp;
        }
      } else if (ch === 0x3f) {
        reg += "[^/]";
        type = MatchType.Regexp;
      } else if (shouldEscape(ch)) {
        reg += "\\" + String.fromCharCode(ch);
      } else if (ch === BACKSLASH) {
        if (peek() !== -1) {
          reg += "\\" + String.fromCodePoint(cps[k++]!);
          type = MatchType.Regexp;
        } else reg += "\\";
      } else if (ch === 0x5b || ch === 0x5d) {
        reg += String.fromCharCode(ch);
        type = MatchType.Regexp;
      } else {
        reg += String.fromCodePoint(ch);
      }
    }
    if (type === MatchType.Regexp) {
      reg += "$";
      try {
        this.re = re2ToJs(reg);
      } catch {
        this.type = MatchType.Bad;
        return;
      }
    }
    this.type = type;
  }
}

/**
 * patternmatcher's `shouldEscape`, bug included: its bitmap is meant to hold
 * `.+()|{}$`, but `1 << (b/8)` overflows a byte for b >= 64, so only
 * `.+()$` get escaped and `|`, `{`, `}` reach the regexp raw (`a|b` is an
 * alternation there). Replicated because it decides what a pattern matches.
 */
function shouldEscape(ch: number): boolean {
  return ch === 0x2e || ch === 0x2b || ch === 0x28 || ch === 0x29 || ch === 0x24; // . + ( ) $
}

/** The state a walk keeps per directory (patternmatcher.MatchInfo). */
export interface MatchInfo {
  readonly parentMatched: readonly boolean[];
}

export const emptyMatchInfo: MatchInfo = { parentMatched: [] };

/** patternmatcher.PatternMatcher. */
export class PatternMatcher {
  readonly patterns: readonly Pattern[];
  /** True when any pattern is an exclusion (`!`). */
  readonly exclusions: boolean;

  /** patternmatcher.New: trims, cleans, splits off `!`, validates with filepath.Match. Throws on bad patterns. */
  constructor(patterns: readonly string[]) {
    const out: Pattern[] = [];
    let exclusions = false;
    for (let p of patterns) {
      p = goTrimSpace(p);
      if (p === "") continue;
      p = cleanPath(p);
      let exclusion = false;
      if (p[0] === "!") {
        if (p.length === 1) throw new Error('illegal exclusion pattern: "!"');
        exclusion = true;
        p = p.slice(1);
        exclusions = true;
      }
      matchPath(p, ".");
      out.push(new Pattern(p, exclusion));
    }
    this.patterns = out;
    this.exclusions = exclusions;
  }

  /** True if the path or any of its parents matches, honouring later `!` exceptions. */
  matchesOrParentMatches(file: string): boolean {
    let matched = false;
    const parentPath = dirPath(file);
    const parentDirs = parentPath.split("/");
    for (const pattern of this.patterns) {
      if (pattern.exclusion !== matched) continue;
      let match = pattern.match(file);
      if (!match && parentPath !== ".") {
        for (let i = 0; i < parentDirs.length; i++) {
          match = matchQuiet(pattern, parentDirs.slice(0, i + 1).join("/"));
          if (match) break;
        }
      }
      if (match) matched = !pattern.exclusion;
    }
    return matched;
  }

  /**
   * MatchesUsingParentResults: like matchesOrParentMatches, but reuses the
   * parent directory's per-pattern results. Pass emptyMatchInfo for a
   * top-level path.
   */
  matchesUsingParentResults(file: string, parent: MatchInfo): [boolean, MatchInfo] {
    const parentMatched = parent.parentMatched;
    if (parentMatched.length !== 0 && parentMatched.length !== this.patterns.length) {
      throw new Error("wrong number of values in parentMatched");
    }
    let matched = false;
    const info: boolean[] = new Array<boolean>(this.patterns.length).fill(false);
    for (let i = 0; i < this.patterns.length; i++) {
      const pattern = this.patterns[i]!;
      let match = false;
      if (parentMatched.length !== 0) match = parentMatched[i]!;
      if (!match) {
        if (pattern.exclusion !== matched) continue;
        match = pattern.match(file);
        if (!match && parentMatched.length === 0) {
          const parentPath = dirPath(file);
          if (parentPath !== ".") {
            const dirs = parentPath.split("/");
            for (let j = 0; j < dirs.length; j++) {
              match = matchQuiet(pattern, dirs.slice(0, j + 1).join("/"));
              if (match) break;
            }
          }
        }
      }
      info[i] = match;
      if (match) matched = !pattern.exclusion;
    }
    return [matched, { parentMatched: info }];
  }
}

function matchQuiet(p: Pattern, path: string): boolean {
  try {
    return p.match(path);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// ignorefile.ReadAll

// ignoreBOM: keep a BOM for the check below (one is stripped, as Go does).
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * Parses a `.dockerignore` like `patternmatcher/ignorefile.ReadAll`: strips a
 * UTF-8 BOM, skips `#` comment lines and blank lines, trims, cleans, keeps a
 * leading `!`, and drops a leading `/`.
 */
export function parseIgnoreFile(content: string | Uint8Array): string[] {
  let text = typeof content === "string" ? content : utf8Decoder.decode(content);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const out: string[] = [];
  for (let line of lines) {
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.startsWith("#")) continue;
    let pattern = goTrimSpace(line);
    if (pattern === "") continue;
    const invert = pattern[0] === "!";
    if (invert) pattern = goTrimSpace(pattern.slice(1));
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern[0] === "/") pattern = pattern.slice(1);
    }
    out.push(invert ? "!" + pattern : pattern);
  }
  return out;
}

// ---------------------------------------------------------------------------
// RE2 -> JS regular expression translation, for the subset patternmatcher emits.

const POSIX_CLASSES: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7f",
  blank: "\\t ",
  cntrl: "\\x00-\\x1f\\x7f",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

/** Characters JS (u flag) accepts as identity escapes outside a class. */
const JS_SYNTAX = new Set("^$\\.*+?()[]{}|/".split(""));

/** Translates an RE2 escape (after the backslash) to JS (u flag); throws if unsupported. */
function translateEscape(cps: number[], k: number, inClass: boolean): [string, number] {
  if (k >= cps.length) throw new Error("trailing backslash");
  const c = cps[k]!;
  const ch = String.fromCodePoint(c);
  if (c < 0x80 && !/[0-9A-Za-z]/.test(ch)) {
    // punctuation: literal
    return [literal(c, inClass), k + 1];
  }
  switch (ch) {
    case "d":
    case "D":
    case "s":
    case "S":
    case "w":
    case "W":
    case "f":
    case "n":
    case "r":
    case "t":
    case "v":
      if (ch === "s" || ch === "S") {
        // RE2 \s is [\t\n\f\r ]
        return [ch === "s" ? (inClass ? "\\t\\n\\f\\r " : "[\\t\\n\\f\\r ]") : inClass ? unsupported() : "[^\\t\\n\\f\\r ]", k + 1];
      }
      return ["\\" + ch, k + 1];
    case "a":
      return ["\\x07", k + 1];
    case "b":
    case "B":
      if (inClass) unsupported();
      return ["(?:\\" + ch + ")", k + 1];
    case "A":
      if (inClass) unsupported();
      return ["(?:^)", k + 1];
    case "z":
      if (inClass) unsupported();
      return ["(?:$)", k + 1];
    case "x": {
      if (cps[k + 1] === 0x7b) {
        let j = k + 2;
        let hex = "";
        while (j < cps.length && cps[j] !== 0x7d) hex += String.fromCodePoint(cps[j++]!);
        if (j >= cps.length || !/^[0-9A-Fa-f]+$/.test(hex)) unsupported();
        return [`\\u{${hex}}`, j + 1];
      }
      const hex = String.fromCodePoint(cps[k + 1] ?? 0x20) + String.fromCodePoint(cps[k + 2] ?? 0x20);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) unsupported();
      return [`\\x${hex}`, k + 3];
    }
    default:
      return unsupported();
  }
}

/** UTF-16 length of cps[k:] (to slice the source string at code point k). */
function cpsLength(cps: number[], k: number): number {
  let n = 0;
  for (let i = k; i < cps.length; i++) n += cps[i]! > 0xffff ? 2 : 1;
  return n;
}

function unsupported(): never {
  throw new Error("unsupported regular expression escape");
}

function literal(c: number, inClass: boolean): string {
  const ch = String.fromCodePoint(c);
  if (inClass) return ch === "\\" || ch === "]" || ch === "[" || ch === "-" || ch === "^" ? "\\" + ch : ch;
  return JS_SYNTAX.has(ch) ? "\\" + ch : ch;
}

/**
 * Converts the RE2 text produced by Pattern.compile to a JS RegExp with the
 * `u` flag (so `.` and classes match whole code points, like Go's runes).
 * Handles classes (`]` first is literal, POSIX `[:name:]`), escapes, and the
 * constructs compile emits itself; anything else throws (=> bad pattern).
 */
export function re2ToJs(src: string): RegExp {
  const cps = codePoints(src);
  let out = "";
  let k = 0;
  while (k < cps.length) {
    const c = cps[k]!;
    const ch = String.fromCodePoint(c);
    if (ch === "\\") {
      const [s, nk] = translateEscape(cps, k + 1, false);
      out += s;
      k = nk;
    } else if (ch === "[") {
      k++;
      let cls = "[";
      if (cps[k] === 0x5e) {
        cls += "^";
        k++;
      }
      let start = true;
      let closed = false;
      while (k < cps.length) {
        const d = cps[k]!;
        if (d === 0x5d && !start) {
          closed = true;
          k++;
          break;
        }
        const atStart = start;
        start = false;
        if (d === 0x5b && cps[k + 1] === 0x3a) {
          // POSIX class [:name:] or [:^name:]
          let j = k + 2;
          let nm = "";
          while (j < cps.length && cps[j] !== 0x3a) nm += String.fromCodePoint(cps[j++]!);
          if (j + 1 < cps.length && cps[j + 1] === 0x5d) {
            const negated = nm.startsWith("^");
            const body = POSIX_CLASSES[negated ? nm.slice(1) : nm];
            if (body === undefined) unsupported();
            if (negated) unsupported();
            cls += body;
            k = j + 2;
            continue;
          }
        }
        if (d === 0x5c) {
          const [s, nk] = translateEscape(cps, k + 1, true);
          cls += s;
          k = nk;
        } else if (d === 0x2d && !atStart && cps[k + 1] !== 0x5d) {
          // a range between the previous item and the next one
          cls += "-";
          k++;
        } else {
          cls += literal(d, true);
          k++;
        }
      }
      if (!closed) unsupported();
      out += cls + "]";
    } else if (ch === "^" || ch === "$") {
      // grouped: RE2 lets a repeat apply to an assertion (`^{2}`), JS does not
      out += `(?:${ch})`;
      k++;
    } else if (ch === "(" || ch === ")" || ch === "|" || ch === "*" || ch === "+" || ch === "?" || ch === ".") {
      out += ch;
      k++;
    } else if (ch === "{") {
      // RE2: `{n}`, `{n,}`, `{n,m}` repeat (n, m <= 1000); any other `{` is literal
      const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(src.length - cpsLength(cps, k)));
      if (m) {
        const n = Number(m[1]);
        const max = m[3] !== undefined && m[3] !== "" ? Number(m[3]) : n;
        if (n > 1000 || max > 1000 || max < n) throw new Error("invalid repeat count");
        out += m[0];
        k += m[0].length;
      } else {
        out += "\\{";
        k++;
      }
    } else {
      out += literal(c, false);
      k++;
    }
  }
  return new RegExp(out, "u");
}
