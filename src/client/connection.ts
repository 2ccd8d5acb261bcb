/**
 * The connection to buildkitd: one gRPC channel per daemon address
 * (`unix://`, `tcp://` with or without TLS, `ssh://` through ssh's stdio), message
 * limits raised to buildkit's 16 MiB, and the `moby.buildkit.v1.Control`
 * calls. gRPC errors are mapped to {@link BuildkitError} here, once.
 */

import { connect as netConnect, isIP } from "node:net";
import type { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import { containerd, moby, google } from "../proto/index.js";
import { defaultCaCertificates } from "../internal/node/extra-ca.js";
import { GrpcChannel, type GrpcCallOptions, type GrpcStream } from "../internal/grpc/client.js";
import type { ConnectionHelper } from "./connhelper.js";
import { BuildkitError, mapGrpcError } from "./errors.js";

const control = moby.buildkit.v1;

/** buildkit's own limits (client/client.go, cmd/buildkitd defaults). */
export const MAX_MESSAGE_BYTES = 16 << 20;

export interface TlsOptions {
  caCert?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  serverName?: string;
  /** Where each value came from, for error messages, e.g. `{ caCert: "ca.pem (--tlscacert)" }`. */
  labels?: { caCert?: string; cert?: string; key?: string; serverName?: string };
}

export interface ConnectOptions {
  tls?: TlsOptions;
  /** Dial through the helper instead of the address (ssh://, see connhelper.ts); closed with the connection. */
  helper?: ConnectionHelper;
}

/** A message class of the generated code. */
export interface Encoder<T> {
  encode(m: T): { finish(): Uint8Array };
}

export interface Decoder<T> {
  decode(b: Uint8Array): T;
}

/** Where a daemon address dials: a unix socket path, or a TCP host and port. */
export type DialTarget = { path: string } | { host: string; port: number };

/** Turns `unix:///path`, `tcp://host:port` or `host:port` into what to dial. */
export function dialTarget(address: string): DialTarget {
  if (address.startsWith("unix://")) return { path: address.slice("unix://".length) };
  let hostPort = address;
  if (address.startsWith("tcp://")) hostPort = address.slice("tcp://".length).replace(/\/$/, "");
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(address)) {
    throw new BuildkitError("INVALID_ADDRESS", `unsupported buildkitd address ${JSON.stringify(address)}: use unix:///path/to/buildkitd.sock or tcp://host:port`);
  }
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(hostPort);
  if (!m) throw new BuildkitError("INVALID_ADDRESS", `invalid buildkitd address ${JSON.stringify(address)}: expected tcp://host:port`);
  return { host: m[1] ?? m[2] ?? "", port: Number(m[3]) };
}

/** The channel to one daemon: dials the address (TLS when asked), or through the connection helper. */
function daemonChannel(address: string, options: ConnectOptions): GrpcChannel {
  const helper = options.helper;
  const target = helper ? undefined : dialTarget(address);
  const tls = options.tls;
  // SNI is the server name asked for, else the host unless it is an IP (RFC 6066 forbids those, Go sends none);
  // node:tls checks the certificate against that name, or the IP.
  const tlsOptions = (host: string | undefined) => {
    const servername = tls?.serverName ?? (host !== undefined && !isIP(host) ? host : undefined);
    const ca = tls?.caCert ?? defaultCaCertificates();
    return {
      ...(servername !== undefined ? { servername } : {}),
      ...(ca !== undefined ? { ca } : {}),
      ...(tls?.key ? { key: tls.key } : {}),
      ...(tls?.cert ? { cert: tls.cert } : {}),
      ALPNProtocols: ["h2"],
    };
  };
  let dial: () => Duplex;
  let authority: string;
  if (!target) {
    dial = () => helper!.dial();
    authority = "localhost";
  } else if ("path" in target) {
    const path = target.path;
    dial = tls ? () => tlsConnect({ path, ...tlsOptions(undefined) }) : () => netConnect({ path });
    authority = "localhost";
  } else {
    const { host, port } = target;
    authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
    dial = tls ? () => tlsConnect({ host, port, ...tlsOptions(host) }) : () => netConnect({ host, port });
  }
  return new GrpcChannel({
    dial,
    authority,
    scheme: tls ? "https" : "http",
    maxMessageBytes: MAX_MESSAGE_BYTES,
    // Receive windows (per stream and connection): the session tunnel carries local exports
    // from the daemon; HTTP/2's 64 KiB default allowed one 64 KiB window per round trip
    // (grpc-go, buildctl's side, grows its windows with BDP estimation).
    windowBytes: 16 * 1024 * 1024,
    // buildkitd enforces grpc-go's default keepalive policy (no pings below 5 minutes).
    keepaliveMs: 300_000,
    userAgent: "tsfrontend",
  });
}

