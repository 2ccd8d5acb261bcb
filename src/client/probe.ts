/**
 * Whether a buildkitd answers at an address: a short Info call (through the
 * ssh connection helper for `ssh://`), and the unix-socket checks done first.
 * Used by address resolution (address.ts) and the embedded daemon's lifecycle
 * (embedded-daemon.ts).
 */

import { stat } from "node:fs/promises";
import { InvalidArgumentError } from "../errors.js";
import { moby } from "../proto/index.js";
import { BuildkitConnection, type ConnectOptions } from "./connection.js";
import { sshHelper } from "./connhelper.js";

const control = moby.buildkit.v1;

/** The socket path of a `unix://` address. */
export function unixPath(address: string): string | undefined {
  return address.startsWith("unix://") ? address.slice("unix://".length) : undefined;
}

/** True when `path` is a unix socket. */
export async function isSocket(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isSocket();
  } catch {
    return false;
  }
}

/**
 * Asks the daemon at `address` for its Info, failing after `timeoutMs`.
 * Resolves with the BuildKit version, or rejects with a {@link BuildkitError}.

/** True when `path` exists (any kind of file). */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export async function probeDaemon(address: string, timeoutMs = 1500, options: ConnectOptions = {}): Promise<{ package: string; version: string; revision: string }> {
  const conn = await openConnection(address, options);
  try {
    return await infoOf(conn, timeoutMs);
  } finally {
    conn.close();
  }
}

/** A connection to `address`, through the ssh connection helper for `ssh://`. */
export async function openConnection(address: string, options: ConnectOptions): Promise<BuildkitConnection> {
  if (!address.startsWith("ssh://")) return new BuildkitConnection(address, options);
  if (options.tls) throw new InvalidArgumentError(`TLS flags do not apply to ssh:// addresses (ssh encrypts the connection): drop --tlscacert/--tlscert/--tlskey/--tlsdir/--tlsservername`, { flag: "--addr" });
  return new BuildkitConnection(address, { ...options, helper: sshHelper(address) });
}

export async function infoOf(conn: BuildkitConnection, timeoutMs: number): Promise<{ package: string; version: string; revision: string }> {
  const res = await conn.unary(
    "/moby.buildkit.v1.Control/Info",
    control.InfoRequest,
    control.InfoResponse,
    control.InfoRequest.create(),
    { deadline: Date.now() + timeoutMs },
  );
  const v = res.buildkitVersion;
  return { package: v?.package ?? "", version: v?.version ?? "", revision: v?.revision ?? "" };
}

/** True when a daemon answers Info at `address` within `timeoutMs` (false at once for a missing unix socket). */
export async function answers(address: string, timeoutMs: number): Promise<boolean> {
  const p = unixPath(address);
  if (p !== undefined && !(await isSocket(p))) return false;
  try {
    await probeDaemon(address, timeoutMs);
    return true;
  } catch {
    return false;
  }
}
