/**
 * A gRPC client channel over node:http2: unary calls and message streams
 * (server, client and bidirectional) on one HTTP/2 connection, opened on the
 * first call and again after it closed (a restarted daemon), as a grpc-go
 * ClientConn does. Written instead of using grpc-js because a command's start
 * is on every build's critical path: grpc-js's modules and its channel
 * machinery (resolvers, load balancers, filters) were about a sixth of a short
 * command (`debug workers` 117-122 ms with it, 98-109 without), and a build
 * needs none of it: one address, no compression, no retries, no service config.
 *
 * What it does: deadlines (`grpc-timeout` and a local timer), cancellation,
 * metadata (repeated keys sent as repeated header fields), statuses from
 * trailers or a trailers-only answer, `grpc-status-details-bin`, the message
 * size limit both ways, flow-control windows, keepalive pings, and one error
 * type with the status code. How the bytes get there (unix socket, TCP, TLS,
 * a helper's socket) is the caller's `dial`. No buildkit knowledge.
 */

import * as http2 from "node:http2";
import { Duplex } from "node:stream";
import { CompressedFrameError, encodeFrame, FRAME_HEADER_LENGTH, FrameDecoder } from "./frame.js";
import { decodeGrpcMessage, GrpcCallError, GrpcCode } from "./status.js";

export { GrpcCallError };

/** Request metadata: a repeated key is sent as that many header fields, in order. */
export type GrpcMetadata = Record<string, string | readonly string[]>;

export interface GrpcCallOptions {
  metadata?: GrpcMetadata;
  /** When the call must be over (ms since the epoch, as Date.now()). */
  deadline?: number;
  /** Cancels the call (status CANCELLED). */
  signal?: AbortSignal;
}

export interface GrpcChannelOptions {
  /** Opens the byte stream to the server (connected or connecting): a unix or TCP socket, TLS (with ALPN h2), a helper process's stdio... */
  dial: () => Duplex;
  /** `:authority` of every request, e.g. "localhost" or "host:port". */
  authority: string;
  /** `:scheme`: "https" over TLS. */
  scheme?: "http" | "https";
  /** Largest message sent or received. Default 4 MiB, as gRPC's. */
  maxMessageBytes?: number;
  /** Receive window of each stream and of the connection. Default: HTTP/2's 64 KiB. */
  windowBytes?: number;
  /** Ping the server this often while calls are open (the server's keepalive policy sets the floor). */
  keepaliveMs?: number;
  /** `user-agent` of every request. */
  userAgent?: string;
}

interface Status {
  code: number;
  details: string;
  statusDetails?: Buffer;
}

/** One HTTP/2 connection's worth of state: the session, and why it failed if it did. */
interface Connection {
  session: http2.ClientHttp2Session;
  connected: boolean;
  /** The socket closed: every call still open lost its connection. */
  lost: boolean;
  error?: Error;
  calls: number;
  keepalive?: NodeJS.Timeout;
}

/** HTTP status to gRPC code for answers without grpc-status (the gRPC over HTTP/2 spec's table). */
function httpStatusCode(status: number): number {
  switch (status) {
    case 400:
      return GrpcCode.INTERNAL;
    case 401:
      return GrpcCode.UNAUTHENTICATED;
    case 403:
      return GrpcCode.PERMISSION_DENIED;
    case 404:
      return GrpcCode.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcCode.UNAVAILABLE;
    default:
      return GrpcCode.UNKNOWN;
  }
}

