/**
 * Which buildkitd to talk to, as buildctl decides it plus an embedded default:
 *
 *   1. the `addr` option (the CLI's `--addr`),
 *   2. `BUILDKIT_HOST`,
 *   3. `unix:///run/buildkit/buildkitd.sock` if a daemon answers there,
 *   4. a buildkitd of our own (embedded-daemon.ts): started on demand when
 *      running as root with a buildkitd binary at hand, and reused by later calls.
 */

import { InvalidArgumentError } from "../errors.js";
import type { BuildkitConnection, ConnectOptions } from "./connection.js";
import { helperSchemeProblem, parseSshAddress } from "./connhelper.js";
import { resolveEmbedded, type EmbeddedRecord } from "./embedded-daemon.js";
import { BuildkitError } from "./errors.js";
import { answers, exists, infoOf, isSocket, openConnection, unixPath } from "./probe.js";
import { diagnoseTls } from "./tls.js";

/** buildctl's default address (appdefaults.Address for root). */
export const DEFAULT_ADDRESS = "unix:///run/buildkit/buildkitd.sock";

export type DaemonSource = "addr" | "BUILDKIT_HOST" | "default" | "embedded";

export interface ResolveDaemonOptions {
  /** An explicit address (`unix:///path` or `tcp://host:port`); wins over everything. */
  addr?: string;
  /** Start the embedded buildkitd when no other daemon is configured or answering (default true). */
  allowStart?: boolean;
  /** Environment to read `BUILDKIT_HOST`, XDG dirs, `HOME`, `PATH`, `TSFRONTEND_BUILDKITD` from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** How long a started daemon may take to answer (default 20 s). */
  startTimeoutMs?: number;
  /** How long to wait for the default socket to answer (default 1.5 s). */
  probeTimeoutMs?: number;
  /** Called once when the embedded daemon was started (for a note on stderr). */
  onStart?: (info: EmbeddedRecord) => void;
}

export interface ResolvedDaemon {
  address: string;
  /** True when this call started the embedded daemon. */
  started: boolean;
  /** True when the address is the embedded daemon's. */
  embedded: boolean;
  source: DaemonSource;
  /** The embedded daemon's pid. */
  pid?: number;
}


/** Why `address` cannot be used, or undefined when it can. Accepts `unix:///abs/path`, `tcp://host:port` and `ssh://[user@]host[:port][/socket]`. */
export function addressProblem(address: string): string | undefined {
  const accepted = "use unix:///path/to/buildkitd.sock, tcp://host:port or ssh://[user@]host[:port][/socket]";
  if (address.trim() === "") return `empty address: ${accepted}`;
  if (address.startsWith("unix://")) {
    const p = address.slice("unix://".length);
    if (!p.startsWith("/")) return `${JSON.stringify(address)} has no absolute socket path: ${accepted}`;
    return undefined;
  }
  if (address.startsWith("tcp://")) {
    const hp = address.slice("tcp://".length).replace(/\/$/, "");
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):([0-9]{1,5})$/.exec(hp);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) return `${JSON.stringify(address)} is not tcp://host:port: ${accepted}`;
    return undefined;
  }
  if (address.startsWith("ssh://")) {
    try {
      parseSshAddress(address);
      return undefined;
    } catch (err) {
      return `${(err as Error).message}: ${accepted}`;
    }
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(address)?.[1];
  if (scheme && helperSchemeProblem(scheme)) return `unsupported address scheme ${JSON.stringify(scheme + "://")} in ${JSON.stringify(address)}: ${helperSchemeProblem(scheme)}; ${accepted}`;
  if (scheme) return `unsupported address scheme ${JSON.stringify(scheme + "://")} in ${JSON.stringify(address)}: ${accepted}`;
  return `${JSON.stringify(address)} has no scheme: ${accepted}`;
}

/** Picks the daemon to use (see the module comment), starting the embedded one if allowed and needed. */
export async function resolveDaemon(opts: ResolveDaemonOptions = {}): Promise<ResolvedDaemon> {
  const env = opts.env ?? process.env;
  if (opts.addr !== undefined) {
    const problem = addressProblem(opts.addr);
    if (problem) throw new InvalidArgumentError(problem, { flag: "--addr" });
    return { address: opts.addr, started: false, embedded: false, source: "addr" };
  }
  const host = env["BUILDKIT_HOST"];
  if (host) {
    const problem = addressProblem(host);
    if (problem) throw new InvalidArgumentError(problem, { flag: "BUILDKIT_HOST" });
    return { address: host, started: false, embedded: false, source: "BUILDKIT_HOST" };
  }
  if (await answers(DEFAULT_ADDRESS, opts.probeTimeoutMs ?? 1500)) {
    return { address: DEFAULT_ADDRESS, started: false, embedded: false, source: "default" };
  }
  return resolveEmbedded(opts, env);
}

