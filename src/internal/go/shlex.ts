/**
 * Command-line splitting exactly as github.com/google/shlex
 * (v0.0.0-20191202100458-e7afc7fbc510, vendored by buildkit v0.32.2), which
 * Go's `llb.Shlex` uses: errors stop the split and keep the words before.
 * Pure: no I/O.
 */

const enum RC {
  Unknown,
  Space,
  EscapingQuote,
  NonEscapingQuote,
  Escape,
  Comment,
  Eof,
}

function runeClass(ch: string | undefined): RC {
  switch (ch) {
    case undefined:
      return RC.Eof;
    case " ":
    case "\t":
    case "\r":
    case "\n":
      return RC.Space;
    case '"':
      return RC.EscapingQuote;
    case "'":
      return RC.NonEscapingQuote;
    case "\\":
      return RC.Escape;
    case "#":
      return RC.Comment;
    default:
      return RC.Unknown;
  }
}

/** Splits like github.com/google/shlex `Split`: the words, and the error that stopped it if any. */
export function shlexSplitGo(s: string): { words: string[]; error: string | undefined } {
  const chars = Array.from(s);
  let pos = 0;
  const words: string[] = [];
  const enum St {
    Start,
    InWord,
    Escaping,
    EscapingQuoted,
    QuotingEscaping,
    Quoting,
    Comment,
  }
  for (;;) {
    // One token (scanStream).
    let state = St.Start;
    let isComment = false;
    let value = "";
    let error: string | undefined;
    let done = false; // token complete
    let eof = false; // io.EOF before any token
    while (!done) {
      const ch = chars[pos++];
      const cls = runeClass(ch);
      switch (state) {
        case St.Start:
          if (cls === RC.Eof) {
            eof = true;
            done = true;
          } else if (cls === RC.Space) {
            // skip
          } else if (cls === RC.EscapingQuote) state = St.QuotingEscaping;
          else if (cls === RC.NonEscapingQuote) state = St.Quoting;
          else if (cls === RC.Escape) state = St.Escaping;
          else if (cls === RC.Comment) {
            isComment = true;
            state = St.Comment;
          } else {
            value += ch;
            state = St.InWord;
          }
          break;
        case St.InWord:
          if (cls === RC.Eof || cls === RC.Space) done = true;
          else if (cls === RC.EscapingQuote) state = St.QuotingEscaping;
          else if (cls === RC.NonEscapingQuote) state = St.Quoting;
          else if (cls === RC.Escape) state = St.Escaping;
          else value += ch;
          break;
        case St.Escaping:
          if (cls === RC.Eof) {
            error = "EOF found after escape character";
            done = true;
          } else {
            state = St.InWord;
            value += ch;
          }
          break;
        case St.EscapingQuoted:
          if (cls === RC.Eof) {
            error = "EOF found after escape character";
            done = true;
          } else {
            state = St.QuotingEscaping;
            value += ch;
          }
          break;
        case St.QuotingEscaping:
          if (cls === RC.Eof) {
            error = "EOF found when expecting closing quote";
            done = true;
          } else if (cls === RC.EscapingQuote) state = St.InWord;
          else if (cls === RC.Escape) state = St.EscapingQuoted;
          else value += ch;
          break;
        case St.Quoting:
          if (cls === RC.Eof) {
            error = "EOF found when expecting closing quote";
            done = true;
          } else if (cls === RC.NonEscapingQuote) state = St.InWord;
          else value += ch;
          break;
        case St.Comment:
          if (cls === RC.Eof) done = true;
          else if (cls === RC.Space && ch === "\n") done = true;
          else value += ch;
          break;
      }
    }
    if (eof) return { words, error: undefined };
    if (error !== undefined) return { words, error };
    if (!isComment) words.push(value);
    // Reading past the end keeps returning EOF, as a bufio.Reader does.
    if (pos > chars.length) pos = chars.length;
  }
}
