/**
 * Connection helpers for daemon addresses that are not sockets, as buildctl's
 * `client/connhelper`. Only `ssh://[user@]host[:port][/socket]` is supported: buildctl runs
 *
 *   ssh [-l USER] [-p PORT] -- HOST buildctl [--addr unix:///SOCKET] dial-stdio
 *
 * and speaks gRPC over that process's stdin/stdout. So does {@link sshHelper}: each
 * connection the gRPC channel opens (another after one breaks) is a fresh ssh process's
 * stdio; {@link ConnectionHelper.close} ends the ssh processes.
 *
 * `docker-container://`, `kube-pod://`, `podman-container://`, `nerdctl-container://` and
 * `npipe://` (buildctl's other helpers) are not supported: {@link helperSchemeProblem} says so.
 */

import { spawn, type ChildProcess } from "node:child_process";
import { Duplex } from "node:stream";
import { BuildkitError } from "./errors.js";

/** What {@link BuildkitConnection} dials instead of the address itself. */
export interface ConnectionHelper {
  /** A new connection to the daemon: the byte stream of a fresh helper process. */
  dial(): Duplex;
  /** Why the last helper process failed (its exit status and the end of its stderr), if one did. */
  lastError(): string | undefined;
  /** Ends the helper processes. */
  close(): void;
}

/** The parts of an `ssh://` address (buildctl's connhelper/ssh `Spec`). */
export interface SshSpec {
  user?: string;
  host: string;
  port?: string;
  /** The daemon's socket on the remote host (the URL's path), if given. */
  socket?: string;
}

const OTHER_HELPERS = ["docker-container", "kube-pod", "podman-container", "nerdctl-container", "npipe"];

/** Why a scheme of buildctl's other connection helpers cannot be used, or undefined for any other scheme. */
export function helperSchemeProblem(scheme: string): string | undefined {
  if (!OTHER_HELPERS.includes(scheme.toLowerCase())) return undefined;
  return `the ${scheme}:// connection helper is not supported by tsfrontend (only ssh:// is)`;
}

/** Parses `ssh://[user@]host[:port][/socket]` as buildctl's SpecFromURL; throws a message on bad input. */
export function parseSshAddress(address: string): SshSpec {
  let u: URL;
  try {
    u = new URL(address);
  } catch {
    throw new BuildkitError("INVALID_ADDRESS", `${JSON.stringify(address)} is not a valid ssh://[user@]host[:port][/socket] address`);
  }
  if (u.protocol !== "ssh:") throw new BuildkitError("INVALID_ADDRESS", `${JSON.stringify(address)} is not an ssh:// address`);
  if (u.password !== "") throw new BuildkitError("INVALID_ADDRESS", `${JSON.stringify(address)}: plain-text password is not supported (use an ssh key or agent)`);
  // WHATWG URL keeps IPv6 brackets in hostname; ssh wants them off.
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw new BuildkitError("INVALID_ADDRESS", `${JSON.stringify(address)}: no host specified`);
  if (u.search !== "") throw new BuildkitError("INVALID_ADDRESS", `${JSON.stringify(address)}: extra query after the host: ${JSON.stringify(u.search.slice(1))}`);
  if (u.hash !== "") throw new BuildkitError("INVALID_ADDRESS", `${JSON.stringify(address)}: extra fragment after the host: ${JSON.stringify(u.hash.slice(1))}`);
  const spec: SshSpec = { host };
  if (u.username !== "") spec.user = decodeURIComponent(u.username);
  if (u.port !== "") spec.port = u.port;
  const path = decodeURIComponent(u.pathname);
  if (path !== "" && path !== "/") spec.socket = path;
  return spec;
}

/** The arguments buildctl v0.32.2 passes to `ssh` for `spec`. */
export function sshArgs(spec: SshSpec): string[] {
  const args: string[] = [];
  if (spec.user !== undefined) args.push("-l", spec.user);
  if (spec.port !== undefined) args.push("-p", spec.port);
  args.push("--", spec.host, "buildctl");
  if (spec.socket !== undefined) args.push("--addr", "unix://" + spec.socket);
  args.push("dial-stdio");
  return args;
}

export interface SshHelperOptions {
  /** The ssh client to run (default `ssh`, looked up on PATH). */
  ssh?: string;
  /** Environment of the ssh processes (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/** Keeps the last bytes of a process's stderr, for the error message. */
const STDERR_KEEP = 4096;

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with status ${code}`;
}

/** The ssh connection helper for `address` (see the module comment); ssh runs at each dial. */
export function sshHelper(address: string, options: SshHelperOptions = {}): ConnectionHelper {
  const args = sshArgs(parseSshAddress(address));
  const ssh = options.ssh ?? "ssh";
  const children = new Set<ChildProcess>();
  let last: string | undefined;
  let closed = false;

  const dial = (): Duplex => {
    const child = spawn(ssh, args, { env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    children.add(child);
    const stdin = child.stdin!;
    const stdout = child.stdout!;
    let stderr = "";
    let spawnFailed = false;
    const conn = new Duplex({
      read() {
        stdout.resume();
      },
      write(chunk: Buffer, _encoding, cb) {
        // After ssh exited: EPIPE; the connection ends with its exit (below).
        if (stdin.destroyed) cb();
        else stdin.write(chunk, () => cb());
      },
      final(cb) {
        stdin.end();
        cb();
      },
      destroy(err, cb) {
        stdin.destroy();
        // dial-stdio exits on EOF; a stuck ssh must not outlive the connection.
        if (children.has(child)) {
          const t = setTimeout(() => child.kill("SIGTERM"), 2000);
          t.unref();
          child.once("close", () => clearTimeout(t));
        }
        cb(err);
      },
    });
    stdin.on("error", () => {});
    stdout.on("data", (b: Buffer) => {
      if (!conn.push(b)) stdout.pause();
    });
    child.stderr!.on("data", (b: Buffer) => {
      stderr = (stderr + b.toString("utf8")).slice(-STDERR_KEEP);
    });
    child.on("error", (err: NodeJS.ErrnoException) => {
      spawnFailed = true;
      last = err.code === "ENOENT" ? `${ssh} is not installed or not on PATH (ssh:// addresses run \`${ssh} ${args.join(" ")}\`)` : `cannot run ${ssh}: ${err.message}`;
      children.delete(child);
      conn.destroy();
    });
    // The connection ends only once ssh has exited, so its failure is recorded before the channel sees it close.
    child.on("close", (code, signal) => {
      children.delete(child);
      if (!closed && !spawnFailed && (code !== 0 || signal)) {
        const lines = stderr.trim().split("\n").filter((l) => l.trim() !== "");
        last = `\`${ssh} ${args.join(" ")}\` ${describeExit(code, signal)}` + (lines.length > 0 ? `: ${lines.slice(-2).join("; ")}` : "");
      }
      // What ssh wrote is still read; then the connection closes (autoDestroy, both sides ended).
      conn.push(null);
      conn.end();
    });
    return conn;
  };

  const close = (): void => {
    if (closed) return;
    closed = true;
    process.removeListener("exit", close);
    for (const c of children) c.kill("SIGTERM");
  };
  // A process that exits without closing the connection still ends its ssh processes.
  process.on("exit", close);

  return { dial, lastError: () => last, close };
}
