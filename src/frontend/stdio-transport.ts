/**
 * The LLBBridge transport of the frontend image: gRPC over HTTP/2 with prior
 * knowledge on stdin/stdout, the frontend being the HTTP/2 client (buildkit
 * v0.32.2 frontend/gateway/grpcclient/client.go dials "localhost" over a
 * dialer returning stdio; the daemon serves it with x/net/http2's ServeConn).
 * One unary call per stream: the 5-byte framed request, the framed response,
 * and the status from the trailers (or the headers of a trailers-only answer).
 */

import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import { Duplex, type Readable, type Writable } from "node:stream";
import { decodeErrorDetails, type BuildkitErrorDetails } from "../gateway/errdefs.js";
import type { GatewayCallError, GatewayCallOptions, GatewayTransport } from "../gateway/transport.js";
import { encodeFrame, FrameDecoder } from "../internal/grpc/frame.js";
import { GrpcCode } from "../internal/grpc/status.js";

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

/**
 * A Duplex over a readable (stdin) and a write function (the real stdout's
 * write): what `http2.connect`'s `createConnection` returns. Ending it does
 * not end stdout.
 */
export class PipeDuplex extends Duplex {
  constructor(
    private readonly input: Readable,
    private readonly writeOut: (chunk: Buffer, cb: (err?: Error | null) => void) => unknown,
  ) {
    super();
    input.on("data", (c: Buffer) => {
      if (!this.push(c)) input.pause();
    });
    input.on("end", () => this.push(null));
    input.on("error", (e) => this.destroy(e));
  }

  override _read(): void {
    this.input.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.writeOut(chunk, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    cb();
  }
}

/** A Duplex over `input` and `output` (writing with `write`, default `output.write`). */
export function pipeDuplex(input: Readable, output: Writable, write: Writable["write"] = output.write.bind(output) as Writable["write"]): PipeDuplex {
  return new PipeDuplex(input, (chunk, cb) => write(chunk, (err) => cb(err ?? null)));
}

function grpcMessage(v: string | string[] | undefined): string {
  const s = Array.isArray(v) ? v[0] ?? "" : v ?? "";
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** LLBBridge calls over one HTTP/2 connection on a Duplex (stdio in the frontend image). */
export class Http2GatewayTransport implements GatewayTransport {
  readonly session: ClientHttp2Session;

  constructor(connection: Duplex) {
    // Windows large enough for 16 MiB messages (ReadFile of big files, big definitions) without stalls.
    this.session = connect("http://localhost", { createConnection: () => connection, maxSessionMemory: 64, settings: { initialWindowSize: 4 << 20 } });
    this.session.once("connect", () => this.session.setLocalWindowSize(32 << 20));
    // Errors surface through the calls; an unhandled 'error' event would crash the process.
    this.session.on("error", () => {});
  }

  unary(method: string, request: Uint8Array, options: GatewayCallOptions = {}): Promise<Uint8Array> {
    const name = method.slice(method.lastIndexOf("/") + 1);
    if (options.signal?.aborted) return Promise.reject(new StdioCallError(`${name}: canceled`, { grpcCode: GrpcCode.CANCELLED }));
    return new Promise<Uint8Array>((resolve, reject) => {
      let stream;
      try {
        stream = this.session.request({
          [constants.HTTP2_HEADER_METHOD]: "POST",
          [constants.HTTP2_HEADER_PATH]: method,
          [constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc",
          te: "trailers",
          ...(options.metadata ?? {}),
        });
      } catch (err) {
        reject(new StdioCallError(`${name}: ${(err as Error).message}`, { grpcCode: GrpcCode.UNAVAILABLE }));
        return;
      }
      const messages: Buffer[] = [];
      const decoder = new FrameDecoder();
      let status: IncomingHttpHeaders | undefined;
      let failure: StdioCallError | undefined;
      const onAbort = () => {
        failure = new StdioCallError(`${name}: canceled`, { grpcCode: GrpcCode.CANCELLED });
        stream.close(constants.NGHTTP2_CANCEL);
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      stream.on("response", (headers) => {
        const http = Number(headers[constants.HTTP2_HEADER_STATUS]);
        if (http !== 200) failure ??= new StdioCallError(`${name}: HTTP status ${http}`, { grpcCode: GrpcCode.UNKNOWN });
        if (headers["grpc-status"] !== undefined) status = headers;
      });
      stream.on("trailers", (trailers) => {
        status = trailers;
      });
      stream.on("data", (chunk: Buffer) => {
        try {
          decoder.push(chunk, (m) => messages.push(Buffer.from(m)));
          if (decoder.pendingBytes > MAX_MESSAGE_BYTES + 5) throw new Error(`response larger than ${MAX_MESSAGE_BYTES} bytes`);
        } catch (err) {
          failure ??= new StdioCallError(`${name}: ${(err as Error).message}`, { grpcCode: GrpcCode.INTERNAL });
          stream.close(constants.NGHTTP2_CANCEL);
        }
      });
      stream.on("error", (err) => {
        failure ??= new StdioCallError(`${name}: ${err.message}`, { grpcCode: GrpcCode.UNAVAILABLE });
      });
      stream.on("close", () => {
        options.signal?.removeEventListener("abort", onAbort);
        if (failure) return reject(failure);
        if (!status) return reject(new StdioCallError(`${name}: the connection closed without a gRPC status`, { grpcCode: GrpcCode.UNAVAILABLE }));
        const code = Number(status["grpc-status"]);
        if (code !== 0) {
          const bin = status["grpc-status-details-bin"];
          const details = typeof bin === "string" ? decodeErrorDetails(Buffer.from(bin, "base64")) : {};
          return reject(new StdioCallError(grpcMessage(status["grpc-message"]), { ...details, grpcCode: code }));
        }
        if (messages.length !== 1) return reject(new StdioCallError(`${name}: expected one response message, got ${messages.length}`, { grpcCode: GrpcCode.INTERNAL }));
        resolve(messages[0]!);
      });
      stream.end(encodeFrame(request));
    });
  }

  /** Closes the connection once the calls in flight are done. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.session.closed || this.session.destroyed) return resolve();
      this.session.close(() => resolve());
    });
  }
}
