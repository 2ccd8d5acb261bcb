/**
 * Builds that fail safely: `tsfrontend build` interrupted (SIGINT, SIGTERM,
 * twice), its daemon killed (kill -9 of a private buildkitd), its connection
 * cut or silently frozen (a loopback TCP proxy in front of the daemon's
 * socket), and exports interrupted mid-stream (local, tar and oci outputs at
 * once, targets missing or holding old content). Each case asserts the exit
 * status and the one-line message, that nothing of the build keeps running
 * (its `sleep` process is gone, the next build works), and that no partial
 * output is left.
 *
 * The shared daemon (BUILDKIT_HOST) is never killed: kill -9 tests start
 * their own buildkitd (lib/private-daemon.ts) and remove it at the end.
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { buildProgram } from "../../src/client/build.js";
import { BuildkitConnection } from "../../src/client/connection.js";
import { BuildkitError } from "../../src/client/errors.js";
import { authService } from "../../src/client/session/auth.js";
import { parsePlatform } from "../../src/llb/index.js";
import { loadProgram } from "../../src/program/load.js";
import { cliPath, ok, repoRoot, requireEnv, runCli, tempDir, type E2eEnv, type RunResult } from "./lib/env.js";
import { startPrivateDaemon, type PrivateDaemon } from "./lib/private-daemon.js";
import { startProxy, type TcpProxy } from "./lib/proxy.js";
import { ensureShellImage, type ShellImage } from "./lib/shell-image.js";

const SLEEP = "test/e2e/fixtures/sleep.ts";
/** A hang fails the test instead of the suite. */
const TEST_TIMEOUT = 120_000;
const BIG = "test/e2e/fixtures/big.ts";

let env: E2eEnv;
let shell: ShellImage;
let work: ReturnType<typeof tempDir>;
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  work = tempDir("faults");
  env = requireEnv();
  shell = await ensureShellImage();
});

after(async () => {
  for (const c of cleanups.reverse()) await c().catch((e: unknown) => console.error(e));
  work?.remove();
});

/** A daemon of this test's own, stopped (with what a kill left behind) at the end. */
async function privateDaemon(): Promise<PrivateDaemon> {
  const d = await startPrivateDaemon();
  cleanups.push(() => d.stop());
  return d;
}

async function proxy(target: string, throttle?: number): Promise<TcpProxy> {
  const p = await startProxy(target, throttle ? { throttle } : {});
  cleanups.push(() => p.close());
  return p;
}

interface Running {
  pid: number;
  signal(sig: NodeJS.Signals): void;
  /** Resolves when it exits, with the time of exit. */
  done: Promise<RunResult & { exitedAt: number }>;
  exited(): boolean;
  stderr(): string;
}

/** Starts the CLI without waiting for it. */
function startCli(args: readonly string[]): Running {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => out.push(b));
  child.stderr.on("data", (b: Buffer) => err.push(b));
  let exited = false;
  const killer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  const done = new Promise<RunResult & { exitedAt: number }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status, signal) => {
      clearTimeout(killer);
      exited = true;
      resolve({ status, signal, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), exitedAt: Date.now() });
    });
  });
  cleanups.push(async () => {
    if (!exited) child.kill("SIGKILL");
  });
  return {
    pid: child.pid!,
    signal: (sig) => child.kill(sig),
    done,
    exited: () => exited,
    stderr: () => Buffer.concat(err).toString("utf8"),
  };
}

