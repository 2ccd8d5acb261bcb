/**
 * `tsfrontend debug ...`: buildctl's `debug` commands (buildkit v0.32.2
 * cmd/buildctl/debug/): `dump-llb [FILE|-]` prints a Definition read from a
 * file or stdin as JSON lines, one op per line, or with `--dot` as a Graphviz
 * graph (no daemon needed); `info` the daemon's version; `workers` its
 * workers (also `tsfrontend workers`); `histories` its build records;
 * `logs REF` one build's progress replayed (or its trace); `ctl REF` pins,
 * unpins or deletes a record; `get DIGEST` a blob of its content store. With
 * a builder, the daemon commands act on every node, one after the other.
 */

import type { Command } from "commander";
import { addWorkersCommand } from "./workers.js";

export interface DumpLlbFlags {
  dot?: boolean;
}

export interface LogsFlags {
  progress?: string;
  trace?: boolean;
}

export interface CtlFlags {
  pin?: boolean;
  unpin?: boolean;
  delete?: boolean;
}

export interface MonitorFlags {
  completed?: boolean;
  ref?: string;
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
  debug
    .command("info")
    .description("display the daemon's version (as buildctl debug info)")
    .action(async (_flags: object, cmd: Command) => {
      const { runInfo } = await import("../actions/history.js");
      await runInfo(cmd);
    });
  addWorkersCommand(debug, "list workers (as buildctl debug workers; also `tsfrontend workers`)");
  debug
    .command("histories")
    .description("list build records (as buildctl debug histories)")
    .action(async (_flags: object, cmd: Command) => {
      const { runHistories } = await import("../actions/history.js");
      await runHistories(cmd);
    });
  debug
    .command("logs")
    .description("display a build's logs, replayed by the daemon from its record (as buildctl debug logs)")
    .argument("[ref]", "the build record's ref (see `tsfrontend debug histories`)")
    .option("--progress <mode>", "progress output type: auto, tty, plain, rawjson or quiet", "auto")
    .option("--trace", "print the build's OpenTelemetry trace instead")
    .action(async (ref: string | undefined, flags: LogsFlags, cmd: Command) => {
      const { runLogs } = await import("../actions/history.js");
      await runLogs(ref, flags, cmd);
    });
  debug
    .command("get")
    .description("write a blob of the daemon's content store to stdout (as buildctl debug get)")
    .argument("[digest]", "the blob's digest, e.g. sha256:...")
    .action(async (digest: string | undefined, _flags: object, cmd: Command) => {
      const { runGet } = await import("../actions/debug.js");
      await runGet(digest, cmd);
    });
  debug
    .command("monitor")
    .description("display build events as they happen, until interrupted (as buildctl debug monitor)")
    .option("--completed", "show completed builds")
    .option("--ref <ref>", "show events for a specific build")
    .action(async (flags: MonitorFlags, cmd: Command) => {
      const { runMonitor } = await import("../actions/history.js");
      await runMonitor(flags, cmd);
    });
  debug
    .command("ctl")
    .description("pin, unpin or delete a build record (as buildctl debug ctl)")
    .argument("[ref]", "the build record's ref (see `tsfrontend debug histories`)")
    .option("--pin", "pin the build so it is not garbage collected")
    .option("--unpin", "unpin the build so it can be garbage collected")
    .option("--delete", "delete the build record")
    .action(async (ref: string | undefined, flags: CtlFlags, cmd: Command) => {
      const { runCtl } = await import("../actions/history.js");
      await runCtl(ref, flags, cmd);
    });
}

/** `tsfrontend prune-histories`: deletes every build record that is not pinned, as `buildctl prune-histories`. */
export function registerPruneHistories(program: Command): void {
  program
    .command("prune-histories")
    .description("clean up build histories: delete every record that is not pinned (as buildctl prune-histories)")
    .action(async (_flags: object, cmd: Command) => {
      const { runPruneHistories } = await import("../actions/history.js");
      await runPruneHistories(cmd);
    });
}
