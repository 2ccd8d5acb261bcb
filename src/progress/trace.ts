// The progress state model, a port of the `trace`/`vertex` types of
// github.com/moby/buildkit/util/progress/progressui/display.go (v0.32.2).
// Times are bigint nanoseconds since the epoch.

import { formatBytes, goFixed } from "../internal/go/units.js";
import { durationSeconds } from "../internal/go/fmt.js";
import type { SolveStatus, Vertex, VertexStatus, VertexWarning } from "./types.js";
import { epochNanos } from "./types.js";
import { VTerm } from "./vterm.js";

export const TERM_PAD = 10;
export const TERM_HEIGHT_MIN = 6;
export const LOGS_BUFFER_SIZE = 10;
const CANCELED = "context canceled";

export interface Interval {
  start: bigint | null;
  stop: bigint | null;
}

export function intervalDuration(ival: Interval, now: bigint): bigint {
  if (ival.start === null) return 0n;
  if (ival.stop === null) return now - ival.start;
  return ival.stop - ival.start;
}

/** mergeIntervals from display.go: combines overlapping intervals; an open interval swallows later ones. */
export function mergeIntervals(intervals: Interval[]): Interval[] {
  const list = intervals.filter((i) => i.start !== null);
  if (list.length === 0) return [];
  list.sort((a, b) => (a.start! < b.start! ? -1 : a.start! > b.start! ? 1 : 0));
  const merged: Interval[] = [];
  let cur = list[0]!;
  for (let i = 1; i < list.length; i++) {
    const next = list[i]!;
    if (cur.stop === null) {
      merged.push(cur);
      return merged;
    }
    if (cur.stop < next.start!) {
      merged.push(cur);
      cur = next;
      continue;
    }
    if (next.stop === null) {
      merged.push({ start: cur.start, stop: null });
      return merged;
    }
    if (cur.stop >= next.stop) continue;
    cur = { start: cur.start, stop: next.stop };
  }
  merged.push(cur);
  return merged;
}

function ns(d: Date | undefined): bigint | null {
  return d ? epochNanos(d) : null;
}

export function isCanceledError(err: string): boolean {
  return err.endsWith(CANCELED);
}

/** container/ring of LOGS_BUFFER_SIZE byte slices, as used by the plain printer. */
export class LogRing {
  private slots: (Buffer | null)[] = new Array<Buffer | null>(LOGS_BUFFER_SIZE).fill(null);
  private pos = 0;
  set(v: Buffer): void {
    this.slots[this.pos] = v;
  }
  next(): void {
    this.pos = (this.pos + 1) % LOGS_BUFFER_SIZE;
  }
  /** Values starting at the current position (what printErrorLogs walks). */
  values(): Buffer[] {
    const out: Buffer[] = [];
    for (let i = 0; i < LOGS_BUFFER_SIZE; i++) {
      const v = this.slots[(this.pos + i) % LOGS_BUFFER_SIZE];
      if (v) out.push(v);
    }
    return out;
  }
}

export interface Job {
  intervals: Interval[];
  isCompleted: boolean;
  name: string;
  status: string;
  hasError: boolean;
  hasWarning: boolean;
  isCanceled: boolean;
  vertex: TVertex | null;
  showTerm: boolean;
}

function newJob(p: Partial<Job>): Job {
  return {
    intervals: [],
    isCompleted: false,
    name: "",
    status: "",
    hasError: false,
    hasWarning: false,
    isCanceled: false,
    vertex: null,
    showTerm: false,
    ...p,
  };
}

export interface StatusEntry {
  s: VertexStatus;
}

export class TVertex {
  /** The latest client.Vertex (for a progress group: the synthesized group vertex). */
  v: Vertex;
  /** Started statuses in first-start order; entries are shared with byID and updated in place. */
  statuses: StatusEntry[] = [];
  byID = new Map<string, StatusEntry>();
  indent = "";
  index = 0;

  logs: Buffer[] = [];
  logsPartial = false;
  logsOffset = 0;
  logsBuffer: LogRing | null = null;
  prev: Vertex | null = null;
  lastBlockTime: bigint | null = null;
  count = 0;
  statusUpdates = new Set<string>();

  warnings: VertexWarning[] = [];
  warningIdx = 0;

  jobs: Job[] = [];
  jobCached = false;

