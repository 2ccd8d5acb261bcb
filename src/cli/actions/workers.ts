/** What `tsfrontend workers` does; its flags are declared in ../commands/workers.ts, which loads this module only when the command runs. */

import type { Command } from "commander";
import type { WorkersFlags } from "../commands/workers.js";
import { ControlClient, type WorkerRecord } from "../../client/connection.js";
import { formatPlatform, normalizePlatform } from "../../llb/index.js";
import { connectEach } from "../connect.js";
import { filterError, parseFilters } from "../flags/filter.js";
import { collect } from "../options.js";
import { formatBytesG } from "../../internal/go/units.js";
import { int64, TabWriter } from "../format.js";
import { formatDuration } from "../../internal/go/time.js";
import { compareUtf8 } from "../../internal/go/utf8.js";

/** containerd's platforms.Format(platforms.Normalize(p)) of each platform, comma separated. */
export function joinPlatforms(ps: WorkerRecord["platforms"]): string {
  return (ps ?? [])
    .map((p) => {
      if (!p.OS) return "unknown";
      const pl = { os: p.OS, architecture: p.Architecture ?? "", ...(p.Variant ? { variant: p.Variant } : {}) };
      return formatPlatform(normalizePlatform(pl));
    })
    .join(",");
}

function sortedKeys(m: Record<string, unknown> | null | undefined): string[] {
  return Object.keys(m ?? {}).sort(compareUtf8); // Go sorts map keys byte-wise
}

/** buildctl's printWorkersVerbose. */
export function printWorkersVerbose(tw: TabWriter, workers: WorkerRecord[]): void {
  for (const w of workers) {
    tw.write(`ID:\t${w.ID ?? ""}\n`);
    tw.write(`Platforms:\t${joinPlatforms(w.platforms)}\n`);
    const v = w.BuildkitVersion;
    tw.write(`BuildKit:\t${v?.package ?? ""} ${v?.version ?? ""} ${v?.revision ?? ""}\n`);
    if (v?.dockerfileVersion) tw.write(`Dockerfile:\t${v.dockerfileVersion}\n`);
    tw.write("Labels:\n");
    for (const k of sortedKeys(w.Labels)) tw.write(`\t${k}:\t${w.Labels![k]}\n`);
    const devices = w.CDIDevices ?? [];
    if (devices.length > 0) {
      tw.write("Devices:\n");
      for (const d of devices) {
        tw.write(`\tName:\t${d.Name ?? ""}\n`);
        if (d.OnDemand) tw.write(`\tOnDemand:\t${d.OnDemand}\n`);
        else tw.write(`\tAutoAllow:\t${Boolean(d.AutoAllow)}\n`);
        for (const k of sortedKeys(d.Annotations)) tw.write(`\tAnnotations:\t${k}:\t${d.Annotations![k]}\n`);
      }
      tw.write("\n");
    }
    (w.GCPolicy ?? []).forEach((rule, i) => {
      tw.write(`GC Policy rule#${i}:\n`);
      tw.write(`\tAll:\t${Boolean(rule.all)}\n`);
      if (rule.filters && rule.filters.length > 0) tw.write(`\tFilters:\t${rule.filters.join(" ")}\n`);
      const keep = int64(rule.keepDuration);
      if (keep > 0n) tw.write(`\tKeep duration:\t${formatDuration(keep)}\n`);
      const reserved = int64(rule.reservedSpace);
      if (reserved > 0n) tw.write(`\tReserved space:\t${formatBytesG(reserved)}\n`);
      const minFree = int64(rule.minFreeSpace);
      if (minFree > 0n) tw.write(`\tMinimum free space:\t${formatBytesG(minFree)}\n`);
      const maxUsed = int64(rule.maxUsedSpace);
      if (maxUsed > 0n) tw.write(`\tMaximum used space:\t${formatBytesG(maxUsed)}\n`);
    });
    tw.write("\n");
  }
  tw.flush();
}

/** buildctl's printWorkersTable. */
export function printWorkersTable(tw: TabWriter, workers: WorkerRecord[]): void {
  tw.write("ID\tPLATFORMS\n");
  for (const w of workers) tw.write(`${w.ID ?? ""}\t${joinPlatforms(w.platforms)}\n`);
  tw.flush();
}

/** Runs `tsfrontend workers`: the daemon's workers, as `buildctl debug workers`. */
export async function runWorkers(flags: WorkersFlags, cmd: Command): Promise<void> {
  const filters = parseFilters(flags.filter ?? []);
  // A builder's nodes: their workers one after the other, in node order.
  const conns = await connectEach(cmd);
  let workers: WorkerRecord[];
  try {
    const each = await Promise.all(conns.map((conn) => new ControlClient(conn).listWorkers(filters).catch((err: unknown) => filterError(err, filters))));
    workers = each.flat();
  } finally {
    for (const conn of conns) conn.close();
  }
  const tw = new TabWriter();
  if (flags.verbose) printWorkersVerbose(tw, workers);
  else printWorkersTable(tw, workers);
  process.stdout.write(tw.take());
}
