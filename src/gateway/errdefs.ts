/**
 * buildkit's typed error details in a `google.rpc.Status`, as Go's
 * `util/grpcerrors` (buildkit v0.32.2) carries them: each detail is an `Any`
 * whose type URL is the one registered with containerd's typeurl
 * (`github.com/moby/buildkit/errdefs.Source+json`, `errdefs.Vertex+json`,
 * `gatewayapi.ExitMessage+json`) and whose value is Go's `encoding/json` of
 * the proto struct (field names from the json tags, zero values omitted,
 * bytes as base64), not protobuf. Decoding reads what the daemon sends in
 * `grpc-status-details-bin`; encoding builds the Status a frontend sends in
 * `ReturnRequest.error`, so the client prints the user's file:line.
 */

import { goJSONString } from "../internal/go/json.js";
import { google } from "../proto/index.js";

/** Type URLs of the details we read and write (`typeurl.Register` in solver/errdefs, frontend/gateway/pb). */
export const ErrorDetailType = {
  source: "github.com/moby/buildkit/errdefs.Source+json",
  vertex: "github.com/moby/buildkit/errdefs.Vertex+json",
  exit: "github.com/moby/buildkit/gatewayapi.ExitMessage+json",
  subrequest: "github.com/moby/buildkit/errdefs.Subrequest+json",
  frontendCap: "github.com/moby/buildkit/errdefs.FrontendCap+json",
} as const;

/** A range of lines in a user file (`pb.Range`); lines are 1-based. */
export interface ErrorSourceRange {
  start: number;
  end: number;
  /** `Position.character` of the start and end, when set. */
  startCharacter?: number;
  endCharacter?: number;
}

/** A place in a user file, from buildkit's `errdefs.Source` detail. */
export interface ErrorSource {
  filename: string;
  language?: string;
  /** The whole file as the build sent it. */
  data?: Uint8Array;
  /** `SourceInfo.definition` as Go's JSON of a `pb.Definition`, passed through unchanged. */
  definition?: unknown;
  /** 1-based line ranges. */
  ranges: ErrorSourceRange[];
}

/** A detail this module does not interpret, kept to be sent on unchanged. */
export interface RawErrorDetail {
  typeUrl: string;
  value: Uint8Array;
}

export interface BuildkitErrorDetails {
  grpcCode?: number;
  /** Digest of the failing vertex (`errdefs.Vertex`). */
  vertex?: string;
  sources?: ErrorSource[];
  /** Exit code of a failed process (`gatewayapi.ExitMessage`), if any. */
  exitCode?: number;
  /** Other details (stack traces, errdefs.Solve, ...), in the order received. */
  other?: RawErrorDetail[];
}

interface PositionJson {
  line?: number;
  character?: number;
}

interface SourceJson {
  info?: { filename?: string; data?: string; definition?: unknown; language?: string };
  ranges?: { start?: PositionJson; end?: PositionJson }[];
}

function sourceFromJson(s: SourceJson): ErrorSource {
  const src: ErrorSource = {
    filename: s.info?.filename ?? "",
    ranges: (s.ranges ?? []).map((r) => {
      const out: ErrorSourceRange = { start: r.start?.line ?? 0, end: r.end?.line ?? r.start?.line ?? 0 };
      if (r.start?.character) out.startCharacter = r.start.character;
      if (r.end?.character) out.endCharacter = r.end.character;
      return out;
    }),
  };
  if (s.info?.language) src.language = s.info.language;
  if (s.info?.data) src.data = Buffer.from(s.info.data, "base64");
  if (s.info?.definition !== undefined) src.definition = s.info.definition;
  return src;
}

