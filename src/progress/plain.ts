// The plain-text printer, a port of textMux in
// github.com/moby/buildkit/util/progress/progressui/printer.go (v0.32.2).

import { formatBytes, goFixed } from "../internal/go/units.js";
import { durationSeconds } from "../internal/go/fmt.js";
import type { Trace } from "./trace.js";
import { LogRing, TVertex, isCanceledError, mergeIntervals, intervalDuration } from "./trace.js";
import { epochNanos } from "./types.js";

const ANTI_FLICKER_S = 5;
const MAX_DELAY_NS = 10_000_000_000n;
const MIN_TIME_DELTA_NS = 5_000_000_000n;
const MIN_PROGRESS_DELTA = 0.05;

interface LastStatus {
  current: number;
  timestamp: bigint;
}

interface VtxStat {
  blockTime: number; // seconds
  speed: number;
  share: number;
  overLimit: boolean;
}

class Out {
  parts: Buffer[] = [];
  s(str: string): void {
    this.parts.push(Buffer.from(str));
  }
  b(buf: Buffer): void {
    this.parts.push(buf);
  }
  take(): Buffer {
    const b = Buffer.concat(this.parts);
    this.parts = [];
    return b;
  }
}

function limitString(s: string, l: number): string {
  return s.length > l ? s.slice(0, l) + "..." : s;
}

export interface TextMuxOptions {
  desc?: string;
  /** PROGRESS_NO_TRUNC=0 truncates vertex names to 72 characters. */
  truncateNames?: boolean;
}

export class TextMux {
  private current = "";
  private last = new Map<string, LastStatus>();
  private notFirst = false;
  private nextIndex = 0;
  private readonly o = new Out();

  constructor(private readonly opts: TextMuxOptions = {}) {}

  private printVtx(t: Trace, dgst: string): void {
    const w = this.o;
    const v = t.byDigest.get(dgst);
    if (!v) return;
    if (v.index === 0) {
      this.nextIndex++;
      v.index = this.nextIndex;
    }
    if (dgst !== this.current) {
      if (this.current !== "") {
        const old = t.byDigest.get(this.current)!;
        if (old.logsPartial) w.s("\n");
        old.logsOffset = 0;
        old.count = 0;
        w.s(`#${old.index} ...\n`);
      }
      if (this.notFirst) {
        w.s("\n");
      } else {
        if (this.opts.desc) w.s(`#0 ${this.opts.desc}\n\n`);
        this.notFirst = true;
      }
      const name = this.opts.truncateNames ? limitString(v.v.name, 72) : v.v.name;
      w.s(`#${v.index} ${name}\n`);
    }

    let isOpenStatus = false; // remote cache loading can produce status updates without active vertex
    for (const { s } of v.statuses) {
      if (!v.statusUpdates.has(s.id)) continue;
      const ts = epochNanos(s.timestamp);
      const last = this.last.get(s.id);
      if (last && !s.completed) {
        let progressDelta = 0;
        if (s.total > 0) progressDelta = (s.current - last.current) / s.total;
        const timeDelta = ts - last.timestamp;
        if (progressDelta < MIN_PROGRESS_DELTA && timeDelta < MIN_TIME_DELTA_NS) continue;
      }
      this.last.set(s.id, { timestamp: ts, current: s.current });
      let bytes = "";
      if (s.total !== 0) bytes = ` ${formatBytes(s.current)} / ${formatBytes(s.total)}`;
      else if (s.current !== 0) bytes = ` ${formatBytes(s.current)}`;
      let tm = "";
      const endTime = s.completed ? epochNanos(s.completed) : ts;
      if (s.started) {
        const diff = durationSeconds(endTime - epochNanos(s.started));
        if (diff > 0.01) tm = ` ${goFixed(diff, 1)}s`;
      }
      if (s.completed) tm += " done";
      else isOpenStatus = true;
      w.s(`#${v.index} ${s.id}${bytes}${tm}\n`);
    }
    v.statusUpdates.clear();

    for (const warn of v.warnings.slice(v.warningIdx)) {
      w.s(`#${v.index} WARN: `);
      w.b(Buffer.from(warn.short));
      w.s("\n");
      v.warningIdx++;
    }

    for (let i = 0; i < v.logs.length; i++) {
      let l = v.logs[i]!;
      if (i === 0 && v.logsOffset !== 0) {
        // the index has already been printed
        l = l.subarray(v.logsOffset);
        w.b(l);
      } else {
        w.s(`#${v.index} `);
        w.b(l);
      }
      if (i !== v.logs.length - 1 || !v.logsPartial) w.s("\n");
      if (!v.logsBuffer) v.logsBuffer = new LogRing();
      v.logsBuffer.set(l);
      if (!v.logsPartial) v.logsBuffer.next();
    }
    if (v.logs.length > 0) {
      if (v.logsPartial) {
        v.logs = v.logs.slice(v.logs.length - 1);
        v.logsOffset = v.logs[0]!.length;
      } else {
        v.logs = [];
        v.logsOffset = 0;
      }
    }

    this.current = dgst;
    if (v.isCompleted() && !isOpenStatus) {
      this.current = "";
      v.count = 0;
      if (v.logsPartial) w.s("\n");
      if (v.v.error !== "") {
        if (isCanceledError(v.v.error)) w.s(`#${v.index} CANCELED\n`);
        else w.s(`#${v.index} ERROR: ${v.v.error}\n`);
      } else if (v.v.cached) {
        w.s(`#${v.index} CACHED\n`);
      } else {
        let tm = "";
        const ivals = mergeIntervals([...v.intervals.values()]);
        if (ivals.length > 0) {
          let dt = 0;
          const now = t.now();
          for (const ival of ivals) dt += durationSeconds(intervalDuration(ival, now));
          tm = ` ${goFixed(dt, 1)}s`;
        }
        w.s(`#${v.index} DONE${tm}\n`);
      }
    }
    t.updates.delete(dgst);
  }

