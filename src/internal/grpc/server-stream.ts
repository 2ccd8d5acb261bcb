/**
 * gRPC calls served on Node HTTP/2 server streams, framed by hand: request
 * metadata read from the raw header list (every field kept, so repeated
 * headers are never joined with ", " as grpc-js would), messages with the
 * 5-byte prefix (frame.ts), and the status in trailers. Node-only; no
 * buildkit knowledge, no generated protos.
 */

import type * as http2 from "node:http2";
import { CompressedFrameError, encodeFrame, FrameDecoder, frameHeader } from "./frame.js";
import { GrpcCode, GrpcStatusError } from "./status.js";

/** Request metadata: lower-case keys, every header field value kept separately. */
export type RequestMetadata = ReadonlyMap<string, readonly string[]>;

/** Metadata from the raw header list: every field kept, lower-case names, pseudo headers dropped. */
export function parseRawHeaders(raw: readonly string[]): RequestMetadata {
  const md = new Map<string, string[]>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    if (k.startsWith(":")) continue;
    const list = md.get(k);
    if (list) list.push(raw[i + 1]!);
    else md.set(k, [raw[i + 1]!]);
  }
  return md;
}

/** Answers a call with a status only (trailers-only response), unless headers were already sent. */
export function sendStatus(stream: http2.ServerHttp2Stream, code: number, message: string): void {
  if (stream.destroyed || stream.closed) return;
  if (!stream.headersSent) {
    stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": String(code), "grpc-message": encodeURIComponent(message) }, { endStream: true });
  }
}

/** Messages up to this size are framed into one buffer (one stream write). */
const COPY_MAX = 256 * 1024;
/** Pending messages are handed to the stream once they reach this size (else at the next tick). */
const FLUSH_BYTES = 32 * 1024;
/** Bytes a call may have queued on its HTTP/2 stream before write() waits for them to drain. */
const BUFFERED_MAX = 64 * 1024;

/** gRPC message framing over one HTTP/2 server stream (5-byte prefix, trailers with the status). */
export class GrpcServerStream {
  /** Received bytes not yet framed into messages. */
  private readonly decoder = new FrameDecoder();
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private failed: Error | undefined;
  private wake: (() => void) | undefined;
  private status: { code: number; message: string } | undefined;
  /** Framed messages not yet handed to the stream (see write). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushQueued = false;
  private readonly enqueue = (m: Buffer): void => {
    this.queue.push(m);
  };

  constructor(private readonly stream: http2.ServerHttp2Stream) {
    stream.on("data", (chunk: Buffer) => this.onData(chunk));
    stream.on("end", () => {
      this.ended = true;
      this.notify();
    });
    stream.on("close", () => {
      this.ended = true;
      this.notify();
    });
    stream.on("error", (err) => {
      this.failed = err;
      this.notify();
    });
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private onData(chunk: Buffer): void {
    try {
      this.decoder.push(chunk, this.enqueue);
    } catch (err) {
      if (!(err instanceof CompressedFrameError)) throw err;
      this.failed = new GrpcStatusError(GrpcCode.UNIMPLEMENTED, err.message);
    }
    // Backpressure: stop reading while the handler has plenty queued.
    if (this.queue.length > 64) this.stream.pause();
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const m = this.queue.shift();
      if (m) {
        if (this.queue.length < 16 && this.stream.isPaused()) this.stream.resume();
        yield m;
        continue;
      }
      if (this.failed) throw this.failed;
      if (this.ended) return;
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  /** Sends one message; resolves when it may be followed by another (backpressure). */
  async write(message: Uint8Array): Promise<void> {
    const s = this.stream;
    if (s.destroyed || s.closed) throw new GrpcStatusError(GrpcCode.CANCELLED, "stream closed");
    if (!s.headersSent) s.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    // Messages written in a burst (a listing is thousands of ~50-byte STATs)
    // reach the stream as one write: each write is a trip into nghttp2. Small
    // messages are framed into one buffer; big ones are not copied.
    if (message.length <= COPY_MAX) {
      this.pending.push(encodeFrame(message));
    } else {
      this.pending.push(frameHeader(message.length), Buffer.from(message.buffer, message.byteOffset, message.byteLength));
    }
    this.pendingBytes += 5 + message.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(() => this.flush());
    }
    // Wait only past our own mark, not the stream's 16 KiB one: waiting for each
    // 32 KiB file chunk to drain allowed one chunk per trip through the tunnel.
    if (s.writableLength + this.pendingBytes > BUFFERED_MAX) {
      this.flush();
      await new Promise<void>((resolve) => {
        const done = () => {
          s.off("drain", done);
          s.off("close", done);
          resolve();
        };
        s.on("drain", done);
        s.on("close", done);
      });
    }
  }

  /** Hands the pending messages to the stream, joined (one stream write). */
  private flush(): void {
    this.flushQueued = false;
    if (this.pending.length === 0) return;
    const chunks = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const s = this.stream;
    if (s.destroyed || s.closed) return;
    if (chunks.length === 1) {
      s.write(chunks[0]);
      return;
    }
    s.cork();
    for (const c of chunks) s.write(c);
    s.uncork();
  }

  /** Ends the call with a status (trailers, or trailers-only when nothing was sent). */
  finish(code: number, message: string): void {
    if (this.status) return;
    this.status = { code, message };
    this.flush();
    const s = this.stream;
    if (s.destroyed || s.closed) return;
    if (!s.headersSent) {
      sendStatus(s, code, message);
      return;
    }
    s.once("wantTrailers", () => {
      const trailers: http2.OutgoingHttpHeaders = { "grpc-status": String(code) };
      if (message) trailers["grpc-message"] = encodeURIComponent(message);
      s.sendTrailers(trailers);
    });
    s.end();
  }
}
