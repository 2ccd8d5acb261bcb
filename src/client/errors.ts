/**
 * gRPC errors from buildkitd, mapped once: the status code, the message, and
 * buildkit's typed details (`grpc-status-details-bin`: the failing vertex,
 * the user's source file and lines, the exit code; decoded by gateway/errdefs.ts).
 */

import { GrpcCallError } from "../internal/grpc/status.js";
import { ErrorCode, TsfError, type TsfErrorOptions } from "../errors.js";
import { decodeErrorDetails, type BuildkitErrorDetails } from "../gateway/errdefs.js";

export type { BuildkitErrorDetails, ErrorSource } from "../gateway/errdefs.js";

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

/** Maps a failed call ({@link GrpcCallError}) to a {@link BuildkitError} with the daemon's message and details. */
export function mapGrpcError(err: GrpcCallError | Error, method: string, address: string): BuildkitError {
  const ge = err instanceof GrpcCallError ? err : undefined;
  const code = ge?.code ?? 2;
  const details = decodeErrorDetails(ge?.statusDetails);
  details.grpcCode = code;
  const reason = grpcCodeNames[code] ?? "UNKNOWN";
  let message = ge ? ge.details || ge.message : err.message || String(err);
  if (code === 14) {
    message = `cannot reach buildkitd at ${address}: ${message}`;
  } else if (code === 12) {
    message = `buildkitd at ${address} does not implement ${method}: ${message}`;
  }
  return new BuildkitError(reason, message, { cause: err, details });
}

/**
 * The error for a request over the gRPC message limit (buildkitd and this
 * client both use 16 MiB), naming the size, the limit and what to do; `what`
 * names the request, e.g. "the build definition".
 */
export function messageTooLarge(what: string, size: number, limit: number): BuildkitError {
  const mib = (n: number, digits = 1) => `${(n / (1 << 20)).toFixed(digits)} MiB`;
  // Just over the limit: enough digits that the two numbers differ.
  const sized = mib(size) === mib(limit) ? mib(size, 3) : mib(size);
  return new BuildkitError(
    "RESOURCE_EXHAUSTED",
    `${what} is ${sized} (${size} bytes), over the ${mib(limit)} gRPC message limit of buildkitd: ` +
      `do not inline big files in the graph (mkfile); read them from a local directory (local("NAME") with --local NAME=DIR) or an image instead`,
    { details: { grpcCode: 8 } },
  );
}
