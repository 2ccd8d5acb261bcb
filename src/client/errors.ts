/**
 * gRPC errors from buildkitd, mapped once: the status code, the message, and
 * buildkit's typed details (`grpc-status-details-bin`: the failing vertex,
 * the user's source file and lines, the exit code).
 */

import type { ServiceError } from "@grpc/grpc-js";
import { ErrorCode, TsfError, type TsfErrorOptions } from "../errors.js";
import { google } from "../proto/index.js";

/** A place in a user file, from buildkit's `errdefs.Source` detail. */
export interface ErrorSource {
  filename: string;
  language?: string;
  /** The whole file as the build sent it. */
  data?: Uint8Array;
  /** 1-based line ranges. */
  ranges: { start: number; end: number }[];
}

export interface BuildkitErrorDetails {
  grpcCode?: number;
  /** Digest of the failing vertex (`errdefs.Vertex`). */
  vertex?: string;
  sources?: ErrorSource[];
  /** Exit code of a failed process (`errdefs.ExitError`), if any. */
  exitCode?: number;
}

/** An error from (or while talking to) buildkitd. `reason` is a short machine-readable word. */
export class BuildkitError extends TsfError {
  readonly reason: string;
  readonly details: BuildkitErrorDetails;

  constructor(reason: string, message: string, options: TsfErrorOptions & { details?: BuildkitErrorDetails } = {}) {
    super(reason === "CANCELED" ? ErrorCode.Canceled : options.details?.vertex ? ErrorCode.Build : ErrorCode.Daemon, message, options);
    this.reason = reason;
    this.details = options.details ?? {};
  }
}

const grpcCodeNames: Record<number, string> = {
  1: "CANCELED",
  2: "UNKNOWN",
  3: "INVALID_ARGUMENT",
  4: "DEADLINE_EXCEEDED",
  5: "NOT_FOUND",
  6: "ALREADY_EXISTS",
  7: "PERMISSION_DENIED",
  8: "RESOURCE_EXHAUSTED",
  9: "FAILED_PRECONDITION",
  10: "ABORTED",
  12: "UNIMPLEMENTED",
  13: "INTERNAL",
  14: "UNAVAILABLE",
  16: "UNAUTHENTICATED",
};

interface SourceJson {
  info?: { filename?: string; data?: string; language?: string };
  ranges?: { start?: { line?: number }; end?: { line?: number } }[];
}

/** Decodes buildkit's error details from the status-details trailer. */
export function decodeErrorDetails(bin: Buffer | undefined): BuildkitErrorDetails {
  const out: BuildkitErrorDetails = {};
  if (!bin) return out;
  let status: google.rpc.Status;
  try {
    status = google.rpc.Status.decode(bin);
  } catch {
    return out;
  }
  for (const any of status.details) {
    const type = any.type_url ?? "";
    const raw = Buffer.from(any.value ?? new Uint8Array()).toString("utf8");
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      continue;
    }
    if (type.endsWith("errdefs.Vertex+json")) {
      const d = (v as { digest?: string }).digest;
      if (d) out.vertex = d;
    } else if (type.endsWith("errdefs.Source+json")) {
      const s = v as SourceJson;
      const src: ErrorSource = {
        filename: s.info?.filename ?? "",
        ranges: (s.ranges ?? []).map((r) => ({ start: r.start?.line ?? 0, end: r.end?.line ?? r.start?.line ?? 0 })),
      };
      if (s.info?.language) src.language = s.info.language;
      if (s.info?.data) src.data = Buffer.from(s.info.data, "base64");
      (out.sources ??= []).push(src);
    } else if (type.endsWith("errdefs.ExitError+json") || type.endsWith("errdefs.ExitError")) {
      const code = (v as { exitCode?: number; ExitCode?: number }).exitCode ?? (v as { ExitCode?: number }).ExitCode;
      if (typeof code === "number") out.exitCode = code;
    }
  }
  return out;
}

/** Maps a grpc-js error to a {@link BuildkitError} with the daemon's message and details. */
export function mapGrpcError(err: ServiceError | Error, method: string, address: string): BuildkitError {
  const se = err as ServiceError;
  const code = typeof se.code === "number" ? se.code : 2;
  const bin = se.metadata?.get("grpc-status-details-bin")?.[0];
  const details = decodeErrorDetails(Buffer.isBuffer(bin) ? bin : undefined);
  details.grpcCode = code;
  const reason = grpcCodeNames[code] ?? "UNKNOWN";
  let message = se.details || se.message || String(err);
  if (code === 14) {
    message = `cannot reach buildkitd at ${address}: ${message}`;
  } else if (code === 12) {
    message = `buildkitd at ${address} does not implement ${method}: ${message}`;
  }
  return new BuildkitError(reason, message, { cause: err, details });
}
