/**
 * `npm run bench:export`: exports the same 20,000-file tree (about 500 MB,
 * sizes like bench:context's) from the same buildkitd with
 * `tsfrontend build -o type=local,dest=...` and with
 * `buildctl build --output type=local,dest=...` in the same run, and prints
 * each time, the medians, MB/s, and last the line
 * `local export ts/buildctl ratio: X`.
 *
 * The tree is made inside the build, from a small local context: a RUN of
 * Debian's static busybox (`$TSF_CACHE/busybox/<arch>/bin/busybox`, from
 * scripts/env/install.sh) extracts a seeded `tree.tar.gz` (a few MB: each
 * file is its own seeded 4 KiB AES-CTR block repeated to its size, so it
 * gzips well; the exported files are not compressed on the wire either way)
 * into a scratch mount; the exported state is that mount. The graph is one
 * Definition built here with src/llb and written to a file, which both tools
 * read on stdin with the same --local flags, --progress plain and daemon.
 * The first (warm-up) iteration runs the RUN once; every timed run is then a
 * cache hit plus the export: what is timed is the re-sync of the two small
 * locals (unchanged: their listing only, the same for both tools), the solve
 * and the transfer of the tree into dest.
 *
 * Before each run (untimed) the previous dest is removed and `sync` writes
 * back dirty pages, so a run does not pay for the one before it; after each
 * run the exported tree is checked (file count and bytes). Tool order
 * alternates. The local names and the RUN's name carry a tag derived from the
 * input (`tsfbench-export-<hash>`), and at the end
 * `buildctl prune --filter description~=TAG` removes this benchmark's records
 * and nothing else (also on a shared daemon given by BUILDKIT_HOST); with
 * `--keep` they stay, so the next run (e.g. while profiling) skips the RUN.
 *
 *   node dist/bench/export.js [iterations=5] [--keep]   (at least 3 iterations)
 *
 * `TSF_BENCH_NODE_ARGS` adds node flags to the tsfrontend runs, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile them.
 */

import { spawnSync } from "node:child_process";
import { createCipheriv, createHash } from "node:crypto";
import * as fs from "node:fs";
import { once } from "node:events";
import * as path from "node:path";
import { createGzip } from "node:zlib";

import { copy, local, parsePlatform, scratch } from "../src/llb/index.js";
import { buildctl, cacheRoot, currentChild, daemon, freeSpace, median, prng, run, runOk, tsCli } from "./lib.js";

const FILES = 20_000;
const TOTAL_BYTES = 500_000_000;
const LARGE_FILES = 100;
const SEED = "tsfrontend-bench-export-v1";
/** Each file is a seeded block of this size repeated. */
const BLOCK = 4096;
/** mtime of every entry in the tar (seconds). */
const MTIME = 1_700_000_000;
/** Daemon-side space: the generated tree; client side: one exported tree at a time. */
const DAEMON_BYTES = TOTAL_BYTES;
const DEST_BYTES = TOTAL_BYTES;
const MARGIN_BYTES = 512 * 1024 * 1024;

const args = process.argv.slice(2);
const keep = args.includes("--keep");
const nodeArgs = (process.env["TSF_BENCH_NODE_ARGS"] ?? "").split(" ").filter(Boolean);
const iterations = Math.max(3, Number(args.find((a) => !a.startsWith("--")) ?? 5));
const inputDir = path.join(cacheRoot, "bench-export", "input");
const markerFile = path.join(cacheRoot, "bench-export", "marker.json");
const debArch = ({ x64: "amd64", arm64: "arm64", arm: "armhf" } as Record<string, string>)[process.arch] ?? process.arch;
const busyboxDir = path.join(cacheRoot, "busybox", debArch);

// ---------------------------------------------------------------------------
// The tree: deterministic layout, cut out of a seeded blob.

interface Layout {
  /** Path relative to the tree root and size of each file. */
  files: { rel: string; size: number }[];
  /** Every directory, parents first. */
  dirs: string[];
  marker: string;
}

