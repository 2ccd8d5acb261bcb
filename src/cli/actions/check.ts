/** What `tsfrontend check` does; its arguments are declared in ../commands/check.ts, which loads this module only when the command runs. */

import { ReportedError } from "../../errors.js";
import { checkPrograms } from "../../program/check.js";

/** Runs `tsfrontend check`: prints each type error as one line; fails with a ReportedError if any. */
export function runCheck(files: string[]): void {
  const diagnostics = checkPrograms(files);
  for (const d of diagnostics) {
    const where = d.file ? `${d.file}:${d.line}:${d.column}: ` : "";
    process.stderr.write(`tsfrontend: ${where}error TS${d.code}: ${d.message}\n`);
  }
  if (diagnostics.length > 0) throw new ReportedError(`${diagnostics.length} type error(s)`, 1);
}
