/**
 * Port of buildkit v0.32.2 frontend/dockerfile/shell/lex.go and
 * equal_env_unix.go: shell-like word splitting and variable expansion of
 * Dockerfile words (`$V ${V} ${V:-w} ${V-w} ${V:+w} ${V+w} ${V:?m} ${V?m}
 * ${V#p} ${V##p} ${V%p} ${V%%p} ${V/p/r} ${V//p/r}`), quotes and escapes.
 *
 * Go reads the word with text/scanner: code points, a BOM as the very first
 * character skipped, EOF as -1. Errors are thrown as DockerfileError with
 * Go's message text (no location; callers add it).
 */

import { DockerfileError } from "../../errors.js";
import { isDigit, isLetter, isSpace } from "../../internal/go/unicode.js";
import { goQuote } from "../../internal/go/strconv.js";

/** Environment lookups the lexer uses (Go's shell.EnvGetter). */
export interface EnvGetter {
  get(key: string): string | undefined;
  keys(): string[];
}

/** Go's shell.ProcessWordResult. */
export interface ProcessWordResult {
  result: string;
  words: string[];
  matched: Set<string>;
  unmatched: Set<string>;
}

const EOF = -1;

/** The empty name set results share (a result's sets are read, never added to: adding throws). */
const NO_NAMES: Set<string> = new (class extends Set<string> {
  override add(name: string): this {
    throw new Error(`internal: the lexer's shared empty name set cannot take ${JSON.stringify(name)}`);
  }
})();

/**
 * Go's shell.Lex: shell word splitting and variable expansion with the
 * Dockerfile's escape token. Not reentrant (as in Go).
 */
export class Lex {
  escapeToken: string;
  rawQuotes = false;
  rawEscapes = false;
  skipProcessQuotes = false;
  skipUnsetEnv = false;
  private readonly sw = new ShellWord(this);

  constructor(escapeToken: string) {
    this.escapeToken = escapeToken;
  }

  /** Go's ProcessWord: `word` expanded (quotes removed) and the names it used that `env` lacks. */
  processWord(word: string, env: EnvGetter): { result: string; unmatched: Set<string> } {
    // Most words of a Dockerfile expand to themselves: skip the scanner for them.
    if (this.literal(word)) return { result: word, unmatched: NO_NAMES };
    const r = this.process(word, env, true);
    return { result: r.result, unmatched: r.unmatched };
  }

  /** Go's ProcessWords: `word` expanded and split into words (after expansion; quotes keep spaces). */
  processWords(word: string, env: EnvGetter): string[] {
    return this.process(word, env, false).words;
  }

  /** Go's ProcessWordWithMatches: as processWord, also naming the variables found in `env`. */
  processWordWithMatches(word: string, env: EnvGetter): ProcessWordResult {
    return this.process(word, env, true);
  }

  /** Whether `word` expands to itself: ASCII with no `$`, heredoc `<`, escape token or (processed) quote. */
  private literal(word: string): boolean {
    const esc = this.escapeToken.charCodeAt(0);
    const quotes = !this.skipProcessQuotes;
    for (let i = 0; i < word.length; i++) {
      const c = word.charCodeAt(i);
      if (c >= 0x80 || c === 0x24 || c === 0x3c || c === esc || (quotes && (c === 0x27 || c === 0x22))) return false;
    }
    return true;
  }

  private process(word: string, env: EnvGetter, capture: boolean): ProcessWordResult {
    const sw = this.sw;
    sw.init(word, env, capture);
    let result: string;
    let words: string[];
    try {
      [result, words] = sw.process(word);
    } catch (err) {
      // Go's stack grows; a word nested deeper than ours allows is reported instead of crashing.
      if (err instanceof RangeError) throw new DockerfileError(`failed to process ${goQuote(word)}: expansions nested too deeply`);
      throw err;
    }
    return { result, words, matched: sw.matches, unmatched: sw.nonmatches };
  }
}

/** Go's shellWord (with text/scanner's Peek/Next over code points). */
class ShellWord {
  private readonly lex: Lex;
  private src = "";
  private pos = 0;
  /** The scanner's lookahead: a code point, EOF, or -2 before the first Peek. */
  private ch = -2;
  /** Where the lookahead character starts in `src`. */
  private chPos = 0;
  private escapeToken = 0x5c;
  private envs!: EnvGetter;
  rawEscapes = false;
  private capture = false;
  /** Go shares one words buffer across nested processStopOn calls; kept for identical results. */
  wordsBuffer = "";
  matches = new Set<string>();
  nonmatches = new Set<string>();

