/**
 * `tsfrontend llb FILE`: run a build program, or convert a Dockerfile
 * (program/classify.ts decides), and write its Definition(s). For a
 * Dockerfile, base image configs are resolved through the daemon when one is
 * reachable (a build with no result, only resolving); when none is, one line
 * on stderr says so and the conversion runs without a resolver.
 */

import type { Command } from "commander";
import { collect } from "../options.js";

export interface LlbFlags {
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
    .argument("<file>", "build program (.ts) or Dockerfile")
    .option("--platform <platforms>", "target platform(s): os/arch[/variant], comma separated or repeated", collect)
    .option("--build-platform <platform>", "platform build steps run on (default: the first --platform)")
    .option("--opt <key=value>", "frontend option, as buildctl --opt (build-arg:K=V, target=...)", collect)
    .option("--build-arg <key=value>", "build argument (same as --opt build-arg:K=V)", collect)
    .option("--target <name>", "target stage the program should build")
    .option("--output-dir <dir>", "write one <os>-<arch>[-<variant>].pb (or .json) file per platform here")
    .option("--format <format>", "pb (Definition bytes) or json (buildctl debug dump-llb's lines: one op per line; several platforms one after another)", "pb")
    .action(async (file: string, flags: LlbFlags, cmd: Command) => {
      const { runLlb } = await import("../actions/llb.js");
      await runLlb(file, flags, cmd);
    });
}
