/** `tsfrontend llb PROGRAM.ts`: run a build program and write its Definition(s). */

import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { dumpDefinitionJson, formatPlatform, type Definition, type Platform } from "../../llb/index.js";
import { createBuildContext } from "../../program/context.js";
import { loadProgram, runProgram } from "../../program/load.js";
import { collect, oneOf, parseKeyValues, parsePlatformFlags, targetPlatformFlags } from "../options.js";

interface LlbFlags {
  platform?: string[];
  buildPlatform?: string;
  opt?: string[];
  buildArg?: string[];
  target?: string;
  outputDir?: string;
  format: string;
}

export function registerLlb(program: Command): void {
  program
    .command("llb")
    .description("run a build program and write the LLB Definition for a platform (pipe into `buildctl build`)")
    .argument("<program>", "build program (.ts)")
    .option("--platform <platforms>", "target platform(s): os/arch[/variant], comma separated or repeated", collect)
    .option("--build-platform <platform>", "platform build steps run on (default: the first --platform)")
    .option("--opt <key=value>", "frontend option, as buildctl --opt (build-arg:K=V, target=...)", collect)
    .option("--build-arg <key=value>", "build argument (same as --opt build-arg:K=V)", collect)
    .option("--target <name>", "target stage the program should build")
    .option("--output-dir <dir>", "write one <os>-<arch>[-<variant>].pb (or .json) file per platform here")
    .option("--format <format>", "pb (Definition bytes) or json (buildctl debug dump-llb's lines: one op per line; several platforms one after another)", "pb")
    .action(async (file: string, flags: LlbFlags) => {
      await runLlb(file, flags);
    });
}

async function runLlb(file: string, flags: LlbFlags): Promise<void> {
  const format = oneOf(flags.format, ["pb", "json"] as const, "--format");
  const opts = parseKeyValues(flags.opt ?? [], "--opt");
  const targets = targetPlatformFlags(flags.platform ?? [], opts);
  if (targets.length === 0) {
    throw new UsageError("required: the target platform, e.g. --platform linux/amd64 or --platform linux/amd64,linux/arm64", { flag: "--platform" });
  }
  const buildPlatform = flags.buildPlatform ? parsePlatformFlags([flags.buildPlatform], "--build-platform")[0]! : targets[0]!;
  const buildArgs: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts)) if (k.startsWith("build-arg:")) buildArgs[k.slice("build-arg:".length)] = v;
  Object.assign(buildArgs, parseKeyValues(flags.buildArg ?? [], "--build-arg"));
  const target = flags.target ?? opts["target"];
  if (format === "pb" && targets.length > 1 && !flags.outputDir) {
    throw new UsageError("several platforms give several Definitions: add --output-dir DIR (or use --format json)", { flag: "--platform" });
  }
  if (format === "pb" && !flags.outputDir && process.stdout.isTTY) {
    throw new UsageError("refusing to write binary Definition bytes to a terminal: pipe into `buildctl build`, redirect to a file, or use --format json", { flag: "--format" });
  }

  const loaded = await loadProgram(file);
  const ctx = createBuildContext({ targetPlatforms: targets, buildPlatform, buildArgs, target, opts });
  const results = await runProgram(loaded, ctx);

  const defs: { platform: Platform; def: Definition }[] = [];
  for (const r of results) {
    const def = await r.state.marshal({ platform: r.platform });
    defs.push({ platform: r.platform, def });
  }

  if (flags.outputDir) {
    await mkdir(flags.outputDir, { recursive: true });
    for (const { platform, def } of defs) {
      const name = formatPlatform(platform).replaceAll("/", "-");
      const path = join(flags.outputDir, `${name}.${format === "json" ? "json" : "pb"}`);
      const data = format === "json" ? dumpDefinitionJson(def).join("\n") + "\n" : def.toBytes();
      // Write then rename, so an interrupted run never leaves half a file.
      const tmp = `${path}.tmp-${process.pid}`;
      await writeFile(tmp, data);
      await rename(tmp, path);
    }
    return;
  }
  if (format === "json") {
    // buildctl debug dump-llb's lines, platform after platform, nothing in between (--output-dir separates them).
    const text = defs.map(({ def }) => dumpDefinitionJson(def).map((l) => l + "\n").join("")).join("");
    await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
    return;
  }
  await new Promise<void>((resolve, reject) => process.stdout.write(defs[0]!.def.toBytes(), (err) => (err ? reject(err) : resolve())));
}
