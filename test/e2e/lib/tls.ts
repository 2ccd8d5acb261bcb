/**
 * Remote-daemon fixtures for test/e2e/tls.test.ts:
 *
 * - {@link makeCerts}: a CA, a server certificate (SAN IP 127.0.0.1 and DNS buildkitd.test),
 *   a client certificate, and a second CA with its own client certificate, made with the
 *   `openssl` CLI;
 * - {@link startTlsDaemon}: a second buildkitd on 127.0.0.1:<free port> that requires client
 *   certificates (mutual TLS), plus a plain unix socket, in a run dir laid out like
 *   scripts/env/start.sh's (marker, `pids`, `buildkitd.toml`), so scripts/env/stop.sh stops
 *   it and removes its containers, mounts and state;
 * - {@link startSshd}: a test-only sshd on a loopback port (generated host key, one authorized
 *   key, root login by key only) whose sessions have buildctl on PATH, and an `ssh` wrapper
 *   that points the real client at that server's keys.
 *
 * Importing this module has no side effects.
 */

import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createServer, connect as netConnect } from "node:net";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { probeDaemon } from "../../../src/client/probe.js";
import { ok, repoRoot, run } from "./env.js";

export interface Certs {
  dir: string;
  ca: string;
  server: { cert: string; key: string };
  client: { cert: string; key: string };
  /** A CA the daemon does not trust. */
  otherCa: string;
  /** A client certificate signed by {@link Certs.otherCa}. */
  rogue: { cert: string; key: string };
}

/** The DNS name in the server certificate (besides IP 127.0.0.1). */
export const SERVER_DNS_NAME = "buildkitd.test";