/** `grpc-timeout`: at most 8 digits, in the finest unit that fits. */
export function grpcTimeout(ms: number): string {
  const n = Math.max(1, Math.ceil(ms));
  if (n < 1e8) return `${n}m`;
  const s = Math.ceil(n / 1000);
  if (s < 1e8) return `${s}S`;
  return `${Math.min(99_999_999, Math.ceil(s / 3600))}H`;
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** The status a header block carries (trailers, or the headers of a trailers-only answer), if any. */
function statusOf(h: http2.IncomingHttpHeaders): Status | undefined {
  const raw = first(h["grpc-status"]);
  if (raw === undefined) return undefined;
  const code = Number(raw);
  const status: Status = { code: Number.isInteger(code) && code >= 0 ? code : GrpcCode.UNKNOWN, details: decodeGrpcMessage(first(h["grpc-message"])) };
  const bin = first(h["grpc-status-details-bin"]);
  if (bin !== undefined) status.statusDetails = Buffer.from(bin, "base64");
  return status;
}

/** What a call hears from its stream: each message, then exactly one status. */
interface CallEvents {
  message(m: Buffer): void;
  status(s: Status): void;
}

/** What the message-level wrappers (unary, GrpcStream) do with a call. */
interface Call {
  write(message: Uint8Array, cb: (err?: Error | null) => void): void;
  end(): void;
  pause(): void;
  resume(): void;
  cancel(code?: number, details?: string): void;
}

/** A call refused before it had a stream (the channel is closed): its status comes asynchronously, as any other. */
function refusedCall(events: CallEvents, status: Status): Call {
  setImmediate(() => events.status(status));
  return { write: (_m, cb) => cb(), end() {}, pause() {}, resume() {}, cancel() {} };
}

/** One open call: the HTTP/2 stream and its gRPC framing. */
class RawCall implements Call {
  private readonly stream: http2.ClientHttp2Stream;
  private readonly decoder = new FrameDecoder();
  private responseHeaders: http2.IncomingHttpHeaders | undefined;
  /** The status this side decided (canceled, deadline, a message over the limit). */
  private local: Status | undefined;
  private trailers: Status | undefined;
  private timer: NodeJS.Timeout | undefined;
  private streamError: Error | undefined;
  private done = false;

  constructor(
    private readonly channel: GrpcChannel,
    private readonly conn: Connection,
    path: string,
    options: GrpcCallOptions,
    private readonly events: CallEvents,
  ) {
    const headers: http2.OutgoingHttpHeaders = {
      ":method": "POST",
      ":path": path,
      ":authority": channel.options.authority,
      ":scheme": channel.options.scheme ?? "http",
      "content-type": "application/grpc",
      te: "trailers",
    };
    if (channel.options.userAgent) headers["user-agent"] = channel.options.userAgent;
    if (options.deadline !== undefined) headers["grpc-timeout"] = grpcTimeout(options.deadline - Date.now());
    for (const [k, v] of Object.entries(options.metadata ?? {})) headers[k.toLowerCase()] = typeof v === "string" ? v : [...v];
    this.stream = conn.session.request(headers, { endStream: false });
    conn.calls++;
    if (conn.calls === 1) conn.session.ref();
    this.stream.on("error", (err: Error) => {
      this.streamError ??= err;
    });
    this.stream.on("response", (h) => {
      this.responseHeaders = h;
    });
    this.stream.on("data", (chunk: Buffer) => this.receive(chunk));
    this.stream.on("trailers", (h) => {
      // Messages may still be buffered (a paused reader): the status applies once they are read.
      this.trailers = statusOf(h) ?? { code: GrpcCode.INTERNAL, details: "the server ended the call without a status" };
    });
    this.stream.on("close", () => this.closed());
    if (options.deadline !== undefined) {
      const left = options.deadline - Date.now();
      this.timer = setTimeout(() => this.cancel(GrpcCode.DEADLINE_EXCEEDED, "Deadline exceeded"), Math.max(0, left));
    }
  }

  write(message: Uint8Array, cb: (err?: Error | null) => void): void {
    const max = this.channel.maxMessageBytes;
    if (message.length > max) {
      this.cancel(GrpcCode.RESOURCE_EXHAUSTED, `sent message larger than max (${message.length} vs. ${max})`);
      cb();
      return;
    }
    if (this.stream.destroyed || this.stream.writableEnded) {
      cb();
      return;
    }
    this.stream.write(encodeFrame(message), () => cb());
  }

  end(): void {
    if (!this.stream.destroyed && !this.stream.writableEnded) this.stream.end();
  }

  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  /** Ends the call from this side with `code` (CANCELLED by default). */
  cancel(code: number = GrpcCode.CANCELLED, details = "Cancelled on client"): void {
    if (this.done || this.local || this.trailers) return;
    this.local = { code, details };
    if (!this.stream.destroyed) this.stream.close(http2.constants.NGHTTP2_CANCEL);
  }

  private receive(chunk: Buffer): void {
    if (this.local) return;
    try {
      this.decoder.push(chunk, (m) => {
        if (this.local) return;
        if (m.length > this.channel.maxMessageBytes) {
          this.cancel(GrpcCode.RESOURCE_EXHAUSTED, `received message larger than max (${m.length} vs. ${this.channel.maxMessageBytes})`);
          return;
        }
        this.events.message(m);
      });
    } catch (err) {
      this.cancel(GrpcCode.INTERNAL, err instanceof CompressedFrameError ? "compressed message received without an encoding" : String(err));
    }
    // A message announced over the limit is refused before it is all here.
    if (!this.local && this.decoder.pendingBytes > FRAME_HEADER_LENGTH + this.channel.maxMessageBytes) {
      this.cancel(GrpcCode.RESOURCE_EXHAUSTED, `received message larger than max (${this.decoder.pendingBytes - FRAME_HEADER_LENGTH} vs. ${this.channel.maxMessageBytes})`);
    }
  }

  private closed(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.conn.calls--;
    if (this.conn.calls === 0 && !this.conn.session.destroyed) this.conn.session.unref();
    this.events.status(this.finalStatus());
  }

  private finalStatus(): Status {
    if (this.local) return this.local;
    if (this.trailers) return this.trailers;
    const h = this.responseHeaders;
    if (h) {
      const trailersOnly = statusOf(h);
      if (trailersOnly) return trailersOnly;
      const http = Number(h[":status"]);
      if (http !== 200) return { code: httpStatusCode(http), details: `unexpected HTTP status code ${http}` };
    }
    const conn = this.conn;
    if (conn.lost || conn.error) {
      const why = conn.error?.message;
      if (!conn.connected) return { code: GrpcCode.UNAVAILABLE, details: `No connection established: ${why ?? "the connection closed"}` };
      return { code: GrpcCode.UNAVAILABLE, details: why ? `Connection dropped: ${why}` : "Connection dropped" };
    }
    const rst = this.stream.rstCode;
    if (rst === http2.constants.NGHTTP2_REFUSED_STREAM) return { code: GrpcCode.UNAVAILABLE, details: "the server refused the stream" };
    if (rst === http2.constants.NGHTTP2_CANCEL) return { code: GrpcCode.CANCELLED, details: "the server canceled the call" };
    if (rst === http2.constants.NGHTTP2_ENHANCE_YOUR_CALM) return { code: GrpcCode.RESOURCE_EXHAUSTED, details: "the server said: enhance your calm" };
    if (rst !== undefined && rst !== http2.constants.NGHTTP2_NO_ERROR) return { code: GrpcCode.INTERNAL, details: `stream reset with HTTP/2 code ${rst}` };
    if (this.streamError) return { code: GrpcCode.INTERNAL, details: this.streamError.message };
    if (!h) return { code: GrpcCode.UNAVAILABLE, details: "Connection dropped" };
    return { code: GrpcCode.INTERNAL, details: "the server ended the call without a status" };
  }
}

/**
 * A message stream of one call: write requests, read responses. Reading
 * pauses the HTTP/2 stream when the reader falls behind. A status other
 * than OK is an `error` event with a {@link GrpcCallError}; OK ends it.
 */
export class GrpcStream<Req, Res> extends Duplex {
  private readonly call: Call;

  constructor(
    channel: GrpcChannel,
    path: string,
    private readonly serialize: (m: Req) => Uint8Array,
    deserialize: (b: Buffer) => Res,
    options: GrpcCallOptions,
  ) {
    super({ objectMode: true });
    this.call = channel.open(path, options, {
      message: (m) => {
        let value: Res;
        try {
          value = deserialize(m);
        } catch (err) {
          this.call.cancel(GrpcCode.INTERNAL, `cannot decode the response: ${(err as Error).message}`);
          return;
        }
        if (!this.push(value)) this.call.pause();
      },
      status: (s) => {
        if (s.code === GrpcCode.OK) this.push(null);
        else this.destroy(new GrpcCallError(s.code, s.details, s.statusDetails));
      },
    });
  }

  override _read(): void {
    this.call.resume();
  }

  override _write(message: Req, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    let bytes: Uint8Array;
    try {
      bytes = this.serialize(message);
    } catch (err) {
      cb(err as Error);
      return;
    }
    this.call.write(bytes, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.call.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.call.cancel();
    cb(err);
  }

  /** Ends the call from this side: an `error` event with CANCELLED follows. */
  cancel(): void {
    this.call.cancel();
  }
}

/** A channel to one server. Calls share one HTTP/2 connection; a closed one is replaced by the next call. */
export class GrpcChannel {
  readonly maxMessageBytes: number;
  private conn: Connection | undefined;
  private closed = false;

  constructor(readonly options: GrpcChannelOptions) {
    this.maxMessageBytes = options.maxMessageBytes ?? 4 << 20;
  }

  /** The open connection, or a new one. */
  private connection(): Connection {
    const current = this.conn;
    if (current && !current.session.closed && !current.session.destroyed && current.error === undefined) return current;
    const window = this.options.windowBytes;
    const conn = { connected: false, lost: false, calls: 0 } as Connection;
    const session = (conn.session = http2.connect(`${this.options.scheme ?? "http"}://${this.options.authority}`, {
      createConnection: () => {
        const socket = this.options.dial();
        // Before http2's own listeners, which reset the open streams (CANCEL, or INTERNAL_ERROR after a
        // socket error): those calls lost their connection.
        const lost = (err?: Error) => {
          conn.lost = true;
          if (err) conn.error ??= err;
        };
        socket.once("error", lost);
        socket.once("end", () => lost());
        socket.once("close", () => lost());
        return socket;
      },
      ...(window !== undefined ? { settings: { initialWindowSize: window, enablePush: false } } : { settings: { enablePush: false } }),
      // Node's default (10 MB) fails streams with ENHANCE_YOUR_CALM under 16 MiB messages; flow control bounds memory.
      maxSessionMemory: Number.MAX_SAFE_INTEGER,
      maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER,
    }));
    this.conn = conn;
    session.unref();
    session.once("connect", () => {
      conn.connected = true;
      if (window !== undefined && window > 65_535) {
        try {
          session.setLocalWindowSize(window);
        } catch {
          // the default window still works, only slower
        }
      }
    });
    session.on("error", (err: Error) => {
      conn.error ??= err;
    });
    session.on("goaway", () => {
      // No new calls on it; the ones in flight finish.
      if (this.conn === conn) this.conn = undefined;
    });
    session.on("close", () => {
      clearInterval(conn.keepalive);
      if (this.conn === conn) this.conn = undefined;
    });
    const every = this.options.keepaliveMs;
    if (every !== undefined && every > 0) {
      conn.keepalive = setInterval(() => {
        if (conn.calls === 0 || !conn.connected || session.destroyed) return;
        try {
          session.ping(() => {});
        } catch {
          // closing: nothing to keep alive
        }
      }, every);
      conn.keepalive.unref();
    }
    return conn;
  }

  /** Starts a call (internal to this module's wrappers). */
  open(path: string, options: GrpcCallOptions, events: CallEvents): Call {
    if (this.closed) return refusedCall(events, { code: GrpcCode.UNAVAILABLE, details: "the channel is closed" });
    let call: Call;
    try {
      call = new RawCall(this, this.connection(), path, options, events);
    } catch {
      // The connection was closing (a GOAWAY not yet seen): the next one is new.
      this.conn = undefined;
      call = new RawCall(this, this.connection(), path, options, events);
    }
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) call.cancel();
      else {
        const calls = this.callsOf(signal);
        calls.add(call);
        const status = events.status;
        events.status = (s) => {
          calls.delete(call);
          if (calls.size === 0) this.unwatch(signal, calls);
          status(s);
        };
      }
    }
    return call;
  }

  /**
   * The open calls under one signal, cancelled together when it aborts: one
   * abort listener per signal however many calls run under it (a build's
   * session signal can have dozens at once, past EventTarget's leak warning).
   */
  private readonly watched = new Map<AbortSignal, { calls: Set<Call>; onAbort: () => void }>();

  private callsOf(signal: AbortSignal): Set<Call> {
    let w = this.watched.get(signal);
    if (!w) {
      const calls = new Set<Call>();
      const onAbort = () => {
        this.watched.delete(signal);
        for (const c of [...calls]) c.cancel();
      };
      w = { calls, onAbort };
      this.watched.set(signal, w);
      signal.addEventListener("abort", onAbort, { once: true });
    }
    return w.calls;
  }

  private unwatch(signal: AbortSignal, calls: Set<Call>): void {
    const w = this.watched.get(signal);
    if (!w || w.calls !== calls) return;
    this.watched.delete(signal);
    signal.removeEventListener("abort", w.onAbort);
  }

  /** One request, one response (the raw message bytes). Rejects with {@link GrpcCallError}. */
  unary(path: string, request: Uint8Array, options: GrpcCallOptions = {}): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      let response: Buffer | undefined;
      let count = 0;
      const call = this.open(path, options, {
        message: (m) => {
          count++;
          response = Buffer.from(m);
        },
        status: (s) => {
          if (s.code !== GrpcCode.OK) reject(new GrpcCallError(s.code, s.details, s.statusDetails));
          else if (count !== 1) reject(new GrpcCallError(GrpcCode.UNIMPLEMENTED, count === 0 ? "no response message for a unary call" : "more than one response message for a unary call"));
          else resolve(response!);
        },
      });
      call.write(request, () => {});
      call.end();
    });
  }

  /** A stream of messages both ways; a server-streaming call writes its one request and ends. */
  stream<Req, Res>(path: string, serialize: (m: Req) => Uint8Array, deserialize: (b: Buffer) => Res, options: GrpcCallOptions = {}): GrpcStream<Req, Res> {
    return new GrpcStream(this, path, serialize, deserialize, options);
  }

  /** Resolves once connected; rejects with UNAVAILABLE when the connection fails or `timeoutMs` passes. */
  waitReady(timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.reject(new GrpcCallError(GrpcCode.UNAVAILABLE, "the channel is closed"));
    const conn = this.connection();
    if (conn.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const s = conn.session;
      const done = (err?: GrpcCallError) => {
        clearTimeout(timer);
        s.off("connect", onConnect);
        s.off("close", onClose);
        if (err) reject(err);
        else resolve();
      };
      const onConnect = () => done();
      const onClose = () => done(new GrpcCallError(GrpcCode.UNAVAILABLE, `No connection established: ${conn.error?.message ?? "the connection closed"}`));
      const timer = setTimeout(() => done(new GrpcCallError(GrpcCode.DEADLINE_EXCEEDED, "Failed to connect before the deadline")), timeoutMs);
      s.once("connect", onConnect);
      s.once("close", onClose);
    });
  }

  /** Closes the channel: later calls fail; the connection closes once the calls in flight are done. */
  close(): void {
    this.closed = true;
    const conn = this.conn;
    this.conn = undefined;
    // Graceful, as grpc-js's close: no new calls; the ones in flight finish.
    if (conn && !conn.session.destroyed) conn.session.close();
  }
}
