// e2e: runs alone (prunes the shared daemon and compares its du with buildctl's; scripts/test-all.sh
// runs it after the other e2e files).
/**
 * `tsfrontend workers|du|prune|daemon` against real buildkitd daemons:
 *
 * - the daemon named by BUILDKIT_HOST (start one with `bash scripts/env/start.sh` and source
 *   the env.sh it prints): output shapes, the same bytes as buildctl where buildctl prints the
 *   same thing, one-line errors for bad flag values;
 * - the embedded default, in temporary HOME/XDG dirs with BUILDKIT_HOST unset: started on
 *   demand (root + buildkitd binary), reused by the next call, stopped by `daemon stop`
 *   (build containers and mounts included), and one line of advice when no binary exists.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync, copyFileSync, chmodSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { DEFAULT_ADDRESS } from "../../src/client/address.js";
import { probeDaemon } from "../../src/client/probe.js";
import { cliPath } from "../lib/cli.js";
import { repoRoot } from "../lib/gobin.js";

const cli = cliPath;
const host = process.env["BUILDKIT_HOST"];
const cacheBin = join(process.env["TSF_CACHE"] || join(process.env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "tsfrontend"), "bin");

function executable(p: string | undefined): p is string {
  if (!p) return false;
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, path = process.env["PATH"] ?? ""): string | undefined {
  return path
    .split(delimiter)
    .filter((d) => d)
    .map((d) => join(d, name))
    .find(executable);
}

const goArch = process.arch === "x64" ? "amd64" : process.arch === "arm64" ? "arm64" : process.arch;
const isRoot = process.getuid?.() === 0;

/**
 * A tool scripts/env/install.sh puts in place; the checks that need it fail (never drop out)
 * when it is missing.
 */
function requireTool(what: string, candidates: (string | undefined)[]): string {
  const found = candidates.find(executable);
  if (!found) assert.fail(`${what} not found (tried ${candidates.filter((c) => c).join(", ")}): run bash scripts/env/install.sh`);
  return found;
}
const buildctlBin = () => requireTool("buildctl", [process.env["BUILDCTL"], join(cacheBin, "buildctl"), onPath("buildctl")]);
const buildkitdBin = () =>
  requireTool("buildkitd", [process.env["TSFRONTEND_BUILDKITD"], process.env["BUILDKITD"], join(cacheBin, "buildkitd"), onPath("buildkitd")]);
const busyboxBin = () => requireTool(`a static busybox for ${goArch}`, [process.env[`BUSYBOX_${goArch.toUpperCase()}`], join(cacheBin, "..", "busybox", goArch, "bin", "busybox")]);
const runcBin = () => requireTool("runc", [onPath("runc", `${process.env["PATH"] ?? ""}:/usr/sbin:/usr/bin`)]);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: "utf8", env, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(r: Run): string {
  assert.equal(r.status, 0, `exit ${r.status}; stderr:\n${r.stderr}`);
  return r.stdout;
}

