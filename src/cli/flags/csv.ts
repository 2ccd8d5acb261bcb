/**
 * The CSV values of buildctl's flags (`--output`, `--export-cache`, `--import-cache`, `--secret`,
 * `--allow device=...`): one record split exactly like buildctl v0.32.2's `tonistiigi/go-csvvalue`
 * v0.0.0-20240814133006 (a single-line `encoding/csv`: `"` quoting, `""` for a quote, no bare quotes,
 * no lazy quotes, no space trimming, a trailing newline ignored), and the shared `type=...,k=v` loop of
 * cmd/buildctl/build/output.go, exportcache.go and importcache.go.
 */

import { UsageError } from "../../errors.js";

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
  const bytePos = (i: number) => Buffer.byteLength(line.slice(0, i), "utf8");
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

/** A `type=...,k=v` value: the type and the other keys (lower-cased). */
export interface TypedCsv {
  type: string;
  attrs: Record<string, string>;
}

/** The shared `type=...,k=v` loop of output.go / exportcache.go / importcache.go. */
export function parseTypedCsv(value: string, flag: string, forms: string): TypedCsv {
  let fields: string[];
  try {
    fields = parseCsvFields(value);
  } catch (err) {
    const msg = err instanceof CsvError && err.reason === "EOF" ? "empty value" : (err as Error).message;
    throw usage(flag, `${msg} in ${JSON.stringify(value)}`, forms);
  }
  const out: TypedCsv = { type: "", attrs: {} };
  for (const field of fields) {
    const eq = field.indexOf("=");
    if (eq < 0) throw usage(flag, `invalid value ${JSON.stringify(field)}: want key=value`, forms);
    const key = field.slice(0, eq).toLowerCase();
    const v = field.slice(eq + 1);
    if (key === "type") out.type = v;
    else out.attrs[key] = v;
  }
  if (out.type === "") throw usage(flag, `${flag} requires type=<type>`, forms);
  return out;
}

/** A UsageError naming the flag and the accepted forms. */
export function usage(flag: string, message: string, forms: string): UsageError {
  return new UsageError(`${message} (accepted: ${forms})`, { flag });
}

