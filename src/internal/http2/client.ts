/**
 * An HTTP/2 client connection (RFC 9113) with prior knowledge over any byte
 * pipe, for request/response exchanges whose whole body is known up front
 * (unary gRPC calls): the frontend image's LLBBridge connection on
 * stdin/stdout. Written for it instead of using node:http2, whose load alone
 * (with node:http, node:tls and nghttp2's session) is about a tenth of the
 * frontend's start; what a unary client needs of HTTP/2 is small: frames,
 * HPACK (hpack.ts), flow control both ways, SETTINGS, PING, RST_STREAM,
 * GOAWAY and the peer's stream limit. No server push (disabled), no
 * priorities, no streaming bodies.
 */

import type { Readable } from "node:stream";
import { encodeHeaders, HpackDecoder } from "./hpack.js";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

const FLAG_END_STREAM = 0x1;
const FLAG_ACK = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;

const SETTINGS_HEADER_TABLE_SIZE = 0x1;
const SETTINGS_ENABLE_PUSH = 0x2;
const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
const SETTINGS_MAX_FRAME_SIZE = 0x5;

/** RFC 9113 §7 error codes this client sends or names. */
export const Http2ErrorCode = { NO_ERROR: 0x0, PROTOCOL_ERROR: 0x1, FLOW_CONTROL_ERROR: 0x3, REFUSED_STREAM: 0x7, CANCEL: 0x8 } as const;

const DEFAULT_WINDOW = 65_535;
const DEFAULT_FRAME_SIZE = 16_384;

/** A request failed: the stream was reset, the connection closed or went away, or the call was canceled. */
export class Http2StreamError extends Error {
  constructor(
    message: string,
    /** The RST_STREAM or GOAWAY code, when the peer sent one. */
    readonly code?: number,
    /** Whether this side canceled the request. */
    readonly canceled = false,
  ) {
    super(message);
    this.name = "Http2StreamError";
  }
}

/** A complete answer: the response headers, the body, and the trailers if any. */
export interface Http2Response {
  headers: Map<string, string>;
  body: Buffer[];
  trailers: Map<string, string> | undefined;
}

export interface Http2ClientOptions {
  /** SETTINGS_INITIAL_WINDOW_SIZE this side advertises (each response's receive window). */
  streamWindow?: number;
  /** The connection's receive window. */
  connectionWindow?: number;
}

interface Stream {
  id: number;
  headers?: Map<string, string>;
  trailers?: Map<string, string>;
  body: Buffer[];
  /** Request bytes not yet sent, and whether END_STREAM is still to go. */
  pending: Buffer;
  sendWindow: number;
  /** Received bytes not yet given back with WINDOW_UPDATE. */
  unacked: number;
  resolve: (r: Http2Response) => void;
  reject: (e: Http2StreamError) => void;
  /** The request as asked, to ask again if the peer refuses the stream unprocessed. */
  request: Queued;
}

interface Queued {
  headers: [string, string][];
  body: Buffer;
  signal?: AbortSignal;
  /** Its one abort listener, for its whole life (waiting, then on a stream); removed when it settles. */
  onAbort?: () => void;
  /** Its stream while it has one. */
  streamId?: number;
  resolve: (r: Http2Response) => void;
  reject: (e: Http2StreamError) => void;
}

function toMap(list: [string, string][]): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of list) if (!m.has(k)) m.set(k, v);
  return m;
}

