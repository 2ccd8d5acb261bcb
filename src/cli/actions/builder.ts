/** What `tsfrontend builder ...` does; its flags are declared in ../commands/builder.ts, which loads this module only when a builder command runs. */

import { goMapOrder } from "../../internal/go/json.js";
import { resolve } from "node:path";
import type { Command } from "commander";
import type { CreateFlags, RmFlags } from "../commands/builder.js";
import { displayPlatforms, nodeStatuses, type NodeStatus } from "../../builder/nodes.js";
import { clearCurrent, createBuilder, forgetActivity, lastActivity, leaveNode, loadBuilders, removeBuilder, saveBuilders, selectBuilder, touchActivity, useBuilder, type Builder, type BuildersFile, type NodeTls } from "../../builder/store.js";
import { BuilderError, UsageError } from "../../errors.js";
import { formatGoTime, int64, TabWriter } from "../format.js";
import { formatDuration } from "../../internal/go/time.js";
import { bytesSize } from "../../internal/go/units.js";
import { formatInGroups, truncatePlatforms } from "../../internal/go/buildx-platforms.js";
import { parseKeyValues } from "../options.js";

/** The builder a command without a name acts on: --builder, TSFRONTEND_BUILDER, else the current one. */
function selectedBuilder(doc: BuildersFile, cmd: Command): Builder {
  const picked = selectBuilder(doc, cmd.optsWithGlobals<{ builder?: string }>().builder, process.env, true)?.builder;
  if (!picked) throw new BuilderError("no builder given and none is current: name one, or `tsfrontend builder use NAME`");
  return picked;
}

/** Asks a yes/no question on the terminal; false on anything but y/yes. */
async function confirm(question: string): Promise<boolean> {
  process.stdout.write(`${question} [y/N] `);
  return (await firstLine(process.stdin)).trim().toLowerCase() === "y";
}

/** The first line of `input` (without its newline); what there is at its end, or "" when it is closed. */
function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const done = () => {
      input.removeListener("data", onData);
      input.removeListener("end", done);
      input.removeListener("error", done);
      input.pause();
      resolve(text.split("\n", 1)[0]!.replace(/\r$/, ""));
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (text.includes("\n")) done();
    };
    input.on("data", onData);
    input.once("end", done);
    input.once("error", done);
  });
}

/** Builders none of whose nodes answers (buildx's "inactive"). */
async function inactiveBuilders(doc: BuildersFile): Promise<string[]> {
  const names = Object.keys(doc.builders).sort();
  const statuses = await Promise.all(names.map((n) => nodeStatuses(doc.builders[n]!, { timeoutMs: 3000 })));
  return names.filter((_, i) => statuses[i]!.every((st) => st.state !== "running"));
}

/** `builder rm [NAME...] [--node N] [--all-inactive [--force]]`: as buildx, `NAME removed` on stderr for each. */
export async function runRm(names: readonly string[], flags: RmFlags, cmd: Command): Promise<void> {
  let doc = loadBuilders();
  if (flags.allInactive) {
    if (names.length > 0) throw new UsageError("--all-inactive removes every inactive builder: name none", { flag: "--all-inactive" });
    if (flags.node !== undefined) throw new UsageError("--node removes a node of one named builder, not with --all-inactive", { flag: "--node" });
    // As buildx: asked on stdout, answered by a line on stdin (piped or typed); anything but y, or no line, removes nothing.
    if (!flags.force && !(await confirm("WARNING! This will remove all builders that are not in running state. Are you sure you want to continue?"))) return;
    const gone = await inactiveBuilders(doc);
    for (const name of gone) doc = removeBuilder(doc, name);
    saveBuilders(doc);
    for (const name of gone) forgetActivity(name);
    for (const name of gone) process.stderr.write(`${name} removed\n`);
    return;
  }
  const targets = names.length > 0 ? [...names] : [selectedBuilder(doc, cmd).name];
  if (flags.node !== undefined) {
    if (targets.length > 1) throw new UsageError("--node removes a node of one builder: name one", { flag: "--node" });
    saveBuilders(removeBuilder(doc, targets[0]!, flags.node));
    process.stderr.write(`node ${flags.node} of ${targets[0]} removed\n`);
    return;
  }
  // One unknown name among several does not stop the others (buildx removes each on its own).
  const failed: string[] = [];
  const removed: string[] = [];
  for (const name of targets) {
    try {
      doc = removeBuilder(doc, name);
      removed.push(name);
    } catch (err) {
      if (targets.length === 1) throw err;
      failed.push(`failed to remove ${name}: ${(err as Error).message}`);
    }
  }
  saveBuilders(doc);
  for (const name of removed) forgetActivity(name);
  for (const name of removed) process.stderr.write(`${name} removed\n`);
  if (failed.length > 0) throw new BuilderError(`failed to remove one or more builders: ${failed.join("; ")}`);
}

