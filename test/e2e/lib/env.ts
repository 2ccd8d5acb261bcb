/**
 * Shared helpers of the e2e suites: the daemon/registry environment written by
 * scripts/env/start.sh, running the built CLI, temporary directories and
 * external tools (skopeo, git). Importing this module has no side effects
 * (node --test also runs every file under dist/test/ as a test file).
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cliPath } from "../../lib/cli.js";

/** The work tree (dist/test/e2e/lib -> four levels up). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
/** The CLI as users run it (package.json `bin`). */
export { cliPath };

export interface E2eEnv {
  buildkitHost: string;
  /** `127.0.0.1:PORT` (plain http, needs credentials). */
  registry: string;
  registryUser: string;
  registryPassword: string;
  /** `$TSF_CACHE` (or its default): bin/, busybox/<deb-arch>/bin/busybox. */
  cache: string;
  skopeo: string;
  /** The run's directory from start.sh (`$TSF_RUNDIR`), if known. */
  runDir: string | undefined;
}

/**
 * The test environment, or a clear assertion failure saying how to get one. Call it in a
 * file's `before` hook: a failing hook fails every test of the file (none is skipped).
 */
export function requireEnv(): E2eEnv {
  const e = process.env;
  const missing = ["BUILDKIT_HOST", "TSF_REGISTRY", "TSF_REGISTRY_USER", "TSF_REGISTRY_PASSWORD"].filter((k) => !e[k]);
  if (missing.length > 0) {
    assert.fail(
      `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set: start a test daemon and registry with ` +
        "`bash scripts/env/start.sh`, source the env.sh it prints, and run again (scripts/test-all.sh does this)",
    );
  }
  return {
    buildkitHost: e["BUILDKIT_HOST"]!,
    registry: e["TSF_REGISTRY"]!,
    registryUser: e["TSF_REGISTRY_USER"]!,
    registryPassword: e["TSF_REGISTRY_PASSWORD"]!,
    cache: e["TSF_CACHE"] || join(e["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "tsfrontend"),
    skopeo: e["SKOPEO"] || "skopeo",
    runDir: e["TSF_RUNDIR"] || undefined,
  };
}

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Milliseconds; default 5 minutes. */
  timeout?: number;
}

/** Runs a command without a shell and collects its output (never throws for a non-zero exit). */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? repoRoot, env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeout ?? 300_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolvePromise({ status, signal, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

/** Runs the CLI as users do (`node <package.json bin> ARGS`: dist/cli/main.js). */
export function runCli(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [cliPath, ...args], opts);
}

/** Asserts a zero exit and returns stdout. */
export function ok(r: RunResult, what = "command"): string {
  assert.equal(r.status, 0, `${what}: exit ${r.status ?? r.signal}\nstdout:\n${r.stdout.slice(-4000)}\nstderr:\n${r.stderr.slice(-8000)}`);
  return r.stdout;
}

/** A temporary directory under /var/tmp (not tmpfs: buildkit's local sources and big trees) removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const base = process.env["TSF_E2E_TMP"] || (process.platform === "linux" ? "/var/tmp" : tmpdir());
  const dir = mkdtempSync(join(base, `tsf-e2e-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `--creds user:password` for skopeo against the test registry. */
export function skopeoCreds(env: E2eEnv): string[] {
  return ["--creds", `${env.registryUser}:${env.registryPassword}`];
}

/** Runs skopeo; fails the test with its stderr on a non-zero exit. */
export async function skopeo(env: E2eEnv, args: readonly string[]): Promise<string> {
  return ok(await run(env.skopeo, args, { timeout: 120_000 }), `skopeo ${args[0]}`);
}
