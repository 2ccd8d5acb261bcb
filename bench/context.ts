/**
 * `npm run bench:context`: sends the same local context (20,000 files, 500 MB)
 * with `tsfrontend build` and with `buildctl build` to the same buildkitd in
 * the same run, and prints each time, the medians, MB/s, and last the line
 * `context ts/buildctl ratio: X` for the cold case.
 *
 * The graph is one Definition, built here with src/llb and written to a file:
 * scratch with `copy(local(NAME), "/", "/")`, solved without an exporter, so
 * what is timed is the transfer plus the solve. Both tools read those same
 * bytes on stdin, with the same --local, --progress plain and daemon.
 *
 * Cold vs warm (buildkit v0.32.2 source/local/source.go): the daemon diffs a
 * transfer against a previous copy found by the shared key
 * `NAME:local.sharedkeyhint:session shared key`; neither tool sets a hint or a
 * session shared key, so both map to `NAME::`. Without a record under that key
 * the daemon starts from an empty snapshot and requests every file (cold).
 * `local.unique` and the session id only change the solver's cache key, not
 * that lookup. So before each cold run we prune that record and the copy's
 * result (else the copy is a content-addressed cache hit), and nothing else:
 * NAME carries a per-run nonce and the copy a custom name with it, so
 * `buildctl prune --filter description~=NAME` touches only this benchmark's
 * records, even on a shared daemon (BUILDKIT_HOST). Each run's transfer size
 * from the plain progress (`transferring NAME: 500.00MB 9.1s`) is checked: the
 * whole context when cold, a tiny part (the listing) for the one-changed-file
 * run, which follows a cold run of the same tool under the same key; the
 * daemon's transfer time is printed next to each wall time. Before each run
 * (untimed) `sync` writes back the previous run's ~1 GB of dirty pages and
 * the context is read once, so both tools read it from the page cache.
 *
 *   node dist/bench/context.js [iterations=5]   (at least 3; more give steadier medians on a busy machine)
 */

import { spawnSync } from "node:child_process";
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { copy, local, parsePlatform, scratch } from "../src/llb/index.js";
import { buildctl, cacheRoot, currentChild, daemon, freeSpace, median, prng, runOk, tsCli } from "./lib.js";

const FILES = 20_000;
const TOTAL_BYTES = 500_000_000;
const LARGE_FILES = 100;
const SEED = "tsfrontend-bench-context-v1";
/** Daemon-side space: the transfer snapshot, the copy, and the copy after the changed file. */
const DAEMON_BYTES = 3 * TOTAL_BYTES;
const MARGIN_BYTES = 512 * 1024 * 1024;

const iterations = Math.max(3, Number(process.argv[2] ?? 5));
const contextDir = path.join(cacheRoot, "bench-context", "tree");
const markerFile = path.join(cacheRoot, "bench-context", "marker.json");

// ---------------------------------------------------------------------------
// The context: deterministic, incompressible, reused while the marker matches.

interface Layout {
  /** Path relative to the context root and size of each file; file 0 is the one changed by the warm run. */
  files: { rel: string; size: number }[];
  marker: string;
}

/** Mostly small files (64 B..64 KiB, log-uniform) in nested dirs, plus LARGE_FILES of a few MB; sizes sum to TOTAL_BYTES. */
function layout(): Layout {
  const rnd = prng(SEED);
  const files: { rel: string; size: number }[] = [];
  let small = 0;
  for (let i = 0; i < FILES - LARGE_FILES; i++) {
    const size = i === 0 ? 4096 : Math.floor(64 * 2 ** (rnd() * 10));
    small += size;
    const top = `s${i % 8}`;
    const mid = `m${Math.floor(i / 8) % 10}`;
    const leaf = `l${Math.floor(i / 80) % 25}`;
    const rel = i === 0 ? "changing.dat" : i % 10 === 0 ? `${top}/${mid}/f${i}.txt` : `${top}/${mid}/${leaf}/f${i}.dat`;
    files.push({ rel, size });
  }
  const weights = Array.from({ length: LARGE_FILES }, () => 1 + rnd());
  const wsum = weights.reduce((a, b) => a + b, 0);
  let left = TOTAL_BYTES - small;
  weights.forEach((w, j) => {
    const size = j === LARGE_FILES - 1 ? left : Math.floor(((TOTAL_BYTES - small) * w) / wsum);
    left -= size;
    files.push({ rel: `large/g${j % 4}/blob${j}.bin`, size });
  });
  const marker = JSON.stringify({ seed: SEED, files: FILES, bytes: TOTAL_BYTES, digest: createHash("sha256").update(JSON.stringify(files)).digest("hex") });
  return { files, marker };
}

