/**
 * The build session: a `Control.Session` stream whose bytes carry HTTP/2
 * (prior knowledge) in which the daemon is the client and we serve gRPC
 * (FileSync, FileSend, Auth, Secrets, SSH, Health). We run Node's HTTP/2
 * server on that stream and do gRPC framing ourselves, so request metadata
 * arrives exactly as sent (grpc-js would join repeated header fields with ", ").
 */

import * as http2 from "node:http2";
import { Duplex } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { randomID } from "../../llb/identity.js";
import { moby } from "../../proto/index.js";
import type { BuildkitConnection } from "../connection.js";
import { GrpcCode, GrpcStatusError, type CallContext, type CallMetadata, type MessageStream, type SessionService } from "./service.js";
import { healthService } from "./health.js";

const BytesMessage = moby.buildkit.v1.BytesMessage;

/** Largest BytesMessage the tunnel joins chunks into (on buildctl's side, grpc-go flushes a 32 KiB write buffer). */
const TUNNEL_MESSAGE_MAX = 64 * 1024;

/**
 * HTTP/2 receive windows of the session server, per stream and for the whole
 * connection. Node's default (64 KiB each) lets the daemon have only 64 KiB
 * of a local export in flight per round trip through the tunnel, which made
 * a 500 MB export several times slower than buildctl (grpc-go's server grows
 * its windows with BDP estimation). Backpressure stays: a stream we stop
 * reading stops getting credit.
 */
const SESSION_STREAM_WINDOW = 16 * 1024 * 1024;
const SESSION_CONNECTION_WINDOW = 64 * 1024 * 1024;

/**
 * Tunnel bytes as one `BytesMessage{data}`, encoded straight from the chunks
 * (one copy; field 1, length-delimited). Callers never pass empty data.
 */
const TunnelMessage = {
  encode(chunks: Buffer[]): { finish(): Uint8Array } {
    return {
      finish() {
        let len = 0;
        for (const c of chunks) len += c.length;
        let head = 1;
        for (let v = len; v >= 0x80; v >>>= 7) head++;
        const out = Buffer.allocUnsafe(1 + head + len);
        out[0] = 0x0a;
        let pos = 1;
        let v = len;
        for (; v >= 0x80; v >>>= 7) out[pos++] = (v & 0x7f) | 0x80;
        out[pos++] = v;
        for (const c of chunks) {
          c.copy(out, pos);
          pos += c.length;
        }
        return out;
      },
    };
  },
};

export interface SessionOptions {
  /** Services to host (Health is always added). */
  services?: readonly SessionService[];
  /** Session name shown by the daemon (informational). */
  name?: string;
  /** Shared key the daemon uses to find a previous copy of local dirs to diff against. */
  sharedKey?: string;
}

/** One session with the daemon; `id` goes into `SolveRequest.Session`. */
export class Session {
  readonly id = randomID();
  private readonly services: SessionService[];
  private readonly sharedKey: string;
  private readonly name: string;
  private call: grpc.ClientDuplexStream<Buffer[], moby.buildkit.v1.BytesMessage> | undefined;
  private server: http2.Http2Server | undefined;
  private tunnel: Duplex | undefined;
  private readonly abort = new AbortController();
  private closed: Promise<void> | undefined;
  /** Set when the tunnel fails, e.g. the daemon went away. */
  error: Error | undefined;
  /** When bytes last arrived from the daemon (ms), a sign of life for the watchdog. */
  lastReceived = 0;

  constructor(options: SessionOptions = {}) {
    this.services = [healthService(), ...(options.services ?? [])];
    this.sharedKey = options.sharedKey ?? "";
    this.name = options.name ?? "tsfrontend";
  }

  /** Every method path served, as the daemon expects them announced. */
  methods(): string[] {
    const out: string[] = [];
    for (const s of this.services) for (const m of Object.keys(s.methods)) out.push(`/${s.name}/${m}`);
    return out;
  }

