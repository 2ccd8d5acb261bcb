/**
 * What the benchmarks share: the repository and cache paths, child
 * processes timed and collected, the daemon they measure against (the one
 * named by BUILDKIT_HOST, or one started with scripts/env/start.sh and
 * stopped after), a seeded generator, free disk space, and medians.
 */

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** The work tree (dist/bench -> two levels up). */
export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** `$TSF_CACHE`, as scripts/env/paths.sh sets it. */
export const cacheRoot = process.env["TSF_CACHE"] ?? path.join(process.env["XDG_CACHE_HOME"] ?? path.join(os.homedir(), ".cache"), "tsfrontend");
export const buildctl = process.env["BUILDCTL"] ?? path.join(cacheRoot, "bin", "buildctl");
/** The CLI as users run it: package.json `bin` (the bundle dist/cli/main.js). */
export const tsCli = path.join(repo, (JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8")) as { bin: { tsfrontend: string } }).bin.tsfrontend);

/**
 * Runs the CLI as a user's shell does, the file itself (its `#!/bin/sh` line starts node from PATH:
 * this node's folder is put first), not `node <bin>`, which skips that line.
 */
export function runTsCli(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const env = { ...(options.env ?? process.env) };
  env["PATH"] = [path.dirname(process.execPath), env["PATH"] ?? ""].join(path.delimiter);
  return runOk(tsCli, args, { ...options, env });
}

/** splitmix64: a small seeded generator for sizes and layout. */
export function prng(seed: string): () => number {
  let s = createHash("sha256").update(seed).digest().readBigUInt64LE(0);
  const M = (1n << 64n) - 1n;
  return () => {
    s = (s + 0x9e3779b97f4a7c15n) & M;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
    z ^= z >> 31n;
    return Number(z >> 11n) / 2 ** 53;
  };
}

/** Free bytes of the file system holding `p` (or its nearest existing parent). */
export function freeSpace(p: string): { dev: number; free: number; at: string } {
  let at = path.resolve(p);
  while (!fs.existsSync(at)) at = path.dirname(at);
  const st = fs.statfsSync(at);
  return { dev: fs.statSync(at).dev, free: st.bavail * st.bsize, at };
}

export interface RunResult {
  code: number | null;
  out: string;
  ms: number;
  /** The command's CPU time, user + system (ms; Linux only, see {@link childrenCpuMs}). */
  cpuMs?: number;
}

let clockTicks: number | undefined;

/**
 * CPU time (user + system, ms) of this process's children that have ended and
 * been waited for, from /proc/self/stat (cutime + cstime, in clock ticks of
 * 10 ms); undefined off Linux. The difference across one run is that run's
 * CPU as long as no other child ends meanwhile (the benches run one command
 * at a time; their daemons end only at the end).
 */
export function childrenCpuMs(): number | undefined {
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    // Fields after the command name (which may hold spaces): [0] is field 3 (state), so cutime (16) and cstime (17) are [13] and [14].
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    clockTicks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    return ((Number(f[13]) + Number(f[14])) * 1000) / clockTicks;
  } catch {
    return undefined;
  }
}

export interface RunOptions {
  stdinFile?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

let current: ChildProcess | undefined;

/** The child running now, so a benchmark can pass Ctrl-C on to it. */
export function currentChild(): ChildProcess | undefined {
  return current;
}

/** Runs a command (stdin from a file, or none), timing it and collecting stdout and stderr together. */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const stdin = options.stdinFile ? fs.openSync(options.stdinFile, "r") : "ignore";
    const t0 = performance.now();
    const cpu0 = childrenCpuMs();
    const child = spawn(cmd, args, { stdio: [stdin, "pipe", "pipe"], env: options.env ?? process.env, ...(options.cwd ? { cwd: options.cwd } : {}) });
    current = child;
    if (typeof stdin === "number") fs.closeSync(stdin);
    const chunks: Buffer[] = [];
    child.stdout?.on("data", (c: Buffer) => chunks.push(c));
    child.stderr?.on("data", (c: Buffer) => chunks.push(c));
    child.on("error", reject);
    child.on("close", (code) => {
      current = undefined;
      const ms = performance.now() - t0;
      const cpu1 = childrenCpuMs();
      resolve({ code, out: Buffer.concat(chunks).toString("utf8"), ms, ...(cpu0 !== undefined && cpu1 !== undefined ? { cpuMs: cpu1 - cpu0 } : {}) });
    });
  });
}

/** {@link run}, failing with the command's last lines when it exits non-zero. */
export async function runOk(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, options);
  if (r.code !== 0) throw new Error(`${path.basename(cmd)} ${args.join(" ")} exited ${r.code}:\n${r.out.split("\n").slice(-20).join("\n")}`);
  return r;
}

export interface Daemon {
  addr: string;
  /** Where its state lives, for disk checks (unknown for a given BUILDKIT_HOST without TSF_BUILDKITD_STATE). */
  stateDir: string | undefined;
  /** True when this process started it (and its registry), with scripts/env/start.sh. */
  own: boolean;
  stop: () => Promise<void>;
}

/**
 * The daemon to measure against: BUILDKIT_HOST's, or a daemon and registry
 * started with scripts/env/start.sh, whose env (BUILDKIT_HOST, TSF_REGISTRY,
 * DOCKER_CONFIG...) is then set in this process's environment.
 */
export async function daemon(): Promise<Daemon> {
  const given = process.env["BUILDKIT_HOST"];
  if (given) return { addr: given, stateDir: process.env["TSF_BUILDKITD_STATE"], own: false, stop: async () => {} };
  const r = await run("bash", [path.join(repo, "scripts/env/start.sh")]);
  if (r.code !== 0) throw new Error(`scripts/env/start.sh failed:\n${r.out}`);
  const envSh = r.out.trim().split("\n").pop()!;
  const env = JSON.parse(fs.readFileSync(path.join(path.dirname(envSh), "env.json"), "utf8")) as Record<string, string>;
  Object.assign(process.env, env);
  let stopped = false;
  return {
    addr: env["BUILDKIT_HOST"]!,
    stateDir: env["TSF_BUILDKITD_STATE"],
    own: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await run("bash", [path.join(repo, "scripts/env/stop.sh"), envSh]);
    },
  };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