  constructor(lex: Lex) {
    this.lex = lex;
  }

  init(word: string, env: EnvGetter, capture: boolean): void {
    this.envs = env;
    this.capture = capture;
    this.rawEscapes = this.lex.rawEscapes;
    this.escapeToken = this.lex.escapeToken.codePointAt(0) ?? EOF;
    if (capture) {
      // Allocated by the first name found (most words name none).
      this.matches = NO_NAMES;
      this.nonmatches = NO_NAMES;
    }
    this.src = word;
    this.pos = 0;
    this.ch = -2;
  }

  private scan(): number {
    this.chPos = this.pos;
    if (this.pos >= this.src.length) return EOF;
    const c = this.src.codePointAt(this.pos)!;
    this.pos += c > 0xffff ? 2 : 1;
    return c;
  }

  peek(): number {
    if (this.ch === -2) {
      this.ch = this.scan();
      if (this.ch === 0xfeff) this.ch = this.scan();
    }
    return this.ch;
  }

  /** Moves the scanner to `pos` (a character boundary after the lookahead) and reads the lookahead there. */
  private skipTo(pos: number): void {
    this.pos = pos;
    this.ch = this.scan();
  }

  next(): number {
    const ch = this.peek();
    if (ch !== EOF) this.ch = this.scan();
    return ch;
  }

  process(source: string): [string, string[]] {
    try {
      return this.processStopOn(EOF, this.rawEscapes);
    } catch (err) {
      if (err instanceof DockerfileError) throw new DockerfileError(`failed to process ${goQuote(source)}: ${err.message}`);
      throw err;
    }
  }

