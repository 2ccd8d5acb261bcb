#!/usr/bin/env node
/** The `tsfrontend` command: wires commands to the library, maps errors to one line and an exit status. */

import { Command, CommanderError } from "commander";
import { ReportedError, TsfError } from "../errors.js";
import { registerBuild } from "./commands/build.js";
import { registerBuilder } from "./commands/builder.js";
import { registerLlb } from "./commands/llb.js";
import { registerCheck } from "./commands/check.js";
import { registerDaemon } from "./commands/daemon.js";
import { registerDebug, registerPruneHistories } from "./commands/debug.js";
import { registerDu } from "./commands/du.js";
import { registerInspect } from "./commands/inspect.js";
import { registerPrune } from "./commands/prune.js";
import { registerWorkers } from "./commands/workers.js";
import { registerConnectionOptions } from "./connection-flags.js";
import { configureLog, isDebug } from "./log.js";

const program = new Command();
program
  .name("tsfrontend")
  .description("TypeScript toolkit for BuildKit: LLB graphs, builds, and a # syntax= frontend")
  .version("0.1.0")
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith("error: ") ? `tsfrontend: ${s.slice(7)}` : s) })
  .showSuggestionAfterError(true);

registerConnectionOptions(program);
// --debug and --log-format apply before any command runs (buildctl's app.Before).
program.hook("preAction", (_thisCommand, actionCommand) => {
  const g = actionCommand.optsWithGlobals<{ debug?: boolean; logFormat?: string }>();
  configureLog({ debug: g.debug === true, ...(g.logFormat !== undefined ? { format: g.logFormat } : {}) });
});
registerLlb(program);
registerCheck(program);
registerBuild(program);
registerBuilder(program);
registerDu(program);
registerPrune(program);
registerPruneHistories(program);
registerWorkers(program);
registerDaemon(program);
registerDebug(program);
registerInspect(program);

function fail(err: unknown): never {
  if (err instanceof CommanderError) {
    // Commander has already printed its one-line message (help and version exit 0).
    process.exit(err.exitCode);
  }
  if (err instanceof ReportedError) {
    // The command has already shown what went wrong (e.g. a build error block).
    if (isDebug()) process.stderr.write(`${err.stack}\n`);
    process.exit(err.exitCode);
  }
  if (err instanceof TsfError) {
    process.stderr.write(`tsfrontend: ${err.toOneLine()}\n`);
    if (isDebug()) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`tsfrontend: ${e.message.split("\n")[0]}\n`);
  if (isDebug()) process.stderr.write(`${e.stack}\n`);
  process.exit(1);
}

program.parseAsync(process.argv).catch(fail);
