/**
 * What `tsfrontend debug info`, `debug histories`, `debug logs`, `debug ctl`,
 * `debug monitor` and `prune-histories` do, as buildctl's (buildkit v0.32.2
 * cmd/buildctl: debug/info.go, debug/histories.go, debug/logs.go, debug/ctl.go,
 * debug/monitor.go, prunehistories.go). Their flags are declared in ../commands/debug.ts,
 * which loads this module only when one runs. With a builder, each node in turn (records in node order).
 */

import type { Command } from "commander";
import type { CtlFlags, LogsFlags, MonitorFlags } from "../commands/debug.js";
import { ContentClient, ControlClient, type BuildHistoryEvent, type BuildkitConnection } from "../../client/connection.js";
import { BuildkitError, mapGrpcError } from "../../client/errors.js";
import { createProgressWriter, fromStatusResponse, type ProgressMode } from "../../progress/index.js";
import { oneOf } from "../options.js";
import { UsageError } from "../../errors.js";
import { moby } from "../../proto/index.js";
import { connectEach } from "../connect.js";
import { descriptorText, formatRfc3339Local, TabWriter } from "../format.js";
import { writeStdout as write } from "../stdout.js";
import { writeBlob } from "./debug.js";

/** The event type as Go's enum String() prints it (the number when it has no name). */
function eventType(t: BuildHistoryEvent["type"]): string {
  const names = moby.buildkit.v1.BuildHistoryEventType as unknown as Record<number, string | undefined>;
  const n = Number(t ?? 0);
  return names[n] ?? String(n);
}

/** Runs `run` on every connection of the command (its builder's nodes, or the one daemon), closing them after. */
async function onEachDaemon<T>(cmd: Command, run: (control: ControlClient) => Promise<T>): Promise<T[]> {
  const conns: BuildkitConnection[] = await connectEach(cmd);
  try {
    const out: T[] = [];
    for (const conn of conns) out.push(await run(new ControlClient(conn)));
    return out;
  } finally {
    for (const conn of conns) conn.close();
  }
}

/** `debug info`: the daemon's BuildKit version (and its Dockerfile frontend's). */
export async function runInfo(cmd: Command): Promise<void> {
  const infos = await onEachDaemon(cmd, (c) => c.info());
  const tw = new TabWriter(0, 0, 1, " ");
  for (const res of infos) {
    const v = res.buildkitVersion;
    tw.write(`BuildKit:\t${v?.package ?? ""} ${v?.version ?? ""} ${v?.revision ?? ""}\n`);
    if (v?.dockerfileVersion) tw.write(`Dockerfile:\t${v.dockerfileVersion}\n`);
  }
  tw.flush();
  await write(tw.take());
}

/** `debug histories`: one row a build record. */
export async function runHistories(cmd: Command): Promise<void> {
  const events = (await onEachDaemon(cmd, (c) => c.buildHistory())).flat();
  const tw = new TabWriter(1, 8, 1, "\t");
  tw.write("TYPE\tREF\tCREATED\tCOMPLETED\tGENERATION\tPINNED\n");
  for (const ev of events) {
    const r = ev.record;
    tw.write(`${eventType(ev.type)}\t${r?.Ref ?? ""}\t${formatRfc3339Local(r?.CreatedAt)}\t${formatRfc3339Local(r?.CompletedAt)}\t${r?.Generation ?? 0}\t${r?.pinned ? "*" : ""}\n`);
    tw.flush();
  }
  tw.flush();
  await write(tw.take());
}

/**
 * `debug logs REF`: the build's progress, which the daemon replays from its
 * record through Status, shown on stdout as `--progress` asks; with
 * `--trace`, the record's OpenTelemetry trace blob instead. One daemon (the
 * first node of a builder).
 */
export async function runLogs(ref: string | undefined, flags: LogsFlags, cmd: Command): Promise<void> {
  if (!ref) throw new UsageError("build ref must be specified");
  const mode = oneOf(flags.progress ?? "auto", ["auto", "tty", "plain", "rawjson", "quiet"] as const, "--progress") as ProgressMode;
  const [conn, ...others] = await connectEach(cmd);
  for (const c of others) c.close();
  try {
    if (flags.trace) {
      const ev = await new ControlClient(conn!).buildRecord(ref);
      if (!ev) throw new UsageError(`ref ${ref} not found`);
      const trace = ev.record?.trace;
      if (!trace?.digest) throw new UsageError(`ref ${ref} does not have trace`);
      const store = new ContentClient(conn!);
      await store.size(trace.digest);
      await writeBlob(store, trace.digest);
      return;
    }
    const pw = createProgressWriter(mode, process.stdout);
    const path = "/moby.buildkit.v1.Control/Status";
    const stream = conn!.serverStream(path, moby.buildkit.v1.StatusRequest, moby.buildkit.v1.StatusResponse, { Ref: ref });
    try {
      await new Promise<void>((resolve, reject) => {
        stream.on("data", (m: moby.buildkit.v1.StatusResponse) => pw.write(fromStatusResponse(m)));
        stream.on("error", (err: Parameters<typeof mapGrpcError>[0]) => reject(mapGrpcError(err, path, conn!.address)));
        stream.on("end", () => resolve());
      });
    } finally {
      await pw.done();
    }
  } finally {
    conn!.close();
  }
}