  /** Opens the tunnel on `conn` and starts serving. Returns once the stream is open. */
  async start(conn: BuildkitConnection): Promise<void> {
    const md = new grpc.Metadata();
    md.set("x-docker-expose-session-uuid", this.id);
    md.set("x-docker-expose-session-name", this.name);
    md.set("x-docker-expose-session-sharedkey", this.sharedKey);
    for (const m of this.methods()) md.add("x-docker-expose-session-grpc-method", m);
    const call = conn.bidiStream("/moby.buildkit.v1.Control/Session", TunnelMessage, BytesMessage, md);
    this.call = call;
    // Chunks are joined into messages of up to TUNNEL_MESSAGE_MAX bytes: big enough
    // to carry many small HTTP/2 frames at once, small enough that the daemon
    // starts reading one while the next is on its way.
    const send = (chunks: Buffer[], cb: (err?: Error | null) => void): void => {
      let ok = true;
      let group: Buffer[] = [];
      let size = 0;
      for (const c of chunks) {
        if (size > 0 && size + c.length > TUNNEL_MESSAGE_MAX) {
          ok = call.write(group);
          group = [];
          size = 0;
        }
        group.push(c);
        size += c.length;
      }
      if (group.length > 0) ok = call.write(group);
      if (ok) cb();
      else call.once("drain", () => cb());
    };

    const tunnel = new Duplex({
      read() {
        call.resume();
      },
      write(chunk: Buffer, _enc, cb) {
        // Never send an empty BytesMessage: buildkitd's grpchijack conn.Read (v0.32.2
        // session/grpchijack/dial.go) unmarshals into its reused buffer, and a message
        // without data leaves that buffer as it was, so the daemon reads the previous
        // bytes again: a corrupt HTTP/2 stream ("frame too large") or a repeated fsutil
        // packet (a "close of closed channel" panic that kills buildkitd). Node's HTTP/2
        // writes such empty chunks, e.g. for a zero-length gRPC message.
        if (chunk.length === 0) {
          cb();
          return;
        }
        send([chunk], cb);
      },
      // Node's HTTP/2 hands over each frame header and data slice as its own chunk
      // (corked): one BytesMessage per batch instead of one per 9-byte header saves
      // most of the per-message cost on both sides of the tunnel.
      writev(items: Array<{ chunk: Buffer }>, cb) {
        const chunks = items.map((i) => i.chunk).filter((c) => c.length > 0);
        if (chunks.length === 0) cb();
        else send(chunks, cb);
      },
      final(cb) {
        call.end();
        cb();
      },
      destroy(err, cb) {
        call.cancel();
        cb(err);
      },
    });
    call.on("data", (m: moby.buildkit.v1.BytesMessage) => {
      this.lastReceived = Date.now();
      // a view, not a copy: the decoded message owns its bytes
      if (m.data && m.data.length > 0 && !tunnel.push(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength))) call.pause();
    });
    call.on("end", () => tunnel.push(null));
    call.on("error", (err: grpc.ServiceError) => {
      if (err.code !== grpc.status.CANCELLED) this.error = err;
      tunnel.destroy();
      this.abort.abort();
    });
    this.tunnel = tunnel;