const encoder =
  <T>(t: Encoder<T>) =>
  (m: T): Uint8Array =>
    t.encode(m).finish();
const decoder =
  <T>(t: Decoder<T>) =>
  (b: Buffer): T =>
    t.decode(b);

/** Raw access to the daemon's gRPC channel, shared by the control and gateway clients. */
export class BuildkitConnection {
  readonly address: string;
  readonly channel: GrpcChannel;
  private readonly helper: ConnectionHelper | undefined;

  constructor(address: string, options: ConnectOptions = {}) {
    this.address = address;
    this.helper = options.helper;
    this.channel = daemonChannel(address, options);
  }

  async unary<Req, Res>(path: string, reqType: Encoder<Req>, resType: Decoder<Res>, req: Req, options: GrpcCallOptions = {}): Promise<Res> {
    try {
      return resType.decode(await this.channel.unary(path, reqType.encode(req).finish(), options));
    } catch (err) {
      throw mapGrpcError(err as Error, path, this.address);
    }
  }

  /** A server-streaming call: the request is sent, responses are read from the stream (errors are raw, see mapGrpcError). */
  serverStream<Req, Res>(path: string, reqType: Encoder<Req>, resType: Decoder<Res>, req: Req, options: GrpcCallOptions = {}): GrpcStream<Req, Res> {
    const stream = this.channel.stream(path, encoder(reqType), decoder(resType), options);
    stream.end(req);
    return stream;
  }

  bidiStream<Req, Res>(path: string, reqType: Encoder<Req>, resType: Decoder<Res>, options: GrpcCallOptions = {}): GrpcStream<Req, Res> {
    return this.channel.stream(path, encoder(reqType), decoder(resType), options);
  }

