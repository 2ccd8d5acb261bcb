// createProgressWriter: buildctl's `--progress auto|tty|plain|rawjson|quiet`
// (progressui.NewDisplay + Display.UpdateFrom) as a push-style writer.

import { formatWarningsSummary, type WarningsSummaryOptions } from "./format.js";
import { goFixed } from "../internal/go/units.js";
import { durationSeconds } from "../internal/go/fmt.js";
import { TextMux } from "./plain.js";
import { marshalSolveStatus } from "./rawjson.js";
import { Trace } from "./trace.js";
import { TtyDisplay, colorsFromEnv } from "./tty.js";
import type { SolveStatus, Vertex, VertexWarning } from "./types.js";
import { dateFromEpochNanos, epochNanos } from "./types.js";

export type ProgressMode = "auto" | "tty" | "plain" | "rawjson" | "quiet";
export type ResolvedProgressMode = Exclude<ProgressMode, "auto">;

export type ProgressOutput = NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };

export interface ProgressWriterOptions {
  /** Environment consulted for TERM, NO_COLOR, BUILDKIT_COLORS, BUILDKIT_TTY_LOG_LINES, BUILDKIT_PROGRESS, PROGRESS_NO_TRUNC, TTY_DISPLAY_RATE. Default process.env. */
  env?: Record<string, string | undefined>;
  /** TTY header phase (default "Building"). */
  phase?: string;
  /** progressui.WithDesc: "#0 <desc>" line in plain mode. */
  textDesc?: string;
  /** progressui.WithDesc: right-aligned text in the TTY header. */
  consoleDesc?: string;
  /**
   * Minimum ms between renders driven by updates (default 100, or TTY_DISPLAY_RATE).
   * 0 = deterministic mode: render on every write (plus the idle refresh progressui's
   * ticker would do before the next update) and no timers.
   */
  rateMs?: number;
  /** Idle refresh period in ms (default 150, or TTY_DISPLAY_RATE). */
  tickMs?: number;
  /** Clock in epoch milliseconds (default Date.now). */
  now?: () => number;
  /** Terminal size override (default out.columns/out.rows, else 80x10 like progressui). */
  width?: number;
  height?: number;
  /** Shift times so the first started vertex is "now", like buildctl's progresswriter.ResetTime (default false). */
  resetTime?: boolean;
  /** Print the "------ > step:" blocks of failed steps when done (progressui does; default true). */
  errorLogs?: boolean;
  /** Print buildx's "N warnings found" summary when done (plain/tty only; buildctl prints none; default false). */
  warningsSummary?: boolean | WarningsSummaryOptions;
  /** Log lines kept per vertex for logTail() (default 10). */
  logTailLines?: number;
}

export interface LogTailOptions {
  /** Number of lines (default: all kept, see logTailLines). */
  lines?: number;
  /** Without the "<seconds> " prefix progressui puts before each line. */
  raw?: boolean;
}

export interface ProgressWriter {
  readonly mode: ResolvedProgressMode;
  /** Feeds one update (see fromStatusResponse). Ignored after done(). */
  write(status: SolveStatus): void;
  /** Final render: last frame/flush, failed-step log blocks; resolves when written. */
  done(err?: Error): Promise<void>;
  /** Every warning received so far, in order (also in quiet/rawjson modes). */
  warnings(): VertexWarning[];
  /** The last log lines of a vertex (by the digest in VertexLog.vertex), formatted like progressui. */
  logTail(vertexDigest: string, opts?: LogTailOptions): string[];
  /** The latest state of a vertex by digest. */
  vertex(digest: string): Vertex | undefined;
}

/** auto → tty if the output is a terminal (and TERM is not "dumb"), else plain; BUILDKIT_PROGRESS overrides auto. */
export function resolveProgressMode(
  mode: ProgressMode,
  out: { isTTY?: boolean },
  env: Record<string, string | undefined> = process.env,
): ResolvedProgressMode {
  if (mode === "auto") {
    const v = env["BUILDKIT_PROGRESS"];
    if (v && v !== "auto" && ["tty", "plain", "rawjson", "quiet"].includes(v)) return v as ResolvedProgressMode;
    return out.isTTY && env["TERM"] !== "dumb" ? "tty" : "plain";
  }
  if (!["tty", "plain", "rawjson", "quiet"].includes(mode)) throw new Error(`invalid progress mode ${String(mode)}`);
  return mode;
}

