/**
 * The daemon flags every command that talks to buildkitd shares, as buildctl's global
 * flags: `--addr` (default `$BUILDKIT_HOST`, then the default socket, then a buildkitd
 * tsfrontend starts), `--tlscacert/--tlscert/--tlskey/--tlsservername/--tlsdir`,
 * `--timeout` (seconds to wait for the daemon to answer; 0: no limit) and `--wait`
 * (keep trying until it answers, within the timeout), plus `--debug` and
 * `--log-format` (log.ts).
 * They are options of the program, so they work before or after the command name;
 * a command reads them with {@link connectionFlags} and connects with connect.ts (loaded only by
 * the commands that need a daemon).
 */

import type { Command } from "commander";

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
    .option("--builder <name>", "build on this builder's nodes; du, prune and workers act on each node (`tsfrontend builder ls`; default: $TSFRONTEND_BUILDER, else --addr/$BUILDKIT_HOST, else the current builder)")
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
