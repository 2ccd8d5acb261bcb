/**
 * Build cache export and import with `tsfrontend build` (a program with
 * three RUN steps, fixtures/cache.ts, on the busybox shell image):
 *
 * - one build on the shared daemon (BUILDKIT_HOST) exports its cache three
 *   ways at once: to the registry (`type=registry,mode=max`), to a local
 *   directory (`type=local`: the daemon writes the blobs through our
 *   session content store, we write index.json) and inline into the image
 *   it pushes (`type=inline`);
 * - then, as a second CI run would, a FRESH buildkitd (its own state dir,
 *   the shared daemon's configuration otherwise; one per import source,
 *   stopped at the end) rebuilds with `--import-cache` from each source:
 *   every RUN step must be CACHED (from `--progress rawjson`) and the
 *   exported files must be the original ones (their layers come from the
 *   imported cache); `--no-cache` must run the steps again.
 *
 * A per-run SALT makes the graph unique, so nothing but the imported cache
 * can make the fresh daemons hit.
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ok, requireEnv, runCli, skopeo, skopeoCreds, tempDir, type E2eEnv, type RunResult } from "./lib/env.js";
import { parseRawJson, type RawProgress } from "./lib/progress.js";
import { ensureShellImage, type ShellImage } from "./lib/shell-image.js";

const STEPS = ["cache step 1: write a", "cache step 2: write b", "cache step 3: write c"];

let env: E2eEnv;
let shell: ShellImage;
let work: ReturnType<typeof tempDir>;
let salt: string;
let registryRef: string;
let inlineRef: string;
let localCache: string;
let exportRun: { run: RunResult; progress: RawProgress };
const daemons: FreshDaemon[] = [];

const out = (...p: string[]) => join(work.dir, ...p);

function buildArgs(extra: string[], s = salt): string[] {
  return [
    "build",
    "-f",
    "test/e2e/fixtures/cache.ts",
    "--build-arg",
    `SHELL_IMAGE=${shell.ref}`,
    "--build-arg",
    `SALT=${s}`,
    "--platform",
    "linux/amd64",
    "--progress",
    "rawjson",
    ...extra,
  ];
}

async function build(extra: string[], what: string, opts: { addr?: string; salt?: string } = {}): Promise<{ run: RunResult; progress: RawProgress }> {
  const r = await runCli([...(opts.addr ? ["--addr", opts.addr] : []), ...buildArgs(extra, opts.salt)]);
  ok(r, what);
  return { run: r, progress: parseRawJson(r.stderr) };
}

/** The RUN vertices of the program, by name; each must be there and done. */
function steps(p: RawProgress): { name: string; cached: boolean }[] {
  return STEPS.map((name) => {
    const vs = [...p.vertexes.values()].filter((v) => v.name === name);
    assert.equal(vs.length, 1, `one vertex named ${JSON.stringify(name)}; have ${JSON.stringify([...p.vertexes.values()].map((v) => v.name))}`);
    const v = vs[0]!;
    assert.ok(v.completed, `${name} completed`);
    assert.equal(v.error ?? "", "", `${name} did not fail`);
    return { name, cached: v.cached === true };
  });
}

function assertAllCached(p: RawProgress, what: string): void {
  assert.deepEqual(
    steps(p),
    STEPS.map((name) => ({ name, cached: true })),
    `${what}: every RUN step is CACHED`,
  );
}

function assertNoneCached(p: RawProgress, what: string): void {
  assert.deepEqual(
    steps(p),
    STEPS.map((name) => ({ name, cached: false })),
    `${what}: every RUN step runs`,
  );
}

/** The files the three steps wrote, as exported with `-o type=local`. */
function assertOutput(dir: string): void {
  assert.equal(readFileSync(join(dir, "work", "salt"), "utf8"), `${salt}\n`);
  const a = readFileSync(join(dir, "work", "a"), "utf8").split("\n");
  assert.equal(a.length, 2001);
  assert.equal(a[1999], `a line 1999 ${salt}`);
  assert.equal(readFileSync(join(dir, "work", "a.count"), "utf8").trim(), "2000 /work/a");
  assert.equal(readFileSync(join(dir, "work", "c"), "utf8").split("\n").length, 1001);
  const sum = createHash("md5")
    .update(readFileSync(join(dir, "work", "a")))
    .update(readFileSync(join(dir, "work", "b")))
    .digest("hex");
  assert.equal(readFileSync(join(dir, "work", "sum"), "utf8").trim().split(/\s+/)[0], sum);
}

// ---------------------------------------------------------------------------
// A second buildkitd with a state dir of its own.