/** One HTTP/2 connection over `input` (what the server sends) and `write` (what goes to it). */
export class Http2ClientSession {
  private readonly streams = new Map<number, Stream>();
  private readonly queue: Queued[] = [];
  private readonly decoder = new HpackDecoder();
  private readonly streamWindow: number;
  private nextId = 1;
  private buffered: Buffer = Buffer.alloc(0);
  /** Peer settings. */
  private peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxFrame = DEFAULT_FRAME_SIZE;
  /** Until the peer's SETTINGS say otherwise: RFC 9113 §6.5.2 recommends allowing at least 100. */
  private peerMaxStreams = 100;
  private connSendWindow = DEFAULT_WINDOW;
  private connUnacked = 0;
  private readonly connWindow: number;
  /** A header block spread over HEADERS and CONTINUATION frames. */
  private headerBlock: { stream: number; flags: number; parts: Buffer[] } | undefined;
  /** The connection is dead: nothing more is read or sent. */
  private failure: Http2StreamError | undefined;
  /** No new requests (GOAWAY received or sent); the streams in flight still finish. */
  private closing: Http2StreamError | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    input: Readable,
    private readonly write: (chunk: Buffer) => void,
    options: Http2ClientOptions = {},
  ) {
    this.streamWindow = options.streamWindow ?? 4 << 20;
    this.connWindow = Math.max(DEFAULT_WINDOW, options.connectionWindow ?? 32 << 20);
    const settings = Buffer.alloc(18);
    settings.writeUInt16BE(SETTINGS_ENABLE_PUSH, 0);
    settings.writeUInt32BE(0, 2);
    settings.writeUInt16BE(SETTINGS_INITIAL_WINDOW_SIZE, 6);
    settings.writeUInt32BE(this.streamWindow, 8);
    settings.writeUInt16BE(SETTINGS_HEADER_TABLE_SIZE, 12);
    settings.writeUInt32BE(4096, 14);
    const parts = [PREFACE, frame(FrameType.SETTINGS, 0, 0, settings)];
    if (this.connWindow > DEFAULT_WINDOW) parts.push(windowUpdate(0, this.connWindow - DEFAULT_WINDOW));
    this.write(Buffer.concat(parts));
    input.on("data", (c: Buffer) => {
      try {
        this.receive(c);
      } catch (err) {
        this.fail(new Http2StreamError(`HTTP/2 connection error: ${(err as Error).message}`, Http2ErrorCode.PROTOCOL_ERROR));
      }
    });
    input.on("end", () => this.fail(new Http2StreamError("the connection closed")));
    input.on("error", (e) => this.fail(new Http2StreamError(`the connection failed: ${e.message}`)));
  }

  /** Sends a request (headers in order, names lowercase) with `body` and resolves with the whole answer. */
  request(headers: [string, string][], body: Uint8Array, signal?: AbortSignal): Promise<Http2Response> {
    return new Promise((resolve, reject) => {
      const refused = this.failure ?? this.closing;
      if (refused) return reject(refused);
      if (signal?.aborted) return reject(new Http2StreamError("canceled", Http2ErrorCode.CANCEL, true));
      const q: Queued = { headers, body: Buffer.from(body.buffer, body.byteOffset, body.byteLength), resolve, reject };
      if (signal) {
        q.signal = signal;
        q.onAbort = () => {
          const canceled = new Http2StreamError("canceled", Http2ErrorCode.CANCEL, true);
          const s = q.streamId !== undefined ? this.streams.get(q.streamId) : undefined;
          if (s) {
            this.write(rstStream(s.id, Http2ErrorCode.CANCEL));
            this.finish(s, canceled);
            return;
          }
          const i = this.queue.indexOf(q);
          if (i >= 0) this.queue.splice(i, 1);
          reject(canceled);
        };
        signal.addEventListener("abort", q.onAbort, { once: true });
      }
      this.queue.push(q);
      this.startQueued();
    });
  }

  /** Resolves once no request is in flight or waiting. */
  idle(): Promise<void> {
    if (this.streams.size === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Says goodbye (GOAWAY, no error) once the requests in flight are done; later requests fail. */
  async close(): Promise<void> {
    this.closing ??= new Http2StreamError("the connection is closed");
    await this.idle();
    if (this.failure) return;
    this.write(frame(FrameType.GOAWAY, 0, 0, Buffer.alloc(8)));
    this.failure = this.closing;
  }

  private startQueued(): void {
    while (this.queue.length > 0 && this.streams.size < this.peerMaxStreams) {
      const q = this.queue.shift()!;
      const id = this.nextId;
      this.nextId += 2;
      const s: Stream = { id, body: [], pending: q.body, sendWindow: this.peerInitialWindow, unacked: 0, resolve: q.resolve, reject: q.reject, request: q };
      q.streamId = id;
      this.streams.set(id, s);
      this.sendHeaders(id, encodeHeaders(q.headers), q.body.length === 0);
    }
    this.flush();
  }

  private sendHeaders(id: number, block: Buffer, endStream: boolean): void {
    const max = this.peerMaxFrame;
    const first = block.subarray(0, max);
    const out = [frame(FrameType.HEADERS, (endStream ? FLAG_END_STREAM : 0) | (block.length <= max ? FLAG_END_HEADERS : 0), id, first)];
    for (let at = max; at < block.length; at += max) {
      out.push(frame(FrameType.CONTINUATION, at + max >= block.length ? FLAG_END_HEADERS : 0, id, block.subarray(at, at + max)));
    }
    this.write(Buffer.concat(out));
  }

  /** Sends request bodies as far as the flow-control windows allow. */
  private flush(): void {
    const out: Buffer[] = [];
    for (const s of this.streams.values()) {
      while (s.pending.length > 0 && this.connSendWindow > 0 && s.sendWindow > 0) {
        const n = Math.min(s.pending.length, this.connSendWindow, s.sendWindow, this.peerMaxFrame);
        const last = n === s.pending.length;
        out.push(frame(FrameType.DATA, last ? FLAG_END_STREAM : 0, s.id, s.pending.subarray(0, n)));
        s.pending = s.pending.subarray(n);
        this.connSendWindow -= n;
        s.sendWindow -= n;
      }
    }
    if (out.length > 0) this.write(Buffer.concat(out));
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    let at = 0;
    while (this.buffered.length - at >= 9) {
      const len = this.buffered.readUIntBE(at, 3);
      if (this.buffered.length - at < 9 + len) break;
      const type = this.buffered[at + 3]!;
      const flags = this.buffered[at + 4]!;
      const id = this.buffered.readUInt32BE(at + 5) & 0x7fffffff;
      const payload = this.buffered.subarray(at + 9, at + 9 + len);
      at += 9 + len;
      this.onFrame(type, flags, id, payload);
      if (this.failure) return;
    }
    this.buffered = at === this.buffered.length ? Buffer.alloc(0) : this.buffered.subarray(at);
  }

  private onFrame(type: number, flags: number, id: number, payload: Buffer): void {
    if (this.headerBlock && type !== FrameType.CONTINUATION) throw new Error("expected CONTINUATION");
    switch (type) {
      case FrameType.DATA: {
        const s = this.streams.get(id);
        this.consumed(s, payload.length);
        if (!s) return;
        s.body.push(Buffer.from(unpad(payload, flags)));
        if (flags & FLAG_END_STREAM) this.complete(s);
        return;
      }
      case FrameType.HEADERS: {
        let p = unpad(payload, flags);
        if (flags & FLAG_PRIORITY) p = p.subarray(5);
        if (flags & FLAG_END_HEADERS) this.onHeaders(id, flags, p);
        else this.headerBlock = { stream: id, flags, parts: [Buffer.from(p)] };
        return;
      }
      case FrameType.CONTINUATION: {
        const hb = this.headerBlock;
        if (!hb || hb.stream !== id) throw new Error("unexpected CONTINUATION");
        hb.parts.push(Buffer.from(payload));
        if (flags & FLAG_END_HEADERS) {
          this.headerBlock = undefined;
          this.onHeaders(id, hb.flags, Buffer.concat(hb.parts));
        }
        return;
      }
      case FrameType.RST_STREAM: {
        const s = this.streams.get(id);
        const code = payload.length >= 4 ? payload.readUInt32BE(0) : 0;
        if (!s) return;
        if (code === Http2ErrorCode.REFUSED_STREAM && !s.headers && !s.request.signal?.aborted) {
          // Refused unprocessed (e.g. above the peer's stream limit before its SETTINGS came): ask again.
          this.streams.delete(s.id);
          delete s.request.streamId;
          this.queue.unshift(s.request);
          this.startQueued();
          return;
        }
        this.finish(s, new Http2StreamError(`stream reset by the peer (code ${code})`, code));
        return;
      }
      case FrameType.SETTINGS:
        if (flags & FLAG_ACK) return;
        this.onSettings(payload);
        this.write(frame(FrameType.SETTINGS, FLAG_ACK, 0, Buffer.alloc(0)));
        this.startQueued();
        return;
      case FrameType.PING:
        if (!(flags & FLAG_ACK)) this.write(frame(FrameType.PING, FLAG_ACK, 0, payload));
        return;
      case FrameType.GOAWAY: {
        const last = payload.readUInt32BE(0) & 0x7fffffff;
        const code = payload.readUInt32BE(4);
        const err = new Http2StreamError(`the peer went away (GOAWAY code ${code})`, code);
        for (const s of [...this.streams.values()]) if (s.id > last) this.finish(s, err);
        // Requests from now on would not be processed.
        for (const q of this.queue.splice(0)) settleQueued(q, err);
        this.closing ??= err;
        this.notifyIdle();
        return;
      }
      case FrameType.WINDOW_UPDATE: {
        const inc = payload.readUInt32BE(0) & 0x7fffffff;
        if (id === 0) this.connSendWindow += inc;
        else {
          const s = this.streams.get(id);
          if (s) s.sendWindow += inc;
        }
        this.flush();
        return;
      }
      case FrameType.PUSH_PROMISE:
        throw new Error("PUSH_PROMISE with push disabled");
      default:
        // PRIORITY and unknown types are ignored (RFC 9113 §5.5).
        return;
    }
  }

  private onHeaders(id: number, flags: number, block: Buffer): void {
    // Decoded even for a stream that is gone: the table state is the connection's.
    const list = toMap(this.decoder.decode(block));
    const s = this.streams.get(id);
    if (!s) return;
    if (!s.headers) s.headers = list;
    else s.trailers = list;
    if (flags & FLAG_END_STREAM) this.complete(s);
  }

  private onSettings(p: Buffer): void {
    for (let i = 0; i + 6 <= p.length; i += 6) {
      const key = p.readUInt16BE(i);
      const value = p.readUInt32BE(i + 2);
      if (key === SETTINGS_INITIAL_WINDOW_SIZE) {
        const delta = value - this.peerInitialWindow;
        this.peerInitialWindow = value;
        for (const s of this.streams.values()) s.sendWindow += delta;
      } else if (key === SETTINGS_MAX_FRAME_SIZE) {
        this.peerMaxFrame = value;
      } else if (key === SETTINGS_MAX_CONCURRENT_STREAMS) {
        this.peerMaxStreams = value;
      }
    }
    this.flush();
  }

  /** Flow control of received DATA: windows given back once half is used. */
  private consumed(s: Stream | undefined, n: number): void {
    if (n === 0) return;
    const out: Buffer[] = [];
    this.connUnacked += n;
    if (this.connUnacked >= this.connWindow / 2) {
      out.push(windowUpdate(0, this.connUnacked));
      this.connUnacked = 0;
    }
    if (s) {
      s.unacked += n;
      if (s.unacked >= this.streamWindow / 2) {
        out.push(windowUpdate(s.id, s.unacked));
        s.unacked = 0;
      }
    }
    if (out.length > 0) this.write(Buffer.concat(out));
  }

  private complete(s: Stream): void {
    if (!s.headers) return this.finish(s, new Http2StreamError("the stream ended without response headers", Http2ErrorCode.PROTOCOL_ERROR));
    // The request may still have body to send: the answer is complete, so stop (as grpc-go's clients do).
    if (s.pending.length > 0) this.write(rstStream(s.id, Http2ErrorCode.NO_ERROR));
    this.finish(s, { headers: s.headers, body: s.body, trailers: s.trailers });
  }

  private finish(s: Stream, r: Http2Response | Http2StreamError): void {
    if (!this.streams.delete(s.id)) return;
    const q = s.request;
    if (q.signal && q.onAbort) q.signal.removeEventListener("abort", q.onAbort);
    if (r instanceof Http2StreamError) s.reject(r);
    else s.resolve(r);
    this.startQueued();
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.streams.size > 0 || this.queue.length > 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private fail(err: Http2StreamError): void {
    this.failure ??= err;
    for (const s of [...this.streams.values()]) this.finish(s, err);
    for (const q of this.queue.splice(0)) settleQueued(q, err);
    this.notifyIdle();
  }
}

/** Rejects a request that never got a stream (its abort listener removed). */
function settleQueued(q: Queued, err: Http2StreamError): void {
  if (q.signal && q.onAbort) q.signal.removeEventListener("abort", q.onAbort);
  q.reject(err);
}

function frame(type: number, flags: number, id: number, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(id, 5);
  return payload.length === 0 ? head : Buffer.concat([head, payload]);
}

function windowUpdate(id: number, inc: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(inc, 0);
  return frame(FrameType.WINDOW_UPDATE, 0, id, p);
}

function rstStream(id: number, code: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(code, 0);
  return frame(FrameType.RST_STREAM, 0, id, p);
}

/** The payload without its padding (PADDED flag: a length byte first, that many bytes at the end). */
function unpad(p: Buffer, flags: number): Buffer {
  if (!(flags & FLAG_PADDED)) return p;
  const pad = p[0] ?? 0;
  if (pad >= p.length) throw new Error("padding longer than the frame");
  return p.subarray(1, p.length - pad);
}