  processStopOn(stopChar: number, rawEscapes: boolean): [string, string[]] {
    let result = "";
    this.wordsBuffer = "";
    const words = new WordsStruct(this);
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      const quotes = !this.lex.skipProcessQuotes;
      const esc = this.escapeToken;
      for (;;) {
        let ch = this.peek();
        if (ch === EOF) break;
        if (stopChar !== EOF && ch === stopChar) {
          this.next();
          return [result, words.getWords()];
        }
        if (ch < 0x80 && isPlain(ch, quotes, esc, stopChar)) {
          // a run of ordinary ASCII characters goes to the result and the current word at once
          const src = this.src;
          const start = this.chPos;
          let end = start + 1;
          while (end < src.length) {
            const c = src.charCodeAt(end);
            if (c >= 0x80 || !isPlain(c, quotes, esc, stopChar)) break;
            end++;
          }
          const run = src.slice(start, end);
          this.skipTo(end);
          result += run;
          words.addRawString(run);
          continue;
        }
        let tmp: string | undefined;
        if (ch === 0x24) tmp = this.processDollar();
        else if (ch === 0x3c) tmp = this.processPossibleHeredoc();
        else if (quotes && ch === 0x27) tmp = this.processSingleQuote();
        else if (quotes && ch === 0x22) tmp = this.processDoubleQuote();
        if (tmp !== undefined) {
          result += tmp;
          if (ch === 0x24) words.addString(tmp);
          else words.addRawString(tmp);
          continue;
        }
        ch = this.next();
        if (ch === esc) {
          if (this.rawEscapes) {
            words.addRawChar(ch);
            result += String.fromCodePoint(ch);
          }
          ch = this.next();
          if (ch === EOF) break;
          words.addRawChar(ch);
        } else {
          words.addChar(ch);
        }
        result += String.fromCodePoint(ch);
      }
      if (stopChar !== EOF) {
        throw new DockerfileError(`unexpected end of statement while looking for matching ${String.fromCodePoint(stopChar)}`);
      }
      return [result, words.getWords()];
    } finally {
      this.rawEscapes = saved;
    }
  }

  /** processStopOn's result; an error at the end of the input becomes `eofMessage` (as Go reports it). */
  private processStopOnOr(stopChar: number, rawEscapes: boolean, eofMessage: string): string {
    try {
      return this.processStopOn(stopChar, rawEscapes)[0];
    } catch (err) {
      if (err instanceof DockerfileError && this.peek() === EOF) throw new DockerfileError(eofMessage);
      throw err;
    }
  }

  private processSingleQuote(): string {
    const raw = this.lex.rawQuotes;
    this.next();
    const start = this.chPos;
    const close = this.src.indexOf("'", start);
    if (close < 0) {
      this.skipTo(this.src.length);
      throw new DockerfileError("unexpected end of statement while looking for matching single-quote");
    }
    const body = this.src.slice(start, close);
    this.skipTo(close + 1);
    return raw ? "'" + body + "'" : body;
  }

  private processDoubleQuote(): string {
    let result = "";
    let ch = this.next();
    if (this.lex.rawQuotes) result += String.fromCodePoint(ch);
    const esc = this.escapeToken;
    for (;;) {
      const p = this.peek();
      if (p === EOF) throw new DockerfileError("unexpected end of statement while looking for matching double-quote");
      if (p === 0x22) {
        this.next();
        if (this.lex.rawQuotes) result += '"';
        return result;
      }
      if (p === 0x24) {
        result += this.processDollar();
        continue;
      }
      if (p !== esc) {
        const src = this.src;
        const start = this.chPos;
        let end = start + 1;
        while (end < src.length) {
          const c = src.charCodeAt(end);
          if (c === 0x22 || c === 0x24 || c === esc) break;
          end++;
        }
        result += src.slice(start, end);
        this.skipTo(end);
        continue;
      }
      ch = this.next();
      if (ch === esc) {
        if (this.rawEscapes) result += String.fromCodePoint(ch);
        const n = this.peek();
        if (n === EOF) continue;
        if (n === 0x22 || n === 0x24 || n === esc) ch = this.next();
      }
      result += String.fromCodePoint(ch);
    }
  }

  private processDollar(): string {
    this.next();
    if (this.peek() !== 0x7b) {
      const name = this.processName();
      if (name === "") return "$";
      const value = this.getEnv(name);
      if (value === undefined && this.lex.skipUnsetEnv) return "$" + name;
      return value ?? "";
    }
    this.next();
    switch (this.peek()) {
      case EOF:
        throw new DockerfileError("syntax error: missing '}'");
      case 0x7b:
      case 0x7d:
      case 0x3a:
        throw new DockerfileError("syntax error: bad substitution");
    }
    const name = this.processName();
    let ch = this.next();
    let chs = runeString(ch);
    if (ch === 0x7d) {
      const value = this.getEnv(name);
      if (value === undefined && this.lex.skipUnsetEnv) return "${" + name + "}";
      return value ?? "";
    }
    if (ch === 0x3a) {
      ch = this.next();
      chs += runeString(ch);
      return this.processModifier(name, ch, chs, true);
    }
    switch (ch) {
      case 0x2b:
      case 0x2d:
      case 0x3f:
      case 0x23:
      case 0x25:
        return this.processModifier(name, ch, chs, false);
      case 0x2f: {
        const replaceAll = this.peek() === 0x2f;
        if (replaceAll) this.next();
        const pattern = this.processStopOnOr(0x2f, true, "syntax error: missing '/' in ${}");
        const replacement = this.processStopOnOr(0x7d, true, "syntax error: missing '}'");
        const found = this.getEnv(name);
        if (this.lex.skipUnsetEnv && found === undefined) return "${" + name + "/" + pattern + "/" + replacement + "}";
        let value = found ?? "";
        let re: ShellPattern;
        try {
          re = convertShellPatternToRegex(pattern, true, false);
        } catch (err) {
          if (err instanceof DockerfileError) throw new DockerfileError(`invalid pattern (${pattern}) in substitution: ${err.message}`);
          throw err;
        }
        if (replaceAll) {
          value = goReplaceAll(re, value, replacement);
        } else {
          const m = re.find(value);
          if (m) value = value.slice(0, m[0]) + replacement + value.slice(m[1]);
        }
        return value;
      }
      default:
        throw new DockerfileError(`unsupported modifier (${chs}) in substitution`);
    }
  }

  /** The `${name<op>word}` forms (Go's fallthrough branch of processDollar). */
  private processModifier(name: string, ch: number, chs: string, nullIsUnset: boolean): string {
    const rawEscapes = ch === 0x23 || ch === 0x25;
    if (nullIsUnset && rawEscapes) throw new DockerfileError(`unsupported modifier (${chs}) in substitution`);
    let word = this.processStopOnOr(0x7d, rawEscapes, "syntax error: missing '}'");
    const value = this.getEnv(name);
    const set = value !== undefined;
    if (this.lex.skipUnsetEnv && !set) return "${" + name + chs + word + "}";
    switch (ch) {
      case 0x2d:
        if (!set || (nullIsUnset && value === "")) return word;
        return value;
      case 0x2b:
        if (!set || (nullIsUnset && value === "")) return "";
        return word;
      case 0x3f:
        if (!set) throw new DockerfileError(`${name}: ${word !== "" ? word : "is not allowed to be unset"}`);
        if (nullIsUnset && value === "") throw new DockerfileError(`${name}: ${word !== "" ? word : "is not allowed to be empty"}`);
        return value;
      case 0x25:
      case 0x23: {
        let greedy = false;
        if (word.length > 0 && word.charCodeAt(0) === ch) {
          greedy = true;
          word = word.slice(1);
        }
        if (ch === 0x25) return trimSuffix(word, value ?? "", greedy);
        return trimPrefix(word, value ?? "", greedy);
      }
      default:
        throw new DockerfileError(`unsupported modifier (${chs}) in substitution`);
    }
  }

  /** Go's processName: a run of digits, one special parameter, or letters, digits and _ (sliced from the word). */
  private processName(): string {
    let ch = this.peek();
    const start = this.chPos;
    if (ch === EOF) return "";
    if (isDigit(ch)) {
      while (this.peek() !== EOF && isDigit(this.peek())) this.next();
      return this.src.slice(start, this.chPos);
    }
    if (isSpecialParam(ch)) {
      this.next();
      return String.fromCodePoint(ch);
    }
    while (ch !== EOF && (isLetter(ch) || isDigit(ch) || ch === 0x5f)) {
      this.next();
      ch = this.peek();
    }
    return this.src.slice(start, this.chPos);
  }

  private processPossibleHeredoc(): string {
    this.next();
    if (this.peek() !== 0x3c) return "<";
    this.next();
    let result = "<<";
    let nextCh = this.peek();
    while (nextCh === 0x09 || nextCh === 0x0d || nextCh === 0x20) {
      result += String.fromCodePoint(nextCh);
      this.next();
      nextCh = this.peek();
    }
    return result;
  }

  private getEnv(name: string): string | undefined {
    const v = this.envs.get(name);
    if (v !== undefined) {
      if (this.capture) {
        if (this.matches === NO_NAMES) this.matches = new Set();
        this.matches.add(name);
      }
      return v;
    }
    if (this.capture) {
      if (this.nonmatches === NO_NAMES) this.nonmatches = new Set();
      this.nonmatches.add(name);
    }
    return undefined;
  }
}