  /** One print pass over the pending updates; returns the bytes to write. */
  print(t: Trace): Buffer {
    this.printPass(t);
    return this.o.take();
  }

  private printPass(t: Trace): void {
    const completed = new Set<string>();
    const rest = new Set<string>();
    for (const dgst of t.updates) {
      const v = t.byDigest.get(dgst);
      if (!v) continue;
      if (v.v.progressGroup || v.hidden) continue;
      if (v.isCompleted()) completed.add(dgst);
      else rest.add(dgst);
    }

    const current = this.current;

    // items that have completed need to be printed first
    if (completed.has(current)) this.printVtx(t, current);
    const sorted = [...completed].sort((a, b) => {
      const x = t.byDigest.get(a)!.mostRecentInterval()!.stop!;
      const y = t.byDigest.get(b)!.mostRecentInterval()!.stop!;
      return x < y ? -1 : x > y ? 1 : 0;
    });
    for (const dgst of sorted) if (dgst !== current) this.printVtx(t, dgst);

    if (rest.size === 0) {
      if (current !== "") {
        const v = t.byDigest.get(current);
        if (v && v.isStarted() && !v.isCompleted()) return;
      }
      // make any open vertex active
      for (const [dgst, v] of t.byDigest) {
        if (v.isStarted() && !v.isCompleted() && !v.v.progressGroup && !v.hidden) {
          this.printVtx(t, dgst);
          return;
        }
      }
      return;
    }

    // now print the active one
    if (rest.has(current)) this.printVtx(t, current);

    const stats = new Map<string, VtxStat>();
    const now = t.now();
    let sum = 0;
    let max = "";
    if (current !== "") rest.add(current);
    for (const dgst of rest) {
      const v: TVertex | undefined = t.byDigest.get(dgst);
      if (!v || v.lastBlockTime === null) continue;
      const tmNs = now - v.lastBlockTime;
      const tm = durationSeconds(tmNs);
      const speed = v.count / tm;
      const overLimit = tmNs > MAX_DELAY_NS && dgst !== current;
      stats.set(dgst, { blockTime: tm, speed, share: 0, overLimit });
      sum += speed;
      if (overLimit || max === "" || stats.get(max)!.speed < speed) max = dgst;
    }
    for (const st of stats.values()) st.share = st.speed / sum;

    if (completed.has(current) || current === "") {
      this.printVtx(t, max);
      return;
    }
    // show items that were hidden
    for (const dgst of rest) {
      if (stats.get(dgst)?.overLimit) {
        this.printVtx(t, dgst);
        return;
      }
    }
    // fair split between vertexes
    const cur = stats.get(current);
    if (cur && (1.0 / (1.0 - cur.share)) * ANTI_FLICKER_S < cur.blockTime) {
      this.printVtx(t, max);
    }
  }
}