/** bench:context's shape: mostly small files (64 B..64 KiB, log-uniform) in nested dirs, plus LARGE_FILES of a few MB; sizes sum to TOTAL_BYTES. */
function layout(): Layout {
  const rnd = prng(SEED);
  const files: { rel: string; size: number }[] = [];
  let small = 0;
  for (let i = 0; i < FILES - LARGE_FILES; i++) {
    const size = Math.floor(64 * 2 ** (rnd() * 10));
    small += size;
    const top = `s${i % 8}`;
    const mid = `m${Math.floor(i / 8) % 10}`;
    const leaf = `l${Math.floor(i / 80) % 25}`;
    const rel = i % 10 === 0 ? `${top}/${mid}/f${i}.txt` : `${top}/${mid}/${leaf}/f${i}.dat`;
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
  const dirs = new Set<string>();
  for (const f of files) for (let d = path.posix.dirname(f.rel); d !== "."; d = path.posix.dirname(d)) dirs.add(d);
  const marker = JSON.stringify({ seed: SEED, files: FILES, bytes: TOTAL_BYTES, block: BLOCK, digest: createHash("sha256").update(JSON.stringify(files)).digest("hex") });
  return { files, dirs: [...dirs].sort(), marker };
}

/** A file's content: its own seeded pseudo-random block (AES-CTR keystream) repeated to `size`. */
function content(rel: string, size: number): Buffer {
  const k = createHash("sha256").update(SEED + "\0" + rel).digest();
  const c = createCipheriv("aes-128-ctr", k.subarray(0, 16), k.subarray(16, 32));
  const block = c.update(Buffer.alloc(Math.min(size, BLOCK)));
  const out = Buffer.allocUnsafe(size);
  for (let off = 0; off < size; off += block.length) block.copy(out, off);
  return out;
}

/** A ustar header (uid/gid 0, fixed mtime). */
function tarHeader(name: string, size: number, type: "0" | "5", mode: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, "utf8");
  h.write(`${mode.toString(8).padStart(7, "0")}\0`, 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
  h.write(`${MTIME.toString(8).padStart(11, "0")}\0`, 136);
  h.write("        ", 148);
  h.write(type, 156);
  h.write("ustar\0", 257);
  h.write("00", 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return h;
}

/** Writes `tree.tar.gz`: the dirs, then every file with its content. */
async function writeTarball(l: Layout, file: string): Promise<void> {
  const gz = createGzip({ level: 6 });
  const out = fs.createWriteStream(file);
  gz.pipe(out);
  const write = async (b: Buffer) => {
    if (!gz.write(b)) await once(gz, "drain");
  };
  for (const d of l.dirs) await write(tarHeader(`${d}/`, 0, "5", 0o755));
  for (const f of l.files) {
    await write(tarHeader(f.rel, f.size, "0", 0o644));
    await write(content(f.rel, f.size));
    if (f.size % 512) await write(Buffer.alloc(512 - (f.size % 512)));
  }
  await write(Buffer.alloc(1024));
  gz.end();
  await once(out, "close");
}

async function ensureInput(l: Layout): Promise<string> {
  if (fs.existsSync(markerFile) && fs.readFileSync(markerFile, "utf8") === l.marker && fs.existsSync(inputDir)) return "reused";
  const t0 = performance.now();
  fs.rmSync(markerFile, { force: true });
  fs.rmSync(inputDir, { recursive: true, force: true });
  fs.mkdirSync(inputDir, { recursive: true });
  await writeTarball(l, path.join(inputDir, "tree.tar.gz"));
  fs.writeFileSync(markerFile, l.marker); // written last: a half-made input is never reused
  return `generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
}

// ---------------------------------------------------------------------------
// Disk space

/** Exits 1 with a clear message if the daemon's tree and one exported copy do not fit. */
function checkDisk(destBase: string, daemonDir: string | undefined): void {
  const need = new Map<number, { free: number; at: string[]; bytes: number }>();
  const add = (p: string, bytes: number) => {
    const info = freeSpace(p);
    const e = need.get(info.dev) ?? { free: info.free, at: [], bytes: 0 };
    e.at.push(info.at);
    e.bytes += bytes;
    need.set(info.dev, e);
  };
  add(destBase, DEST_BYTES);
  if (daemonDir) add(daemonDir, DAEMON_BYTES);
  for (const e of need.values()) {
    if (e.free < e.bytes + MARGIN_BYTES) {
      console.error(
        `bench:export: not enough disk space on the file system of ${e.at.join(", ")}: ` +
          `${(e.free / 1e9).toFixed(2)} GB free, need ${((e.bytes + MARGIN_BYTES) / 1e9).toFixed(2)} GB ` +
          `(the daemon's ${TOTAL_BYTES / 1e6} MB tree and one exported copy, plus a margin)`,
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

/** Regular files and their bytes under `dir`. */
function countTree(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        files++;
        bytes += fs.lstatSync(p).size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

async function main(): Promise<void> {
  if (!fs.existsSync(buildctl)) throw new Error(`${buildctl} missing: run scripts/env/install.sh`);
  if (!fs.existsSync(tsCli)) throw new Error(`${tsCli} missing: run npm run build`);
  if (!fs.existsSync(path.join(busyboxDir, "bin", "busybox"))) throw new Error(`${busyboxDir}/bin/busybox missing: run scripts/env/install.sh`);
  const l = layout();
  const ownDaemon = !process.env["BUILDKIT_HOST"];
  const destBase = process.env["TSF_E2E_TMP"] ?? "/var/tmp";
  checkDisk(destBase, ownDaemon ? (process.env["TSF_RUNDIR_BASE"] ?? "/var/tmp") : process.env["TSF_BUILDKITD_STATE"]);
  const made = await ensureInput(l);
  console.log(`tree: ${FILES.toLocaleString("en-US")} files, ${TOTAL_BYTES / 1e6} MB, ${l.dirs.length} dirs, generated in the build from ${inputDir} (${made})`);

  const d = await daemon();
  const work = fs.mkdtempSync(path.join(destBase, "bench-export-"));
  const onSignal = () => {
    currentChild()?.kill("SIGINT");
    fs.rmSync(work, { recursive: true, force: true });
    void d.stop().then(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const name = `tsfbench-export-${createHash("sha256").update(l.marker).digest("hex").slice(0, 12)}`;
  try {
    console.log(`daemon: ${d.addr} (${ownDaemon ? "started by the bench" : "BUILDKIT_HOST"}); names ${name}-*`);
    const defFile = path.join(work, "def.pb");
    const platform = parsePlatform(`linux/${debArch === "armhf" ? "arm/v7" : debArch}`);
    // The locals are copied into scratch before the RUN uses them: an exec whose mount is a local
    // source itself is never a cache hit in a later session (buildkit keys that mount by session),
    // and every timed run must be one, so only the export is measured.
    const rootfs = scratch().file(copy(local(`${name}-busybox`, { includePatterns: ["bin/busybox"] }), "/bin/busybox", "/bin/busybox", { createDestPath: true }));
    const input = scratch().file(copy(local(`${name}-input`), "/", "/", { copyDirContentsOnly: true }));
    const exec = rootfs.run({
      args: ["/bin/busybox", "tar", "-xzf", "/in/tree.tar.gz", "-C", "/out"],
      customName: `${name}: generate ${FILES} files`,
      mounts: [
        { target: "/in", source: input, readonly: true },
        { target: "/out", source: scratch() },
      ],
    });
    const tree = exec.getMount("/out");
    fs.writeFileSync(defFile, (await tree.marshal({ platform, localUniqueID: "tsfbench" })).toBytes());

    const locals = ["--local", `${name}-busybox=${busyboxDir}`, "--local", `${name}-input=${inputDir}`];
    const env = { ...process.env, BUILDKIT_HOST: d.addr };
    const dest = path.join(work, "out");
    const build = (tool: Tool) =>
      tool === "ts"
        ? runOk(process.execPath, [...nodeArgs, tsCli, "--addr", d.addr, "build", "--progress", "plain", ...locals, "-o", `type=local,dest=${dest}`], { stdinFile: defFile, env })
        : runOk(buildctl, ["--addr", d.addr, "build", "--progress", "plain", ...locals, "--output", `type=local,dest=${dest}`], { stdinFile: defFile, env });

    const times: Record<Tool, number[]> = { ts: [], buildctl: [] };
    // Iteration 0 is a warm-up (generates the tree in the daemon, page cache); tool order alternates.
    for (let i = 0; i <= iterations; i++) {
      const order: Tool[] = i % 2 === 0 ? ["ts", "buildctl"] : ["buildctl", "ts"];
      const line: string[] = [];
      for (const tool of order) {
        fs.rmSync(dest, { recursive: true, force: true });
        spawnSync("sync", { stdio: "ignore" });
        const r = await build(tool);
        const got = countTree(dest);
        if (got.files !== FILES || got.bytes !== TOTAL_BYTES) {
          throw new Error(`${tool} exported ${got.files} files, ${got.bytes} bytes; expected ${FILES} files, ${TOTAL_BYTES} bytes`);
        }
        if (i > 0) {
          // A timed run re-runs nothing: its RUN is a cache hit.
          const step = new RegExp(`^#(\\d+) ${name}: generate `, "m").exec(r.out)?.[1];
          if (!step || !new RegExp(`^#${step} CACHED$`, "m").test(r.out)) throw new Error(`${tool}: the RUN was not a cache hit, so more than the export would be timed\n${r.out}`);
          times[tool].push(r.ms / 1000);
        }
        line.push(`${tool} ${(r.ms / 1000).toFixed(2)} s`);
      }
      console.log(`${i === 0 ? "warm-up" : `iteration ${i}/${iterations}`}: ${line.join("; ")}`);
    }
    fs.rmSync(dest, { recursive: true, force: true });

    const mbps = (s: number) => (TOTAL_BYTES / 1e6 / s).toFixed(1);
    for (const tool of ["ts", "buildctl"] as const) {
      const m = median(times[tool]);
      console.log(`${tool.padEnd(8)} local export: median ${m.toFixed(2)} s (${mbps(m)} MB/s) [median of ${iterations}, 1 warm-up]`);
    }
    console.log(`local export ts/buildctl ratio: ${(median(times.ts) / median(times.buildctl)).toFixed(2)}`);
  } finally {
    if (keep) console.log(`kept the daemon's records; remove them with: buildctl --addr ${d.addr} prune --filter description~=${name}`);
    else await run(buildctl, ["--addr", d.addr, "prune", "--filter", `description~=${name}`]).catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
    await d.stop();
  }
}

main().catch((e: unknown) => {
  console.error(`bench:export: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