/** Decodes buildkit's details from a `google.rpc.Status` (the status-details trailer, or `ReturnRequest.error`). */
export function decodeStatusDetails(details: readonly google.protobuf.Any.$Properties[]): BuildkitErrorDetails {
  const out: BuildkitErrorDetails = {};
  for (const any of details) {
    const type = any.type_url ?? "";
    const value = any.value ?? new Uint8Array();
    const known = type.endsWith("errdefs.Vertex+json") || type.endsWith("errdefs.Source+json") || type.endsWith("ExitMessage+json") || type.endsWith("errdefs.ExitError+json") || type.endsWith("errdefs.ExitError");
    let v: unknown;
    if (known) {
      try {
        v = JSON.parse(Buffer.from(value).toString("utf8"));
      } catch {
        v = undefined;
      }
    }
    if (v === undefined || v === null || typeof v !== "object") {
      (out.other ??= []).push({ typeUrl: type, value: Uint8Array.from(value) });
      continue;
    }
    if (type.endsWith("errdefs.Vertex+json")) {
      const d = (v as { digest?: string }).digest;
      if (d) out.vertex = d;
    } else if (type.endsWith("errdefs.Source+json")) {
      (out.sources ??= []).push(sourceFromJson(v as SourceJson));
    } else if (type.endsWith("ExitMessage+json")) {
      const code = (v as { Code?: number }).Code;
      out.exitCode = typeof code === "number" ? code : 0;
    } else {
      const code = (v as { exitCode?: number; ExitCode?: number }).exitCode ?? (v as { ExitCode?: number }).ExitCode;
      if (typeof code === "number") out.exitCode = code;
    }
  }
  return out;
}

/** Decodes buildkit's error details from the bytes of a `google.rpc.Status` (`grpc-status-details-bin`). */
export function decodeErrorDetails(bin: Uint8Array | undefined): BuildkitErrorDetails {
  if (!bin) return {};
  let status: google.rpc.Status;
  try {
    status = google.rpc.Status.decode(bin);
  } catch {
    return {};
  }
  return decodeStatusDetails(status.details);
}

/** Go's `encoding/json` of a decoded JSON value, keys in the order given (Go's own output is already sorted). */
function goJSONValue(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return goJSONString(v);
  if (typeof v === "number" || typeof v === "boolean") return JSON.stringify(v);
  if (Array.isArray(v)) return "[" + v.map(goJSONValue).join(",") + "]";
  return "{" + Object.entries(v as Record<string, unknown>).map(([k, x]) => goJSONString(k) + ":" + goJSONValue(x)).join(",") + "}";
}

/** Go's `json.Marshal(*pb.Position)`: zero fields omitted, `{}` when both are zero. */
function positionJson(line: number, character: number | undefined): string {
  const parts: string[] = [];
  if (line) parts.push(`"line":${line}`);
  if (character) parts.push(`"character":${character}`);
  return "{" + parts.join(",") + "}";
}

/** Go's `json.Marshal(*errdefs.Source)`. */
function sourceJson(s: ErrorSource): string {
  const info: string[] = [];
  if (s.filename) info.push(`"filename":${goJSONString(s.filename)}`);
  if (s.data && s.data.length > 0) info.push(`"data":"${Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength).toString("base64")}"`);
  if (s.definition !== undefined) info.push(`"definition":${goJSONValue(s.definition)}`);
  if (s.language) info.push(`"language":${goJSONString(s.language)}`);
  const fields = [`"info":{${info.join(",")}}`];
  if (s.ranges.length > 0) {
    fields.push(`"ranges":[${s.ranges.map((r) => `{"start":${positionJson(r.start, r.startCharacter)},"end":${positionJson(r.end, r.endCharacter)}}`).join(",")}]`);
  }
  return "{" + fields.join(",") + "}";
}

const utf8 = new TextEncoder();

/**
 * The `Any` details for buildkit's typed details, in the order Go's
 * `grpcerrors.ToGRPC` would list them for an error wrapped in the same order
 * as the daemon's: details not interpreted here first (stacks), then sources,
 * the vertex and the exit code.
 */
export function encodeErrorDetails(details: BuildkitErrorDetails): google.protobuf.Any.$Properties[] {
  const out: google.protobuf.Any.$Properties[] = [];
  for (const d of details.other ?? []) out.push({ type_url: d.typeUrl, value: d.value });
  for (const s of details.sources ?? []) out.push({ type_url: ErrorDetailType.source, value: utf8.encode(sourceJson(s)) });
  if (details.vertex) out.push({ type_url: ErrorDetailType.vertex, value: utf8.encode(`{"digest":${goJSONString(details.vertex)}}`) });
  if (details.exitCode !== undefined) out.push({ type_url: ErrorDetailType.exit, value: utf8.encode(details.exitCode ? `{"Code":${details.exitCode}}` : "{}") });
  return out;
}