/** Waits until `cond()` holds; fails naming `what` (and the build's output) after `timeoutMs`. */
async function waitFor(what: string, cond: () => boolean, timeoutMs: number, build?: Running): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (build?.exited()) assert.fail(`the build exited while waiting for ${what}:\n${build.stderr().slice(-3000)}`);
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}${build ? `:\n${build.stderr().slice(-3000)}` : ""}`);
    await sleep(20);
  }
}

const token = () => randomBytes(6).toString("hex");

/** Pids of the build step of the build with `tok` (fixtures/sleep.ts runs `echo TOK > /token && sleep ...`). */
function stepProcesses(tok: string): number[] {
  const needle = `echo ${tok} > /token`;
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, "utf8").includes(needle)) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

function sleepArgs(tok: string, seconds = 60): string[] {
  return ["build", "-f", SLEEP, "--build-arg", `SHELL_IMAGE=${shell.ref}`, "--build-arg", `TOKEN=${tok}`, "--build-arg", `SLEEP=${seconds}`, "--platform", "linux/amd64", "--progress", "plain"];
}

const lastLine = (s: string) => s.trimEnd().split("\n").at(-1) ?? "";

/** Starts `RUN sleep 60` (optionally on another daemon address) and waits until the sleep runs. */
async function startSleeping(addr?: string): Promise<{ build: Running; tok: string }> {
  const tok = token();
  const build = startCli([...(addr ? ["--addr", addr] : []), ...sleepArgs(tok)]);
  await waitFor("the RUN sleep 60 step to start", () => stepProcesses(tok).length > 0, 60_000, build);
  return { build, tok };
}

async function assertStepGone(tok: string, what: string): Promise<void> {
  await waitFor(`the build's sleep process to end (${what})`, () => stepProcesses(tok).length === 0, 15_000);
}

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  test(`${sig} during RUN sleep 60: exit 130 at once with "build canceled", the step is canceled on the daemon`, { timeout: TEST_TIMEOUT }, async () => {
    const { build, tok } = await startSleeping();
    const sent = Date.now();
    build.signal(sig);
    const r = await build.done;
    assert.equal(r.status, 130, `exit status:\n${r.stderr.slice(-3000)}`);
    assert.ok(r.exitedAt - sent < 5000, `exited ${r.exitedAt - sent} ms after ${sig}`);
    assert.equal(lastLine(r.stderr), "tsfrontend: build canceled");
    assert.equal(r.stderr.match(/build canceled/g)?.length, 1, "one cancel line");
    // The progress display ended with the daemon's last word on the step.
    assert.match(r.stderr, /^#\d+ CANCELED$/m);
    await assertStepGone(tok, `after ${sig}`);
    // The daemon is idle and well: the next build runs.
    ok(await runCli(sleepArgs(token(), 0), { timeout: 120_000 }), "a build after the canceled one");
  });
}

test("a second SIGINT exits at once, without waiting for the daemon", { timeout: TEST_TIMEOUT }, async () => {
  // Through a proxy that then freezes, so the first cancel waits for a daemon that cannot answer.
  const p = await proxy(env.buildkitHost);
  const { build, tok } = await startSleeping(p.address);
  p.freeze();
  build.signal("SIGINT");
  await sleep(300);
  assert.ok(!build.exited(), "the first SIGINT waits for the daemon (the connection is frozen)");
  const sent = Date.now();
  build.signal("SIGINT");
  const r = await build.done;
  assert.equal(r.status, 130, r.stderr.slice(-3000));
  assert.ok(r.exitedAt - sent < 1500, `exited ${r.exitedAt - sent} ms after the second SIGINT`);
  assert.equal(lastLine(r.stderr), "tsfrontend: build canceled");
  // Closing the proxy drops the daemon's side too: it cancels the orphaned build.
  await p.close();
  await assertStepGone(tok, "after the proxy closed");
});

test("kill -9 of the daemon during a build: exit 1 within seconds with one line", { timeout: TEST_TIMEOUT }, async () => {
  const d = await privateDaemon();
  const { build } = await startSleeping(d.address);
  const sent = Date.now();
  d.kill();
  const r = await build.done;
  assert.equal(r.status, 1, r.stderr.slice(-3000));
  assert.ok(r.exitedAt - sent < 10_000, `exited ${r.exitedAt - sent} ms after the kill`);
  assert.equal(lastLine(r.stderr), `tsfrontend: buildkitd at ${d.address} went away during the build (connection lost)`);
  assert.doesNotMatch(r.stderr, /^error:/m, "no build error block");
});

