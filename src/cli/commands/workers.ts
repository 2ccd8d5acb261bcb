/** `tsfrontend workers`: the daemon's workers, as `buildctl debug workers` prints them. */

import type { Command } from "commander";
import { collect } from "../options.js";

export interface WorkersFlags {
  filter?: string[];
  verbose?: boolean;
}

export function registerWorkers(program: Command): void {
  addWorkersCommand(program, "list workers (as `buildctl debug workers`)");
}

/** The workers command on `parent`: `tsfrontend workers` and `tsfrontend debug workers`. */
export function addWorkersCommand(parent: Command, description: string): void {
  parent
    .command("workers")
    .description(description)
    .option("-f, --filter <filter>", "containerd-style filter, e.g. labels.\"org.mobyproject.buildkit.worker.executor\"==oci (repeatable; commas separate alternatives, as in buildctl)", collect)
    .option("-v, --verbose", "verbose output")
    .action(async (flags: WorkersFlags, cmd: Command) => {
      const { runWorkers } = await import("../actions/workers.js");
      await runWorkers(flags, cmd);
    });
}