/** Go's wordsStruct; its buffer is the ShellWord's shared one. */
class WordsStruct {
  private readonly sw: ShellWord;
  private readonly words: string[] = [];
  private inWord = false;

  constructor(sw: ShellWord) {
    this.sw = sw;
  }

  addChar(ch: number): void {
    if (isSpace(ch)) {
      if (this.inWord && this.sw.wordsBuffer.length !== 0) {
        this.words.push(this.sw.wordsBuffer);
        this.sw.wordsBuffer = "";
        this.inWord = false;
      }
    } else {
      this.addRawChar(ch);
    }
  }

  addRawChar(ch: number): void {
    this.sw.wordsBuffer += String.fromCodePoint(ch);
    this.inWord = true;
  }

  /** Go's addString: addChar for each character; runs without spaces are appended at once. */
  addString(str: string): void {
    const n = str.length;
    let i = 0;
    while (i < n) {
      let j = i;
      while (j < n) {
        const c = str.charCodeAt(j);
        if (c < 0x80 ? c === 0x20 || (c >= 0x09 && c <= 0x0d) : isSpace(c)) break;
        j++;
      }
      if (j > i) {
        this.addRawString(str.slice(i, j));
        i = j;
        continue;
      }
      this.addChar(str.charCodeAt(i));
      i++;
    }
  }

  addRawString(str: string): void {
    this.sw.wordsBuffer += str;
    this.inWord = true;
  }

  getWords(): string[] {
    if (this.sw.wordsBuffer.length > 0) {
      this.words.push(this.sw.wordsBuffer);
      this.sw.wordsBuffer = "";
      this.inWord = false;
    }
    return this.words;
  }
}

