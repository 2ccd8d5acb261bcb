/**
 * What a session service is: the daemon calls services the client hosts
 * inside the session tunnel (FileSync, FileSend, Auth, Secrets, SSH, Health).
 * Handlers see raw protobuf bytes, exact request metadata (one entry per
 * header field, never comma-joined) and an abort signal that fires when the
 * call or the session ends.
 */

/** Request metadata: lower-case keys, every header field value kept separately. */
export type CallMetadata = ReadonlyMap<string, readonly string[]>;

export interface CallContext {
  /** Full method path, e.g. `/moby.filesync.v1.FileSync/DiffCopy`. */
  readonly method: string;
  readonly metadata: CallMetadata;
  /** Fires when the daemon cancels the call or the session closes. */
  readonly signal: AbortSignal;
}

/** A bidirectional stream of raw messages. */
export interface MessageStream {
  /** Incoming messages, in order; ends when the peer half-closes. */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array>;
  /** Sends one message; resolves when it may be followed by another (backpressure). */
  write(message: Uint8Array): Promise<void>;
}

export type UnaryHandler = (request: Uint8Array, ctx: CallContext) => Promise<Uint8Array>;
export type StreamHandler = (stream: MessageStream, ctx: CallContext) => Promise<void>;

export type MethodHandler = { kind: "unary"; handler: UnaryHandler } | { kind: "stream"; handler: StreamHandler };

/** A gRPC service hosted in the session, e.g. `moby.filesync.v1.FileSync`. */
export interface SessionService {
  /** Fully qualified service name. */
  readonly name: string;
  readonly methods: Readonly<Record<string, MethodHandler>>;
}

/** gRPC status codes the session services answer with, and the error a handler throws to answer with one. */
export { GrpcCode, GrpcStatusError } from "../../internal/grpc/status.js";

/** Reads one metadata value (the first), or undefined. */
export function metadataValue(md: CallMetadata, key: string): string | undefined {
  return md.get(key.toLowerCase())?.[0];
}