function executable(p: string | undefined): p is string {
  if (!p) return false;
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `name` on PATH or at one of `extra`, else undefined. */
export function findTool(name: string, extra: string[] = []): string | undefined {
  const onPath = (process.env["PATH"] ?? "")
    .split(delimiter)
    .filter((d) => d)
    .map((d) => join(d, name));
  return [...onPath, ...extra].find(executable);
}

/** `$TSF_CACHE/bin` as scripts/env/paths.sh computes it. */
export function cacheBin(): string {
  const e = process.env;
  return join(e["TSF_CACHE"] || join(e["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "tsfrontend"), "bin");
}

async function openssl(args: string[], cwd: string): Promise<void> {
  ok(await run("openssl", args, { cwd, timeout: 30_000 }), `openssl ${args[0]}`);
}

/** A P-256 key and a CSR for `cn`, then a certificate signed by `ca` with `ext` (openssl extfile lines). */
async function issue(dir: string, name: string, cn: string, ca: string, ext: string): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${name}-key.pem`);
  const cert = join(dir, `${name}.pem`);
  await openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", `/CN=${cn}`, "-keyout", key, "-out", join(dir, `${name}.csr`)], dir);
  writeFileSync(join(dir, `${name}.ext`), ext);
  await openssl(
    ["x509", "-req", "-in", join(dir, `${name}.csr`), "-CA", join(dir, `${ca}.pem`), "-CAkey", join(dir, `${ca}-key.pem`), "-CAcreateserial", "-days", "2", "-out", cert, "-extfile", join(dir, `${name}.ext`)],
    dir,
  );
  return { cert, key };
}

async function makeCa(dir: string, name: string, cn: string): Promise<string> {
  const cert = join(dir, `${name}.pem`);
  await openssl(
    [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", `/CN=${cn}`,
      "-keyout", join(dir, `${name}-key.pem`), "-out", cert,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  return cert;
}

/** Makes the test PKI in `dir` (see the module comment). */
export async function makeCerts(dir: string): Promise<Certs> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = await makeCa(dir, "ca", "tsfrontend test CA");
  const otherCa = await makeCa(dir, "other-ca", "tsfrontend other CA");
  const server = await issue(dir, "server", "buildkitd", "ca", `subjectAltName=IP:127.0.0.1,DNS:${SERVER_DNS_NAME}\nextendedKeyUsage=serverAuth\n`);
  const client = await issue(dir, "client", "tsfrontend client", "ca", "extendedKeyUsage=clientAuth\n");
  const rogue = await issue(dir, "rogue", "tsfrontend rogue client", "other-ca", "extendedKeyUsage=clientAuth\n");
  return { dir, ca, server, client, otherCa, rogue };
}

/** A loopback TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function startTime(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export interface TlsDaemon {
  /** `tcp://127.0.0.1:PORT`, mutual TLS. */
  address: string;
  /** `unix://RUNDIR/buildkitd.sock`, plain (buildkitd never does TLS on unix sockets). */
  unixAddress: string;
  runDir: string;
  /** Stops buildkitd and removes its run dir with scripts/env/stop.sh. */
  stop(): Promise<void>;
}

/** Starts the second buildkitd (see the module comment); fails the test with its log if it does not come up. */
export async function startTlsDaemon(certs: Certs): Promise<TlsDaemon> {
  const buildkitd = [process.env["BUILDKITD"], join(cacheBin(), "buildkitd")].find(executable) ?? findTool("buildkitd");
  const runc = [join(cacheBin(), "runc")].find(executable) ?? findTool("runc", ["/usr/sbin/runc"]);
  assert.ok(buildkitd, `buildkitd not found in ${cacheBin()} nor on PATH: run bash scripts/env/install.sh`);
  assert.ok(runc, "runc not found: run bash scripts/env/install.sh");
  // Not tmpfs/overlay: the overlayfs snapshotter needs a real disk file system (as start.sh).
  const runDir = mkdtempSync(join(process.env["TSF_RUNDIR_BASE"] || "/var/tmp", "tsf-e2e-tlsd-"));
  chmodSync(runDir, 0o711);
  writeFileSync(join(runDir, ".tsfrontend-rundir"), "");
  writeFileSync(join(runDir, "pids"), "");
  mkdirSync(join(runDir, "state"));
  mkdirSync(join(runDir, "tmp"));
  const stop = async (): Promise<void> => {
    const r = await run("bash", [join(repoRoot, "scripts", "env", "stop.sh"), runDir], { timeout: 120_000 });
    assert.equal(r.status, 0, `stop.sh ${runDir}: ${r.stderr}`);
  };
  writeFileSync(
    join(runDir, "buildkitd.toml"),
    [
      `root = ${JSON.stringify(join(runDir, "state"))}`,
      "",
      // Its own trace socket (the default one is taken by whichever daemon started first).
      "[otel]",
      `  socketPath = ${JSON.stringify(join(runDir, "otel-grpc.sock"))}`,
      "",
      "[worker.oci]",
      "  enabled = true",
      '  snapshotter = "overlayfs"',
      `  binary = ${JSON.stringify(runc)}`,
      '  networkMode = "host"',
      "  gc = true",
      "",
      "[worker.containerd]",
      "  enabled = false",
      "",
      "[cdi]",
      "  disabled = true",
      "",
    ].join("\n"),
  );
  const sock = join(runDir, "buildkitd.sock");
  const log = join(runDir, "buildkitd.log");
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const fd = openSync(log, "a");
    const child = spawn(
      buildkitd,
      [
        "--config", join(runDir, "buildkitd.toml"),
        "--addr", `unix://${sock}`,
        "--addr", `tcp://127.0.0.1:${port}`,
        "--tlscacert", certs.ca,
        "--tlscert", certs.server.cert,
        "--tlskey", certs.server.key,
      ],
      // Its own session and TMPDIR, as start.sh: it outlives nothing of ours but its mounts land in runDir.
      { detached: true, stdio: ["ignore", fd, fd], env: { ...process.env, TMPDIR: join(runDir, "tmp") } },
    );
    closeSync(fd);
    child.unref();
    const pid = child.pid!;
    writeFileSync(join(runDir, "pids"), `buildkitd ${pid} ${startTime(pid) ?? ""}\n`, { flag: "a" });
    let exited = false;
    child.once("exit", () => (exited = true));
    for (let i = 0; i < 300 && !exited; i++) {
      if (existsSync(sock)) {
        try {
          await probeDaemon(`unix://${sock}`, 2000);
          return { address: `tcp://127.0.0.1:${port}`, unixAddress: `unix://${sock}`, runDir, stop };
        } catch {
          /* not yet */
        }
      }
      await sleep(100);
    }
    const why = tail(log);
    if (exited && /address already in use/.test(why) && attempt < 3) continue; // lost the port race
    await stop().catch(() => {});
    assert.fail(`the TLS buildkitd did not come up${exited ? " (it exited)" : ""}; its log:\n${why}`);
  }
  await stop().catch(() => {});
  assert.fail("the TLS buildkitd could not get a free port");
}

export interface Sshd {
  port: number;
  /** A directory with an `ssh` that runs the real ssh client with this server's keys; put it first on PATH. */
  binDir: string;
  stop(): Promise<void>;
}

/** The sshd binary, or undefined when openssh-server is not installed. */
export function findSshd(): string | undefined {
  // sshd re-executes itself and insists on an absolute path.
  return ["/usr/sbin/sshd", "/usr/local/sbin/sshd"].find(executable);
}

function waitPort(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const attempt = (): void => {
      const s = netConnect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => {
        s.destroy();
        if (Date.now() > deadline) resolve(false);
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/**
 * Starts a test-only sshd in `dir` on 127.0.0.1:<free port>: root may log in with the
 * generated key only; sessions get `sessionPath` as PATH (buildctl's directory first).
 */
export async function startSshd(sshd: string, dir: string, sessionPath: string): Promise<Sshd> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keygen = findTool("ssh-keygen", ["/usr/bin/ssh-keygen"]);
  const ssh = findTool("ssh", ["/usr/bin/ssh"]);
  assert.ok(keygen && ssh, "ssh-keygen and ssh (openssh-client) are needed");
  for (const k of ["host_key", "client_key"]) ok(await run(keygen, ["-q", "-t", "ed25519", "-N", "", "-C", `tsfrontend-e2e-${k}`, "-f", join(dir, k)]), "ssh-keygen");
  writeFileSync(join(dir, "authorized_keys"), readFileSync(join(dir, "client_key.pub")));
  // Debian's sshd refuses to start without its privilege separation directory.
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const port = await freePort();
  writeFileSync(
    join(dir, "sshd_config"),
    [
      "ListenAddress 127.0.0.1",
      `Port ${port}`,
      `HostKey ${join(dir, "host_key")}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      // The keys live under /var/tmp (world-writable, sticky): StrictModes would refuse them.
      "StrictModes no",
      "AllowTcpForwarding no",
      "AllowAgentForwarding no",
      "X11Forwarding no",
      "PrintMotd no",
      `SetEnv PATH=${sessionPath}`,
      "",
    ].join("\n"),
  );
  const hostPub = readFileSync(join(dir, "host_key.pub"), "utf8").trim();
  writeFileSync(join(dir, "known_hosts"), `[127.0.0.1]:${port} ${hostPub}\n`);
  writeFileSync(
    join(dir, "ssh_config"),
    [
      "Host *",
      `  IdentityFile ${join(dir, "client_key")}`,
      "  IdentitiesOnly yes",
      `  UserKnownHostsFile ${join(dir, "known_hosts")}`,
      "  StrictHostKeyChecking yes",
      "  BatchMode yes",
      "  LogLevel ERROR",
      "",
    ].join("\n"),
  );
  const binDir = join(dir, "bin");
  mkdirSync(binDir);
  // The helper runs plain `ssh ARGS`, as buildctl; the wrapper only adds this server's config.
  writeFileSync(join(binDir, "ssh"), `#!/bin/sh\nexec ${ssh} -F ${join(dir, "ssh_config")} "$@"\n`, { mode: 0o755 });
  const log = openSync(join(dir, "sshd.log"), "a");
  const child: ChildProcess = spawn(sshd, ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: ["ignore", log, log] });
  closeSync(log);
  let exited = false;
  child.once("exit", () => (exited = true));
  const up = await waitPort(port, 10_000);
  const stop = async (): Promise<void> => {
    if (exited) return;
    const gone = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    await Promise.race([gone, sleep(5000)]);
    if (!exited) child.kill("SIGKILL");
  };
  if (!up || exited) {
    await stop();
    assert.fail(`sshd did not come up on 127.0.0.1:${port}; its log:\n${tail(join(dir, "sshd.log"))}`);
  }
  return { port, binDir, stop };
}

/** Removes `dir` (for after()). */
export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}