/** Seeded pseudo-random bytes (AES-CTR keystream), so the context does not compress. */
function content(key: string, size: number): Buffer {
  const k = createHash("sha256").update(SEED + "\0" + key).digest();
  const c = createCipheriv("aes-128-ctr", k.subarray(0, 16), k.subarray(16, 32));
  return Buffer.concat([c.update(Buffer.alloc(size)), c.final()]);
}

function ensureContext(l: Layout): string {
  if (fs.existsSync(markerFile) && fs.readFileSync(markerFile, "utf8") === l.marker && fs.existsSync(contextDir)) return "reused";
  const t0 = performance.now();
  fs.rmSync(markerFile, { force: true });
  fs.rmSync(contextDir, { recursive: true, force: true });
  for (const f of l.files) {
    const abs = path.join(contextDir, f.rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content(f.rel, f.size));
  }
  fs.writeFileSync(markerFile, l.marker); // written last: a half-made tree is never reused
  return `generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
}

// ---------------------------------------------------------------------------
// Disk space

/** Exits 1 with a clear message if the context and the daemon's copies do not fit. */
function checkDisk(needContext: boolean, daemonDir: string | undefined): void {
  const need = new Map<number, { free: number; at: string[]; bytes: number }>();
  const add = (p: string, bytes: number) => {
    const fsInfo = freeSpace(p);
    const e = need.get(fsInfo.dev) ?? { free: fsInfo.free, at: [], bytes: 0 };
    e.at.push(fsInfo.at);
    e.bytes += bytes;
    need.set(fsInfo.dev, e);
  };
  if (needContext) add(contextDir, TOTAL_BYTES);
  if (daemonDir) add(daemonDir, DAEMON_BYTES);
  for (const e of need.values()) {
    if (e.free < e.bytes + MARGIN_BYTES) {
      console.error(
        `bench:context: not enough disk space on the file system of ${e.at.join(", ")}: ` +
          `${(e.free / 1e9).toFixed(2)} GB free, need ${((e.bytes + MARGIN_BYTES) / 1e9).toFixed(2)} GB ` +
          `(${needContext ? `the ${TOTAL_BYTES / 1e6} MB context and ` : ""}the daemon's copies of the ${TOTAL_BYTES / 1e6} MB context, plus a margin)`,
      );
      process.exit(1);
    }
  }
}

// ---------------------------------------------------------------------------
// Processes


// ---------------------------------------------------------------------------
// The benchmark

type Tool = "ts" | "buildctl";

/** Bytes and seconds of the last `transferring NAME: 12.34MB 5.6s` progress line (go-units decimal sizes). */
function transferred(out: string, name: string): { bytes: number; s: number } {
  const re = new RegExp(`transferring ${name}: ([0-9.]+)([kMGT]?B) ([0-9.]+)s`, "g");
  let last: RegExpExecArray | undefined;
  for (let m = re.exec(out); m; m = re.exec(out)) last = m;
  if (!last) throw new Error(`no "transferring ${name}:" line in the progress:\n${out}`);
  const unit = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 }[last[2]!]!;
  return { bytes: Number(last[1]) * unit, s: Number(last[3]) };
}

/**
 * Untimed, before each run: writes back dirty pages, so that a run does not
 * pay for the disk writes of the one before it (each writes about 1 GB: the
 * transfer and the copy), and reads the whole context, so that both tools
 * read it from the page cache (this VM's kernel reclaims idle pages).
 */
function settle(l: Layout): void {
  spawnSync("sync", { stdio: "ignore" });
  for (const f of l.files) fs.readFileSync(path.join(contextDir, f.rel));
}