/** An ASCII character processStopOn copies as it is: not $ < (quotes) the escape, the stop character or a space. */
function isPlain(c: number, quotes: boolean, esc: number, stopChar: number): boolean {
  if (c === 0x24 || c === 0x3c || c === esc || c === stopChar || c === 0x20 || (c >= 0x09 && c <= 0x0d)) return false;
  return !(quotes && (c === 0x27 || c === 0x22));
}

/** fmt's string(rune): EOF (and any invalid code point) is U+FFFD. */
function runeString(ch: number): string {
  return ch < 0 || ch > 0x10ffff ? "\ufffd" : String.fromCodePoint(ch);
}

function isSpecialParam(ch: number): boolean {
  switch (ch) {
    case 0x40: case 0x2a: case 0x23: case 0x3f: case 0x2d: case 0x24: case 0x21: case 0x30:
      return true;
  }
  return false;
}

/** Go's EqualEnvKeys on Unix: case-sensitive. */
export function equalEnvKeys(from: string, to: string): boolean {
  return from === to;
}

/** Go's NormalizeEnvKey on Unix: the key unchanged. */
export function normalizeEnvKey(key: string): string {
  return key;
}

/** Go's shell.EnvsFromSlice: `KEY=value` entries (the last of a key wins; keys keep their order and repeats). */
export function envsFromSlice(env: string[]): EnvGetter {
  const envs = new Map<string, string>();
  const keys: string[] = [];
  for (const e of env) {
    const i = e.indexOf("=");
    const k = i < 0 ? e : e.slice(0, i);
    keys.push(k);
    envs.set(normalizeEnvKey(k), i < 0 ? "" : e.slice(i + 1));
  }
  return { get: (key) => envs.get(normalizeEnvKey(key)), keys: () => keys };
}

/** Pattern tokens besides literal code points (which are >= 0). */
const T_ANY = -2;
const T_STAR = -3;

/**
 * A shell pattern (`*`, `?`, literal characters) matched with the semantics
 * of the regular expression Go builds for it (leftmost-first: stars
 * greedy or lazy in priority order; `.` excludes \n; code points, not
 * bytes). It is matched by a backtracking search that remembers failed
 * (star, position) pairs, so it stays polynomial where a regular
 * expression engine with backtracking (JavaScript's) can take exponential time.
 */
export class ShellPattern {
  /** The regular expression Go's convertShellPatternToRegex writes for the pattern. */
  readonly source: string;
  private readonly tokens: number[];
  private readonly greedy: boolean;
  private readonly anchored: boolean;
  /** For each star, the BMP literal that follows it, if any (the star can only stop there). */
  private readonly literalAfter: (string | undefined)[];

  constructor(source: string, tokens: number[], greedy: boolean, anchored: boolean) {
    this.source = source;
    this.tokens = tokens;
    this.literalAfter = tokens.map((_, i) => {
      const next = tokens[i + 1];
      return next !== undefined && next >= 0 && next <= 0xffff && (next < 0xd800 || next > 0xdfff) ? String.fromCharCode(next) : undefined;
    });
    this.greedy = greedy;
    this.anchored = anchored;
  }

  /** Go's FindStringIndex on s[from:] (positions in `s`): the leftmost match, or undefined. */
  find(s: string, from = 0, dead: DeadStops = new DeadStops()): [number, number] | undefined {
    for (let start = from; start <= s.length; ) {
      const end = this.matchAt(s, start, dead);
      if (end >= 0) return [start, end];
      if (this.anchored) return undefined;
      start += start < s.length && isSurrogatePair(s, start) ? 2 : 1;
    }
    return undefined;
  }

