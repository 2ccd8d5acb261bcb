/**
 * Connecting a builder's nodes: each through the one-daemon path
 * (client/address.ts `connectDaemon`: unix://, tcp:// with TLS/mTLS, ssh://
 * through the connection helper), all at once, then its workers' platforms
 * read (`ListWorkers`), as buildx's `builder.LoadNodes` does for `ls`,
 * `inspect --bootstrap` and builds.
 */

import { readFileSync } from "node:fs";
import { connectDaemon } from "../client/address.js";
import type { BuildkitConnection, TlsOptions } from "../client/connection.js";
import { ControlClient, type WorkerRecord } from "../client/connection.js";
import { BuilderNodeError, TsfError } from "../errors.js";
import { formatPlatformAll, normalizePlatform } from "../llb/index.js";
import { formatInGroups } from "../internal/go/buildx-platforms.js";
import type { NodePlatforms } from "./schedule.js";
import type { Builder, BuilderNode } from "./store.js";

/** A node that answered. */
export interface ConnectedNode {
  node: BuilderNode;
  conn: BuildkitConnection;
  /** Its workers' platforms, normalised, in order (first: native); empty when not read (`readWorkers: false`). */
  workers: string[];
  /** Its worker records as `ListWorkers` gave them (empty when not read). */
  records: WorkerRecord[];
  /** buildkitd's version, as `Info` reports it. */
  version?: string;
}

/** A node's state, for `builder ls`/`inspect`. */
export type NodeStatus =
  | { node: BuilderNode; state: "running"; workers: string[]; records: WorkerRecord[]; version?: string }
  | { node: BuilderNode; state: "unreachable"; reason: string };

export interface ConnectNodesOptions {
  /** How long each node may take to answer (default 5 s, as `--timeout`). */
  timeoutMs?: number;
  /**
   * Read the workers' platforms (default) with `ListWorkers` as the
   * connection's check; false: check with `Info` and leave `workers` empty
   * (buildkitd answers `ListWorkers` by probing its emulators again, every 20 s).
   */
  readWorkers?: boolean;
}

function readTlsFile(node: BuilderNode, path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new BuilderNodeError(node.name, node.endpoint, node.platforms, `cannot read its TLS ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

/** The node's TLS options, its files read now. */
export function nodeTls(node: BuilderNode): TlsOptions | undefined {
  const t = node.tls;
  if (!t) return undefined;
  const tls: TlsOptions = {};
  if (t.cacert) tls.caCert = readTlsFile(node, t.cacert, "CA certificate");
  if (t.cert) tls.cert = readTlsFile(node, t.cert, "certificate");
  if (t.key) tls.key = readTlsFile(node, t.key, "key");
  if (t.servername) tls.serverName = t.servername;
  tls.labels = { caCert: `${t.cacert} (node ${node.name} cacert)`, cert: `${t.cert} (node ${node.name} cert)`, key: `${t.key} (node ${node.name} key)`, serverName: `node ${node.name} servername` };
  return Object.keys(tls).length > 1 ? tls : undefined;
}

/** Normalised platform strings of worker records, in order, without repeats. */
export function recordPlatforms(workers: readonly WorkerRecord[]): string[] {
  const out: string[] = [];
  for (const w of workers) {
    for (const p of w.platforms ?? []) {
      if (!p.OS) continue;
      const s = formatPlatformAll(normalizePlatform({ os: p.OS, architecture: p.Architecture ?? "", ...(p.Variant ? { variant: p.Variant } : {}) }));
      if (!out.includes(s)) out.push(s);
    }
  }
  return out;
}

/** The reason of a connection failure without the address (the node error names it). */
export function failureReason(err: unknown, address: string): string {
  const line = err instanceof TsfError ? err.message : err instanceof Error ? err.message : String(err);
  // The channel's "No connection established: connect ECONNREFUSED ...": say it as Go does.
  if (/ECONNREFUSED/.test(line)) return "connection refused";
  if (/EHOSTUNREACH/.test(line)) return "no route to host";
  if (/ETIMEDOUT|Deadline exceeded/i.test(line)) return "timed out";
  return line
    .split("\n")[0]!
    .replace(`cannot connect to buildkitd at ${address} (--addr): `, "")
    .replace(`cannot connect to buildkitd at ${address}: `, "")
    .replace(`cannot reach buildkitd at ${address}: `, "")
    .replace(`buildkitd at ${address} `, "");
}

/** Connects one node and reads its workers; a failure is a {@link BuilderNodeError} naming it. */
export async function connectNode(node: BuilderNode, options: ConnectNodesOptions = {}): Promise<ConnectedNode> {
  const tls = nodeTls(node);
  let records: WorkerRecord[] = [];
  try {
    // The workers are read as the connection's check: one round trip, not an Info and then ListWorkers.
    const conn = await connectDaemon({
      addr: node.endpoint,
      allowStart: false,
      timeoutMs: options.timeoutMs ?? 5000,
      ...(tls ? { tls } : {}),
      ...(options.readWorkers !== false ? { probe: async (c: BuildkitConnection, timeoutMs: number) => (records = await new ControlClient(c).listWorkers([], { timeoutMs })) } : {}),
    });
    return { node, conn, workers: recordPlatforms(records), records };
  } catch (err) {
    throw new BuilderNodeError(node.name, node.endpoint, node.platforms, failureReason(err, node.endpoint), { cause: err });
  }
}

/**
 * Every node connected, all at once, for commands that act on each (du,
 * prune, workers): a node that does not answer fails the lot with its
 * {@link BuilderNodeError} (the others are closed), as buildx's do.
 */
export async function connectEveryNode(builder: Builder, options: ConnectNodesOptions = {}): Promise<ConnectedNode[]> {
  const results = await Promise.allSettled(builder.nodes.map((n) => connectNode(n, options)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    for (const r of results) if (r.status === "fulfilled") r.value.conn.close();
    throw failed.reason;
  }
  return results.map((r) => (r as PromiseFulfilledResult<ConnectedNode>).value);
}

/** Every node's state, all probed at once (nothing stays connected). */
export async function nodeStatuses(builder: Builder, options: ConnectNodesOptions = {}): Promise<NodeStatus[]> {
  return Promise.all(
    builder.nodes.map(async (node): Promise<NodeStatus> => {
      try {
        const c = await connectNode(node, options);
        let version: string | undefined;
        try {
          const info = await new ControlClient(c.conn).info();
          version = info.buildkitVersion?.version ?? undefined;
        } catch {
          // Older daemons have no Info.
        }
        c.conn.close();
        return { node, state: "running", workers: c.workers, records: c.records, ...(version ? { version } : {}) };
      } catch (err) {
        return { node, state: "unreachable", reason: err instanceof BuilderNodeError ? err.reason : String(err) };
      }
    }),
  );
}

/** What the scheduler needs of a connected node. */
export function schedulingView(n: ConnectedNode): NodePlatforms {
  return { name: n.node.name, declared: n.node.platforms, workers: n.workers };
}

/**
 * The platforms a node shows in `builder inspect` (and `ls --no-trunc`), as
 * buildx's: declared ones first with a `*`, then its workers' platforms.
 */
export function displayPlatforms(declared: readonly string[], workers: readonly string[]): string {
  return formatInGroups(declared, workers).join(", ");
}
