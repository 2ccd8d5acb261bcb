/**
 * Connection helpers for daemon addresses that are not sockets, as buildctl's
 * `client/connhelper`. Only `ssh://[user@]host[:port][/socket]` is supported: buildctl runs
 *
 *   ssh [-l USER] [-p PORT] -- HOST buildctl [--addr unix:///SOCKET] dial-stdio
 *
 * and speaks gRPC over that process's stdin/stdout. {@link startSshHelper} listens on a unix
 * socket in a private temporary directory, which the gRPC channel dials, and pipes every
 * connection (the channel opens another after one breaks) to a fresh ssh process; {@link ConnectionHelper.close}
 * stops the listener, ends the ssh processes and removes the directory.
 *
 * `docker-container://`, `kube-pod://`, `podman-container://`, `nerdctl-container://` and
 * `npipe://` (buildctl's other helpers) are not supported: {@link helperSchemeProblem} says so.
 */

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BuildkitError } from "./errors.js";

/** What {@link BuildkitConnection} dials instead of the address itself. */
export interface ConnectionHelper {
  /** What the channel dials, e.g. `unix:///tmp/tsfrontend-ssh-XXXX/buildkitd.sock`. */
  readonly target: string;
  /** Why the last helper process failed (its exit status and the end of its stderr), if one did. */
  lastError(): string | undefined;
  /** Stops the listener, ends the helper processes and removes the private directory. */
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
  /** Parent of the private socket directory (default the OS temp dir). */
  tmpDir?: string;
}

/** Keeps the last bytes of a process's stderr, for the error message. */
const STDERR_KEEP = 4096;

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with status ${code}`;
}

/** Starts the unix socket proxy for `ssh://` `address` (see the module comment). */
export async function startSshHelper(address: string, options: SshHelperOptions = {}): Promise<ConnectionHelper> {
  const args = sshArgs(parseSshAddress(address));
  const ssh = options.ssh ?? "ssh";
  // mkdtemp makes the directory 0700: only we can reach the socket.
  const dir = mkdtempSync(join(options.tmpDir ?? tmpdir(), "tsfrontend-ssh-"));
  const socketPath = join(dir, "buildkitd.sock");
  const children = new Set<ChildProcess>();
  const sockets = new Set<Socket>();
  let last: string | undefined;
  let closed = false;

  const pipeToSsh = (sock: Socket): void => {
    sockets.add(sock);
    const child = spawn(ssh, args, { env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    children.add(child);
    let stderr = "";
    let spawnFailed = false;
    child.stderr!.on("data", (b: Buffer) => {
      stderr = (stderr + b.toString("utf8")).slice(-STDERR_KEEP);
    });
    child.on("error", (err: NodeJS.ErrnoException) => {
      spawnFailed = true;
      last = err.code === "ENOENT" ? `${ssh} is not installed or not on PATH (ssh:// addresses run \`${ssh} ${args.join(" ")}\`)` : `cannot run ${ssh}: ${err.message}`;
      children.delete(child);
      sock.destroy();
    });
    child.on("close", (code, signal) => {
      children.delete(child);
      if (!closed && !spawnFailed && (code !== 0 || signal)) {
        const lines = stderr.trim().split("\n").filter((l) => l.trim() !== "");
        last = `\`${ssh} ${args.join(" ")}\` ${describeExit(code, signal)}` + (lines.length > 0 ? `: ${lines.slice(-2).join("; ")}` : "");
      }
      sock.end();
    });
    // Either side ending ends the other. The socket ends only once ssh has exited, so its
    // failure is recorded before the channel sees the connection close.
    sock.pipe(child.stdin!);
    // EPIPE once ssh has exited: the "close" handler above ends the socket.
    child.stdin!.on("error", () => {});
    child.stdout!.pipe(sock, { end: false });
    sock.on("error", () => {});
    sock.on("close", () => {
      sockets.delete(sock);
      child.stdin!.end();
      // dial-stdio exits on EOF; a stuck ssh must not outlive the connection.
      const t = setTimeout(() => child.kill("SIGTERM"), 2000);
      t.unref();
      child.once("close", () => clearTimeout(t));
    });
  };

  // Half-open: a client that ends its side still reads the rest of the answer.
  const server: Server = createServer({ allowHalfOpen: true }, pipeToSsh);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => resolve());
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new BuildkitError("UNAVAILABLE", `cannot start the ssh connection helper for ${address}: ${(err as Error).message}`, { cause: err });
  }
  // The listener alone must not keep the process alive; live connections and ssh processes do.
  server.unref();

  const cleanup = (): void => {
    if (closed) return;
    closed = true;
    process.removeListener("exit", cleanup);
    server.close();
    for (const s of sockets) s.destroy();
    for (const c of children) c.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  };
  // A process that exits without closing the connection still removes its directory.
  process.on("exit", cleanup);

  return {
    target: "unix://" + socketPath,
    lastError: () => last,
    close: cleanup,
  };
}
