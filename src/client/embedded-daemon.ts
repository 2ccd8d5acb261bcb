/**
 * tsfrontend's own buildkitd ("embedded"), the last choice of address
 * resolution (address.ts): started on demand when running as root with a
 * buildkitd binary at hand, detached so it outlives the CLI, and reused by
 * later calls (pid file + socket check).
 *
 * The embedded daemon keeps its state under the user's data dir
 * (`$XDG_DATA_HOME/tsfrontend/buildkitd`, default `~/.local/share/...`) and its
 * socket and pid file under the runtime dir (`$XDG_RUNTIME_DIR/tsfrontend`,
 * default `/run/tsfrontend`). It never lives in a repository or the cwd.
 * {@link stopEmbedded} stops it and removes build containers and mounts it left.
 */

import { spawn, execFile } from "node:child_process";
import { closeSync, constants as fsConstants, openSync, readFileSync, writeSync } from "node:fs";
import { access, mkdir, open, readFile, rm, stat, statfs, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join, relative, resolve as resolvePath, sep } from "node:path";
import type { ResolveDaemonOptions, ResolvedDaemon } from "./address.js";
import { BuildkitError } from "./errors.js";
import { answers, exists, isSocket, probeDaemon } from "./probe.js";

/** What to tell a user who has no daemon; every "no buildkitd" error ends with it. */
export const NO_DAEMON_ADVICE = "run as root with buildkitd on PATH (bash scripts/env/install.sh), start one and set BUILDKIT_HOST, or pass --addr";

/** Where the embedded daemon keeps its files. */
export interface EmbeddedPaths {
  /** `$XDG_DATA_HOME/tsfrontend/buildkitd`: config, log, state. */
  dataDir: string;
  /** buildkitd's `root` (cache, snapshots, metadata). */
  root: string;
  config: string;
  log: string;
  /** TMPDIR of the daemon (its temporary mounts land here). */
  tmp: string;
  /** `$XDG_RUNTIME_DIR/tsfrontend` or `/run/tsfrontend`: socket, pid file, start lock. */
  runDir: string;
  socket: string;
  otelSocket: string;
  pidFile: string;
  lockFile: string;
  address: string;
}

/** The pid file's content. */
export interface EmbeddedRecord {
  pid: number;
  /** Field 22 of /proc/PID/stat, so a reused pid is never mistaken for ours. */
  startTime: string;
  binary: string;
  runc?: string;
  snapshotter: string;
  address: string;
  dataDir: string;
  root: string;
  config: string;
  log: string;
  startedAt: string;
}


function xdgDir(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  // The XDG spec says relative paths are invalid and must be ignored.
  return v && isAbsolute(v) ? v : undefined;
}

function home(env: NodeJS.ProcessEnv): string {
  const h = env["HOME"];
  return h && isAbsolute(h) ? h : homedir();
}

/** The embedded daemon's paths for this environment. */
export function embeddedPaths(env: NodeJS.ProcessEnv = process.env): EmbeddedPaths {
  const dataHome = xdgDir(env, "XDG_DATA_HOME") ?? join(home(env), ".local", "share");
  const dataDir = join(dataHome, "tsfrontend", "buildkitd");
  const runtime = xdgDir(env, "XDG_RUNTIME_DIR");
  const runDir = runtime ? join(runtime, "tsfrontend") : "/run/tsfrontend";
  const socket = join(runDir, "buildkitd.sock");
  return {
    dataDir,
    root: join(dataDir, "root"),
    config: join(dataDir, "buildkitd.toml"),
    log: join(dataDir, "buildkitd.log"),
    tmp: join(dataDir, "tmp"),
    runDir,
    socket,
    otelSocket: join(runDir, "otel-grpc.sock"),
    pidFile: join(runDir, "buildkitd.pid"),
    lockFile: join(runDir, "buildkitd.start.lock"),
    address: `unix://${socket}`,
  };
}