function assertOneLineError(r: Run, pattern: RegExp): void {
  assert.equal(r.status, 1, `expected exit 1, got ${r.status}; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
}

function requireHost(): string {
  if (!host) {
    assert.fail("BUILDKIT_HOST is not set: start a test daemon with `bash scripts/env/start.sh`, source the env.sh it prints, and run again");
  }
  return host;
}

function buildctlRun(args: string[], addr: string): string {
  const r = spawnSync(buildctlBin(), ["--addr", addr, ...args], { encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, `buildctl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** A build that leaves cache records behind: FROM scratch + COPY of a fresh file. */
function buildSomething(addr: string): void {
  const dir = mkdtempSync(join("/var/tmp", "tsf-e2e-ctx-"));
  try {
    writeFileSync(join(dir, "data.txt"), `tsfrontend e2e ${Date.now()} ${Math.random()}\n`.repeat(300));
    writeFileSync(join(dir, "Dockerfile"), "FROM scratch\nCOPY data.txt /data.txt\n");
    buildctlRun(["build", "--frontend", "dockerfile.v0", "--local", `context=${dir}`, "--local", `dockerfile=${dir}`], addr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const withoutLastAccessed = (s: string) => s.replace(/\t[^\t\n]* ago$/gm, "\t");

// --- against BUILDKIT_HOST -------------------------------------------------------------------

test("BUILDKIT_HOST names a running daemon", async () => {
  const addr = requireHost();
  const v = await probeDaemon(addr, 5000);
  assert.match(v.version, /^v\d+\.\d+/);
});

test("workers: ID / PLATFORMS table, and the same bytes as buildctl debug workers", () => {
  requireHost();
  const out = ok(run(["workers"]));
  const lines = out.trimEnd().split("\n");
  assert.match(lines[0]!, /^ID\t+PLATFORMS$/);
  assert.ok(lines.length >= 2, out);
  assert.match(lines[1]!, /^[a-z0-9]+\t+linux\/[a-z0-9]+(\/v\d+)?(,linux\/[a-z0-9]+(\/v\d+)?)*$/);
  const verbose = ok(run(["workers", "--verbose"]));
  assert.match(verbose, /^ID:\t+[a-z0-9]+\nPlatforms:\t+linux\//);
  assert.match(verbose, /\nBuildKit:\t+github\.com\/moby\/buildkit v\d/);
  assert.match(verbose, /\nGC Policy rule#0:\n\tAll:\t+(true|false)\n/);
  // The global flag works before the command name too.
  assert.equal(ok(run(["--addr", host!, "workers"])), out);
  assert.equal(out, buildctlRun(["debug", "workers"], host!));
  assert.equal(verbose, buildctlRun(["debug", "workers", "--verbose"], host!));
});

test("du: table and Total like buildctl du (plus LAST ACCESSED), --verbose identical", () => {
  requireHost();
  buildSomething(host!);
  const out = ok(run(["du"]));
  const lines = out.trimEnd().split("\n");
  // The SIZE column widens (two tabs) once a size is 8 characters or more, as Go's tabwriter does for buildctl.
  assert.match(lines[0]!, /^ID\t+RECLAIMABLE\tSIZE\t+LAST ACCESSED$/);
  assert.match(lines.at(-2)!, /^Reclaimable:\t[\d.]+[kMGT]?B$/);
  assert.match(lines.at(-1)!, /^Total:\t\t[\d.]+[kMGT]?B$/);
  for (const row of lines.slice(1, -2).filter((l) => !/^(Shared|Private):/.test(l))) {
    assert.match(row, /^[a-z0-9]{25}\*? {45,46}\t(true |false)\s*\t[\d.]+[kMGT]?B\*?\t+(.* ago)?$/, row);
  }
  assert.ok(lines.length > 3, `a build left records:\n${out}`);
  assert.equal(withoutLastAccessed(out), buildctlRun(["du"], host!));
  assert.equal(ok(run(["du", "--verbose"])), buildctlRun(["du", "--verbose"], host!));
  const filtered = ok(run(["du", "--filter", "type==regular"]));
  assert.equal(withoutLastAccessed(filtered), buildctlRun(["du", "--filter", "type==regular"], host!));
  assert.doesNotMatch(filtered, /^Total:/m, "no summary with filters, as buildctl");
});

test("prune: removed records and Total: like buildctl prune", () => {
  requireHost();
  buildSomething(host!);
  // Everything was used just now: nothing is older than a day.
  assert.equal(ok(run(["prune", "--keep-duration", "24h"])), "Total:\t0B\n");
  const out = ok(run(["prune"]));
  const lines = out.trimEnd().split("\n");
  assert.match(lines.at(-1)!, /^Total:\t[\d.]+[kMGT]?B$/);
  assert.match(lines[0]!, /^ID\t+RECLAIMABLE\tSIZE\t+LAST ACCESSED$/);
  assert.ok(lines.length >= 3, out);
  assert.notEqual(lines.at(-1), "Total:\t0B");
  for (const row of lines.slice(1, -1)) assert.match(row, /^[a-z0-9]{25}\*? {45,46}\ttrue \s*\t[\d.]+[kMGT]?B\*?\t+(.* ago)?$/, row);
  // The records it says it removed are gone. (Records that du calls reclaimable can survive a prune,
  // with buildctl too: parents of records in use, the canceled steps buildkitd v0.32.2 keeps in use, and
  // layers of a frontend image the daemon releases a moment after a build.)
  const removed = lines.slice(1, -1).map((r) => r.split(/\s/, 1)[0]!.replace(/\*$/, ""));
  const left = buildctlRun(["du", "--filter", "type==regular"], host!).trimEnd().split("\n").slice(1).map((r) => r.split(/\s/, 1)[0]!.replace(/\*$/, ""));
  assert.deepEqual(removed.filter((id) => left.includes(id)), [], "pruned records are gone");
  assert.match(ok(run(["prune", "--all", "--verbose"])), /(^|\n)Total:\t[\d.]+[kMGT]?B\n$/);
});

test("bad flag values: one line naming the flag", () => {
  requireHost();
  assertOneLineError(run(["prune", "--keep-duration", "3 days"]), /^tsfrontend: --keep-duration: "3 days" is not a duration/);
  assertOneLineError(run(["prune", "--keep-duration", "-1h"]), /^tsfrontend: --keep-duration: .*negative/);
  assertOneLineError(run(["prune", "--keep-storage", "lots"]), /^tsfrontend: --keep-storage: "lots" is not a number of megabytes/);
  assertOneLineError(run(["du", "--addr", "docker-container://buildkitd"]), /^tsfrontend: --addr: unsupported address scheme "docker-container:\/\/"/);
  assertOneLineError(run(["--addr", "localhost", "workers"]), /^tsfrontend: --addr: "localhost" has no scheme/);
  assertOneLineError(run(["workers", "--addr", "tcp://127.0.0.1:99999"]), /^tsfrontend: --addr: .*not tcp:\/\/host:port/);
  assertOneLineError(run(["workers", "--tlscacert", "/nonexistent/ca.pem"]), /^tsfrontend: --tlscacert: cannot read \/nonexistent\/ca\.pem/);
  assertOneLineError(run(["workers", "--tlsdir", "/nonexistent"]), /^tsfrontend: --tlsdir: /);
  assertOneLineError(run(["du", "--filter", "==="]), /^tsfrontend: --filter: .*parse/);
  assertOneLineError(run(["workers", "--filter", "!!"]), /^tsfrontend: --filter: .*parse/);
  assertOneLineError(run(["du", "--bogus"]), /^tsfrontend: unknown option '--bogus'/);
  assertOneLineError(run(["workers"], { ...process.env, BUILDKIT_HOST: "buildkitd:1234" }), /^tsfrontend: BUILDKIT_HOST: "buildkitd:1234" has no scheme/);
  assertOneLineError(run(["workers", "--addr", "unix:///nonexistent/buildkitd.sock"]), /^tsfrontend: cannot connect to buildkitd at unix:\/\/\/nonexistent\/buildkitd\.sock \(--addr\): .*does not exist$/);
  assertOneLineError(run(["workers", "--addr", "tcp://127.0.0.1:1"]), /^tsfrontend: cannot connect to buildkitd at tcp:\/\/127\.0\.0\.1:1 \(--addr\): .*ECONNREFUSED/);
});

// --- the embedded default --------------------------------------------------------------------

async function defaultSocketAnswers(): Promise<boolean> {
  if (!existsSync(DEFAULT_ADDRESS.slice("unix://".length))) return false;
  try {
    await probeDaemon(DEFAULT_ADDRESS, 2000);
    return true;
  } catch {
    return false;
  }
}

interface Sandbox {
  base: string;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  runDir: string;
}

/** Temporary HOME and XDG dirs on a real disk (the overlayfs snapshotter needs one), BUILDKIT_HOST unset. */
function sandbox(extra: NodeJS.ProcessEnv = {}): Sandbox {
  const base = mkdtempSync(join(process.env["TSF_RUNDIR_BASE"] || "/var/tmp", "tsf-e2e-daemon-"));
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: join(base, "home"), XDG_DATA_HOME: join(base, "data"), XDG_RUNTIME_DIR: join(base, "run"), XDG_CACHE_HOME: join(base, "cache"), ...extra };
  delete env["BUILDKIT_HOST"];
  delete env["TSF_CACHE"];
  mkdirSync(env["HOME"]!, { recursive: true });
  return { base, env, dataDir: join(base, "data", "tsfrontend", "buildkitd"), runDir: join(base, "run", "tsfrontend") };
}

function startTime(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return f[0] === "Z" ? undefined : f[19];
  } catch {
    return undefined;
  }
}

function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter((l) => l.includes(dir + "/"));
}

function runcContainersUnder(dir: string): string[] {
  const r = spawnSync(runcBin(), ["list", "-f", "json"], { encoding: "utf8" });
  assert.equal(r.status, 0, `runc list: ${r.stderr}`);
  const list = (JSON.parse(r.stdout || "null") ?? []) as { id: string; bundle: string }[];
  return list.filter((c) => c.bundle.startsWith(dir + "/")).map((c) => c.id);
}

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("embedded default: started on demand, reused, stopped with its build containers and mounts", { timeout: 180_000 }, async (t) => {
  // tsfrontend starts buildkitd only as root; the test suites run as root (scripts/env/install.sh needs it).
  assert.ok(isRoot, "needs root: tsfrontend starts its own buildkitd only as root");
  const buildkitd = buildkitdBin();
  if (await defaultSocketAnswers()) {
    t.skip(`a daemon answers on ${DEFAULT_ADDRESS}, so tsfrontend would use it`);
    return;
  }
  const sb = sandbox({ TSFRONTEND_BUILDKITD: buildkitd });
  try {
    // 1. the first call starts it, detached, with everything under the sandbox's XDG dirs.
    const first = run(["workers"], sb.env);
    const out = ok(first);
    assert.match(out, /^ID\t+PLATFORMS\n[a-z0-9]+\t+linux\//);
    const m = /^tsfrontend: started buildkitd \(pid (\d+)\) on unix:\/\/(\S+);/.exec(first.stderr);
    assert.ok(m, `a note about the start on stderr, got:\n${first.stderr}`);
    const pid = Number(m[1]);
    assert.equal(m[2], join(sb.runDir, "buildkitd.sock"));
    const rec = JSON.parse(readFileSync(join(sb.runDir, "buildkitd.pid"), "utf8")) as { pid: number; startTime: string; binary: string; root: string; log: string };
    assert.equal(rec.pid, pid);
    assert.equal(rec.startTime, startTime(pid), "the daemon outlived the CLI");
    assert.equal(readlinkSync(`/proc/${pid}/exe`), realpathSync(rec.binary));
    assert.equal(readlinkSync(`/proc/${pid}/cwd`), "/", "never runs in the caller's cwd");
    assert.equal(rec.root, join(sb.dataDir, "root"));
    assert.ok(existsSync(join(sb.dataDir, "root")) && existsSync(join(sb.dataDir, "buildkitd.toml")) && existsSync(join(sb.dataDir, "buildkitd.log")));
    const toml = readFileSync(join(sb.dataDir, "buildkitd.toml"), "utf8");
    for (const want of ['snapshotter = "overlayfs"', 'networkMode = "host"', "[worker.containerd]\n  enabled = false"]) assert.ok(toml.includes(want), `${want} in\n${toml}`);

    // 2. later calls reuse it.
    const second = run(["du"], sb.env);
    assert.match(ok(second), /^ID\t+RECLAIMABLE\tSIZE\t+LAST ACCESSED\n/);
    assert.equal(second.stderr, "", "no second start");
    assert.equal((JSON.parse(readFileSync(join(sb.runDir, "buildkitd.pid"), "utf8")) as { pid: number }).pid, pid);
    assert.equal(startTime(pid), rec.startTime);
    const status = ok(run(["daemon", "status"], sb.env));
    assert.match(status, new RegExp(`^Address:\\tunix://${sb.runDir}/buildkitd\\.sock\\nSource:\\t+embedded`));
    assert.match(status, new RegExp(`\\nStatus:\\t+running \\(pid ${pid},`));

    // 3. a build container running when it is stopped.
    const ctx = join(sb.base, "ctx");
    mkdirSync(ctx);
    copyFileSync(busyboxBin(), join(ctx, "busybox"));
    chmodSync(join(ctx, "busybox"), 0o755);
    writeFileSync(join(ctx, "Dockerfile"), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sleep", "120"]\n');
    const build = spawn(buildctlBin(), ["--addr", `unix://${sb.runDir}/buildkitd.sock`, "build", "--frontend", "dockerfile.v0", "--local", `context=${ctx}`, "--local", `dockerfile=${ctx}`], { stdio: "ignore" });
    await until("the build container", () => runcContainersUnder(sb.dataDir).length > 0, 60_000);
    assert.ok(mountsUnder(sb.dataDir).length > 0, "the running build has mounts");

    // 4. `daemon stop` leaves no process, container, mount, pid file or socket.
    const stop = run(["daemon", "stop"], sb.env);
    assert.match(ok(stop), new RegExp(`^stopped buildkitd \\(pid ${pid}\\)`));
    assert.equal(startTime(pid), undefined, "buildkitd is gone");
    assert.deepEqual(runcContainersUnder(sb.dataDir), []);
    assert.deepEqual(mountsUnder(sb.base), []);
    assert.equal(existsSync(join(sb.runDir, "buildkitd.pid")), false);
    assert.equal(existsSync(join(sb.runDir, "buildkitd.sock")), false);
    assert.ok(existsSync(join(sb.dataDir, "root")), "the cache stays");
    const code = await new Promise<number | null>((r) => (build.exitCode !== null ? r(build.exitCode) : build.on("exit", (c) => r(c))));
    assert.notEqual(code, 0, "the interrupted build failed");
    assert.match(ok(run(["daemon", "stop"], sb.env)), /^tsfrontend's buildkitd is not running$/m);
    assert.match(ok(run(["daemon", "status"], sb.env)), /\nStatus:\t+not running/);
  } finally {
    run(["daemon", "stop"], sb.env);
    rmSync(sb.base, { recursive: true, force: true });
  }
});

test("embedded default without a buildkitd binary: one line of advice", async (t) => {
  if (await defaultSocketAnswers()) {
    t.skip(`a daemon answers on ${DEFAULT_ADDRESS}, so tsfrontend would use it`);
    return;
  }
  // PATH without any buildkitd, and empty XDG dirs (so no $XDG_CACHE_HOME/tsfrontend/bin/buildkitd).
  const path = (process.env["PATH"] ?? "/usr/bin:/bin")
    .split(delimiter)
    .filter((d) => d && !executable(join(d, "buildkitd")))
    .join(delimiter);
  const sb = sandbox({ PATH: path });
  try {
    const explicit = run(["workers"], { ...sb.env, TSFRONTEND_BUILDKITD: "/nonexistent" });
    const noPath = run(["du"], sb.env);
    const advice = /run as root with buildkitd on PATH \(bash scripts\/env\/install\.sh\), start one and set BUILDKIT_HOST, or pass --addr$/;
    if (isRoot) {
      assertOneLineError(explicit, /^tsfrontend: no buildkitd: TSFRONTEND_BUILDKITD=\/nonexistent is not an executable file; /);
      assertOneLineError(noPath, new RegExp(`^tsfrontend: no buildkitd: buildkitd is not on PATH nor in ${sb.base}/cache/tsfrontend/bin; `));
    } else {
      assertOneLineError(explicit, /^tsfrontend: no buildkitd: tsfrontend starts its own only as root; /);
    }
    assertOneLineError(explicit, advice);
    assertOneLineError(noPath, advice);
    assert.equal(existsSync(join(sb.runDir, "buildkitd.pid")), false, "nothing started");
  } finally {
    rmSync(sb.base, { recursive: true, force: true });
  }
});