  term: VTerm | null = null;
  termBytes = 0;
  termCount = 0;

  intervals = new Map<bigint, Interval>();
  mergedIntervals: Interval[] = [];

  hidden = false;

  /** Set for synthesized progress-group vertices. */
  subVtxs: Map<string, Vertex> | null = null;

  constructor(v: Vertex) {
    this.v = v;
  }

  get digest(): string {
    return this.v.digest;
  }

  update(c: number, now: bigint): void {
    if (this.count === 0) this.lastBlockTime = now;
    this.count += c;
  }

  mostRecentInterval(): Interval | null {
    if (this.mergedIntervals.length === 0) return null;
    return this.mergedIntervals[this.mergedIntervals.length - 1]!;
  }

  isStarted(): boolean {
    return this.mergedIntervals.length > 0;
  }

  isCompleted(): boolean {
    const ival = this.mostRecentInterval();
    return ival !== null && ival.stop !== null;
  }

  /** vertexGroup.refresh */
  refreshGroup(): { changed: boolean; newlyStarted: boolean; newlyRevealed: boolean } {
    let changed = false;
    let newlyStarted = false;
    let newlyRevealed = false;
    const newVtx: Vertex = { ...this.v, cached: true };
    const alreadyStarted = this.isStarted();
    const wasHidden = this.hidden;
    for (const sub of this.subVtxs!.values()) {
      if (sub.started) {
        const start = epochNanos(sub.started);
        const ival: Interval = { start, stop: ns(sub.completed) };
        const prev = this.intervals.get(start);
        if (!prev || prev.start !== ival.start || prev.stop !== ival.stop) changed = true;
        if (!alreadyStarted) newlyStarted = true;
        this.intervals.set(start, ival);
        if (!sub.progressGroup?.weak) this.hidden = false;
      }
      newVtx.cached = newVtx.cached && sub.cached;
      if (newVtx.error === "") newVtx.error = sub.error;
      else this.hidden = false;
    }
    if (this.v.cached !== newVtx.cached) changed = true;
    if (this.v.error !== newVtx.error) changed = true;
    this.v = newVtx;
    if (!this.hidden && wasHidden) {
      changed = true;
      newlyRevealed = true;
    }
    this.mergedIntervals = mergeIntervals([...this.intervals.values()]);
    return { changed, newlyStarted, newlyRevealed };
  }
}

export interface DisplayInfo {
  startTime: bigint;
  jobs: Job[];
  countTotal: number;
  countCompleted: number;
}

/** Splits on sep, calling fn for each piece; returns whether data ended with sep (false for empty data). */
function split(dt: Buffer, fn: (b: Buffer) => void): boolean {
  if (dt.length === 0) return false;
  for (;;) {
    if (dt.length === 0) return true;
    const idx = dt.indexOf(0x0a);
    if (idx === -1) {
      fn(dt);
      return false;
    }
    fn(dt.subarray(0, idx));
    dt = dt.subarray(idx + 1);
  }
}

export interface TraceOptions {
  modeConsole: boolean;
  now: () => bigint;
  /** BUILDKIT_TTY_LOG_LINES */
  termHeightInitial?: number;
}

export class Trace {
  startTime: bigint | null = null;
  localTimeDiff = 0n;
  vertexes: TVertex[] = [];
  byDigest = new Map<string, TVertex>();
  updates = new Set<string>();
  groups = new Map<string, TVertex>();
  readonly modeConsole: boolean;
  readonly now: () => bigint;
  readonly termHeightInitial: number;
  /** progressui's package-level termHeight (shared with the tty display). */
  termHeight: number;

  constructor(opts: TraceOptions) {
    this.modeConsole = opts.modeConsole;
    this.now = opts.now;
    this.termHeightInitial = opts.termHeightInitial ?? TERM_HEIGHT_MIN;
    this.termHeight = this.termHeightInitial;
  }

  private newTerm(termWidth: number): VTerm | null {
    if (!this.modeConsole) return null;
    let w = termWidth - TERM_PAD;
    if (w <= 0) w = 1;
    return new VTerm(this.termHeight, w);
  }