async function isExecutable(path: string): Promise<boolean> {
  try {
    const s = await stat(path);
    if (!s.isFile()) return false;
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function which(name: string, env: NodeJS.ProcessEnv, extra: string[] = []): Promise<string | undefined> {
  for (const dir of (env["PATH"] ?? "").split(delimiter)) {
    if (dir && isAbsolute(dir) && (await isExecutable(join(dir, name)))) return join(dir, name);
  }
  for (const p of extra) if (await isExecutable(p)) return p;
  return undefined;
}

/** `$TSF_CACHE/bin` as scripts/env/paths.sh computes it. */
function cacheBin(env: NodeJS.ProcessEnv): string {
  const cache = env["TSF_CACHE"] || join(xdgDir(env, "XDG_CACHE_HOME") ?? join(home(env), ".cache"), "tsfrontend");
  return join(cache, "bin");
}

export interface BinaryLookup {
  path?: string;
  /** Why none was found, for the error message. */
  problem?: string;
}

/** buildkitd to start: `TSFRONTEND_BUILDKITD` if set, else on PATH, else in `$TSF_CACHE/bin` (where install.sh puts it). */
export async function findBuildkitd(env: NodeJS.ProcessEnv = process.env): Promise<BinaryLookup> {
  const explicit = env["TSFRONTEND_BUILDKITD"];
  if (explicit) {
    if (await isExecutable(explicit)) return { path: resolvePath(explicit) };
    return { problem: `TSFRONTEND_BUILDKITD=${explicit} is not an executable file` };
  }
  const bin = cacheBin(env);
  const found = await which("buildkitd", env, [join(bin, "buildkitd")]);
  if (found) return { path: found };
  return { problem: `buildkitd is not on PATH nor in ${bin}` };
}

/** runc for the OCI worker: `$TSF_CACHE/bin/runc` (paths.sh prefers it), else PATH, else /usr/sbin. */
async function findRunc(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const own = join(cacheBin(env), "runc");
  if (await isExecutable(own)) return own;
  return which("runc", env, ["/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc", "/usr/local/bin/runc"]);
}

/** Field 22 (start time) of /proc/PID/stat, or undefined when the process is gone or a zombie. */
export function processStartTime(pid: number): string | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z" || fields[0] === "X") return undefined;
  return fields[19];
}

function isOurs(rec: EmbeddedRecord): boolean {
  return rec.pid > 0 && processStartTime(rec.pid) === rec.startTime;
}

async function readRecord(paths: EmbeddedPaths): Promise<EmbeddedRecord | undefined> {
  try {
    const rec = JSON.parse(await readFile(paths.pidFile, "utf8")) as EmbeddedRecord;
    if (typeof rec.pid !== "number" || typeof rec.startTime !== "string") return undefined;
    return rec;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** Refuses a data dir inside the cwd or a git work tree (state must never land in a repository). */
async function checkDataDir(dataDir: string): Promise<void> {
  const cwd = process.cwd();
  if (cwd !== sep && isInside(dataDir, cwd)) {
    throw new BuildkitError("NO_DAEMON", `refusing to keep buildkitd state in ${dataDir}: it is inside the current directory; set XDG_DATA_HOME to a directory outside it`);
  }
  for (let d = dirname(dataDir); ; d = dirname(d)) {
    if (await exists(join(d, ".git"))) {
      throw new BuildkitError("NO_DAEMON", `refusing to keep buildkitd state in ${dataDir}: it is inside the git work tree ${d}; set XDG_DATA_HOME to a directory outside it`);
    }
    if (dirname(d) === d) break;
  }
}

const OVERLAYFS_MAGIC = 0x794c7630;

async function snapshotterFor(dir: string): Promise<string> {
  try {
    // overlayfs cannot stack on overlayfs; buildkitd would fail to start.
    if ((await statfs(dir)).type === OVERLAYFS_MAGIC) return "native";
  } catch {
    /* keep the default */
  }
  return "overlayfs";
}

function tomlString(s: string): string {
  return JSON.stringify(s);
}

/** The generated buildkitd.toml (as scripts/env/start.sh writes it, minus the test registry). */
export function embeddedConfig(paths: EmbeddedPaths, opts: { runc?: string; snapshotter: string }): string {
  return [
    "# Written by tsfrontend (src/client/embedded-daemon.ts) each time it starts its own buildkitd.",
    `root = ${tomlString(paths.root)}`,
    "",
    "[grpc]",
    `  address = [${tomlString(paths.address)}]`,
    "",
    "[otel]",
    `  socketPath = ${tomlString(paths.otelSocket)}`,
    "",
    "[worker.oci]",
    "  enabled = true",
    `  snapshotter = ${tomlString(opts.snapshotter)}`,
    ...(opts.runc ? [`  binary = ${tomlString(opts.runc)}`] : []),
    "  # No CNI config and no iptables: build containers share the host network namespace.",
    '  networkMode = "host"',
    "  gc = true",
    "",
    "[worker.containerd]",
    "  enabled = false",
    "",
    "[cdi]",
    "  disabled = true",
    "",
  ].join("\n");
}

function lastLogLine(log: string): string {
  try {
    const text = readFileSync(log, "utf8");
    const lines = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("--- tsfrontend"));
    const last = lines.at(-1) ?? "";
    // logrus text lines: time="..." level=error msg="..."
    const m = /msg="((?:[^"\\]|\\.)*)"/.exec(last);
    return (m ? m[1]!.replace(/\\"/g, '"') : last).slice(0, 300);
  } catch {
    return "";
  }
}

/** Takes the start lock (O_EXCL file holding our pid); waits while another live process holds it. */
async function takeStartLock(paths: EmbeddedPaths, deadline: number): Promise<() => Promise<void>> {
  for (;;) {
    try {
      const fh = await open(paths.lockFile, "wx", 0o600);
      await fh.writeFile(`${process.pid} ${processStartTime(process.pid) ?? ""}\n`);
      await fh.close();
      return async () => {
        await rm(paths.lockFile, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    let holderAlive = false;
    try {
      const [pid, st] = (await readFile(paths.lockFile, "utf8")).trim().split(" ");
      holderAlive = Number(pid) > 0 && processStartTime(Number(pid)) === st;
    } catch {
      continue; // removed meanwhile
    }
    if (!holderAlive) {
      await rm(paths.lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new BuildkitError("NO_DAEMON", `another tsfrontend is starting buildkitd and holds ${paths.lockFile}; try again, or remove the file if no tsfrontend is running`);
    }
    await sleep(100);
  }
}

/** The embedded daemon for a resolution: reused if it runs, else started (when allowed). */
export async function resolveEmbedded(opts: ResolveDaemonOptions, env: NodeJS.ProcessEnv): Promise<ResolvedDaemon> {
  const paths = embeddedPaths(env);
  const startTimeout = opts.startTimeoutMs ?? 20_000;
  const running = await reuseEmbedded(paths, startTimeout);
  if (running) return running;

  if (opts.allowStart === false) {
    throw new BuildkitError("NO_DAEMON", `no buildkitd running: ${NO_DAEMON_ADVICE}`);
  }
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    throw new BuildkitError("NO_DAEMON", `no buildkitd: tsfrontend starts its own only as root; ${NO_DAEMON_ADVICE}`);
  }
  const bin = await findBuildkitd(env);
  if (!bin.path) throw new BuildkitError("NO_DAEMON", `no buildkitd: ${bin.problem}; ${NO_DAEMON_ADVICE}`);
  const runc = await findRunc(env);
  if (!runc) throw new BuildkitError("NO_DAEMON", `no buildkitd: runc (needed by buildkitd's OCI worker) is not on PATH; install runc (bash scripts/env/install.sh), start a buildkitd and set BUILDKIT_HOST, or pass --addr`);
  await checkDataDir(paths.dataDir);
  if (Buffer.byteLength(paths.socket) > 107) {
    throw new BuildkitError("NO_DAEMON", `socket path ${paths.socket} is too long for a unix socket; set XDG_RUNTIME_DIR to a shorter directory`);
  }

  await mkdir(paths.runDir, { recursive: true, mode: 0o711 });
  const deadline = Date.now() + startTimeout;
  const release = await takeStartLock(paths, deadline);
  try {
    // Someone may have started it while we waited for the lock.
    const again = await reuseEmbedded(paths, startTimeout);
    if (again) return again;
    const rec = await startEmbedded(paths, bin.path, runc, deadline, startTimeout);
    opts.onStart?.(rec);
    return { address: paths.address, started: true, embedded: true, source: "embedded", pid: rec.pid };
  } finally {
    await release();
  }
}

/** The embedded daemon if it runs (waiting for it to answer if it is still starting), else undefined after removing stale files. */
async function reuseEmbedded(paths: EmbeddedPaths, startTimeout: number): Promise<ResolvedDaemon | undefined> {
  const rec = await readRecord(paths);
  if (rec && isOurs(rec)) {
    const deadline = Date.now() + startTimeout;
    for (;;) {
      if (await answers(paths.address, 1500)) return { address: paths.address, started: false, embedded: true, source: "embedded", pid: rec.pid };
      if (!isOurs(rec)) break;
      if (Date.now() > deadline) {
        throw new BuildkitError(
          "UNAVAILABLE",
          `tsfrontend's buildkitd (pid ${rec.pid}) does not answer on ${paths.address}; see ${rec.log}, or restart it with \`tsfrontend daemon stop\``,
        );
      }
      await sleep(200);
    }
  }
  if (rec) {
    // The recorded daemon is gone: its pid file and socket are stale.
    await rm(paths.pidFile, { force: true });
    await rm(paths.socket, { force: true });
  }
  // A daemon on our socket without a pid file (e.g. the pid file was deleted) is still ours to use.
  if (await answers(paths.address, 1500)) return { address: paths.address, started: false, embedded: true, source: "embedded" };
  return undefined;
}

async function startEmbedded(paths: EmbeddedPaths, binary: string, runc: string, deadline: number, startTimeout: number): Promise<EmbeddedRecord> {
  await mkdir(paths.dataDir, { recursive: true, mode: 0o711 });
  await mkdir(paths.root, { recursive: true, mode: 0o700 });
  await mkdir(paths.tmp, { recursive: true, mode: 0o700 });
  const snapshotter = await snapshotterFor(paths.dataDir);
  await writeFile(paths.config, embeddedConfig(paths, { runc, snapshotter }), { mode: 0o644 });
  await rm(paths.socket, { force: true });

  const logFd = openSync(paths.log, "a", 0o600);
  let child;
  try {
    writeSync(logFd, `--- tsfrontend: starting ${binary} --config ${paths.config} at ${new Date().toISOString()}\n`);
    child = spawn(binary, ["--config", paths.config], {
      cwd: "/",
      detached: true, // own session: survives the CLI and its terminal's signals
      stdio: ["ignore", logFd, logFd],
      env: { ...process.env, TMPDIR: paths.tmp },
    });
  } finally {
    closeSync(logFd);
  }
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  child.on("exit", (code, signal) => (exited = { code, signal }));
  child.on("error", (err) => (spawnError = err));
  child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    await sleep(0);
    throw new BuildkitError("NO_DAEMON", `cannot start ${binary}: ${spawnError?.message ?? "spawn failed"}`);
  }
  // The start time identifies the process later (pids are reused).
  let startTime = processStartTime(pid);
  for (let i = 0; startTime === undefined && i < 20 && !exited; i++) {
    await sleep(5);
    startTime = processStartTime(pid);
  }
  const rec: EmbeddedRecord = {
    pid,
    startTime: startTime ?? "",
    binary,
    runc,
    snapshotter,
    address: paths.address,
    dataDir: paths.dataDir,
    root: paths.root,
    config: paths.config,
    log: paths.log,
    startedAt: new Date().toISOString(),
  };
  await writeFile(paths.pidFile, JSON.stringify(rec, null, 2) + "\n", { mode: 0o644 });

  for (;;) {
    if (exited || spawnError) {
      await rm(paths.pidFile, { force: true });
      const how = spawnError ? spawnError.message : exited!.signal ? `killed by ${exited!.signal}` : `exit status ${exited!.code}`;
      const last = lastLogLine(paths.log);
      throw new BuildkitError("NO_DAEMON", `buildkitd (${binary}) exited at start (${how})${last ? `: ${last}` : ""}; log: ${paths.log}`);
    }
    if (await answers(paths.address, 1000)) return rec;
    if (Date.now() > deadline) {
      // Do not leave a daemon behind that never came up.
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone */
      }
      await rm(paths.pidFile, { force: true });
      throw new BuildkitError("NO_DAEMON", `buildkitd (pid ${pid}) did not answer on ${paths.address} within ${Math.round(startTimeout / 1000)}s; see ${paths.log}`);
    }
    await sleep(100);
  }
}

// --- status and stop -----------------------------------------------------------------------

export interface EmbeddedStatus {
  paths: EmbeddedPaths;
  record?: EmbeddedRecord;
  running: boolean;
  answering: boolean;
  version?: { package: string; version: string; revision: string };
  binary: BinaryLookup;
}

/** What is known about the embedded daemon, without starting it. */
export async function embeddedStatus(env: NodeJS.ProcessEnv = process.env): Promise<EmbeddedStatus> {
  const paths = embeddedPaths(env);
  const rec = await readRecord(paths);
  const running = rec !== undefined && isOurs(rec);
  const out: EmbeddedStatus = { paths, running, answering: false, binary: await findBuildkitd(env) };
  if (rec) out.record = rec;
  if (await isSocket(paths.socket)) {
    try {
      out.version = await probeDaemon(paths.address, 1500);
      out.answering = true;
    } catch {
      /* not answering */
    }
  }
  return out;
}

export interface StopResult {
  /** The pid stopped, if a daemon was running. */
  pid?: number;
  /** True when it ignored SIGTERM and was killed. */
  killed: boolean;
  /** Build containers killed and deleted. */
  containers: string[];
  /** Mount points unmounted. */
  unmounted: string[];
}

export interface StopOptions {
  env?: NodeJS.ProcessEnv;
  /** How long to wait after SIGTERM before SIGKILL (default 10 s). */
  termTimeoutMs?: number;
}

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: stdout ?? "", stderr: stderr ?? "" });
    });
  });
}

