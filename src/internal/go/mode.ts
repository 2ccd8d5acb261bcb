/**
 * Parsing of chmod(1) mode strings as github.com/tonistiigi/dchapes-mode (mode.go, the
 * version buildkit v0.32.2 uses) does it in `Parse`: an octal number up to 07777, or
 * symbolic clauses like `u+x,go-w` or `a=rX`. Only whether and how parsing fails is
 * ported: `COPY --chmod` validates the string and hands it to the daemon as is.
 */

import { goQuote } from "./strconv.js";

/** Why {@link parseMode} failed: Go's `mode.ErrSyntax`, or a `*strconv.NumError` for bad numbers. */
export class ModeError extends Error {
  constructor(
    message: string,
    /** True for Go's `*strconv.NumError` (the string starts with a digit). */
    readonly numeric: boolean,
  ) {
    super(message);
    this.name = "ModeError";
  }
}

// One clause: who letters, then one or more operators each followed by permission
// letters (or u/g/o to copy another class's bits); clauses separated by commas.
const symbolicRe = /^[augo]*(?:[-+=][rwxXstugo]*)+(?:,[augo]*(?:[-+=][rwxXstugo]*)+)*$/;

/** Go's `mode.Parse` reduced to its errors: throws {@link ModeError} when `s` is not a valid mode. */
export function parseMode(s: string): void {
  if (s === "") throw new ModeError("invalid syntax", false);
  const d = s.charCodeAt(0);
  if (d >= 0x30 && d <= 0x39) {
    // strconv.ParseInt(s, 8, 16)
    if (!/^[0-7]+$/.test(s)) throw new ModeError(`strconv.ParseInt: parsing ${goQuote(s)}: invalid syntax`, true);
    const v = parseInt(s, 8);
    if (v > 0x7fff) throw new ModeError(`strconv.ParseInt: parsing ${goQuote(s)}: value out of range`, true);
    if (v & ~0o7777) throw new ModeError("invalid syntax", false);
    return;
  }
  if (!symbolicRe.test(s)) throw new ModeError("invalid syntax", false);
}