  /** The end of the highest-priority match starting at `start`, or -1. */
  private matchAt(s: string, start: number, dead: DeadStops): number {
    const tokens = this.tokens;
    const m = tokens.length;
    const n = s.length;
    // choice points of the stars: token index, first position, current position, last position, end of line
    const stack: number[] = [];
    let i = 0;
    let j = start;
    for (;;) {
      let ok = true;
      while (i < m) {
        const t = tokens[i]!;
        if (t === T_STAR) break;
        if (j >= n) {
          ok = false;
          break;
        }
        const c = s.codePointAt(j)!;
        if (t === T_ANY ? c === 0x0a : c !== t) {
          ok = false;
          break;
        }
        j += c > 0xffff ? 2 : 1;
        i++;
      }
      if (ok && i === m) return j;
      if (ok) {
        let eol = s.indexOf("\n", j);
        if (eol < 0) eol = n;
        const hi = dead.limit(i, eol);
        const k = j <= hi ? this.choice(s, i, j, j, hi, true) : -1;
        if (k >= 0) {
          stack.push(i, j, k, hi, eol);
          i++;
          j = k;
          continue;
        }
        dead.add(i, j, eol);
      }
      // backtrack to the latest star with another choice
      let resumed = false;
      while (stack.length > 0) {
        const top = stack.length - 5;
        const ti = stack[top]!;
        const lo = stack[top + 1]!;
        const k = this.choice(s, ti, lo, stack[top + 2]!, stack[top + 3]!, false);
        if (k >= 0) {
          stack[top + 2] = k;
          i = ti + 1;
          j = k;
          resumed = true;
          break;
        }
        dead.add(ti, lo, stack[top + 4]!);
        stack.length = top;
      }
      if (!resumed) return -1;
    }
  }

  /**
   * The first (`first`) or next position after `k` the star at token `ti`
   * may stop at within [lo, hi], in priority order (greedy: longest first),
   * or -1. A star followed by a literal only stops where that literal is.
   */
  private choice(s: string, ti: number, lo: number, k: number, hi: number, first: boolean): number {
    const lit = this.literalAfter[ti];
    if (this.greedy) {
      if (first) k = hi;
      else {
        k--;
        if (k > lo && isSurrogatePair(s, k - 1)) k--;
      }
      if (lit !== undefined && k >= lo) k = s.lastIndexOf(lit, k);
      return k >= lo ? k : -1;
    }
    if (!first) k += k < s.length && isSurrogatePair(s, k) ? 2 : 1;
    if (lit !== undefined && k <= hi) k = s.indexOf(lit, k);
    return k >= 0 && k <= hi ? k : -1;
  }
}

/**
 * Where each star is known not to lead to a match: a star starting at p
 * that found no match means no stop in [p, end of line] works, so later
 * searches reaching that star on the same line stop before p. This keeps
 * the search near O(stars × length) where plain backtracking is exponential.
 */
class DeadStops {
  private readonly from: number[] = [];
  private readonly eol: number[] = [];

  /** The last stop worth trying for the star at token `i` before end of line `eol`. */
  limit(i: number, eol: number): number {
    return this.eol[i] === eol ? Math.min(eol, this.from[i]! - 1) : eol;
  }

  add(i: number, p: number, eol: number): void {
    if (this.eol[i] === eol) this.from[i] = Math.min(this.from[i]!, p);
    else {
      this.eol[i] = eol;
      this.from[i] = p;
    }
  }
}

function isSurrogatePair(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff) return false;
  const d = s.charCodeAt(i + 1);
  return d >= 0xdc00 && d <= 0xdfff;
}

const patternCache = new Map<string, ShellPattern>();

/**
 * Go's convertShellPatternToRegex: `*` (shortest or, when greedy, longest
 * run) and `?` (one character), optionally anchored at the start. Throws
 * DockerfileError on a bad escape (Go's message). Consecutive stars match
 * as one.
 */
export function convertShellPatternToRegex(pattern: string, greedy: boolean, anchored: boolean): ShellPattern {
  const key = (greedy ? "g" : "n") + (anchored ? "a" : "u") + pattern;
  const cached = patternCache.get(key);
  if (cached) return cached;
  let out = anchored ? "^" : "";
  const star = greedy ? ".*" : ".*?";
  const tokens: number[] = [];
  const cps: number[] = [];
  for (const c of pattern) cps.push(c.codePointAt(0)!);
  let i = cps[0] === 0xfeff ? 1 : 0;
  while (i < cps.length) {
    let tok = cps[i++]!;
    switch (tok) {
      case 0x2a:
        out += star;
        if (tokens.at(-1) !== T_STAR) tokens.push(T_STAR);
        continue;
      case 0x3f:
        out += ".";
        tokens.push(T_ANY);
        continue;
      case 0x5c: {
        const p = i < cps.length ? cps[i]! : EOF;
        if (p === 0x7d || p === 0x2f) continue;
        out += "\\";
        tok = i < cps.length ? cps[i++]! : EOF;
        if (tok !== 0x2a && tok !== 0x3f && tok !== 0x5c) throw new DockerfileError(`invalid escape '\\${runeString(tok)}'`);
        break;
      }
      case 0x5b: case 0x5d: case 0x7b: case 0x7d: case 0x2e: case 0x2b: case 0x28: case 0x29: case 0x7c: case 0x5e: case 0x24:
        out += "\\";
        break;
    }
    out += String.fromCodePoint(tok);
    tokens.push(tok);
  }
  const re = new ShellPattern(out, tokens, greedy, anchored);
  if (patternCache.size > 1000) patternCache.clear();
  patternCache.set(key, re);
  return re;
}