/** runc containers whose bundle lies under `dir` (buildkitd's executor dirs). */
async function containersUnder(runc: string | undefined, dir: string): Promise<string[]> {
  if (!runc) return [];
  const r = await run(runc, ["list", "-f", "json"]);
  if (r.code !== 0) return [];
  let list: { id?: string; bundle?: string }[] | null;
  try {
    list = JSON.parse(r.stdout) as { id?: string; bundle?: string }[] | null;
  } catch {
    return [];
  }
  return (list ?? []).filter((c) => c.id && c.bundle && isInside(c.bundle, dir)).map((c) => c.id!);
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Mount points under `dir`, or whose options name a path under it (overlay layers); deepest first. */
function mountsUnder(dir: string): string[] {
  let text: string;
  try {
    text = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return [];
  }
  const prefix = dir.endsWith("/") ? dir : dir + "/";
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    if (!line) continue;
    const f = line.split(" ");
    const mp = unescapeMount(f[4] ?? "");
    const un = unescapeMount(line);
    if ((mp + "/").startsWith(prefix) || un.includes("=" + prefix) || un.includes(":" + prefix)) out.add(mp);
  }
  return [...out].sort((a, b) => b.length - a.length);
}

async function waitGone(rec: EmbeddedRecord, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (isOurs(rec)) {
    if (Date.now() > end) return false;
    await sleep(100);
  }
  return true;
}

