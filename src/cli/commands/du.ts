/** `tsfrontend du`: build cache disk usage, as `buildctl du` prints it. */

import type { Command } from "commander";
import { collect } from "../options.js";

export interface DuFlags {
  filter?: string[];
  verbose?: boolean;
}

export function registerDu(program: Command): void {
  program
    .command("du")
    .description("disk usage of the build cache (as `buildctl du`)")
    .option("-f, --filter <filter>", "filter records, e.g. type==regular (repeatable; commas separate alternatives, as in buildctl)", collect)
    .option("-v, --verbose", "verbose output")
    .action(async (flags: DuFlags, cmd: Command) => {
      const { runDu } = await import("../actions/du.js");
      await runDu(flags, cmd);
    });
}