class LogTails {
  private tails = new Map<string, { lines: { ts: string; text: string }[]; partial: Buffer | null; partialTs: string }>();
  private starts = new Map<string, bigint>();
  constructor(private readonly cap: number) {}

  vertex(v: Vertex): void {
    if (v.started) this.starts.set(v.digest, epochNanos(v.started));
  }

  log(vertex: string, data: Uint8Array, ts: Date): void {
    let t = this.tails.get(vertex);
    if (!t) {
      t = { lines: [], partial: null, partialTs: "" };
      this.tails.set(vertex, t);
    }
    const start = this.starts.get(vertex);
    const sec = durationSeconds(start === undefined ? 0n : epochNanos(ts) - start);
    const stamp = goFixed(sec, sec < 10 ? 3 : sec < 100 ? 2 : 1);
    let buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    while (buf.length > 0) {
      const idx = buf.indexOf(0x0a);
      const piece = idx < 0 ? buf : buf.subarray(0, idx);
      if (t.partial === null) t.partialTs = stamp;
      t.partial = t.partial === null ? Buffer.from(piece) : Buffer.concat([t.partial, piece]);
      if (idx < 0) break;
      t.lines.push({ ts: t.partialTs, text: t.partial.toString() });
      if (t.lines.length > this.cap) t.lines.shift();
      t.partial = null;
      buf = buf.subarray(idx + 1);
    }
  }

  get(vertex: string, opts: LogTailOptions): string[] {
    const t = this.tails.get(vertex);
    if (!t) return [];
    const all = [...t.lines];
    if (t.partial !== null) all.push({ ts: t.partialTs, text: t.partial.toString() });
    const n = opts.lines ?? this.cap;
    return all.slice(Math.max(0, all.length - n)).map((l) => (opts.raw ? l.text : `${l.ts} ${l.text}`));
  }
}

/** progresswriter.ResetTime: moves all times by the offset between the first started vertex and the writer's creation. */
class TimeReset {
  private diff: bigint | null = null;
  constructor(private readonly created: bigint) {}
  apply(st: SolveStatus): SolveStatus {
    if (this.diff === null) {
      for (const v of st.vertexes ?? []) if (v.started) this.diff = epochNanos(v.started) - this.created;
    }
    const diff = this.diff;
    if (diff === null) return st;
    const sh = (d: Date): Date => dateFromEpochNanos(epochNanos(d) - diff);
    const shOpt = <T extends { started?: Date; completed?: Date }>(x: T): T => {
      const o = { ...x };
      if (x.started) o.started = sh(x.started);
      if (x.completed) o.completed = sh(x.completed);
      return o;
    };
    const out: SolveStatus = {};
    if (st.vertexes) out.vertexes = st.vertexes.map(shOpt);
    if (st.statuses) out.statuses = st.statuses.map((s) => ({ ...shOpt(s), timestamp: sh(s.timestamp) }));
    if (st.logs) out.logs = st.logs.map((l) => ({ ...l, timestamp: sh(l.timestamp) }));
    if (st.warnings) out.warnings = st.warnings;
    return out;
  }
}

function msToNs(ms: number): bigint {
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}

