/** gRPC status codes and an error that carries one (grpc/codes; no buildkit knowledge). */

/** gRPC status codes (google.golang.org/grpc/codes). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** A `grpc-message` as sent (percent-encoded), decoded; kept as it is when it is not valid percent-encoding. */
export function decodeGrpcMessage(v: string | undefined): string {
  const s = v ?? "";
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Thrown by a handler to answer with a specific gRPC status. */
export class GrpcStatusError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "GrpcStatusError";
  }
}

/** A call that ended with a status other than OK: the code, the server's message and its typed details. */
export class GrpcCallError extends Error {
  constructor(
    readonly code: number,
    /** The status message (`grpc-message`), or what went wrong on this side. */
    readonly details: string,
    /** `grpc-status-details-bin`: a google.rpc.Status with typed details, when the server sent one. */
    readonly statusDetails?: Buffer,
  ) {
    super(`${code} ${codeName(code)}: ${details}`);
    this.name = "GrpcCallError";
  }
}

function codeName(code: number): string {
  for (const [name, value] of Object.entries(GrpcCode)) if (value === code) return name;
  return "UNKNOWN";
}
