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
  append?: boolean;
  use?: boolean;
}

export function registerBuilder(program: Command): void {
  const builder = program.command("builder").description("builders: named lists of buildkitd nodes a build is split over by platform (as `docker buildx` builders)");
  const addCreate = (c: Command, append: boolean) =>
    c
      .argument("<endpoint>", "the node's buildkitd: unix:///path, tcp://host:port or ssh://[user@]host[:port][/socket]")
      .option("--name <name>", append ? "the builder to add the node to" : "builder name (default: builder-<random>)")
      .option("--node <name>", "node name (default: <builder><index>); an existing node of that name is replaced")
      .option("--platform <platforms>", "platforms the node serves natively, comma separated or repeated (default: read from its workers)", collect)
      .option("--label <key=value>", "label of the node (repeatable)", collect)
      .option("--driver-opt <key=value>", "TLS of a tcp:// node, as buildx's remote driver: cacert=FILE, cert=FILE, key=FILE, servername=NAME (repeatable)", collect)
      .option("--use", "make it the current builder")
      .action(async (endpoint: string, flags: CreateFlags) => {
        (await import("../actions/builder.js")).runCreate(endpoint, { ...flags, ...(append ? { append: true } : {}) });
      });
  addCreate(builder.command("create").description("create a builder with one node, or add a node to one with --append").option("--append", "add the node to the builder --name"), false);
  addCreate(builder.command("append").description("add a node to the builder --name (same as `create --append`)"), true);
  builder
    .command("rm")
    .description("remove a builder, or one node of it with --node")
    .argument("<name>", "builder name")
    .option("--node <name>", "remove only this node")
    .action(async (name: string, flags: { node?: string }) => {
      (await import("../actions/builder.js")).runRm(name, flags);
    });
  builder
    .command("use")
    .description("make a builder the current one (used by builds without --addr, --builder or BUILDKIT_HOST)")
    .argument("<name>", "builder name")
    .action(async (name: string) => {
      (await import("../actions/builder.js")).runUse(name);
    });
  builder
    .command("ls")
    .description("list builders and the state and platforms of each node (as `buildx ls`)")
    .action(async () => {
      await (await import("../actions/builder.js")).runLs();
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

