/**
 * `tsfrontend debug dump-llb [FILE|-]`: buildctl's `debug dump-llb` (buildkit
 * v0.32.2 cmd/buildctl/debug/dumpllb.go): prints a Definition read from a file
 * or stdin as JSON lines, one op per line, or with `--dot` as a Graphviz graph.
 * Needs no daemon.
 */

import type { Command } from "commander";

export interface DumpLlbFlags {
  dot?: boolean;
}

export function registerDebug(program: Command): void {
  const debug = program.command("debug").description("debug utilities (as buildctl debug)");
  debug
    .command("dump-llb")
    .description("print an LLB Definition (from FILE, or stdin when FILE is - or absent) as buildctl debug dump-llb does; needs no daemon")
    .argument("[file]", "Definition file (as written by `tsfrontend llb` or llb.WriteTo); - or absent: stdin")
    .option("--dot", "print a Graphviz dot graph instead of JSON lines")
    .action(async (file: string | undefined, flags: DumpLlbFlags) => {
      const { dumpLlb } = await import("../actions/debug.js");
      await dumpLlb(file, flags);
    });
}
