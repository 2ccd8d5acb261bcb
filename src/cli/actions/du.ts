/** What `tsfrontend du` does; its flags are declared in ../commands/du.ts, which loads this module only when the command runs. */

import type { Command } from "commander";
import type { DuFlags } from "../commands/du.js";
import { ControlClient, type UsageRecord } from "../../client/connection.js";
import { formatBytes } from "../../internal/go/units.js";
import { connectEach } from "../connect.js";
import { int64, printUsageRow, printUsageVerbose, sortUsage, TabWriter, USAGE_HEADER } from "../format.js";
import { filterError, parseFilters } from "../flags/filter.js";
import { collect } from "../options.js";

// --- the command ----------------------------------------------------------------------------

/** Runs `tsfrontend du`: the build cache's records and totals, as buildctl prints them. */
export async function runDu(flags: DuFlags, cmd: Command): Promise<void> {
  const filters = parseFilters(flags.filter ?? []);
  // A builder's nodes: each node's records (sorted as buildctl sorts them) in node order, one summary, as buildx du.
  const conns = await connectEach(cmd);
  let records: UsageRecord[];
  try {
    const each = await Promise.all(conns.map(async (conn) => sortUsage(await new ControlClient(conn).diskUsage(filters).catch((err: unknown) => filterError(err, filters)))));
    records = each.flat();
  } finally {
    for (const conn of conns) conn.close();
  }
  const tw = new TabWriter();
  if (flags.verbose) {
    for (const r of records) printUsageVerbose(tw, r);
  } else {
    tw.write(USAGE_HEADER);
    const now = Date.now();
    for (const r of records) printUsageRow(tw, r, now);
  }
  tw.flush();
  if (filters.length === 0) {
    let total = 0n;
    let reclaimable = 0n;
    let shared = 0n;
    for (const r of records) {
      const size = int64(r.Size);
      if (size > 0n) {
        total += size;
        if (!r.InUse) reclaimable += size;
      }
      if (r.Shared) shared += size;
    }
    if (shared > 0n) {
      tw.write(`Shared:\t${formatBytes(shared)}\n`);
      tw.write(`Private:\t${formatBytes(total - shared)}\n`);
    }
    tw.write(`Reclaimable:\t${formatBytes(reclaimable)}\n`);
    tw.write(`Total:\t${formatBytes(total)}\n`);
  }
  process.stdout.write(tw.take());
}