    const server = http2.createServer({ maxSessionMemory: 1 << 30, settings: { maxConcurrentStreams: 1 << 16, initialWindowSize: SESSION_STREAM_WINDOW } });
    server.on("session", (session: http2.ServerHttp2Session) => {
      try {
        session.setLocalWindowSize(SESSION_CONNECTION_WINDOW);
      } catch {
        // not fatal: the default window still works, only slower
      }
    });
    server.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
      void this.dispatch(stream, headers, rawHeaders);
    });
    server.on("sessionError", () => {});
    this.server = server;
    server.emit("connection", tunnel);
  }

  private async dispatch(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, rawHeaders: string[]): Promise<void> {
    const path = String(headers[":path"] ?? "");
    const [, serviceName = "", methodName = ""] = path.split("/");
    const service = this.services.find((s) => s.name === serviceName);
    const method = service?.methods[methodName];
    stream.on("error", () => {});
    if (!method) {
      sendStatus(stream, GrpcCode.UNIMPLEMENTED, `unknown method ${path}`);
      return;
    }
    const callAbort = new AbortController();
    const onSessionAbort = () => callAbort.abort();
    this.abort.signal.addEventListener("abort", onSessionAbort, { once: true });
    stream.on("close", () => callAbort.abort());
    const ctx: CallContext = { method: path, metadata: parseRawHeaders(rawHeaders), signal: callAbort.signal };
    const messages = new GrpcStream(stream);
    try {
      if (method.kind === "unary") {
        let request: Uint8Array | undefined;
        for await (const m of messages) {
          request = m;
          break;
        }
        const response = await method.handler(request ?? new Uint8Array(), ctx);
        await messages.write(response);
      } else {
        await method.handler(messages, ctx);
      }
      messages.finish(GrpcCode.OK, "");
    } catch (err) {
      const code = err instanceof GrpcStatusError ? err.code : callAbort.signal.aborted ? GrpcCode.CANCELLED : GrpcCode.UNKNOWN;
      messages.finish(code, err instanceof Error ? err.message : String(err));
    } finally {
      this.abort.signal.removeEventListener("abort", onSessionAbort);
    }
  }

  /** Ends the session: half-closes the stream and tears the HTTP/2 connection down. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.abort.abort();
      this.tunnel?.end();
      this.server?.close();
      await new Promise((r) => setTimeout(r, 0));
      this.call?.cancel();
      this.tunnel?.destroy();
    })();
    return this.closed;
  }

  /** Fires when the session ends or breaks. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }
}

/** Metadata from the raw header list: every field kept, lower-case names, pseudo headers dropped. */
function parseRawHeaders(raw: string[]): CallMetadata {
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

function sendStatus(stream: http2.ServerHttp2Stream, code: number, message: string): void {
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

/** gRPC message framing over one HTTP/2 stream (5-byte prefix, trailers with the status). */
class GrpcStream implements MessageStream {
  /** Received bytes not yet framed; joined only once a whole message is there (big messages arrive in many chunks). */
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private failed: Error | undefined;
  private wake: (() => void) | undefined;
  private status: { code: number; message: string } | undefined;
  /** Framed messages not yet handed to the stream (see write). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushQueued = false;

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
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= 5) {
      if (this.chunks[0]!.length < 5) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
      const head = this.chunks[0]!;
      if (head[0] !== 0) {
        this.failed = new GrpcStatusError(GrpcCode.UNIMPLEMENTED, "compressed messages are not supported");
        break;
      }
      const len = head.readUInt32BE(1);
      if (this.buffered < 5 + len) break;
      const all = this.chunks.length === 1 ? head : Buffer.concat(this.chunks, this.buffered);
      this.queue.push(all.subarray(5, 5 + len));
      const rest = all.subarray(5 + len);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
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

  async write(message: Uint8Array): Promise<void> {
    const s = this.stream;
    if (s.destroyed || s.closed) throw new GrpcStatusError(GrpcCode.CANCELLED, "stream closed");
    if (!s.headersSent) s.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    // Messages written in a burst (a listing is thousands of ~50-byte STATs)
    // reach the stream as one write: each write is a trip into nghttp2. Small
    // messages are framed into one buffer; big ones are not copied.
    if (message.length <= COPY_MAX) {
      const framed = Buffer.allocUnsafe(5 + message.length);
      framed[0] = 0;
      framed.writeUInt32BE(message.length, 1);
      framed.set(message, 5);
      this.pending.push(framed);
    } else {
      const header = Buffer.allocUnsafe(5);
      header[0] = 0;
      header.writeUInt32BE(message.length, 1);
      this.pending.push(header, Buffer.from(message.buffer, message.byteOffset, message.byteLength));
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