/**
 * The lines buildctl's `debug monitor` prints for one build event: its type
 * and ref, then the record's steps, warnings, logs, trace, result and
 * attestation descriptors (Go's one-line text form). buildctl walks the
 * result maps in Go's random order; here they are sorted by key.
 */
export function monitorEventLines(ev: BuildHistoryEvent): string {
  const r = ev.record ?? {};
  let out = `event: ${eventType(ev.type)} ref:${r.Ref ?? ""}\n`;
  if ((r.numTotalSteps ?? 0) !== 0) out += `  cache: ${r.numCachedSteps ?? 0}/${r.numTotalSteps}\n`;
  if ((r.numWarnings ?? 0) !== 0) out += `  warnings: ${r.numWarnings}\n`;
  if (r.logs) out += `  logs: ${descriptorText(r.logs)}\n`;
  if (r.trace) out += `  trace: ${descriptorText(r.trace)}\n`;
  const results = (info: NonNullable<typeof r.Result>, prefix: string) => {
    const byIndex = Object.entries(info.Results ?? {}).sort(([a], [b]) => Number(a) - Number(b));
    if (byIndex.length > 0) {
      for (const [, d] of byIndex) out += `  ${prefix}descriptor: ${descriptorText(d)}\n`;
    } else if (info.ResultDeprecated) {
      out += `  ${prefix}descriptor: ${descriptorText(info.ResultDeprecated)}\n`;
    }
    for (const att of info.Attestations ?? []) out += `  ${prefix}attestation: ${descriptorText(att)}\n`;
  };
  if (r.Result) results(r.Result, "");
  for (const [k, info] of Object.entries(r.Results ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) results(info, `[${k}] `);
  return out;
}

/**
 * `debug monitor [--completed] [--ref REF]`: the daemon's build events as
 * they happen (with `--completed`, the finished builds' records first), until
 * interrupted. One daemon (the first node of a builder), as `debug logs`.
 */
export async function runMonitor(flags: MonitorFlags, cmd: Command): Promise<void> {
  const [conn, ...others] = await connectEach(cmd);
  for (const c of others) c.close();
  try {
    const path = "/moby.buildkit.v1.Control/ListenBuildHistory";
    const stream = conn!.serverStream(path, moby.buildkit.v1.BuildHistoryRequest, moby.buildkit.v1.BuildHistoryEvent, {
      ActiveOnly: flags.completed !== true,
      Ref: flags.ref ?? "",
    });
    await new Promise<void>((resolve, reject) => {
      // Written in order: the next event waits until stdout took this one.
      let queue = Promise.resolve();
      stream.on("data", (ev: BuildHistoryEvent) => {
        queue = queue.then(() => write(monitorEventLines(ev)));
        queue.catch(reject);
      });
      stream.on("error", (err: Parameters<typeof mapGrpcError>[0]) => reject(mapGrpcError(err, path, conn!.address)));
      stream.on("end", () => void queue.then(resolve, reject));
    });
  } finally {
    conn!.close();
  }
}

/** `debug ctl REF --pin|--unpin|--delete`. With a builder, the node that has the record. */
export async function runCtl(ref: string | undefined, flags: CtlFlags, cmd: Command): Promise<void> {
  if (!ref) throw new UsageError("build ref must be specified");
  const { pin = false, unpin = false, delete: del = false } = flags;
  if (!pin && !unpin && !del) throw new UsageError("must specify one of --pin, --unpin, --delete");
  if (pin && unpin) throw new UsageError("cannot specify both --pin and --unpin", { flag: "--unpin" });
  if (del && (pin || unpin)) throw new UsageError("cannot specify --delete with --pin or --unpin", { flag: "--delete" });
  const results = await onEachDaemon(cmd, (c) =>
    c.updateBuildHistory(ref, { pinned: pin, delete: del }).then(
      () => undefined,
      (err: unknown) => err,
    ),
  );
  // One daemon: its answer. Several: done when one of them had the record.
  if (results.some((r) => r === undefined)) return;
  throw results[0];
}

/** `prune-histories`: deletes every record that is not pinned, one row for each deleted. */
export async function runPruneHistories(cmd: Command): Promise<void> {
  const tw = new TabWriter(1, 8, 1, "\t");
  tw.write("TYPE\tREF\tCREATED\tCOMPLETED\tGENERATION\n");
  const errors: Error[] = [];
  await onEachDaemon(cmd, async (c) => {
    for (const ev of await c.buildHistory()) {
      const r = ev.record;
      if (!r || r.pinned) continue;
      try {
        await c.updateBuildHistory(r.Ref ?? "", { delete: true });
      } catch (err) {
        errors.push(err instanceof Error ? err : new Error(String(err)));
        continue;
      }
      tw.write(`${eventType(ev.type)}\t${r.Ref ?? ""}\t${formatRfc3339Local(r.CreatedAt)}\t${formatRfc3339Local(r.CompletedAt)}\t${r.Generation ?? 0}\n`);
      tw.flush();
    }
  });
  tw.flush();
  await write(tw.take());
  // Go's errors.Join: every failure, one a line.
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new BuildkitError("UNKNOWN", errors.map((e) => e.message).join("\n"), { cause: errors[0] });
}