async function main(): Promise<void> {
  if (!fs.existsSync(buildctl)) throw new Error(`${buildctl} missing: run scripts/env/install.sh`);
  if (!fs.existsSync(tsCli)) throw new Error(`${tsCli} missing: run npx tsc -p tsconfig.json`);
  const l = layout();
  const haveContext = fs.existsSync(markerFile) && fs.readFileSync(markerFile, "utf8") === l.marker;
  const ownDaemon = !process.env["BUILDKIT_HOST"];
  checkDisk(!haveContext, ownDaemon ? (process.env["TSF_RUNDIR_BASE"] ?? "/var/tmp") : process.env["TSF_BUILDKITD_STATE"]);
  const made = ensureContext(l);
  console.log(`context: ${FILES.toLocaleString("en-US")} files, ${TOTAL_BYTES / 1e6} MB in ${contextDir} (${made})`);

  const d = await daemon();
  const onSignal = () => {
    currentChild()?.kill("SIGINT");
    void d.stop().then(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "bench-context-"));
  const name = `tsfbench-${randomBytes(4).toString("hex")}`;
  try {
    console.log(`daemon: ${d.addr} (${ownDaemon ? "started by the bench" : "BUILDKIT_HOST"}); local name ${name}`);
    const defFile = path.join(work, "def.pb");
    const st = scratch().file(copy(local(name), "/", "/"), { customName: `${name}: copy context` });
    fs.writeFileSync(defFile, (await st.marshal({ platform: parsePlatform("linux/amd64"), localUniqueID: "tsfbench" })).toBytes());

    const args = ["build", "--progress", "plain", "--local", `${name}=${contextDir}`];
    const env = { ...process.env, BUILDKIT_HOST: d.addr };
    const build = (tool: Tool) =>
      tool === "ts"
        ? runOk(process.execPath, [tsCli, "--addr", d.addr, ...args], { stdinFile: defFile, env })
        : runOk(buildctl, ["--addr", d.addr, ...args], { stdinFile: defFile, env });
    const prune = () => runOk(buildctl, ["--addr", d.addr, "prune", "--filter", `description~=${name}`]);
    let changes = 0;
    const changeOneFile = () => {
      const f = l.files[0]!;
      fs.writeFileSync(path.join(contextDir, f.rel), content(`${f.rel}#${++changes}`, f.size));
    };

    const cold: Record<Tool, number[]> = { ts: [], buildctl: [] };
    const warm: Record<Tool, number[]> = { ts: [], buildctl: [] };
    // Iteration 0 is a warm-up (page cache, daemon start-up effects); tool order alternates.
    for (let i = 0; i <= iterations; i++) {
      const order: Tool[] = i % 2 === 0 ? ["ts", "buildctl"] : ["buildctl", "ts"];
      const line: string[] = [];
      for (const tool of order) {
        await prune();
        settle(l);
        const c = await build(tool);
        const ct = transferred(c.out, name);
        if (ct.bytes < 0.99 * TOTAL_BYTES) throw new Error(`${tool} cold run transferred ${ct.bytes} bytes, not the whole context: it was not cold`);
        changeOneFile();
        settle(l);
        const w = await build(tool);
        const wt = transferred(w.out, name);
        if (wt.bytes > 0.01 * TOTAL_BYTES) throw new Error(`${tool} one-changed-file run transferred ${wt.bytes} bytes: it was not warm`);
        if (i > 0) {
          cold[tool].push(c.ms / 1000);
          warm[tool].push(w.ms / 1000);
        }
        line.push(
          `${tool} cold ${(c.ms / 1000).toFixed(2)} s (${(ct.bytes / 1e6).toFixed(1)} MB in ${ct.s.toFixed(1)} s), ` +
            `one changed ${(w.ms / 1000).toFixed(2)} s (${(wt.bytes / 1e3).toFixed(1)} kB in ${wt.s.toFixed(1)} s)`,
        );
      }
      console.log(`${i === 0 ? "warm-up" : `iteration ${i}/${iterations}`}: ${line.join("; ")}`);
    }
    await prune();

    const mbps = (s: number) => (TOTAL_BYTES / 1e6 / s).toFixed(1);
    for (const tool of ["ts", "buildctl"] as const) {
      const c = median(cold[tool]);
      console.log(
        `${tool.padEnd(8)} cold: median ${c.toFixed(2)} s (${mbps(c)} MB/s); one changed file: median ${median(warm[tool]).toFixed(2)} s [median of ${iterations}, 1 warm-up]`,
      );
    }
    console.log(`one changed file ts/buildctl ratio: ${(median(warm.ts) / median(warm.buildctl)).toFixed(2)}`);
    console.log(`context ts/buildctl ratio: ${(median(cold.ts) / median(cold.buildctl)).toFixed(2)}`);
  } finally {
    // restore the changed file, so the cached tree stays what the marker says
    const f = l.files[0]!;
    fs.writeFileSync(path.join(contextDir, f.rel), content(f.rel, f.size));
    fs.rmSync(work, { recursive: true, force: true });
    await d.stop();
  }
}

main().catch((e: unknown) => {
  console.error(`bench:context: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
