/** What `tsfrontend builder ...` does; its flags are declared in ../commands/builder.ts, which loads this module only when a builder command runs. */

import { resolve } from "node:path";
import type { Command } from "commander";
import type { CreateFlags } from "../commands/builder.js";
import { displayPlatforms, nodeStatuses, type NodeStatus } from "../../builder/nodes.js";
import { createBuilder, loadBuilders, removeBuilder, saveBuilders, selectBuilder, useBuilder, type Builder, type NodeTls } from "../../builder/store.js";
import { BuilderError, UsageError } from "../../errors.js";
import { TabWriter } from "../format.js";
import { parseKeyValues } from "../options.js";

/** `builder rm NAME [--node N]` */
export function runRm(name: string, flags: { node?: string }): void {
  saveBuilders(removeBuilder(loadBuilders(), name, flags.node));
  process.stdout.write(flags.node !== undefined ? `removed node ${flags.node} of ${name}\n` : `removed builder ${name}\n`);
}

/** `builder use NAME` */
export function runUse(name: string): void {
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

/** `builder create|append ENDPOINT` */
export function runCreate(endpoint: string, flags: CreateFlags): void {
  if (flags.append && flags.name === undefined) throw new UsageError("appending needs the builder's --name", { flag: "--append" });
  const tls = parseTlsOpts(flags.driverOpt ?? []);
  const { doc, builder, node } = createBuilder(loadBuilders(), {
    endpoint,
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(flags.node !== undefined ? { node: flags.node } : {}),
    platforms: flags.platform ?? [],
    labels: parseKeyValues(flags.label ?? [], "--label"),
    tls,
    ...(flags.append ? { append: true } : {}),
    ...(flags.use ? { use: true } : {}),
  });
  saveBuilders(doc);
  // buildx prints the builder's name (and nothing else) on create.
  process.stdout.write(flags.append ? `${builder} (node ${node})\n` : `${builder}\n`);
}

function statusText(s: NodeStatus): string {
  return s.state === "running" ? "running" : `unreachable: ${s.reason}`;
}

/** `builder ls` */
export async function runLs(): Promise<void> {
  const doc = loadBuilders();
  const tw = new TabWriter(0, 8, 1, " ");
  tw.write("NAME/NODE\tENDPOINT\tSTATUS\tBUILDKIT\tPLATFORMS\n");
  const names = Object.keys(doc.builders).sort();
  const statuses = await Promise.all(names.map((n) => nodeStatuses(doc.builders[n]!, { timeoutMs: 3000 })));
  names.forEach((name, i) => {
    tw.write(`${name}${doc.current === name ? "*" : ""}\t\t\t\t\n`);
    for (const s of statuses[i]!) {
      const platforms = displayPlatforms(s.node.platforms, s.state === "running" ? s.workers : []);
      tw.write(` \\_ ${s.node.name}\t \\_ ${s.node.endpoint}\t${statusText(s)}\t${s.state === "running" ? (s.version ?? "") : ""}\t${platforms}\n`);
    }
  });
  process.stdout.write(tw.take().replace(/ +$/gm, ""));
}

/** `builder inspect [NAME]` */
export async function runInspect(name: string | undefined, flags: { bootstrap?: boolean }, cmd: Command): Promise<void> {
  const doc = loadBuilders();
  let builder: Builder | undefined;
  if (name !== undefined) {
    builder = doc.builders[name];
    if (!builder) throw new BuilderError(`no builder ${JSON.stringify(name)} (see \`tsfrontend builder ls\`)`);
  } else {
    builder = selectBuilder(doc, cmd.optsWithGlobals<{ builder?: string }>().builder, process.env, true)?.builder;
    if (!builder) throw new BuilderError("no builder given and none is current: name one, or `tsfrontend builder use NAME`");
  }
  const statuses = await nodeStatuses(builder, { timeoutMs: 5000 });
  const tw = new TabWriter(0, 8, 1, " ");
  tw.write(`Name:\t${builder.name}\n`);
  tw.write(`Driver:\tremote\n\nNodes:\n`);
  statuses.forEach((s, i) => {
    if (i > 0) tw.write("\n");
    tw.write(`Name:\t${s.node.name}\n`);
    tw.write(`Endpoint:\t${s.node.endpoint}\n`);
    if (s.node.tls) {
      const opts = Object.entries(s.node.tls).map(([k, v]) => `${k}="${v}"`);
      tw.write(`Driver Options:\t${opts.join(" ")}\n`);
    }
    tw.write(`Status:\t${statusText(s)}\n`);
    if (s.state === "running" && s.version) tw.write(`BuildKit version:\t${s.version}\n`);
    tw.write(`Platforms:\t${displayPlatforms(s.node.platforms, s.state === "running" ? s.workers : [])}\n`);
    const labels = Object.entries(s.node.labels);
    if (labels.length > 0) {
      tw.write("Labels:\n");
      for (const [k, v] of labels.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) tw.write(` ${k}:\t${v}\n`);
    }
  });
  process.stdout.write(tw.take());
  if (flags.bootstrap) {
    const down = statuses.filter((s): s is Extract<NodeStatus, { state: "unreachable" }> => s.state === "unreachable");
    if (down.length > 0) throw new BuilderError(down.map((s) => `node ${JSON.stringify(s.node.name)} (${s.node.endpoint}): ${s.reason}`).join("; "));
  }
}
