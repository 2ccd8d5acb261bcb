/** What `tsfrontend prune` does; its flags are declared in ../commands/prune.ts, which loads this module only when the command runs. */

import type { Command } from "commander";
import type { PruneFlags } from "../commands/prune.js";
import { ControlClient, type PruneOptions } from "../../client/connection.js";
import { UsageError } from "../../errors.js";
import { connectEach } from "../connect.js";
import { filterError, parseFilters } from "../flags/filter.js";
import { collect } from "../options.js";
import { formatBytes } from "../../internal/go/units.js";
import { parseDuration } from "../../internal/go/time.js";
import { int64, printUsageRow, printUsageVerbose, TabWriter, USAGE_HEADER } from "../format.js";

/** The prune request the flags ask for (exported for tests). */
export function pruneOptionsFromFlags(flags: PruneFlags): PruneOptions {
  const opts: PruneOptions = { all: Boolean(flags.all), filter: parseFilters(flags.filter ?? []) };
  if (flags.keepDuration !== undefined) {
    let ns: number | undefined;
    try {
      ns = Number(parseDuration(flags.keepDuration.trim()));
    } catch {
      ns = undefined;
    }
    if (ns === undefined) {
      throw new UsageError(`${JSON.stringify(flags.keepDuration)} is not a duration: use a number with a unit (ns, us, ms, s, m, h), e.g. 30m, 24h, 1h30m`, { flag: "--keep-duration" });
    }
    if (ns < 0) throw new UsageError(`${JSON.stringify(flags.keepDuration)} is negative`, { flag: "--keep-duration" });
    opts.keepDuration = ns;
  }
  if (flags.keepStorage !== undefined) {
    const s = flags.keepStorage.trim();
    const mb = /^[+]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Number(s) : NaN;
    if (!Number.isFinite(mb)) throw new UsageError(`${JSON.stringify(flags.keepStorage)} is not a number of megabytes, e.g. 512 or 1.5`, { flag: "--keep-storage" });
    opts.keepStorage = Math.trunc(mb * 1e6);
  }
  return opts;
}

/** Runs `tsfrontend prune`: removes build cache and prints what went, as buildctl does. */
export async function runPrune(flags: PruneFlags, cmd: Command): Promise<void> {
  const opts = pruneOptionsFromFlags(flags);
  const filters = opts.filter ?? [];
  // A builder's nodes are pruned at once; their records in node order, one total, as buildx prune.
  const conns = await connectEach(cmd);
  let records;
  try {
    const each = await Promise.all(conns.map((conn) => new ControlClient(conn).prune(opts).catch((err: unknown) => filterError(err, filters))));
    records = each.flat();
  } finally {
    for (const conn of conns) conn.close();
  }
  // buildctl prints each record as it arrives (flushing the table per row), then the total.
  const tw = new TabWriter();
  let total = 0n;
  let first = true;
  const now = Date.now();
  for (const r of records) {
    total += int64(r.Size);
    if (flags.verbose) {
      printUsageVerbose(tw, r);
    } else {
      if (first) {
        tw.write(USAGE_HEADER);
        first = false;
      }
      printUsageRow(tw, r, now);
      tw.flush();
    }
  }
  tw.flush();
  tw.write(`Total:\t${formatBytes(total)}\n`);
  process.stdout.write(tw.take());
}
