/**
 * The build session: a `Control.Session` stream whose bytes carry HTTP/2
 * (prior knowledge) in which the daemon is the client and we serve gRPC
 * (FileSync, FileSend, Auth, Secrets, SSH, Health). We run Node's HTTP/2
 * server on that stream and do gRPC framing ourselves (internal/grpc/server-stream.ts),
 * so request metadata arrives exactly as sent (grpc-js would join repeated header
 * fields with ", ").
 */

import * as http2 from "node:http2";
import { Duplex } from "node:stream";
import { randomID } from "../../llb/identity.js";
import { moby } from "../../proto/index.js";
import type { BuildkitConnection } from "../connection.js";
import type { GrpcStream } from "../../internal/grpc/client.js";
import type { GrpcCallError } from "../../internal/grpc/status.js";
import { GrpcServerStream, parseRawHeaders, sendStatus } from "../../internal/grpc/server-stream.js";
import { GrpcCode, GrpcStatusError, type CallContext, type SessionService } from "./service.js";
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
  private call: GrpcStream<Buffer[], moby.buildkit.v1.BytesMessage> | undefined;
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
    const metadata = {
      "x-docker-expose-session-uuid": this.id,
      "x-docker-expose-session-name": this.name,
      "x-docker-expose-session-sharedkey": this.sharedKey,
      "x-docker-expose-session-grpc-method": this.methods(),
    };
    const call = conn.bidiStream("/moby.buildkit.v1.Control/Session", TunnelMessage, BytesMessage, { metadata });
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
    call.on("error", (err: GrpcCallError) => {
      if (err.code !== GrpcCode.CANCELLED) this.error = err;
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
    const messages = new GrpcServerStream(stream);
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
