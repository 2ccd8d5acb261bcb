/** `tsfrontend check PROGRAM.ts...`: type-check build programs against tsfrontend's declarations (builds only transpile them). */

import type { Command } from "commander";

export function registerCheck(program: Command): void {
  program
    .command("check")
    .description("type-check build programs against tsfrontend's types (llb and build only transpile them); needs the typescript package")
    .argument("<programs...>", "build programs (.ts)")
    .action(async (files: string[]) => {
      const { runCheck } = await import("../actions/check.js");
      runCheck(files);
    });
}
