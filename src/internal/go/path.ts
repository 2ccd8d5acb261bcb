/**
 * Go's `path` package (Go 1.26: Clean, Join, Dir, Base, Match) on
 * `/`-separated paths; on Unix `path/filepath` behaves the same, `\` in a
 * pattern escapes. Pure: no I/O.
 */

import { codePoints } from "./utf8.js";

/** Go's `path.ErrBadPattern`, with the pattern (as patternmatcher and fsutil report it). */
export class BadPatternError extends Error {
  constructor(pattern: string) {
    super(`syntax error in pattern: ${JSON.stringify(pattern)}`);
    this.name = "BadPatternError";
  }
}

/** Go `path.Clean`: the shortest equivalent path, `"."` for empty (Go's algorithm, on the string's characters). */
export function cleanPath(p: string): string {
  if (p === "") return ".";
  if (isClean(p)) return p;
  const rooted = p.charCodeAt(0) === 0x2f;
  const n = p.length;
  const base = rooted ? 1 : 0;
  let out = rooted ? "/" : "";
  let r = base;
  let dotdot = base;
  while (r < n) {
    const c = p.charCodeAt(r);
    if (c === 0x2f) {
      r++;
    } else if (c === 0x2e && (r + 1 === n || p.charCodeAt(r + 1) === 0x2f)) {
      r++;
    } else if (c === 0x2e && p.charCodeAt(r + 1) === 0x2e && (r + 2 === n || p.charCodeAt(r + 2) === 0x2f)) {
      r += 2;
      if (out.length > dotdot) {
        let w = out.length - 1;
        while (w > dotdot && out.charCodeAt(w) !== 0x2f) w--;
        out = out.slice(0, w);
      } else if (!rooted) {
        out += out.length > 0 ? "/.." : "..";
        dotdot = out.length;
      }
    } else {
      if (out.length !== base) out += "/";
      let e = p.indexOf("/", r);
      if (e < 0) e = n;
      out += p.slice(r, e);
      r = e;
    }
  }
  return out === "" ? "." : out;
}

/** Whether `p` (not empty) is surely clean: "/", ".", or non-empty segments that are not "." or "..", no trailing "/". */
function isClean(p: string): boolean {
  if (p === ".") return true;
  const n = p.length;
  let seg = p.charCodeAt(0) === 0x2f ? 1 : 0;
  if (seg === n) return true;
  for (let i = seg; i <= n; i++) {
    if (i < n && p.charCodeAt(i) !== 0x2f) continue;
    const len = i - seg;
    if (len === 0) return false;
    if (p.charCodeAt(seg) === 0x2e && (len === 1 || (len === 2 && p.charCodeAt(seg + 1) === 0x2e))) return false;
    seg = i + 1;
  }
  return true;
}

/** Go `path.Join`: joins the non-empty elements and cleans; `""` if all are empty. */
export function joinPath(...elems: string[]): string {
  const parts = elems.filter((e) => e !== "");
  return parts.length === 0 ? "" : cleanPath(parts.join("/"));
}

/** Go `path.Dir`. */
export function dirPath(p: string): string {
  const i = p.lastIndexOf("/");
  return cleanPath(p.slice(0, i + 1));
}

/** Go `path.Base`. */
export function basePath(p: string): string {
  if (p === "") return ".";
  while (p.length > 0 && p.endsWith("/")) p = p.slice(0, -1);
  const i = p.lastIndexOf("/");
  if (i >= 0) p = p.slice(i + 1);
  return p === "" ? "/" : p;
}

const SLASH = 0x2f;
const BACKSLASH = 0x5c;

/**
 * Go `path.Match`: `*`, `?`, `[...]` with ranges and `^`
 * negation, `\` escapes. Throws BadPatternError on malformed patterns (only
 * as far as Go detects them: a chunk after a failed `*` chunk is not checked).
 */
export function matchPath(pattern: string, name: string): boolean {
  return matchCp(codePoints(pattern), codePoints(name), pattern);
}

function matchCp(pat: number[], name: number[], orig: string): boolean {
  let pi = 0;
  let ni = 0;
  patternLoop: while (pi < pat.length) {
    // scanChunk
    let star = false;
    while (pi < pat.length && pat[pi] === 0x2a) {
      pi++;
      star = true;
    }
    let inrange = false;
    let end = pi;
    for (; end < pat.length; end++) {
      const c = pat[end]!;
      if (c === BACKSLASH) {
        if (end + 1 < pat.length) end++;
      } else if (c === 0x5b) inrange = true;
      else if (c === 0x5d) inrange = false;
      else if (c === 0x2a && !inrange) break;
    }
    const chunk = pat.slice(pi, end);
    pi = end;
    const last = pi >= pat.length;
    if (star && chunk.length === 0) {
      for (let k = ni; k < name.length; k++) if (name[k] === SLASH) return false;
      return true;
    }
    const t = matchChunk(chunk, name, ni, orig);
    if (t >= 0 && (t === name.length || !last)) {
      ni = t;
      continue;
    }
    if (star) {
      for (let i = ni; i < name.length && name[i] !== SLASH; i++) {
        const t2 = matchChunk(chunk, name, i + 1, orig);
        if (t2 >= 0) {
          if (last && t2 < name.length) continue;
          ni = t2;
          continue patternLoop;
        }
      }
    }
    return false;
  }
  return ni === name.length;
}

/** Returns the index in `s` after the match, or -1; throws on bad syntax. */
function matchChunk(chunk: number[], s: number[], si: number, orig: string): number {
  let failed = false;
  let ci = 0;
  while (ci < chunk.length) {
    failed = failed || si >= s.length;
    const c = chunk[ci]!;
    if (c === 0x5b) {
      let r = -1;
      if (!failed) r = s[si++]!;
      ci++;
      let negated = false;
      if (ci < chunk.length && chunk[ci] === 0x5e) {
        negated = true;
        ci++;
      }
      let match = false;
      let nrange = 0;
      for (;;) {
        if (ci < chunk.length && chunk[ci] === 0x5d && nrange > 0) {
          ci++;
          break;
        }
        const lo = getEsc(chunk, ci, orig);
        ci = lo.next;
        let hi = lo.r;
        if (chunk[ci] === 0x2d) {
          const h = getEsc(chunk, ci + 1, orig);
          ci = h.next;
          hi = h.r;
        }
        match = match || (lo.r <= r && r <= hi);
        nrange++;
      }
      failed = failed || match === negated;
    } else if (c === 0x3f) {
      if (!failed) {
        failed = s[si] === SLASH;
        si++;
      }
      ci++;
    } else {
      if (c === BACKSLASH) {
        ci++;
        if (ci >= chunk.length) throw new BadPatternError(orig);
      }
      if (!failed) {
        failed = chunk[ci] !== s[si];
        si++;
      }
      ci++;
    }
  }
  return failed ? -1 : si;
}

function getEsc(chunk: number[], ci: number, orig: string): { r: number; next: number } {
  if (ci >= chunk.length || chunk[ci] === 0x2d || chunk[ci] === 0x5d) throw new BadPatternError(orig);
  if (chunk[ci] === BACKSLASH) {
    ci++;
    if (ci >= chunk.length) throw new BadPatternError(orig);
  }
  const r = chunk[ci]!;
  ci++;
  if (ci >= chunk.length) throw new BadPatternError(orig);
  return { r, next: ci };
}