/**
 * Stops the embedded daemon: kills its build containers, SIGTERM (SIGKILL after a timeout),
 * then removes leftover containers and mounts under its data dir, its pid file and socket.
 * The cache in the data dir stays. Safe to call when nothing runs.
 */
export async function stopEmbedded(opts: StopOptions = {}): Promise<StopResult> {
  const env = opts.env ?? process.env;
  const paths = embeddedPaths(env);
  const rec = await readRecord(paths);
  const result: StopResult = { killed: false, containers: [], unmounted: [] };
  const runc = rec?.runc ?? (await findRunc(env));
  const dataDir = rec?.dataDir ?? paths.dataDir;

  // 1. build containers first, so the graceful stop need not wait for running builds.
  for (const id of await containersUnder(runc, dataDir)) {
    await run(runc!, ["kill", id, "KILL"]);
  }

  // 2. the daemon itself.
  if (rec && isOurs(rec)) {
    result.pid = rec.pid;
    try {
      process.kill(rec.pid, "SIGTERM");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EPERM") {
        throw new BuildkitError("PERMISSION_DENIED", `cannot stop buildkitd (pid ${rec.pid}): permission denied; run as root`);
      }
    }
    if (!(await waitGone(rec, opts.termTimeoutMs ?? 10_000))) {
      result.killed = true;
      try {
        process.kill(rec.pid, "SIGKILL");
      } catch {
        /* gone */
      }
      if (!(await waitGone(rec, 5000))) throw new BuildkitError("INTERNAL", `could not stop buildkitd (pid ${rec.pid})`);
    }
  }

  // 3. containers left behind by a daemon that died mid-build.
  for (const id of await containersUnder(runc, dataDir)) {
    await run(runc!, ["kill", id, "KILL"]);
    await run(runc!, ["delete", "--force", id]);
    result.containers.push(id);
  }

  // 4. leftover mounts, deepest first; lazily as a last resort.
  const umount = (await which("umount", env, ["/usr/bin/umount", "/bin/umount"])) ?? "umount";
  for (let round = 1; round <= 3; round++) {
    const mounts = mountsUnder(dataDir);
    if (mounts.length === 0) break;
    for (const m of mounts) {
      const r = await run(umount, round < 3 ? ["-R", m] : ["-R", "-l", m]);
      if (r.code === 0 && !result.unmounted.includes(m)) result.unmounted.push(m);
    }
  }
  const left = mountsUnder(dataDir);
  if (left.length > 0) throw new BuildkitError("INTERNAL", `mounts still present under ${dataDir}: ${left.join(" ")}`);

  // 5. runtime files (the state stays for the next start).
  await rm(paths.pidFile, { force: true });
  if (!(await answers(paths.address, 500))) {
    await rm(paths.socket, { force: true });
    await rm(paths.otelSocket, { force: true });
  }
  return result;
}

