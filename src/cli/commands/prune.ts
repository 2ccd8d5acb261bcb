/** `tsfrontend prune`: clean up build cache, printing what was removed and the total, as `buildctl prune`. */

import type { Command } from "commander";
import { collect } from "../options.js";

export interface PruneFlags {
  all?: boolean;
  keepDuration?: string;
  keepStorage?: string;
  filter?: string[];
  verbose?: boolean;
}

export function registerPrune(program: Command): void {
  program
    .command("prune")
    .description("clean up build cache (as `buildctl prune`)")
    .option("--keep-duration <duration>", "keep data newer than this limit, e.g. 30m, 24h, 1h30m")
    .option("--keep-storage <MB>", "keep data below this limit (in MB)")
    .option("-f, --filter <filter>", "filter records, e.g. type==regular (repeatable; commas separate alternatives, as in buildctl)", collect)
    .option("--all", "include internal/frontend references")
    .option("-v, --verbose", "verbose output")
    .action(async (flags: PruneFlags, cmd: Command) => {
      const { runPrune } = await import("../actions/prune.js");
      await runPrune(flags, cmd);
    });
}