test("a cut connection (proxy reset) during a build: exit 1 within seconds; the daemon cancels the build", { timeout: TEST_TIMEOUT }, async () => {
  const p = await proxy(env.buildkitHost);
  const { build, tok } = await startSleeping(p.address);
  const sent = Date.now();
  p.cut();
  const r = await build.done;
  assert.equal(r.status, 1, r.stderr.slice(-3000));
  assert.ok(r.exitedAt - sent < 10_000, `exited ${r.exitedAt - sent} ms after the cut`);
  assert.equal(lastLine(r.stderr), `tsfrontend: buildkitd at ${p.address} went away during the build (connection lost)`);
  await assertStepGone(tok, "the daemon saw its client go");
});

test("a silently dropped connection: the watchdog gives up on the build and its gateway calls (library, short timings)", { timeout: TEST_TIMEOUT }, async () => {
  const p = await proxy(env.buildkitHost);
  const conn = new BuildkitConnection(p.address);
  const tok = token();
  try {
    const program = await loadProgram(join(repoRoot, SLEEP));
    const started = buildProgram(conn, {
      program,
      platforms: [parsePlatform("linux/amd64")],
      // EVALUATE: the program's own gateway solve is pending while the step sleeps.
      buildArgs: { SHELL_IMAGE: shell.ref, TOKEN: tok, SLEEP: "60", EVALUATE: "1" },
      sessionServices: [authService()],
      watchdog: { intervalMs: 250, timeoutMs: 2000 },
    });
    started.catch(() => {});
    const t0 = Date.now();
    while (stepProcesses(tok).length === 0) {
      assert.ok(Date.now() - t0 < 60_000, "the RUN sleep 60 step did not start");
      await sleep(20);
    }
    // Running for a while with nothing to report is fine: the daemon answers the probes.
    await sleep(2500);
    const frozen = Date.now();
    p.freeze();
    const err = await started.then(
      () => assert.fail("the build succeeded through a frozen connection"),
      (e: unknown) => e,
    );
    const took = Date.now() - frozen;
    assert.ok(err instanceof BuildkitError, String(err));
    assert.equal(err.reason, "CONNECTION_LOST");
    assert.match(err.message, new RegExp(`^buildkitd at ${p.address} went away during the build \\(nothing received for \\d+ s\\)$`));
    assert.ok(took >= 1500 && took < 6000, `gave up ${took} ms after the freeze`);
    // The program's pending gateway call ended too (it would otherwise wait on the frozen connection).
    const g = globalThis as { tsfFaultsGateway?: string };
    const t1 = Date.now();
    while (g.tsfFaultsGateway === "pending" && Date.now() - t1 < 2000) await sleep(20);
    assert.equal(g.tsfFaultsGateway, "rejected", "the program's gateway solve ended with the build");
  } finally {
    conn.close();
    await p.close();
  }
  await assertStepGone(tok, "after the proxy closed");
});

test("a client-side build that fails before its conversation ends the daemon's solve at once, with its error", { timeout: TEST_TIMEOUT }, async () => {
  const conn = new BuildkitConnection(env.buildkitHost);
  try {
    const program = await loadProgram(join(repoRoot, SLEEP));
    const t0 = Date.now();
    const err = await buildProgram(conn, {
      program,
      platforms: [parsePlatform("linux/amd64")],
      buildArgs: { SHELL_IMAGE: shell.ref, TOKEN: token(), SLEEP: "0" },
      sessionServices: [authService()],
      beforeConversation: () => {
        throw new Error("refused before the conversation");
      },
    }).then(
      () => assert.fail("the build succeeded"),
      (e: unknown) => e,
    );
    const took = Date.now() - t0;
    assert.match(String(err), /refused before the conversation/);
    // Returned as the gateway's error: the daemon ends the Solve then, instead of the client cancelling it 5 s later.
    assert.ok(took < 4000, `failed after ${took} ms`);
  } finally {
    conn.close();
  }
});

// ---------------------------------------------------------------------------
// Interrupted exports: local, tar and oci outputs of one build stream in
// parallel through a throttled proxy; the build is interrupted once all three
// are mid-stream.

interface Targets {
  local: string;
  tar: string;
  oci: string;
}