  /** Waits until the channel is connected, or fails with a clear error after `timeoutMs`. */
  async waitReady(timeoutMs = 5000): Promise<void> {
    try {
      await this.channel.waitReady(timeoutMs);
    } catch (err) {
      throw new BuildkitError("UNAVAILABLE", `cannot connect to buildkitd at ${this.address}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Why the connection helper's last process failed (ssh:// addresses), if it did. */
  helperError(): string | undefined {
    return this.helper?.lastError();
  }

  close(): void {
    this.channel.close();
    this.helper?.close();
  }
}

export type WorkerRecord = moby.buildkit.v1.types.WorkerRecord.$Properties;
export type BuildHistoryEvent = moby.buildkit.v1.BuildHistoryEvent.$Properties;
export type UsageRecord = moby.buildkit.v1.UsageRecord.$Properties;

export interface PruneOptions {
  all?: boolean;
  keepDuration?: number;
  filter?: string[];
  /** Bytes of cache to keep. */
  keepStorage?: number;
}

/** The Control service calls other than Solve/Status/Session (those live in solve.ts). */
export class ControlClient {
  constructor(readonly conn: BuildkitConnection) {}

  info() {
    return this.conn.unary("/moby.buildkit.v1.Control/Info", control.InfoRequest, control.InfoResponse, control.InfoRequest.create());
  }

  async listWorkers(filter: string[] = [], options: { timeoutMs?: number } = {}): Promise<WorkerRecord[]> {
    const res = await this.conn.unary(
      "/moby.buildkit.v1.Control/ListWorkers",
      control.ListWorkersRequest,
      control.ListWorkersResponse,
      control.ListWorkersRequest.create({ filter }),
      options.timeoutMs !== undefined ? { deadline: Date.now() + options.timeoutMs } : {},
    );
    return res.record ?? [];
  }

  async diskUsage(filter: string[] = []): Promise<UsageRecord[]> {
    const res = await this.conn.unary("/moby.buildkit.v1.Control/DiskUsage", control.DiskUsageRequest, control.DiskUsageResponse, control.DiskUsageRequest.create({ filter }));
    return res.record ?? [];
  }

  /** The daemon's build records as they are now (ListenBuildHistory with EarlyExit: the stream ends after them). */
  buildHistory(): Promise<BuildHistoryEvent[]> {
    const path = "/moby.buildkit.v1.Control/ListenBuildHistory";
    const stream = this.conn.serverStream(path, control.BuildHistoryRequest, control.BuildHistoryEvent, control.BuildHistoryRequest.create({ EarlyExit: true }));
    return new Promise((resolve, reject) => {
      const out: BuildHistoryEvent[] = [];
      stream.on("data", (e: BuildHistoryEvent) => out.push(e));
      stream.on("error", (err: Error) => reject(mapGrpcError(err, path, this.conn.address)));
      stream.on("end", () => resolve(out));
    });
  }

  /** The record of one build (ListenBuildHistory for its ref: the first event), or undefined when the daemon has none. */
  buildRecord(ref: string): Promise<BuildHistoryEvent | undefined> {
    const path = "/moby.buildkit.v1.Control/ListenBuildHistory";
    const stream = this.conn.serverStream(path, control.BuildHistoryRequest, control.BuildHistoryEvent, control.BuildHistoryRequest.create({ Ref: ref }));
    return new Promise((resolve, reject) => {
      let first: BuildHistoryEvent | undefined;
      stream.on("data", (e: BuildHistoryEvent) => {
        if (first) return;
        first = e;
        resolve(e);
        stream.cancel();
      });
      stream.on("error", (err: Error) => (first ? undefined : reject(mapGrpcError(err, path, this.conn.address))));
      stream.on("end", () => resolve(first));
    });
  }

  /** Pins, unpins or deletes a build record (UpdateBuildHistory). */
  async updateBuildHistory(ref: string, change: { pinned?: boolean; delete?: boolean }): Promise<void> {
    await this.conn.unary(
      "/moby.buildkit.v1.Control/UpdateBuildHistory",
      control.UpdateBuildHistoryRequest,
      control.UpdateBuildHistoryResponse,
      control.UpdateBuildHistoryRequest.create({ Ref: ref, Pinned: change.pinned ?? false, Delete: change.delete ?? false }),
    );
  }

  /** Prunes build cache; resolves with the records removed. */
  prune(options: PruneOptions = {}): Promise<UsageRecord[]> {
    const req = control.PruneRequest.create({
      all: options.all ?? false,
      filter: options.filter ?? [],
      keepDuration: options.keepDuration ?? 0,
      reservedSpace: options.keepStorage ?? 0,
    });
    const stream = this.conn.serverStream("/moby.buildkit.v1.Control/Prune", control.PruneRequest, control.UsageRecord, req);
    return new Promise((resolve, reject) => {
      const out: UsageRecord[] = [];
      stream.on("data", (r: UsageRecord) => out.push(r));
      stream.on("error", (err: Error) => reject(mapGrpcError(err, "/moby.buildkit.v1.Control/Prune", this.conn.address)));
      stream.on("end", () => resolve(out));
    });
  }
}

const content = containerd.services.content.v1;

/**
 * The daemon's content store (containerd's content service, which buildkitd
 * serves on its control socket), as buildctl's `debug get` and `debug logs
 * --trace` read blobs through containerd's content proxy.
 */
export class ContentClient {
  constructor(readonly conn: BuildkitConnection) {}

  /** The blob's size; fails as the daemon does for a digest it does not have ("content digest ...: not found"). */
  async size(digest: string): Promise<number> {
    const res = await this.conn.unary("/containerd.services.content.v1.Content/Info", content.InfoRequest, content.InfoResponse, content.InfoRequest.create({ digest }));
    return Number(res.info?.size ?? 0);
  }

  /** Streams the blob to `write` in the daemon's chunks. */
  read(digest: string, write: (chunk: Uint8Array) => void): Promise<void> {
    const path = "/containerd.services.content.v1.Content/Read";
    const stream = this.conn.serverStream(path, content.ReadContentRequest, content.ReadContentResponse, content.ReadContentRequest.create({ digest }));
    return new Promise((resolve, reject) => {
      stream.on("data", (r: containerd.services.content.v1.ReadContentResponse) => {
        if (r.data && r.data.length > 0) write(r.data);
      });
      stream.on("error", (err: Error) => reject(mapGrpcError(err, path, this.conn.address)));
      stream.on("end", () => resolve());
    });
  }
}

export { google };