export interface ConnectDaemonOptions extends ResolveDaemonOptions, ConnectOptions {
  /**
   * How long to wait for the daemon to answer, in ms (default 5 s, as buildctl's
   * `--timeout 5`); 0 waits without limit.
   */
  timeoutMs?: number;
  /**
   * Keep trying (once a second) while the daemon is not there yet or refuses
   * connections, until it answers or `timeoutMs` has passed: buildctl's `--wait`
   * (client.Wait retries while Info is UNAVAILABLE).
   */
  wait?: boolean;
  /**
   * The call that checks the connection (default: Info), given the time left;
   * a caller that needs another call first (a builder node its workers) makes
   * it the check instead of adding a round trip.
   */
  probe?: (conn: BuildkitConnection, timeoutMs: number) => Promise<unknown>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** {@link resolveDaemon}, then a connection checked with an Info call (or `probe`). */
export async function connectDaemon(opts: ConnectDaemonOptions = {}): Promise<BuildkitConnection> {
  const resolved = await resolveDaemon(opts);
  const from = resolved.source === "addr" ? " (--addr)" : resolved.source === "BUILDKIT_HOST" ? " (BUILDKIT_HOST)" : "";
  const timeoutMs = opts.timeoutMs ?? 5000;
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  const sock = unixPath(resolved.address);
  const connectOptions: ConnectOptions = {};
  if (opts.tls) connectOptions.tls = opts.tls;
  // With --wait: try, sleep up to a second, try again, until the deadline.
  const pause = async (): Promise<boolean> => {
    const left = deadline - Date.now();
    if (opts.wait !== true || left <= 0) return false;
    await sleep(Math.min(1000, left));
    return true;
  };
  for (;;) {
    if (sock !== undefined && !(await isSocket(sock))) {
      if (await pause()) continue;
      const what = (await exists(sock)) ? "is not a socket" : "does not exist";
      throw new BuildkitError("UNAVAILABLE", `cannot connect to buildkitd at ${resolved.address}${from}: ${sock} ${what}${opts.wait ? ` (waited ${timeoutMs / 1000} s)` : ""}`);
    }
    const conn = await openConnection(resolved.address, connectOptions);
    try {
      // One Info per attempt; with --wait a short one, so a daemon coming up is seen within a second or so.
      const left = deadline === Infinity ? 2 ** 31 - 1 : Math.max(1, deadline - Date.now());
      await (opts.probe ?? infoOf)(conn, opts.wait ? Math.max(250, Math.min(left, 1000)) : left);
      return conn;
    } catch (err) {
      // As client.Wait: an UNIMPLEMENTED Info (buildkit < v0.11) still answers; retry only while unavailable.
      if (opts.wait === true && err instanceof BuildkitError && err.details.grpcCode === 12) return conn;
      const helperError = conn.helperError();
      conn.close();
      const unavailable = err instanceof BuildkitError && (err.details.grpcCode === 14 || err.details.grpcCode === 4);
      if (unavailable && helperError === undefined && (await pause())) continue;
      // The channel says OpenSSL's text or the socket's error; say what is wrong instead.
      const tlsDetail = helperError === undefined && err instanceof BuildkitError && err.details.grpcCode === 14 ? await diagnoseTls(resolved.address, opts.tls, tlsLabels(opts)) : undefined;
      const detail = helperError ?? tlsDetail ?? connectionErrorDetail(err);
      throw new BuildkitError(err instanceof BuildkitError ? err.reason : "UNAVAILABLE", `cannot connect to buildkitd at ${resolved.address}${from}: ${detail}`, { cause: err });
    }
  }
}

function tlsLabels(opts: ConnectOptions): { labels?: NonNullable<ConnectOptions["tls"]>["labels"] } {
  const labels = opts.tls?.labels;
  return labels ? { labels } : {};
}

/** The useful part of a failed connection's message: the channel's first line without our prefix. */
export function connectionErrorDetail(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split("\n")[0]!.replace(/^cannot reach buildkitd at \S+: /, "");
}

