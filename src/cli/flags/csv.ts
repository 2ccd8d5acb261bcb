/**
 * The CSV values of buildctl's flags (`--output`, `--export-cache`, `--import-cache`, `--secret`,
 * `--allow device=...`): one record split exactly like buildctl v0.32.2's `tonistiigi/go-csvvalue`
 * v0.0.0-20240814133006 (a single-line `encoding/csv`: `"` quoting, `""` for a quote, no bare quotes,
 * no lazy quotes, no space trimming, a trailing newline ignored), and the shared `type=...,k=v` loop of
 * cmd/buildctl/build/output.go, exportcache.go and importcache.go.
 */

import { UsageError } from "../../errors.js";

export { CsvError, parseCsvFields } from "../../internal/go/csvvalue.js";
import { CsvError, parseCsvFields } from "../../internal/go/csvvalue.js";

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