  private triggerVertexEvent(v: Vertex): void {
    if (!v.started) return;
    const vtx = this.byDigest.get(v.digest)!;
    const old: Partial<Vertex> = vtx.prev ?? {};
    let changed = v.digest !== (old.digest ?? "");
    if (v.name !== (old.name ?? "")) changed = true;
    if (v.started !== old.started) {
      if (!old.started || epochNanos(v.started) !== epochNanos(old.started)) changed = true;
    }
    if (v.completed !== old.completed && v.completed) changed = true;
    if (v.cached !== (old.cached ?? false)) changed = true;
    if (v.error !== (old.error ?? "")) changed = true;
    if (changed) {
      vtx.update(1, this.now());
      this.updates.add(v.digest);
    }
    vtx.prev = v;
  }

  update(s: SolveStatus, termWidth: number): void {
    const seenGroups = new Set<string>();
    const groups: string[] = [];
    for (const v of s.vertexes ?? []) {
      if (this.startTime === null && v.started) this.startTime = epochNanos(v.started);
      if (v.progressGroup) {
        const gid = v.progressGroup.id;
        let group = this.groups.get(gid);
        if (!group) {
          group = new TVertex({ digest: gid, inputs: [], name: v.progressGroup.name, cached: false, error: "" });
          group.hidden = true;
          group.subVtxs = new Map();
          group.term = this.newTerm(termWidth);
          this.groups.set(gid, group);
          this.byDigest.set(gid, group);
        }
        if (!seenGroups.has(gid)) {
          groups.push(gid);
          seenGroups.add(gid);
        }
        group.subVtxs!.set(v.digest, v);
        this.byDigest.set(v.digest, group);
        continue;
      }
      const prev = this.byDigest.get(v.digest);
      if (!prev) {
        const nv = new TVertex(v);
        nv.term = this.newTerm(termWidth);
        this.byDigest.set(v.digest, nv);
      }
      this.triggerVertexEvent(v);
      const cur = this.byDigest.get(v.digest)!;
      if (v.started && (!prev || !prev.isStarted())) {
        if (this.localTimeDiff === 0n) this.localTimeDiff = this.now() - epochNanos(v.started);
        this.vertexes.push(cur);
      }
      // allow a duplicate initial vertex that shouldn't reset state
      if (!prev || !prev.isStarted() || v.started) cur.v = v;
      if (v.started) {
        const start = epochNanos(v.started);
        cur.intervals.set(start, { start, stop: ns(v.completed) });
        cur.mergedIntervals = mergeIntervals([...cur.intervals.values()]);
      }
      cur.jobCached = false;
    }
    for (const gid of groups) {
      const group = this.groups.get(gid)!;
      const { changed, newlyStarted, newlyRevealed } = group.refreshGroup();
      if (newlyStarted && this.localTimeDiff === 0n) {
        this.localTimeDiff = this.now() - group.mergedIntervals[0]!.start!;
      }
      if (group.hidden) continue;
      if (newlyRevealed) this.vertexes.push(group);
      if (changed) {
        group.update(1, this.now());
        this.updates.add(group.digest);
      }
      group.jobCached = false;
    }
    for (const st of s.statuses ?? []) {
      const v = this.byDigest.get(st.vertex);
      if (!v) continue;
      v.jobCached = false;
      const prev = v.byID.get(st.id);
      let entry = prev;
      if (!entry) {
        entry = { s: st };
        v.byID.set(st.id, entry);
      }
      if (st.started && (!prev || !prev.s.started)) v.statuses.push(entry);
      entry.s = st;
      v.statusUpdates.add(st.id);
      this.updates.add(v.digest);
      v.update(1, this.now());
    }
    for (const w of s.warnings ?? []) {
      const v = this.byDigest.get(w.vertex);
      if (!v) continue;
      v.warnings.push(w);
      v.update(1, this.now());
      // A warning can arrive after its step was printed as done (a lint
      // warning sent once the build file's step completed): print the step
      // again rather than drop the warning, as late logs are printed.
      if (v.isCompleted()) this.updates.add(v.digest);
    }
    for (const l of s.logs ?? []) {
      const v = this.byDigest.get(l.vertex);
      if (!v) continue;
      v.jobCached = false;
      const data = Buffer.from(l.data.buffer, l.data.byteOffset, l.data.byteLength);
      if (v.term) {
        if (v.term.width !== termWidth) {
          this.termHeight = Math.max(TERM_HEIGHT_MIN, Math.min(this.termHeightInitial, v.term.height - TERM_HEIGHT_MIN - 1));
          v.term.resize(this.termHeight, termWidth - TERM_PAD);
        }
        v.termBytes += data.length;
        v.term.write(data);
      }
      let i = 0;
      const complete = split(data, (dt) => {
        if (v.logsPartial && v.logs.length !== 0 && i === 0) {
          v.logs[v.logs.length - 1] = Buffer.concat([v.logs[v.logs.length - 1]!, dt]);
        } else {
          let d = 0n;
          const ival = v.mostRecentInterval();
          if (ival) d = epochNanos(l.timestamp) - ival.start!;
          const sec = durationSeconds(d);
          const prec = sec < 10 ? 3 : sec < 100 ? 2 : 1;
          v.logs.push(Buffer.concat([Buffer.from(goFixed(sec, prec) + " "), dt]));
        }
        i++;
      });
      v.logsPartial = !complete;
      this.updates.add(v.digest);
      v.update(1, this.now());
    }
  }