/** `builder use NAME` or `builder use --default` */
export function runUse(name: string | undefined, flags: { default?: boolean } = {}): void {
  if (flags.default) {
    if (name !== undefined) throw new UsageError("--default leaves no builder current: name none", { flag: "--default" });
    saveBuilders(clearCurrent(loadBuilders()));
    return;
  }
  if (name === undefined) throw new UsageError("give the builder to use, or --default for none", { flag: "name" });
  saveBuilders(useBuilder(loadBuilders(), name));
}

function parseTlsOpts(values: readonly string[]): NodeTls {
  // buildx takes `--driver-opt a=1,b=2` as well as repeated flags.
  const kv = parseKeyValues(values.flatMap((v) => v.split(",")).filter((v) => v.trim() !== ""), "--driver-opt");
  const tls: NodeTls = {};
  for (const [k, v] of Object.entries(kv)) {
    if (k === "cacert" || k === "cert" || k === "key") tls[k] = resolve(v);
    else if (k === "servername") tls.servername = v;
    else throw new UsageError(`unknown driver option ${JSON.stringify(k)}: use cacert, cert, key or servername`, { flag: "--driver-opt" });
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw new UsageError("cert and key go together (the client identity)", { flag: "--driver-opt" });
  return tls;
}

/** `builder create|append ENDPOINT`, `builder create --leave --name B --node N` */
export async function runCreate(endpoint: string | undefined, flags: CreateFlags): Promise<void> {
  if (flags.driver !== undefined && flags.driver !== "remote") {
    throw new UsageError(`driver ${JSON.stringify(flags.driver)} is not supported: a tsfrontend builder is made of buildkitd daemons that run already (buildx's --driver remote)`, { flag: "--driver" });
  }
  if (flags.leave) {
    if (flags.append) throw new UsageError("--leave removes a node and --append adds one: give one of them", { flag: "--leave" });
    if (flags.name === undefined || flags.node === undefined) throw new UsageError("--leave needs the builder's --name and the --node to remove", { flag: "--leave" });
    if (endpoint !== undefined) throw new UsageError(`--leave takes no endpoint (got ${endpoint})`, { flag: "--leave" });
    saveBuilders(leaveNode(loadBuilders(), flags.name, flags.node));
    touchActivity(flags.name);
    return;
  }
  // As buildx's remote driver: no endpoint given is $BUILDKIT_HOST's.
  const address = endpoint ?? (process.env["BUILDKIT_HOST"] || undefined);
  if (address === undefined) throw new UsageError("give the node's endpoint (none given and BUILDKIT_HOST is not set): unix:///path, tcp://host:port or ssh://[user@]host[:port][/socket]", { flag: "endpoint" });
  if (flags.append && flags.name === undefined) throw new UsageError("appending needs the builder's --name", { flag: "--append" });
  const tls = parseTlsOpts(flags.driverOpt ?? []);
  const { doc, builder } = createBuilder(loadBuilders(), {
    endpoint: address,
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(flags.node !== undefined ? { node: flags.node } : {}),
    platforms: flags.platform ?? [],
    labels: parseKeyValues(flags.label ?? [], "--label"),
    tls,
    ...(flags.append ? { append: true } : {}),
    ...(flags.use ? { use: true } : {}),
  });
  saveBuilders(doc);
  touchActivity(builder);
  if (flags.bootstrap) {
    // As buildx: the builder stays saved; a node that does not answer fails the command.
    const down = (await nodeStatuses(doc.builders[builder]!, { timeoutMs: 5000 })).filter((st): st is Extract<NodeStatus, { state: "unreachable" }> => st.state === "unreachable");
    if (down.length > 0) throw new BuilderError(`builder ${JSON.stringify(builder)} saved, but ${down.map((st) => `node ${JSON.stringify(st.node.name)} (${st.node.endpoint}): ${st.reason}`).join("; ")}`, { flag: "--bootstrap" });
  }
  // buildx prints the builder's name (and nothing else) on create, appended to or not.
  process.stdout.write(`${builder}\n`);
}

/** A node's STATUS as buildx's remote driver reports it: running, or inactive when it does not answer. */
function statusText(s: NodeStatus): string {
  return s.state === "running" ? "running" : "inactive";
}

/** A node's labels as buildx shows them (its first worker's), with the labels declared for it (`--label`) over them; keys sorted. */
function nodeLabels(st: NodeStatus): Record<string, string> {
  const worker = st.state === "running" ? (st.records[0]?.Labels ?? {}) : {};
  return goMapOrder({ ...worker, ...st.node.labels }) as Record<string, string>;
}


/** One line of `builder ls --format json`, as buildx's (its Builder and Node JSON, keys sorted). */
export function lsJsonLine(builder: Builder, current: boolean, statuses: readonly NodeStatus[]): string {
  const nodes = statuses.map((st) => {
    const platforms = st.state === "running" ? [...st.node.platforms, ...st.workers.filter((w) => !st.node.platforms.includes(w))] : st.node.platforms;
    return goMapOrder({
      Name: st.node.name,
      Endpoint: st.node.endpoint,
      ...(st.node.tls && Object.keys(st.node.tls).length > 0 ? { DriverOpts: goMapOrder({ ...st.node.tls }) } : {}),
      Status: st.state === "running" ? "running" : "inactive",
      ...(st.state === "running" && st.version ? { Version: st.version } : {}),
      ...(st.state === "running" && st.records.length > 0 ? { IDs: st.records.map((r) => r.ID ?? "").sort() } : {}),
      ...(platforms.length > 0 ? { Platforms: platforms } : {}),
      ...(st.state === "running" && (st.records[0]?.GCPolicy ?? []).length > 0
        ? {
            GCPolicy: st.records[0]!.GCPolicy!.map((r) =>
              goMapOrder({ all: Boolean(r.all), filter: r.filters && r.filters.length > 0 ? r.filters : null, keepDuration: Number(int64(r.keepDuration)), reservedSpace: Number(int64(r.reservedSpace)), maxUsedSpace: Number(int64(r.maxUsedSpace)), minFreeSpace: Number(int64(r.minFreeSpace)) }),
            ),
          }
        : {}),
      ...(Object.keys(nodeLabels(st)).length > 0 ? { Labels: nodeLabels(st) } : {}),
    });
  });
  const activity = lastActivity(builder.name);
  return JSON.stringify(goMapOrder({ Name: builder.name, Driver: "remote", LastActivity: activity ? activity.toISOString().replace(/\.\d+Z$/, "Z") : "0001-01-01T00:00:00Z", Dynamic: false, Nodes: nodes, Current: current }));
}

/** `builder ls [--format table|json] [--no-trunc]` */
export async function runLs(flags: { format?: string; trunc?: boolean } = {}): Promise<void> {
  const format = flags.format ?? "table";
  if (format !== "table" && format !== "json") throw new UsageError(`unknown format ${JSON.stringify(format)}: table or json`, { flag: "--format" });
  const doc = loadBuilders();
  const names = Object.keys(doc.builders).sort();
  const statuses = await Promise.all(names.map((n) => nodeStatuses(doc.builders[n]!, { timeoutMs: 3000 })));
  if (format === "json") {
    process.stdout.write(names.map((name, i) => `${lsJsonLine(doc.builders[name]!, doc.current === name, statuses[i]!)}\n`).join(""));
    return;
  }
  // docker's table formatter: tabwriter minwidth 10, tabwidth 1, padding 3.
  const tw = new TabWriter(10, 1, 3, " ");
  tw.write("NAME/NODE\tDRIVER/ENDPOINT\tSTATUS\tBUILDKIT\tPLATFORMS\n");
  names.forEach((name, i) => {
    tw.write(`${name}${doc.current === name ? "*" : ""}\tremote\t\t\t\n`);
    for (const s of statuses[i]!) {
      const all = formatInGroups(s.node.platforms, s.state === "running" ? s.workers : []);
      const platforms = flags.trunc === false ? all.join(", ") : truncatePlatforms(all);
      tw.write(` \\_ ${s.node.name}\t \\_ ${s.node.endpoint}\t${statusText(s)}\t${s.state === "running" ? (s.version ?? "") : ""}\t${platforms}\n`);
    }
  });
  process.stdout.write(tw.take());
  // Why each inactive node did not answer, after the table as buildx reports nodes it could not read.
  const why = names.flatMap((name, i) => statuses[i]!.flatMap((s) => (s.state === "running" ? [] : [`Failed to get status for ${name} (${s.node.name}): ${s.reason}\n`])));
  if (why.length > 0) process.stderr.write(`\n${why.join("")}`);
}

/** `builder inspect [NAME]` */
export async function runInspect(name: string | undefined, flags: { bootstrap?: boolean }, cmd: Command): Promise<void> {
  const doc = loadBuilders();
  let builder: Builder | undefined;
  if (name !== undefined) {
    builder = doc.builders[name];
    if (!builder) throw new BuilderError(`no builder ${JSON.stringify(name)} (see \`tsfrontend builder ls\`)`);
  } else {
    builder = selectedBuilder(doc, cmd);
  }
  const statuses = await nodeStatuses(builder, { timeoutMs: 5000 });
  const tw = new TabWriter(0, 8, 1, " ");
  tw.write(`Name:\t${builder.name}\n`);
  tw.write(`Driver:\tremote\n`);
  const activity = lastActivity(builder.name);
  if (activity) tw.write(`Last Activity:\t${formatGoTime({ seconds: Math.floor(activity.getTime() / 1000) })}\n`);
  tw.write(`\nNodes:\n`);
  statuses.forEach((s, i) => {
    if (i > 0) tw.write("\n");
    tw.write(`Name:\t${s.node.name}\n`);
    tw.write(`Endpoint:\t${s.node.endpoint}\n`);
    if (s.node.tls) {
      const opts = Object.entries(s.node.tls).map(([k, v]) => `${k}="${v}"`);
      tw.write(`Driver Options:\t${opts.join(" ")}\n`);
    }
    tw.write(`Status:\t${statusText(s)}\n`);
    if (s.state !== "running") tw.write(`Error:\t${s.reason}\n`);
    if (s.state === "running" && s.version) tw.write(`BuildKit version:\t${s.version}\n`);
    const shown = displayPlatforms(s.node.platforms, s.state === "running" ? s.workers : []);
    if (shown !== "") tw.write(`Platforms:\t${shown}\n`);
    const labels = Object.entries(nodeLabels(s));
    if (labels.length > 0) {
      tw.write("Labels:\n");
      for (const [k, v] of labels) tw.write(`\t${k}:\t${v}\n`);
    }
    // As buildx's inspect: the first worker's GC policy.
    (s.state === "running" ? (s.records[0]?.GCPolicy ?? []) : []).forEach((rule, ri) => {
      tw.write(`GC Policy rule#${ri}:\n`);
      tw.write(`\tAll:\t${Boolean(rule.all)}\n`);
      if (rule.filters && rule.filters.length > 0) tw.write(`\tFilters:\t${rule.filters.join(" ")}\n`);
      const keep = int64(rule.keepDuration);
      if (keep > 0n) tw.write(`\tKeep Duration:\t${formatDuration(keep)}\n`);
      for (const [what, v] of [["Reserved Space", rule.reservedSpace], ["Max Used Space", rule.maxUsedSpace], ["Min Free Space", rule.minFreeSpace]] as const) {
        if (int64(v) > 0n) tw.write(`\t${what}:\t${bytesSize(int64(v))}\n`);
      }
    });
  });
  process.stdout.write(tw.take());
  if (flags.bootstrap) {
    const down = statuses.filter((s): s is Extract<NodeStatus, { state: "unreachable" }> => s.state === "unreachable");
    if (down.length > 0) throw new BuilderError(down.map((s) => `node ${JSON.stringify(s.node.name)} (${s.node.endpoint}): ${s.reason}`).join("; "));
  }
}
