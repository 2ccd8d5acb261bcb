/**
 * Connecting to buildkitd from the global daemon flags (declared in connection-flags.ts, which
 * loads nothing heavy so that `--help` and `--version` stay fast): {@link connectOptions} checks
 * them and reads the TLS files, {@link connect} resolves the daemon and connects;
 * {@link chosenBuilder} tells when a builder's nodes are meant instead, and
 * {@link connectEach} connects them all (or the one daemon).
 */

import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { addressProblem, connectDaemon, type ConnectDaemonOptions } from "../client/address.js";
import type { BuildkitConnection, TlsOptions } from "../client/connection.js";
import { tlsMaterialProblem } from "../client/tls.js";
import { UsageError } from "../errors.js";
import { loadBuilders, selectBuilder, type Builder } from "../builder/store.js";
import { log } from "./log.js";
import { connectionFlags, type ConnectionFlags } from "./connection-flags.js";

export { connectionFlags, type ConnectionFlags } from "./connection-flags.js";

function readFlagFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : (err as Error).message;
    throw new UsageError(`cannot read ${path}: ${why}`, { flag, cause: err });
  }
}

/** buildctl's resolveTLSFilesFromDir: one of each pair must exist. */
function tlsFilesFromDir(dir: string): { ca: string; cert: string; key: string } {
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a directory`, { flag: "--tlsdir" });
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${dir} does not exist`, { flag: "--tlsdir", cause: err });
  }
  const oneOf = (either: string, or: string): string => {
    for (const name of [either, or]) {
      try {
        statSync(join(dir, name));
        return join(dir, name);
      } catch {
        /* try the next */
      }
    }
    throw new UsageError(`directory ${dir} did not contain one of the needed files: ${either} or ${or}`, { flag: "--tlsdir" });
  };
  return { ca: oneOf("ca.pem", "ca.crt"), cert: oneOf("cert.pem", "tls.crt"), key: oneOf("key.pem", "tls.key") };
}

/** Checks the flags and reads the TLS files (TLS itself is completed in the connection layer). */
export function connectOptions(flags: ConnectionFlags): ConnectDaemonOptions {
  const opts: ConnectDaemonOptions = {};
  if (flags.timeout !== undefined) {
    // buildctl's --timeout is an int flag (seconds).
    if (!/^\d+$/.test(flags.timeout.trim())) throw new UsageError(`${JSON.stringify(flags.timeout)} is not a whole number of seconds`, { flag: "--timeout" });
    opts.timeoutMs = Number(flags.timeout.trim()) * 1000;
  }
  if (flags.wait) opts.wait = true;
  if (flags.addr !== undefined) {
    const problem = addressProblem(flags.addr);
    if (problem) throw new UsageError(problem, { flag: "--addr" });
    opts.addr = flags.addr;
  }
  let ca = flags.tlscacert;
  let cert = flags.tlscert;
  let key = flags.tlskey;
  if (flags.tlsdir !== undefined) {
    if (ca !== undefined || cert !== undefined || key !== undefined) {
      throw new UsageError("cannot specify --tlsdir and --tlscacert/--tlscert/--tlskey at the same time", { flag: "--tlsdir" });
    }
    ({ ca, cert, key } = tlsFilesFromDir(flags.tlsdir));
  }
  // node:tls (like Go's tls.LoadX509KeyPair) needs both halves of the client identity.
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError(cert === undefined ? "--tlskey needs --tlscert (the client certificate)" : "--tlscert needs --tlskey (the client key)", { flag: cert === undefined ? "--tlscert" : "--tlskey" });
  }
  const flagOf = { caCert: "--tlscacert", cert: "--tlscert", key: "--tlskey" } as const;
  const files: Partial<Record<keyof typeof flagOf, string>> = {};
  if (ca !== undefined) files.caCert = ca;
  if (cert !== undefined) files.cert = cert;
  if (key !== undefined) files.key = key;
  const flagFor = (part: keyof typeof flagOf): string => (flags.tlsdir !== undefined ? "--tlsdir" : flagOf[part]);
  const tls: TlsOptions = {};
  if (files.caCert !== undefined) tls.caCert = readFlagFile(files.caCert, flagFor("caCert"));
  if (files.cert !== undefined) tls.cert = readFlagFile(files.cert, flagFor("cert"));
  if (files.key !== undefined) tls.key = readFlagFile(files.key, flagFor("key"));
  if (flags.tlsservername !== undefined) tls.serverName = flags.tlsservername;
  if (Object.keys(tls).length > 0) {
    const bad = tlsMaterialProblem(tls);
    if (bad) throw new UsageError(`${files[bad.part]} ${bad.problem}`, { flag: flagFor(bad.part) });
    tls.labels = { serverName: "--tlsservername" };
    for (const part of ["caCert", "cert", "key"] as const) {
      if (files[part] !== undefined) tls.labels[part] = `${files[part]} (${flagFor(part)})`;
    }
    opts.tls = tls;
  }
  return opts;
}

/** Resolves the daemon from the global flags (starting tsfrontend's own if needed) and connects. */
export function connect(cmd: Command, extra: Pick<ConnectDaemonOptions, "allowStart"> = {}): Promise<BuildkitConnection> {
  const opts = connectOptions(connectionFlags(cmd));
  if (extra.allowStart !== undefined) opts.allowStart = extra.allowStart;
  opts.onStart = (rec) => {
    log.info(`started buildkitd (pid ${rec.pid}) on ${rec.address}; state ${rec.dataDir}, log ${rec.log}; stop it with \`tsfrontend daemon stop\``);
  };
  return connectDaemon(opts).then((conn) => {
    log.debug(`connected to buildkitd at ${conn.address}`);
    return conn;
  });
}

/**
 * The builder a command works on: `--builder` (not with `--addr`), else none
 * when `--addr` is given, else `$TSFRONTEND_BUILDER`, else none when
 * `$BUILDKIT_HOST` is set, else the current builder (`builder use`), else none.
 */
export function chosenBuilder(cmd: Command): Builder | undefined {
  const flag = cmd.optsWithGlobals<{ builder?: string }>().builder;
  const addr = connectionFlags(cmd).addr;
  if (flag !== undefined && addr !== undefined) throw new UsageError("give either --builder (several daemons) or --addr (one daemon), not both", { flag: "--builder" });
  if (flag === undefined && addr !== undefined) return undefined;
  const env = process.env;
  if (flag === undefined && !env["TSFRONTEND_BUILDER"] && env["BUILDKIT_HOST"]) return undefined;
  return selectBuilder(loadBuilders(env), flag, env, true)?.builder;
}

/**
 * Every daemon a cache command (du, prune, workers) acts on, as buildx's do:
 * each node of the chosen builder, all connected at once (a node that does
 * not answer fails the command with its one line), else the one daemon of
 * {@link connect}. The caller closes them.
 */
export async function connectEach(cmd: Command): Promise<BuildkitConnection[]> {
  const builder = chosenBuilder(cmd);
  if (!builder) return [await connect(cmd)];
  const { connectEveryNode } = await import("../builder/nodes.js");
  const { timeoutMs } = connectOptions(connectionFlags(cmd));
  const nodes = await connectEveryNode(builder, timeoutMs !== undefined ? { timeoutMs } : {});
  for (const n of nodes) log.debug(`connected to node ${n.node.name} of builder ${builder.name} at ${n.conn.address}`);
  return nodes.map((n) => n.conn);
}
