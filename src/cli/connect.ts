/**
 * The daemon flags every command that talks to buildkitd shares, as buildctl's global
 * flags: `--addr` (default `$BUILDKIT_HOST`, then the default socket, then a buildkitd
 * tsfrontend starts), `--tlscacert/--tlscert/--tlskey/--tlsservername/--tlsdir`,
 * `--timeout` (seconds to wait for the daemon to answer; 0: no limit) and `--wait`
 * (keep trying until it answers, within the timeout), plus `--debug` and
 * `--log-format` (log.ts).
 * They are options of the program, so they work before or after the command name;
 * a command reads them with {@link connectionFlags} and connects with {@link connect}.
 */

import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { addressProblem, connectDaemon, type ConnectDaemonOptions } from "../client/address.js";
import type { BuildkitConnection, TlsOptions } from "../client/connection.js";
import { tlsMaterialProblem } from "../client/tls.js";
import { UsageError } from "../errors.js";
import { log } from "./log.js";

export interface ConnectionFlags {
  addr?: string;
  tlsservername?: string;
  tlscacert?: string;
  tlscert?: string;
  tlskey?: string;
  tlsdir?: string;
  /** `--timeout` seconds, as given. */
  timeout?: string;
  wait?: boolean;
}

/** Adds the global daemon flags to the program (call once, in main.ts). */
export function registerConnectionOptions(program: Command): void {
  program
    .option("--addr <address>", "buildkitd address, unix:///path, tcp://host:port or ssh://[user@]host[:port][/socket] (default: $BUILDKIT_HOST, else unix:///run/buildkit/buildkitd.sock if it answers, else a buildkitd tsfrontend starts as root)")
    .option("--builder <name>", "build on this builder's nodes (`tsfrontend builder ls`; default: $TSFRONTEND_BUILDER, else --addr/$BUILDKIT_HOST, else the current builder)")
    .option("--tlsservername <name>", "buildkitd server name for certificate validation (default: the host of --addr)")
    .option("--tlscacert <file>", "CA certificate for validation")
    .option("--tlscert <file>", "client certificate")
    .option("--tlskey <file>", "client key")
    .option("--tlsdir <dir>", "directory containing CA certificate, client certificate, and client key (ca.pem, cert.pem, key.pem or ca.crt, tls.crt, tls.key)")
    .option("--timeout <seconds>", "give up when buildkitd has not answered after this many seconds; 0: no limit (default: 5)")
    .option("--wait", "wait (within --timeout) until buildkitd is available instead of failing at once")
    .option("--debug", "debug output: debug log lines, and stack traces with errors")
    .option("--log-format <format>", "format of tsfrontend's log lines: text or json (default: text)");
}

/** The global daemon flags as seen by `cmd` (a command's action gets its Command as last argument). */
export function connectionFlags(cmd: Command): ConnectionFlags {
  const all = cmd.optsWithGlobals<ConnectionFlags>();
  const out: ConnectionFlags = {};
  for (const k of ["addr", "tlsservername", "tlscacert", "tlscert", "tlskey", "tlsdir", "timeout"] as const) {
    const v = all[k];
    if (typeof v === "string") out[k] = v;
  }
  if (all.wait === true) out.wait = true;
  return out;
}

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
  // grpc-js (like Go's tls.LoadX509KeyPair) needs both halves of the client identity.
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
