/** `tsfrontend check PROGRAM.ts...`: type-check build programs against tsfrontend's declarations (builds only transpile them). */

import type { Command } from "commander";
import { ReportedError } from "../../errors.js";
import { checkPrograms } from "../../program/check.js";

export function registerCheck(program: Command): void {
  program
    .command("check")
    .description("type-check build programs against tsfrontend's types (llb and build only transpile them); needs the typescript package")
    .argument("<programs...>", "build programs (.ts)")
    .action((files: string[]) => {
      const diagnostics = checkPrograms(files);
      for (const d of diagnostics) {
        const where = d.file ? `${d.file}:${d.line}:${d.column}: ` : "";
        process.stderr.write(`tsfrontend: ${where}error TS${d.code}: ${d.message}\n`);
      }
      if (diagnostics.length > 0) throw new ReportedError(`${diagnostics.length} type error(s)`, 1);
    });
}