  /** The "------ > name: ... ------" blocks printed for failed vertices when the display closes. */
  errorLogs(): Buffer {
    const parts: Buffer[] = [];
    const str = (s: string): void => void parts.push(Buffer.from(s));
    for (const v of this.vertexes) {
      if (v.v.error !== "" && !isCanceledError(v.v.error)) {
        str("------\n");
        str(` > ${v.v.name}:\n`);
        for (const l of v.logs) {
          parts.push(l);
          str("\n");
        }
        if (v.logsBuffer) {
          for (const l of v.logsBuffer.values()) {
            parts.push(l);
            str("\n");
          }
        }
        str("------\n");
      }
    }
    return Buffer.concat(parts);
  }

  displayInfo(): DisplayInfo {
    const now = this.now();
    const d: DisplayInfo = { startTime: now, jobs: [], countTotal: 0, countCompleted: 0 };
    if (this.startTime !== null) d.startTime = this.startTime + this.localTimeDiff;
    d.countTotal = this.byDigest.size;
    for (const v of this.byDigest.values()) {
      if (v.v.progressGroup || v.hidden) {
        d.countTotal--;
        continue;
      }
      if (v.isCompleted()) d.countCompleted++;
    }
    const add = (t: bigint | null): bigint | null => (t === null ? null : t + this.localTimeDiff);
    for (const v of this.vertexes) {
      if (v.jobCached) {
        d.jobs.push(...v.jobs);
        continue;
      }
      const jobs: Job[] = [];
      const j = newJob({ name: v.v.name.replaceAll("\t", " "), vertex: v, isCompleted: true });
      for (const ival of v.intervals.values()) {
        j.intervals.push({ start: add(ival.start), stop: add(ival.stop) });
        if (ival.stop === null) j.isCompleted = false;
      }
      j.intervals = mergeIntervals(j.intervals);
      if (v.v.error !== "") {
        if (isCanceledError(v.v.error)) {
          j.isCanceled = true;
          j.name = "CANCELED " + j.name;
        } else {
          j.hasError = true;
          j.name = "ERROR " + j.name;
        }
      }
      if (v.v.cached) j.name = "CACHED " + j.name;
      j.name = v.indent + j.name;
      jobs.push(j);
      for (const { s } of v.statuses) {
        const sj = newJob({
          intervals: [{ start: add(s.started ? epochNanos(s.started) : null), stop: add(s.completed ? epochNanos(s.completed) : null) }],
          isCompleted: s.completed !== undefined,
          name: v.indent + "=> " + s.id,
        });
        if (s.total !== 0) sj.status = `${formatBytes(s.current)} / ${formatBytes(s.total)}`;
        else if (s.current !== 0) sj.status = formatBytes(s.current);
        jobs.push(sj);
      }
      for (const w of v.warnings) {
        const ival = v.mostRecentInterval() ?? { start: null, stop: null };
        jobs.push(
          newJob({
            intervals: [{ start: add(ival.start), stop: add(ival.stop) }],
            name: "WARN: " + Buffer.from(w.short).toString(),
            isCanceled: true,
          }),
        );
      }
      d.jobs.push(...jobs);
      v.jobs = jobs;
      v.jobCached = true;
    }
    return d;
  }
}
