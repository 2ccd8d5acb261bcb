/**
 * `tsfrontend builder create|append|rm|ls|inspect|use`: builders made of
 * several buildkitd nodes (src/builder/), as `docker buildx create --driver
 * remote`, `buildx rm`, `buildx ls`, `buildx inspect` and `buildx use` manage
 * them (buildx v0.38.2 commands/). Only flags are declared here; ../actions/builder.ts runs them.
 */

import type { Command } from "commander";
import { collect } from "../options.js";

export interface CreateFlags {
  name?: string;
  node?: string;
  platform?: string[];
  label?: string[];
  driverOpt?: string[];
  driver?: string;
  append?: boolean;
  leave?: boolean;
  bootstrap?: boolean;
  use?: boolean;
}

export interface RmFlags {
  node?: string;
  allInactive?: boolean;
  force?: boolean;
  keepState?: boolean;
  keepDaemon?: boolean;
}

export function registerBuilder(program: Command): void {
  const builder = program.command("builder").description("builders: named lists of buildkitd nodes a build is split over by platform (as `docker buildx` builders)");
  const addCreate = (c: Command, append: boolean) =>
    c
      .argument(append ? "<endpoint>" : "[endpoint]", "the node's buildkitd: unix:///path, tcp://host:port or ssh://[user@]host[:port][/socket]")
      .option("--name <name>", append ? "the builder to add the node to" : "builder name (default: builder-<random>)")
      .option("--node <name>", "node name (default: <builder><index>); an existing node of that name is replaced")
      .option("--platform <platforms>", "platforms the node serves natively, comma separated or repeated (default: read from its workers)", collect)
      .option("--label <key=value>", "label of the node (repeatable)", collect)
      .option("--driver <driver>", "the driver: remote (the only one: nodes are buildkitd daemons that run already)")
      .option("--driver-opt <key=value>", "TLS of a tcp:// node, as buildx's remote driver: cacert=FILE, cert=FILE, key=FILE, servername=NAME (repeatable)", collect)
      .option("--bootstrap", "check that every node of the builder answers, after saving it")
      .option("--use", "make it the current builder")
      .action(async (endpoint: string | undefined, flags: CreateFlags) => {
        await (await import("../actions/builder.js")).runCreate(endpoint, { ...flags, ...(append ? { append: true } : {}) });
      });
  addCreate(
    builder
      .command("create")
      .description("create a builder with one node, add a node to one with --append, or remove one with --leave")
      .option("--append", "add the node to the builder --name")
      .option("--leave", "remove the node --node from the builder --name (no endpoint)"),
    false,
  );
  addCreate(builder.command("append").description("add a node to the builder --name (same as `create --append`)"), true);
  builder
    .command("rm")
    .description("remove builders (default: --builder, TSFRONTEND_BUILDER, else the current one), or one node of a builder with --node")
    .argument("[names...]", "builder names")
    .option("--node <name>", "remove only this node")
    .option("--all-inactive", "remove every builder none of whose nodes answers")
    .option("-f, --force", "do not ask before --all-inactive")
    .option("--keep-state", "accepted for buildx's sake: the nodes' daemons and state are not tsfrontend's to remove")
    .option("--keep-daemon", "accepted for buildx's sake: the nodes' daemons are never stopped")
    .action(async (names: string[], flags: RmFlags, cmd: Command) => {
      await (await import("../actions/builder.js")).runRm(names, flags, cmd);
    });
  builder
    .command("use")
    .description("make a builder the current one (used by builds without --addr, --builder or BUILDKIT_HOST)")
    .argument("[name]", "builder name")
    .option("--default", "no current builder: builds go to --addr or BUILDKIT_HOST")
    .option("--global", "accepted for buildx's sake (the current builder is not per docker context)")
    .action(async (name: string | undefined, flags: { default?: boolean }) => {
      (await import("../actions/builder.js")).runUse(name, flags);
    });
  builder
    .command("ls")
    .description("list builders and the state and platforms of each node (as `buildx ls`)")
    .option("--format <format>", "table, or json: one object per builder and line, as buildx's", "table")
    .option("--no-trunc", "every platform of each node (default: grouped by os/arch, at most 4 entries, as buildx)")
    .action(async (flags: { format: string; trunc: boolean }) => {
      await (await import("../actions/builder.js")).runLs(flags);
    });
  builder
    .command("inspect")
    .description("show a builder's nodes: endpoint, state, buildkitd version, platforms, labels (default: --builder, TSFRONTEND_BUILDER, else the current builder)")
    .argument("[name]", "builder name")
    .option("--bootstrap", "fail unless every node answers")
    .action(async (name: string | undefined, flags: { bootstrap?: boolean }, cmd: Command) => {
      await (await import("../actions/builder.js")).runInspect(name, flags, cmd);
    });
}

