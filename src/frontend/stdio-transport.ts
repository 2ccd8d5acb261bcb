/**
 * The LLBBridge transport of the frontend image: gRPC over HTTP/2 with prior
 * knowledge on stdin/stdout, the frontend being the HTTP/2 client (buildkit
 * v0.32.2 frontend/gateway/grpcclient/client.go dials "localhost" over a
 * dialer returning stdio; the daemon serves it with x/net/http2's ServeConn).
 * One unary call per stream: the 5-byte framed request, the framed response,
 * and the status from the trailers (or the headers of a trailers-only answer).
 * HTTP/2 is our own small client (internal/http2), not node:http2: loading
 * that took about a tenth of the frontend's start.
 */

import type { Readable, Writable } from "node:stream";
import { decodeErrorDetails, type BuildkitErrorDetails } from "../gateway/errdefs.js";
import type { GatewayCallError, GatewayCallOptions, GatewayTransport } from "../gateway/transport.js";
import { encodeFrame, FrameDecoder } from "../internal/grpc/frame.js";
import { Http2ClientSession, Http2StreamError } from "../internal/http2/client.js";
import { decodeGrpcMessage, GrpcCode } from "../internal/grpc/status.js";

/** Largest message accepted, as both sides of buildkit's gateway configure it (16 MiB). */
export const MAX_MESSAGE_BYTES = 16 << 20;

/** A failed call: the gRPC code and buildkit's details (vertex, source locations...) from `grpc-status-details-bin`. */
export class StdioCallError extends Error implements GatewayCallError {
  constructor(
    message: string,
    readonly details: BuildkitErrorDetails & { grpcCode: number },
  ) {
    super(message);
    this.name = "StdioCallError";
  }
}

/** The byte pipe of the connection: what the daemon sends, and how to write to it (the real stdout's write). */
export interface StdioPipe {
  input: Readable;
  write: (chunk: Buffer) => void;
}

/** A pipe over `input` and `output` (writing with `write`, default `output.write`). */
export function stdioPipe(input: Readable, output: Writable, write: Writable["write"] = output.write.bind(output) as Writable["write"]): StdioPipe {
  return { input, write: (chunk) => void write(chunk) };
}

/** LLBBridge calls over one HTTP/2 connection on a byte pipe (stdio in the frontend image). */
export class Http2GatewayTransport implements GatewayTransport {
  readonly session: Http2ClientSession;

  constructor(pipe: StdioPipe) {
    // Windows large enough for 16 MiB messages (ReadFile of big files, big definitions) without stalls.
    this.session = new Http2ClientSession(pipe.input, pipe.write, { streamWindow: 4 << 20, connectionWindow: 32 << 20 });
  }

  async unary(method: string, request: Uint8Array, options: GatewayCallOptions = {}): Promise<Uint8Array> {
    const name = method.slice(method.lastIndexOf("/") + 1);
    const headers: [string, string][] = [
      [":method", "POST"],
      [":scheme", "http"],
      [":path", method],
      [":authority", "localhost"],
      ["content-type", "application/grpc"],
      ["te", "trailers"],
    ];
    for (const [k, v] of Object.entries(options.metadata ?? {})) headers.push([k.toLowerCase(), String(v)]);
    let res;
    try {
      res = await this.session.request(headers, encodeFrame(request), options.signal);
    } catch (err) {
      if (err instanceof Http2StreamError && err.canceled) throw new StdioCallError(`${name}: canceled`, { grpcCode: GrpcCode.CANCELLED });
      throw new StdioCallError(`${name}: ${(err as Error).message}`, { grpcCode: GrpcCode.UNAVAILABLE });
    }
    const http = Number(res.headers.get(":status"));
    if (http !== 200) throw new StdioCallError(`${name}: HTTP status ${http}`, { grpcCode: GrpcCode.UNKNOWN });
    const status = res.trailers ?? (res.headers.has("grpc-status") ? res.headers : undefined);
    if (!status || !status.has("grpc-status")) throw new StdioCallError(`${name}: the connection closed without a gRPC status`, { grpcCode: GrpcCode.UNAVAILABLE });
    const code = Number(status.get("grpc-status"));
    if (code !== 0) {
      const bin = status.get("grpc-status-details-bin");
      const details = bin !== undefined ? decodeErrorDetails(Buffer.from(bin, "base64")) : {};
      throw new StdioCallError(decodeGrpcMessage(status.get("grpc-message")), { ...details, grpcCode: code });
    }
    const messages: Buffer[] = [];
    const decoder = new FrameDecoder();
    try {
      for (const chunk of res.body) {
        decoder.push(chunk, (m) => messages.push(Buffer.from(m)));
        if (decoder.pendingBytes > MAX_MESSAGE_BYTES + 5) throw new Error(`response larger than ${MAX_MESSAGE_BYTES} bytes`);
      }
    } catch (err) {
      throw new StdioCallError(`${name}: ${(err as Error).message}`, { grpcCode: GrpcCode.INTERNAL });
    }
    if (messages.length !== 1) throw new StdioCallError(`${name}: expected one response message, got ${messages.length}`, { grpcCode: GrpcCode.INTERNAL });
    return messages[0]!;
  }

  /** Closes the connection once the calls in flight are done. */
  close(): Promise<void> {
    return this.session.close();
  }
}
