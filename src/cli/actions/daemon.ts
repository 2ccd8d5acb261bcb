/** What `tsfrontend daemon` does; its flags are declared in ../commands/daemon.ts, which loads this module only when the command runs. */

import type { Command } from "commander";
import { connectionErrorDetail, DEFAULT_ADDRESS, resolveDaemon } from "../../client/address.js";
import { embeddedStatus, stopEmbedded } from "../../client/embedded-daemon.js";
import { answers, probeDaemon } from "../../client/probe.js";
import { connectOptions, connectionFlags } from "../connect.js";
import { TabWriter } from "../format.js";

function versionLine(v: { package: string; version: string; revision: string }): string {
  return [v.package, v.version, v.revision].filter((s) => s).join(" ");
}

/** Runs `tsfrontend daemon status`: which buildkitd would be used and whether it answers. */
export async function runStatus(cmd: Command): Promise<void> {
  const opts = connectOptions(connectionFlags(cmd));
  const tw = new TabWriter();
  const kv = (k: string, v: string) => tw.write(`${k}:\t${v}\n`);
  // The same order as resolveDaemon, without waiting for or starting the embedded daemon.
  let resolved: { address: string; source: string } | undefined;
  if (opts.addr !== undefined || process.env["BUILDKIT_HOST"]) {
    resolved = await resolveDaemon({ ...(opts.addr !== undefined ? { addr: opts.addr } : {}), allowStart: false });
  } else if (await answers(DEFAULT_ADDRESS, 1500)) {
    resolved = { address: DEFAULT_ADDRESS, source: "default" };
  }
  if (resolved) {
    const source = resolved.source === "addr" ? "--addr" : resolved.source === "BUILDKIT_HOST" ? "BUILDKIT_HOST" : `default socket (${DEFAULT_ADDRESS})`;
    kv("Address", resolved.address);
    kv("Source", source);
    try {
      const v = await probeDaemon(resolved.address, 3000, opts.tls ? { tls: opts.tls } : {});
      kv("Status", "answering");
      kv("BuildKit", versionLine(v));
    } catch (err) {
      kv("Status", `not answering: ${connectionErrorDetail(err)}`);
    }
  } else {
    const emb = await embeddedStatus();
    const p = emb.paths;
    kv("Address", p.address);
    kv("Source", "embedded (started by tsfrontend as root when no other daemon is configured or answering)");
    if (emb.running && emb.record) {
      kv("Status", `${emb.answering ? "running" : "running, not answering"} (pid ${emb.record.pid}, since ${emb.record.startedAt})`);
    } else if (emb.answering) {
      kv("Status", "answering (no pid file)");
    } else {
      kv("Status", "not running (started on demand)");
    }
    if (emb.version) kv("BuildKit", versionLine(emb.version));
    kv("Binary", emb.record?.binary ?? emb.binary.path ?? `none: ${emb.binary.problem}`);
    kv("State", p.root);
    kv("Config", p.config);
    kv("Log", p.log);
    kv("Pid file", p.pidFile);
  }
  process.stdout.write(tw.take());
}

/** Runs `tsfrontend daemon stop`: stops the buildkitd tsfrontend started and cleans up after it. */
export async function runStop(): Promise<void> {
  const r = await stopEmbedded();
  const lines: string[] = [];
  if (r.pid !== undefined) lines.push(`stopped buildkitd (pid ${r.pid}${r.killed ? ", killed after it ignored SIGTERM" : ""})`);
  else lines.push("tsfrontend's buildkitd is not running");
  if (r.containers.length > 0) lines.push(`removed leftover build containers: ${r.containers.join(" ")}`);
  if (r.unmounted.length > 0) lines.push(`unmounted leftover mounts: ${r.unmounted.join(" ")}`);
  process.stdout.write(lines.join("\n") + "\n");
}
