/**
 * Port of buildkit v0.32.2 frontend/dockerfile/parser/split_command.go:
 * an instruction line split into its command, its `--flags` and the rest.
 */

import { fromUtf8BinaryString, utf8BinaryString } from "../../internal/go/utf8.js";
import { isSpace, trimSpace } from "../../internal/go/unicode.js";
import type { Directives } from "./parser.js";
import { splitWhitespace } from "./line-parsers.js";

/** Go's splitCommand: [command, flags, args]. */
export function splitCommand(line: string, d: Directives): [string, string[], string] {
  let args = "";
  let flags: string[] = [];
  const cmdline = splitWhitespace(trimSpace(line), 2);
  if (cmdline.length === 2) [args, flags] = extractBuilderFlags(cmdline[1]!, d);
  return [cmdline[0]!, flags, trimSpace(args)];
}

const IN_SPACES = 0;
const IN_WORD = 1;
const IN_QUOTE = 2;

/**
 * Go's extractBuilderFlags: the leading `--flag` words and the rest of the
 * line. Go walks the line byte by byte and writes each byte as a rune, so a
 * non-ASCII flag comes out as its UTF-8 bytes read as Latin-1; the same
 * happens here by walking the line's binary string.
 */
export function extractBuilderFlags(input: string, d: Directives): [string, string[]] {
  // Most lines are ASCII up to the end of their flags: walk the string itself and switch to its bytes
  // only when a non-ASCII character comes up (checking the whole line first would be quadratic for ONBUILD chains).
  return extractFlags(input, d, true) ?? extractFlags(utf8BinaryString(input), d, false)!;
}

function extractFlags(line: string, d: Directives, ascii: boolean): [string, string[]] | undefined {
  const rest = (pos: number): string => (ascii ? line.slice(pos) : fromUtf8BinaryString(line.slice(pos)));
  const words: string[] = [];
  let phase = IN_SPACES;
  let word = "";
  /** Where the characters not yet added to `word` start (-1: none): runs are sliced, not added one by one. */
  let run = -1;
  let quote = 0;
  let blankOK = false;
  let ch = 0;
  const esc = d.escapeToken.charCodeAt(0);
  const n = line.length;
  for (let pos = 0; pos <= n; pos++) {
    if (pos !== n) {
      ch = line.charCodeAt(pos);
      if (ascii && ch >= 0x80) return undefined;
    }
    if (phase === IN_SPACES) {
      if (pos === n) break;
      if (isSpace(ch)) continue;
      if (ch !== 0x2d || pos + 1 === n || line.charCodeAt(pos + 1) !== 0x2d) return [rest(pos), words];
      phase = IN_WORD;
    }
    if ((phase === IN_WORD || phase === IN_QUOTE) && pos === n) {
      if (run >= 0) word += line.slice(run, pos);
      if (word !== "--" && (blankOK || word.length > 0)) words.push(word);
      break;
    }
    if (phase === IN_WORD) {
      if (isSpace(ch)) {
        if (run >= 0) word += line.slice(run, pos);
        run = -1;
        phase = IN_SPACES;
        if (word === "--") return [rest(pos), words];
        if (blankOK || word.length > 0) words.push(word);
        word = "";
        blankOK = false;
        continue;
      }
      if (ch === 0x27 || ch === 0x22) {
        if (run >= 0) word += line.slice(run, pos);
        run = -1;
        quote = ch;
        blankOK = true;
        phase = IN_QUOTE;
        continue;
      }
      if (ch === esc) {
        if (run >= 0) word += line.slice(run, pos);
        run = -1;
        if (pos + 1 === n) continue;
        pos++;
        ch = line.charCodeAt(pos);
        if (ascii && ch >= 0x80) return undefined;
      }
      if (run < 0) run = pos;
      continue;
    }
    if (phase === IN_QUOTE) {
      if (ch === quote || ch === esc) {
        if (run >= 0) word += line.slice(run, pos);
        run = -1;
      }
      if (ch === quote) {
        phase = IN_WORD;
        continue;
      }
      if (ch === esc) {
        if (pos + 1 === n) {
          phase = IN_WORD;
          continue;
        }
        pos++;
        ch = line.charCodeAt(pos);
        if (ascii && ch >= 0x80) return undefined;
      }
      if (run < 0) run = pos;
    }
  }
  return ["", words];
}