interface FreshDaemon {
  addr: string;
  dir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

function buildkitdBinary(): string {
  const candidates = [process.env["BUILDKITD"], join(env.cache, "bin", "buildkitd"), join(homedir(), ".cache", "tsfrontend", "bin", "buildkitd")];
  const bin = candidates.find((c) => c && existsSync(c));
  assert.ok(bin, "no buildkitd binary: run scripts/env/install.sh (or set BUILDKITD)");
  return bin;
}

function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => (l.split(" ")[4] ?? "").replace(/\\040/g, " "))
    .filter((mp) => mp.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

async function startDaemon(label: string): Promise<FreshDaemon> {
  const config = process.env["TSF_BUILDKITD_CONFIG"];
  assert.ok(config && existsSync(config), "TSF_BUILDKITD_CONFIG is not set: start the environment with scripts/env/start.sh and source its env.sh");
  const dir = out(`daemon-${label}`);
  const state = join(dir, "state");
  const sock = join(dir, "buildkitd.sock");
  mkdirSync(join(dir, "tmp"), { recursive: true });
  mkdirSync(state, { recursive: true });
  // The shared daemon's configuration (worker, registry settings), with a state dir and socket of its own.
  let toml = readFileSync(config, "utf8");
  const before = toml;
  toml = toml.replace(/^root\s*=.*$/m, `root = ${JSON.stringify(state)}`);
  assert.notEqual(toml, before, `no root = line in ${config}`);
  const withRoot = toml;
  toml = toml.replace(/^(\s*)address\s*=.*$/m, `$1address = [${JSON.stringify(`unix://${sock}`)}]`);
  assert.notEqual(toml, withRoot, `no address = line in ${config}`);
  writeFileSync(join(dir, "buildkitd.toml"), toml);
  const log = openSync(join(dir, "buildkitd.log"), "a");
  const child = spawn(buildkitdBinary(), ["--config", join(dir, "buildkitd.toml")], {
    detached: true,
    stdio: ["ignore", log, log],
    env: { ...process.env, TMPDIR: join(dir, "tmp") },
  });
  closeSync(log);
  const addr = `unix://${sock}`;
  const daemon: FreshDaemon = {
    addr,
    dir,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        child.kill("SIGTERM");
        const timeout = sleep(15_000).then(() => "timeout" as const);
        if ((await Promise.race([exited, timeout])) === "timeout") {
          child.kill("SIGKILL");
          await exited;
        }
      }
      // buildkitd unmounts its snapshots on a clean stop; make sure nothing stays mounted under the dir.
      for (const mp of mountsUnder(dir)) {
        if (spawnSync("umount", [mp]).status !== 0) spawnSync("umount", ["-l", mp]);
      }
    },
  };
  daemons.push(daemon);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      assert.fail(`buildkitd (${label}) exited: ${readFileSync(join(dir, "buildkitd.log"), "utf8").slice(-2000)}`);
    }
    if (existsSync(sock) && (await runCli(["workers", "--addr", addr], { timeout: 10_000 })).status === 0) break;
    assert.ok(Date.now() < deadline, `buildkitd (${label}) did not answer on ${addr}: ${readFileSync(join(dir, "buildkitd.log"), "utf8").slice(-2000)}`);
    await sleep(100);
  }
  return daemon;
}

// Never leave a daemon behind, even when the test process is ended early.
process.on("exit", () => {
  for (const d of daemons) if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill("SIGKILL");
});

// ---------------------------------------------------------------------------

before(async () => {
  work = tempDir("cache");
  env = requireEnv();
  shell = await ensureShellImage();
  salt = `${process.pid}-${Date.now()}`;
  registryRef = `${env.registry}/tsfrontend-test/cache:e2e-${process.pid}`;
  inlineRef = `${env.registry}/tsfrontend-test/cache-inline:e2e-${process.pid}`;
  localCache = out("local-cache");
  exportRun = await build(
    [
      "--export-cache",
      `type=registry,ref=${registryRef},mode=max`,
      "--export-cache",
      `type=local,dest=${localCache}`,
      "--export-cache",
      "type=inline",
      "-o",
      `type=image,name=${inlineRef},push=true`,
    ],
    "the build exporting its cache",
  );
});

after(async () => {
  for (const d of daemons) await d.stop();
  work?.remove();
});

test("the exporting build runs every RUN step", () => {
  assertNoneCached(exportRun.progress, "first build");
});