/** Go's Regexp.ReplaceAllString: empty matches right after a match are not replaced; `$` templates expanded. */
function goReplaceAll(re: ShellPattern, src: string, template: string): string {
  let out = "";
  let lastMatchEnd = 0;
  let searchPos = 0;
  const end = src.length;
  const dead = new DeadStops();
  while (searchPos <= end) {
    const m = re.find(src, searchPos, dead);
    if (!m) break;
    const [a0, a1] = m;
    out += src.slice(lastMatchEnd, a0);
    if (a1 > lastMatchEnd || a0 === 0) out += goExpand(template, src.slice(a0, a1));
    lastMatchEnd = a1;
    const width = searchPos < end ? (isSurrogatePair(src, searchPos) ? 2 : 1) : 0;
    if (searchPos + width > a1) searchPos += width;
    else if (searchPos + 1 > a1) searchPos++;
    else searchPos = a1;
  }
  return out + src.slice(lastMatchEnd);
}

/** Go's Regexp.Expand for a pattern without groups: `$0`/`${0}` is the match, `$$` a dollar, other names empty. */
function goExpand(template: string, match: string): string {
  if (!template.includes("$")) return template;
  let out = "";
  let t = template;
  for (;;) {
    const i = t.indexOf("$");
    if (i < 0) break;
    out += t.slice(0, i);
    t = t.slice(i + 1);
    if (t.startsWith("$")) {
      out += "$";
      t = t.slice(1);
      continue;
    }
    let s = t;
    const brace = s.startsWith("{");
    if (brace) s = s.slice(1);
    let j = 0;
    while (j < s.length) {
      const c = s.codePointAt(j)!;
      if (!isLetter(c) && !isDigit(c) && c !== 0x5f) break;
      j += c > 0xffff ? 2 : 1;
    }
    if (j === 0 || (brace && s.charCodeAt(j) !== 0x7d)) {
      out += "$";
      continue;
    }
    const name = s.slice(0, j);
    if (brace) j++;
    t = s.slice(j);
    if (/^[0-9]+$/.test(name) && !(name.length > 1 && name.startsWith("0")) && Number(name) === 0 && name.length < 10) out += match;
  }
  return out + t;
}

function trimPrefix(word: string, value: string, greedy: boolean): string {
  let re: ShellPattern;
  try {
    re = convertShellPatternToRegex(word, greedy, true);
  } catch (err) {
    if (err instanceof DockerfileError) throw new DockerfileError(`invalid pattern (${word}) in substitution: ${err.message}`);
    throw err;
  }
  const m = re.find(value);
  return m ? value.slice(m[1]) : value;
}

/** Reverses a pattern keeping each escape before its character: a\*c -> c\*a. */
export function reversePattern(pattern: string): string {
  const runes = hasSurrogates(pattern) ? Array.from(pattern) : pattern;
  const last = runes.length - 1;
  // tokens left to right (an escape with its character is one token), written out right to left
  const tokens: string[] = [];
  for (let i = 0; i <= last; ) {
    if (runes[i] === "\\" && i !== last) {
      tokens.push("\\" + runes[i + 1]!);
      i += 2;
    } else {
      tokens.push(runes[i]!);
      i++;
    }
  }
  let out = "";
  for (let k = tokens.length - 1; k >= 0; k--) out += tokens[k];
  return out;
}

/** Reverses a string by code points. */
export function reverseString(str: string): string {
  if (hasSurrogates(str)) return Array.from(str).reverse().join("");
  let out = "";
  for (let i = str.length - 1; i >= 0; i--) out += str[i];
  return out;
}

const surrogateRe = /[\ud800-\udfff]/;

function hasSurrogates(s: string): boolean {
  return surrogateRe.test(s);
}

function trimSuffix(pattern: string, word: string, greedy: boolean): string {
  return reverseString(trimPrefix(reversePattern(pattern), reverseString(word), greedy));
}