export function createProgressWriter(mode: ProgressMode, out: ProgressOutput, options: ProgressWriterOptions = {}): ProgressWriter {
  const env = options.env ?? process.env;
  const resolved = resolveProgressMode(mode, out, env);
  const nowMs = options.now ?? Date.now;
  const now = (): bigint => msToNs(nowMs());

  let rateMs = 100;
  let tickMs = 150;
  const envRate = env["TTY_DISPLAY_RATE"];
  if (envRate !== undefined && /^[+-]?\d+$/.test(envRate)) {
    rateMs = Number.parseInt(envRate, 10);
    tickMs = rateMs;
  }
  if (options.rateMs !== undefined) rateMs = options.rateMs;
  if (options.tickMs !== undefined) tickMs = options.tickMs;

  const allWarnings: VertexWarning[] = [];
  const tails = new LogTails(options.logTailLines ?? 10);
  const vertexes = new Map<string, Vertex>();
  const reset = options.resetTime ? new TimeReset(now()) : null;
  let closed = false;

  const emit = (chunk: string | Buffer): void => {
    if (chunk.length > 0) out.write(chunk);
  };

  const record = (st: SolveStatus): void => {
    for (const v of st.vertexes ?? []) {
      const prev = vertexes.get(v.digest);
      if (!prev || !prev.started || v.started) vertexes.set(v.digest, v);
      tails.vertex(v);
    }
    for (const l of st.logs ?? []) tails.log(l.vertex, l.data, l.timestamp);
    for (const w of st.warnings ?? []) allWarnings.push(w);
  };

  // display-specific behaviour
  let onUpdate: (st: SolveStatus) => void = () => {};
  let onRefresh: () => void = () => {};
  let onDone: () => void = () => {};

  let lastAllow: bigint | null = null;
  const allow = (): boolean => {
    if (rateMs <= 0) return true;
    const t = now();
    if (lastAllow === null || t - lastAllow >= BigInt(rateMs) * 1_000_000n) {
      lastAllow = t;
      return true;
    }
    return false;
  };

  const summary = (): string => {
    if (!options.warningsSummary) return "";
    const o = options.warningsSummary === true ? {} : options.warningsSummary;
    return formatWarningsSummary(allWarnings, { color: !env["NO_COLOR"], ...o });
  };

  if (resolved === "plain") {
    const t = new Trace({ modeConsole: false, now });
    const mux = new TextMux({ desc: options.textDesc, truncateNames: env["PROGRESS_NO_TRUNC"] === "0" });
    onUpdate = (st) => {
      t.update(st, 80);
      if (allow()) onRefresh();
      // with rateMs 0 there is no ticker: emulate the idle refresh progressui's
      // ticker would run before the next update arrives
      if (rateMs <= 0) onRefresh();
    };
    onRefresh = () => emit(mux.print(t));
    onDone = () => {
      emit(mux.print(t));
      if (options.errorLogs !== false) emit(t.errorLogs());
      emit(summary());
    };
  } else if (resolved === "tty") {
    let termHeightInitial: number | undefined;
    const lines = env["BUILDKIT_TTY_LOG_LINES"];
    if (lines && /^[+-]?\d+$/.test(lines) && Number.parseInt(lines, 10) > 0) termHeightInitial = Number.parseInt(lines, 10);
    const t = new Trace({ modeConsole: true, now, termHeightInitial });
    const disp = new TtyDisplay(t, {
      phase: options.phase ?? "Building",
      desc: options.consoleDesc,
      colors: colorsFromEnv(env),
    });
    const size = (): [number, number] => {
      const w = options.width ?? out.columns ?? 0;
      const h = options.height ?? out.rows ?? 0;
      return w > 0 && h > 0 ? [w, h] : [80, 10];
    };
    let [width, height] = size();
    onUpdate = (st) => {
      [width, height] = size();
      t.update(st, width);
      if (allow()) onRefresh();
      if (rateMs <= 0) onRefresh(); // the idle refresh, as for plain
    };
    onRefresh = () => emit(disp.print(t.displayInfo(), width, height, false));
    onDone = () => {
      [width, height] = size();
      emit(disp.print(t.displayInfo(), width, height, true));
      if (options.errorLogs !== false) emit(t.errorLogs());
      emit(summary());
    };
  } else if (resolved === "rawjson") {
    onUpdate = (st) => emit(marshalSolveStatus(st) + "\n");
  }

  let timer: NodeJS.Timeout | null = null;
  const ticking = (resolved === "plain" || resolved === "tty") && rateMs > 0 && tickMs > 0;
  const tick = (): void => {
    timer = null;
    if (closed) return;
    onRefresh();
    arm();
  };
  const arm = (): void => {
    if (!ticking) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, tickMs);
    timer.unref?.();
  };

  return {
    mode: resolved,
    write(status: SolveStatus): void {
      if (closed) return;
      const st = reset ? reset.apply(status) : status;
      record(st);
      onUpdate(st);
      arm();
    },
    done(_err?: Error): Promise<void> {
      if (closed) return Promise.resolve();
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      onDone();
      return new Promise<void>((resolve) => {
        // resolves once everything queued so far has been handed to the stream
        if (resolved === "quiet" || !out.writable) resolve();
        else out.write("", () => resolve());
      });
    },
    warnings: () => [...allWarnings],
    logTail: (digest, opts = {}) => tails.get(digest, opts),
    vertex: (digest) => vertexes.get(digest),
  };
}
