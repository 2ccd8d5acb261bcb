/**
 * The connection to buildkitd: one grpc-js channel per daemon address
 * (`unix://`, `tcp://`), message limits raised to buildkit's 16 MiB, and the
 * `moby.buildkit.v1.Control` calls. gRPC errors are mapped to
 * {@link BuildkitError} here, once.
 */

import { isIP } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { containerd, moby, google } from "../proto/index.js";
import { defaultCaBuffer } from "../internal/node/extra-ca.js";
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
  /** Dial `helper.target` instead of the address (ssh://, see connhelper.ts); closed with the connection. */
  helper?: ConnectionHelper;
}

/**
 * grpc-js sends the target host as SNI even when it is an IP address, which RFC 6066 forbids
 * and Node warns about (DEP0123); Go sends none. Drop it: node:tls then checks the
 * certificate against the connection's host, the IP, as Go does.
 */
function withoutIpSni(creds: grpc.ChannelCredentials): grpc.ChannelCredentials {
  const make = creds._createSecureConnector.bind(creds);
  creds._createSecureConnector = (...args) => {
    const connector = make(...args) as ReturnType<typeof make> & { connectionOptions?: { servername?: string } };
    const sni = connector.connectionOptions?.servername;
    if (sni !== undefined && isIP(sni)) delete connector.connectionOptions!.servername;
    return connector;
  };
  return creds;
}

/** A message class of the generated code. */
export interface Encoder<T> {
  encode(m: T): { finish(): Uint8Array };
}

export interface Decoder<T> {
  decode(b: Uint8Array): T;
}

function serializer<T>(t: Encoder<T>): (m: T) => Buffer {
  return (m) => Buffer.from(t.encode(m).finish());
}

function deserializer<T>(t: Decoder<T>): (b: Buffer) => T {
  return (b) => t.decode(b);
}

/** Turns `unix:///path`, `tcp://host:port` or `host:port` into a grpc-js target. */
export function grpcTarget(address: string): string {
  if (address.startsWith("unix://")) return "unix://" + address.slice("unix://".length);
  if (address.startsWith("tcp://")) return address.slice("tcp://".length).replace(/\/$/, "");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(address)) {
    throw new BuildkitError("INVALID_ADDRESS", `unsupported buildkitd address ${JSON.stringify(address)}: use unix:///path/to/buildkitd.sock or tcp://host:port`);
  }
  return address;
}

/** Raw access to the daemon's gRPC channel, shared by the control and gateway clients. */
export class BuildkitConnection {
  readonly address: string;
  readonly client: grpc.Client;
  private readonly helper: ConnectionHelper | undefined;

  constructor(address: string, options: ConnectOptions = {}) {
    this.address = address;
    const creds = options.tls
      ? withoutIpSni(grpc.credentials.createSsl(options.tls.caCert ?? defaultCaBuffer(), options.tls.key ?? null, options.tls.cert ?? null))
      : grpc.credentials.createInsecure();
    const channelOptions: grpc.ChannelOptions = {
      "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
      "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
      // buildkitd enforces grpc-go's default keepalive policy (no pings below 5 minutes).
      "grpc.keepalive_time_ms": 300_000,
      // Receive windows (per stream and connection): the session tunnel carries local
      // exports from the daemon; Node's 64 KiB default allowed one 64 KiB window per
      // round trip (grpc-go, buildctl's side, grows its windows with BDP estimation).
      "grpc-node.flow_control_window": 16 * 1024 * 1024,
    };
    if (options.tls?.serverName) channelOptions["grpc.ssl_target_name_override"] = options.tls.serverName;
    if (address.startsWith("unix://") || options.helper) channelOptions["grpc.default_authority"] = "localhost";
    this.helper = options.helper;
    this.client = new grpc.Client(options.helper ? options.helper.target : grpcTarget(address), creds, channelOptions);
  }

  unary<Req, Res>(path: string, reqType: Encoder<Req>, resType: Decoder<Res>, req: Req, metadata = new grpc.Metadata(), options: grpc.CallOptions = {}): Promise<Res> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(path, serializer(reqType), deserializer(resType), req, metadata, options, (err, res) => {
        if (err) reject(mapGrpcError(err, path, this.address));
        else resolve(res!);
      });
    });
  }

  serverStream<Req, Res>(path: string, reqType: Encoder<Req>, resType: Decoder<Res>, req: Req, metadata = new grpc.Metadata(), options: grpc.CallOptions = {}): grpc.ClientReadableStream<Res> {
    return this.client.makeServerStreamRequest(path, serializer(reqType), deserializer(resType), req, metadata, options);
  }

  bidiStream<Req, Res>(path: string, reqType: Encoder<Req>, resType: Decoder<Res>, metadata = new grpc.Metadata(), options: grpc.CallOptions = {}): grpc.ClientDuplexStream<Req, Res> {
    return this.client.makeBidiStreamRequest(path, serializer(reqType), deserializer(resType), metadata, options);
  }

  /** Waits until the channel is connected, or fails with a clear error after `timeoutMs`. */
  waitReady(timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.waitForReady(Date.now() + timeoutMs, (err) => {
        if (err) reject(new BuildkitError("UNAVAILABLE", `cannot connect to buildkitd at ${this.address}: ${err.message}`, { cause: err }));
        else resolve();
      });
    });
  }

  /** Why the connection helper's last process failed (ssh:// addresses), if it did. */
  helperError(): string | undefined {
    return this.helper?.lastError();
  }

  close(): void {
    this.client.close();
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
      new grpc.Metadata(),
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
      stream.on("error", (err: grpc.ServiceError) => reject(mapGrpcError(err, path, this.conn.address)));
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
      stream.on("error", (err: grpc.ServiceError) => (first ? undefined : reject(mapGrpcError(err, path, this.conn.address))));
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
      stream.on("error", (err: grpc.ServiceError) => reject(mapGrpcError(err, "/moby.buildkit.v1.Control/Prune", this.conn.address)));
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
      stream.on("error", (err: grpc.ServiceError) => reject(mapGrpcError(err, path, this.conn.address)));
      stream.on("end", () => resolve());
    });
  }
}

export { google };
