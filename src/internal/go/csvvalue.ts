/**
 * One CSV record split exactly like github.com/tonistiigi/go-csvvalue
 * v0.0.0-20240814133006-030d3b2625d0 `Fields(s, nil)` (the parser buildkit v0.32.2 uses for
 * buildctl's flags and the Dockerfile's `RUN --mount` / `--device` values): a single-line
 * `encoding/csv` with `"` quoting, `""` for a quote, no bare quotes, no lazy quotes, no space
 * trimming, a trailing newline ignored. Pure: no I/O.
 */

import { utf8Length } from "./utf8.js";

/** A CSV syntax error, worded as Go's `csv.ParseError`. */
export class CsvError extends Error {
  constructor(
    readonly column: number,
    readonly reason: string,
  ) {
    super(reason === "EOF" ? "EOF" : `parse error on line 1, column ${column}: ${reason}`);
    this.name = "CsvError";
  }
}

/** Splits one CSV record exactly like `csvvalue.Fields(s, nil)` (go-csvvalue, the parser buildctl uses). */
export function parseCsvFields(input: string): string[] {
  let line = input;
  if (line.endsWith("\r\n")) line = line.slice(0, -2);
  else if (line.endsWith("\n")) line = line.slice(0, -1);
  if (line.length === 0) throw new CsvError(0, "EOF");
  const out: string[] = [];
  // Columns are 1-based byte offsets, as Go reports them.
  const bytePos = (i: number) => utf8Length(line.slice(0, i));
  let pos = 0;
  for (;;) {
    if (pos >= line.length || line[pos] !== '"') {
      const comma = line.indexOf(",", pos);
      const field = comma >= 0 ? line.slice(pos, comma) : line.slice(pos);
      const q = field.indexOf('"');
      if (q >= 0) throw new CsvError(bytePos(pos + q) + 1, 'bare " in non-quoted-field');
      out.push(field);
      if (comma < 0) return out;
      pos = comma + 1;
      continue;
    }
    // Quoted field.
    pos++;
    let field = "";
    for (;;) {
      const q = line.indexOf('"', pos);
      if (q < 0) throw new CsvError(bytePos(pos) + 1, 'extraneous or missing " in quoted-field');
      field += line.slice(pos, q);
      pos = q + 1;
      const next = line[pos];
      if (next === '"') {
        field += '"';
        pos++;
        continue;
      }
      if (next === ",") {
        out.push(field);
        pos++;
        break;
      }
      if (pos >= line.length) {
        out.push(field);
        return out;
      }
      throw new CsvError(bytePos(pos - 1) + 1, 'extraneous or missing " in quoted-field');
    }
  }
}
