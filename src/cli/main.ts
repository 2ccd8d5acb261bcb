#!/usr/bin/env node
/** The `tsfrontend` command: wires commands to the library, maps errors to one line and an exit status. */

import { Command, CommanderError } from "commander";
import { ReportedError, TsfError } from "../errors.js";
import { registerConnectionOptions } from "./connect.js";
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
/**
 * Each command's module, in help order. Only the module of the command being
 * run is loaded (all of them for help or an unknown command): a build does
 * not pay for loading every other command's dependencies.
 */
const commands: [string, () => Promise<(p: Command) => void>][] = [
  ["llb", async () => (await import("./commands/llb.js")).registerLlb],
  ["check", async () => (await import("./commands/check.js")).registerCheck],
  ["build", async () => (await import("./commands/build.js")).registerBuild],
  ["builder", async () => (await import("./commands/builder.js")).registerBuilder],
  ["du", async () => (await import("./commands/du.js")).registerDu],
  ["prune", async () => (await import("./commands/prune.js")).registerPrune],
  ["workers", async () => (await import("./commands/workers.js")).registerWorkers],
  ["daemon", async () => (await import("./commands/daemon.js")).registerDaemon],
  ["debug", async () => (await import("./commands/debug.js")).registerDebug],
  ["inspect", async () => (await import("./commands/inspect.js")).registerInspect],
];

/** Global options that take a value (registerConnectionOptions), skipped when looking for the command name. */
const VALUE_OPTIONS = new Set(["--addr", "--builder", "--tlsservername", "--tlscacert", "--tlscert", "--tlskey", "--tlsdir", "--timeout", "--log-format"]);

/** The command named on the command line, if it is one of ours. */
function commandName(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") return undefined;
    if (a.startsWith("-")) {
      if (VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    return commands.some(([n]) => n === a) ? a : undefined;
  }
  return undefined;
}

const named = commandName(process.argv.slice(2));
for (const [name, load] of commands) {
  if (named === undefined || name === named) (await load())(program);
}

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