function targets(name: string, existing: boolean): Targets {
  const dir = join(work.dir, name);
  mkdirSync(dir, { recursive: true });
  const t = { local: join(dir, "local"), tar: join(dir, "out.tar"), oci: join(dir, "out.oci.tar") };
  if (existing) {
    mkdirSync(t.local);
    writeFileSync(join(t.local, "old.txt"), "old local\n");
    writeFileSync(t.tar, "old tar\n");
    writeFileSync(t.oci, "old oci\n");
  }
  return t;
}

/** Staging entries FileSend makes beside a target: `.NAME.tsfrontend-*`. */
function staging(target: string): string[] {
  const prefix = `.${basename(target)}.tsfrontend-`;
  return readdirSync(dirname(target))
    .filter((n) => n.startsWith(prefix))
    .map((n) => join(dirname(target), n));
}

/** True when the export to `target` has started receiving data. */
function midStream(target: string): boolean {
  return staging(target).some((s) => {
    try {
      const st = statSync(s);
      return st.isDirectory() ? readdirSync(s).length > 0 : st.size > 0;
    } catch {
      return false;
    }
  });
}

function exportArgs(addr: string, t: Targets): string[] {
  return [
    "--addr",
    addr,
    "build",
    "-f",
    BIG,
    "--build-arg",
    `SHELL_IMAGE=${shell.ref}`,
    "--build-arg",
    "MB=24",
    "--platform",
    "linux/amd64",
    "--progress",
    "plain",
    "-o",
    `type=local,dest=${t.local}`,
    "-o",
    `type=tar,dest=${t.tar}`,
    "-o",
    `type=oci,dest=${t.oci},compression=uncompressed`,
  ];
}

function assertUntouched(t: Targets, existing: boolean): void {
  for (const target of [t.local, t.tar, t.oci]) assert.deepEqual(staging(target), [], `staging left beside ${target}`);
  if (existing) {
    assert.deepEqual(readdirSync(t.local), ["old.txt"], "the local target keeps exactly its old content");
    assert.equal(readFileSync(join(t.local, "old.txt"), "utf8"), "old local\n");
    assert.equal(readFileSync(t.tar, "utf8"), "old tar\n");
    assert.equal(readFileSync(t.oci, "utf8"), "old oci\n");
  } else {
    for (const target of [t.local, t.tar, t.oci]) assert.ok(!existsSync(target), `${target} was created`);
  }
}

// 4 MB/s: the three streams of 24 MiB each last long enough to be caught on any machine.
const THROTTLE = 4 << 20;

for (const existing of [false, true]) {
  const what = existing ? "targets with old content keep it" : "missing targets stay missing";
  test(`SIGINT during local+tar+oci exports: ${what}, no staging left`, { timeout: TEST_TIMEOUT }, async () => {
    const p = await proxy(env.buildkitHost, THROTTLE);
    const t = targets(`cancel-${existing}`, existing);
    const build = startCli(exportArgs(p.address, t));
    await waitFor("all three exports to be mid-stream", () => midStream(t.local) && midStream(t.tar) && midStream(t.oci), 90_000, build);
    build.signal("SIGINT");
    const r = await build.done;
    assert.equal(r.status, 130, r.stderr.slice(-3000));
    assert.equal(lastLine(r.stderr), "tsfrontend: build canceled");
    assertUntouched(t, existing);
  });

  test(`kill -9 of the daemon during local+tar+oci exports: ${what}, no staging left`, { timeout: TEST_TIMEOUT }, async () => {
    const d = await privateDaemon();
    const p = await proxy(d.address, THROTTLE);
    const t = targets(`kill-${existing}`, existing);
    const build = startCli(exportArgs(p.address, t));
    await waitFor("all three exports to be mid-stream", () => midStream(t.local) && midStream(t.tar) && midStream(t.oci), 90_000, build);
    const sent = Date.now();
    d.kill();
    const r = await build.done;
    assert.equal(r.status, 1, r.stderr.slice(-3000));
    assert.ok(r.exitedAt - sent < 10_000, `exited ${r.exitedAt - sent} ms after the kill`);
    assert.equal(lastLine(r.stderr), `tsfrontend: buildkitd at ${p.address} went away during the build (connection lost)`);
    assertUntouched(t, existing);
  });
}