/** The details an error carries (`err.details`, as client errors and {@link withErrorDetails} set them). */
export function errorDetailsOf(err: unknown): BuildkitErrorDetails {
  const d = err && typeof err === "object" ? (err as { details?: unknown }).details : undefined;
  return d && typeof d === "object" ? (d as BuildkitErrorDetails) : {};
}

/** An error carrying buildkit details, to be encoded with {@link encodeErrorStatus}. */
export class DetailedError extends Error {
  constructor(
    message: string,
    readonly details: BuildkitErrorDetails,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DetailedError";
  }
}

/** `err` with more details (e.g. the program's file and line), keeping its message; details it has win. */
export function withErrorDetails(err: Error, extra: BuildkitErrorDetails): DetailedError {
  const own = errorDetailsOf(err);
  const merged: BuildkitErrorDetails = { ...extra, ...own };
  if (extra.sources && !own.sources) merged.sources = extra.sources;
  return new DetailedError(err.message, merged, { cause: err });
}

/**
 * The `google.rpc.Status` for an error (`ReturnRequest.error`): the code the
 * error carries (`details.grpcCode`, else Unknown, as Go's `grpcerrors.Code`),
 * its message, and its buildkit details (sources with file data, vertex, exit code).
 */
export function encodeErrorStatus(err: Error): google.rpc.Status.$Properties {
  const details = errorDetailsOf(err);
  const code = details.grpcCode && details.grpcCode !== 0 ? details.grpcCode : 2;
  return { code, message: err.message, details: encodeErrorDetails(details) };
}

/** A range of a source excerpt (pb.Range with optional positions; 1-based lines). */
export interface SourceRange {
  start?: { line?: number; character?: number };
  end?: { line?: number; character?: number };
}

/** A source excerpt: the whole file (data or lines) plus the ranges to mark (1-based lines). */
export interface SourceRef {
  filename: string;
  /** The whole file (pb.SourceInfo.data). */
  data?: Uint8Array | string;
  /** The whole file split on "\n" (alternative to data). */
  lines?: string[];
  ranges: readonly SourceRange[];
}

function rangeEnd(r: SourceRange): number {
  return Math.max(r.end?.line ?? 0, r.start?.line ?? 0);
}

/** errdefs.Source.Print: "Dockerfile:12", a dashed rule, numbered lines with ">>>" on the range. Empty if nothing to show. */
export function formatSource(src: SourceRef): string {
  let lines: string[];
  if (src.lines) lines = src.lines;
  else if (src.data !== undefined) {
    const text = typeof src.data === "string" ? src.data : Buffer.from(src.data).toString();
    lines = text.split("\n");
  } else return "";
  if (src.ranges.length === 0) return "";
  let start = 0;
  let end = 0;
  let first = true;
  for (const r of src.ranges) {
    const s = r.start?.line ?? 0;
    const e = rangeEnd(r);
    if (first || s < start) start = s;
    if (e > end) end = e;
    first = false;
  }
  if (start > lines.length || start < 1) return "";
  if (end > lines.length) end = lines.length;

  const pad = end === start ? 4 : 2;
  let p = 0;
  const prepadStart = start;
  while (p < pad) {
    if (start > 1) {
      start--;
      p++;
    }
    if (end !== lines.length) {
      end++;
      p++;
    }
    p++;
  }
  const contains = (l: number): boolean => src.ranges.some((r) => (r.start?.line ?? 0) <= l && rangeEnd(r) >= l);
  let out = `${src.filename}:${prepadStart}\n--------------------\n`;
  for (let i = start; i <= end; i++) {
    const pfx = contains(i) ? ">>>" : "   ";
    out += ` ${String(i).padStart(3, " ")} | ${pfx} ${lines[i - 1]}\n`;
  }
  out += "--------------------\n";
  return out;
}