test("local cache export: index.json tags the cache manifest `latest`; every blob it names is there and intact", () => {
  assert.deepEqual(JSON.parse(readFileSync(join(localCache, "oci-layout"), "utf8")), { imageLayoutVersion: "1.0.0" });
  const index = JSON.parse(readFileSync(join(localCache, "index.json"), "utf8")) as {
    schemaVersion: number;
    mediaType: string;
    manifests: { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }[];
  };
  assert.equal(index.schemaVersion, 2);
  assert.equal(index.mediaType, "application/vnd.oci.image.index.v1+json");
  assert.equal(index.manifests.length, 1);
  const m = index.manifests[0]!;
  assert.equal(m.annotations?.["org.opencontainers.image.ref.name"], "latest");
  const blob = (d: { digest: string; size: number }) => {
    assert.match(d.digest, /^sha256:[0-9a-f]{64}$/);
    const data = readFileSync(join(localCache, "blobs", "sha256", d.digest.slice(7)));
    assert.equal(data.length, d.size, `size of ${d.digest}`);
    assert.equal(`sha256:${createHash("sha256").update(data).digest("hex")}`, d.digest, `content of ${d.digest}`);
    return data;
  };
  // The cache manifest (an image manifest since BuildKit v0.21's image-manifest=true default, or an index).
  const doc = JSON.parse(blob(m).toString("utf8")) as { config?: { digest: string; size: number; mediaType: string }; layers?: { digest: string; size: number }[]; manifests?: { digest: string; size: number }[] };
  const children = [...(doc.config ? [doc.config] : []), ...(doc.layers ?? []), ...(doc.manifests ?? [])];
  assert.ok(children.length >= 4, `cache config + a layer per RUN step; have ${children.length}`);
  for (const c of children) blob(c);
  assert.ok(children.some((c) => "mediaType" in c && (c as { mediaType: string }).mediaType === "application/vnd.buildkit.cacheconfig.v0"), "has the cache config");
  // Nothing half-written is left behind.
  assert.deepEqual(existsSync(join(localCache, "ingest")) ? readdirSync(join(localCache, "ingest")) : [], []);
  assert.ok(!readdirSync(localCache).some((f) => f.endsWith(".tmp") || f.endsWith(".lock")));
});

test("registry cache export: the cache manifest is in the registry", async () => {
  const raw = JSON.parse(await skopeo(env, ["inspect", "--raw", "--tls-verify=false", ...skopeoCreds(env), `docker://${registryRef}`])) as { layers?: unknown[]; manifests?: unknown[]; config?: { mediaType?: string } };
  assert.ok((raw.layers ?? raw.manifests ?? []).length >= 3);
});

test("fresh daemon, --import-cache type=registry: every RUN step is CACHED and the files are the original ones; --no-cache runs them again", async () => {
  const d = await startDaemon("registry");
  try {
    const r = await build(["--import-cache", `type=registry,ref=${registryRef}`, "-o", `type=local,dest=${out("from-registry")}`], "rebuild importing the registry cache", { addr: d.addr });
    assertAllCached(r.progress, "registry import");
    assertOutput(out("from-registry"));
    const n = await build(["--no-cache", "--import-cache", `type=registry,ref=${registryRef}`, "-o", `type=local,dest=${out("no-cache")}`], "rebuild with --no-cache", { addr: d.addr });
    assertNoneCached(n.progress, "--no-cache");
    assertOutput(out("no-cache"));
  } finally {
    await d.stop();
  }
});

test("fresh daemon, the frontend opt cache-from=REF (dockerui's form, no --import-cache): every RUN step is CACHED", async () => {
  const d = await startDaemon("cache-from");
  try {
    const r = await build(["--opt", `cache-from=${registryRef}`], "rebuild with --opt cache-from", { addr: d.addr });
    assertAllCached(r.progress, "cache-from import");
  } finally {
    await d.stop();
  }
});

test("fresh daemon, --import-cache type=local: the daemon reads the cache through the session; every RUN step is CACHED; --no-cache runs them again", async () => {
  const d = await startDaemon("local");
  try {
    const r = await build(["--import-cache", `type=local,src=${localCache}`, "-o", `type=local,dest=${out("from-local")}`], "rebuild importing the local cache", { addr: d.addr });
    assertAllCached(r.progress, "local import");
    assert.doesNotMatch(r.run.stderr, /warning/);
    assertOutput(out("from-local"));
    const n = await build(["--no-cache", "--import-cache", `type=local,src=${localCache}`], "rebuild with --no-cache", { addr: d.addr });
    assertNoneCached(n.progress, "--no-cache");
  } finally {
    await d.stop();
  }
});

test("fresh daemon, inline cache imported by the image's ref: every RUN step is CACHED", async () => {
  const d = await startDaemon("inline");
  try {
    const r = await build(["--import-cache", `type=registry,ref=${inlineRef}`, "-o", `type=local,dest=${out("from-inline")}`], "rebuild importing the inline cache", { addr: d.addr });
    assertAllCached(r.progress, "inline import");
    assertOutput(out("from-inline"));
  } finally {
    await d.stop();
  }
});

test("a local cache import without an index is skipped with a warning; the build still runs", async () => {
  const empty = out("empty-cache");
  mkdirSync(empty);
  const r = await build(["--import-cache", `type=local,src=${empty}`], "build with an empty local cache dir", { salt: `${salt}-empty` });
  assert.match(r.run.stderr, /^tsfrontend: warning: local cache import at .*empty-cache skipped due to err: could not read .*index\.json/m);
  assertNoneCached(r.progress, "no usable import");
  assert.deepEqual(readdirSync(empty), [], "an import never writes to its directory");
});
