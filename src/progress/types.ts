// Plain TypeScript mirror of github.com/moby/buildkit/client SolveStatus
// (client/graph.go, client/solve.go) and the converter from the decoded
// moby.buildkit.v1.StatusResponse (client/status.go NewSolveStatus).

import type { moby, pb, Long } from "../proto/index.js";

export interface ProgressGroup {
  id: string;
  name: string;
  weak: boolean;
}

export interface Vertex {
  digest: string;
  inputs: string[];
  name: string;
  started?: Date;
  completed?: Date;
  cached: boolean;
  error: string;
  progressGroup?: ProgressGroup;
}

export interface VertexStatus {
  id: string;
  vertex: string;
  name: string;
  total: number;
  current: number;
  timestamp: Date;
  started?: Date;
  completed?: Date;
}

export interface VertexLog {
  vertex: string;
  /** 1 = stdout, 2 = stderr */
  stream: number;
  data: Uint8Array;
  timestamp: Date;
}

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start?: Position;
  end?: Position;
}

export interface SourceInfo {
  filename: string;
  data: Uint8Array;
  /** pb.Definition as decoded by protobufjs (kept for rawjson output). */
  definition?: pb.Definition.$Properties;
  language: string;
}

export interface VertexWarning {
  vertex: string;
  level: number;
  short: Uint8Array;
  detail: Uint8Array[];
  url: string;
  sourceInfo?: SourceInfo;
  range?: Range[];
}

/** One progress update (client.SolveStatus). All lists may be omitted. */
export interface SolveStatus {
  vertexes?: Vertex[];
  statuses?: VertexStatus[];
  logs?: VertexLog[];
  warnings?: VertexWarning[];
}

// ---------------------------------------------------------------------------
// Nanosecond timestamps. A JS Date only holds milliseconds; BuildKit sends
// nanoseconds, which Go's printer uses for durations and rawjson prints
// (RFC3339Nano). Dates made by this module carry the sub-second nanoseconds
// in a hidden property; plain Dates work too (millisecond precision).

const NANOS: unique symbol = Symbol.for("tsfrontend.progress.nanos") as never;
type NanoDate = Date & { [NANOS]?: number };

/** A Date for google.protobuf.Timestamp {seconds, nanos}, keeping the nanoseconds. */
export function dateFromTimestamp(seconds: number, nanos: number): Date {
  const d = new Date(seconds * 1000 + Math.floor(nanos / 1e6)) as NanoDate;
  Object.defineProperty(d, NANOS, { value: nanos, enumerable: false });
  return d;
}

/** Nanoseconds since the Unix epoch. */
export function epochNanos(d: Date): bigint {
  const ms = d.getTime();
  const secs = Math.floor(ms / 1000);
  const msPart = ms - secs * 1000;
  const nanos = (d as NanoDate)[NANOS];
  if (nanos !== undefined && Math.floor(nanos / 1e6) === msPart) {
    return BigInt(secs) * 1_000_000_000n + BigInt(nanos);
  }
  return BigInt(secs) * 1_000_000_000n + BigInt(msPart) * 1_000_000n;
}

/** A Date (with nanoseconds) from nanoseconds since the epoch. */
export function dateFromEpochNanos(ns: bigint): Date {
  let secs = ns / 1_000_000_000n;
  let nanos = ns % 1_000_000_000n;
  if (nanos < 0n) {
    nanos += 1_000_000_000n;
    secs -= 1n;
  }
  return dateFromTimestamp(Number(secs), Number(nanos));
}

/** Go's time.Time.Format(time.RFC3339Nano) for a UTC time. */
export function formatRFC3339Nano(d: Date): string {
  const ns = epochNanos(d);
  let secs = ns / 1_000_000_000n;
  let nanos = ns % 1_000_000_000n;
  if (nanos < 0n) {
    nanos += 1_000_000_000n;
    secs -= 1n;
  }
  const base = new Date(Number(secs) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  let frac = "";
  if (nanos !== 0n) {
    frac = "." + nanos.toString().padStart(9, "0").replace(/0+$/, "");
  }
  return base.slice(0, 19) + frac + "Z";
}

// ---------------------------------------------------------------------------
// StatusResponse -> SolveStatus

type Int64 = number | Long | string | null | undefined;
type PbTimestamp = { seconds?: Int64; nanos?: number | null } | null | undefined;

function num(v: Int64): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === "number") return v;
  if (typeof v === "string") return Number(v);
  return v.toNumber();
}

function ts(t: PbTimestamp): Date | undefined {
  if (t === null || t === undefined) return undefined;
  return dateFromTimestamp(num(t.seconds), t.nanos ?? 0);
}

const EMPTY = new Uint8Array(0);

function convRange(r: pb.Range.$Properties): Range {
  const out: Range = {};
  if (r.start) out.start = { line: r.start.line ?? 0, character: r.start.character ?? 0 };
  if (r.end) out.end = { line: r.end.line ?? 0, character: r.end.character ?? 0 };
  return out;
}

/** client.NewSolveStatus: converts a protobufjs-decoded moby.buildkit.v1.StatusResponse. */
export function fromStatusResponse(msg: moby.buildkit.v1.StatusResponse.$Properties): SolveStatus {
  const s: SolveStatus = {};
  if (msg.vertexes && msg.vertexes.length > 0) {
    s.vertexes = msg.vertexes.map((v) => {
      const out: Vertex = {
        digest: v.digest ?? "",
        inputs: [...(v.inputs ?? [])],
        name: v.name ?? "",
        cached: v.cached ?? false,
        error: v.error ?? "",
      };
      const started = ts(v.started);
      if (started) out.started = started;
      const completed = ts(v.completed);
      if (completed) out.completed = completed;
      if (v.progressGroup) {
        out.progressGroup = {
          id: v.progressGroup.id ?? "",
          name: v.progressGroup.name ?? "",
          weak: v.progressGroup.weak ?? false,
        };
      }
      return out;
    });
  }
  if (msg.statuses && msg.statuses.length > 0) {
    s.statuses = msg.statuses.map((v) => {
      const out: VertexStatus = {
        id: v.ID ?? "",
        vertex: v.vertex ?? "",
        name: v.name ?? "",
        total: num(v.total),
        current: num(v.current),
        timestamp: ts(v.timestamp) ?? dateFromTimestamp(0, 0),
      };
      const started = ts(v.started);
      if (started) out.started = started;
      const completed = ts(v.completed);
      if (completed) out.completed = completed;
      return out;
    });
  }
  if (msg.logs && msg.logs.length > 0) {
    s.logs = msg.logs.map((v) => ({
      vertex: v.vertex ?? "",
      stream: num(v.stream),
      data: v.msg ?? EMPTY,
      timestamp: ts(v.timestamp) ?? dateFromTimestamp(0, 0),
    }));
  }
  if (msg.warnings && msg.warnings.length > 0) {
    s.warnings = msg.warnings.map((v) => {
      const out: VertexWarning = {
        vertex: v.vertex ?? "",
        level: num(v.level),
        short: v.short ?? EMPTY,
        detail: [...(v.detail ?? [])],
        url: v.url ?? "",
      };
      if (v.info) {
        const si: SourceInfo = {
          filename: v.info.filename ?? "",
          data: v.info.data ?? EMPTY,
          language: v.info.language ?? "",
        };
        if (v.info.definition) si.definition = v.info.definition;
        out.sourceInfo = si;
      }
      if (v.ranges && v.ranges.length > 0) out.range = v.ranges.map(convRange);
      return out;
    });
  }
  return s;
}
