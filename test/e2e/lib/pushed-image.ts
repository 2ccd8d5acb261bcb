/**
 * Images the e2e tests push to the test registry as prerequisites (the shell
 * image, the frontend image), built once per environment and content: node
 * --test runs each file in its own process, so the result is memoised in a
 * marker file (in `$TSF_RUNDIR` when known, which stop.sh deletes with the
 * registry), guarded by a lock file for files running in parallel, and
 * checked against the registry before it is trusted.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { run, skopeoCreds, type E2eEnv } from "./env.js";
import { platformOf } from "./oci.js";

/** The digest of the image index at `ref` if the registry serves it with every one of `platforms`. */
export async function registryIndexDigest(env: E2eEnv, ref: string, platforms: readonly string[]): Promise<string | undefined> {
  const r = await run(env.skopeo, ["inspect", "--raw", "--tls-verify=false", ...skopeoCreds(env), `docker://${ref}`], { timeout: 60_000 });
  if (r.status !== 0) return undefined;
  const index = JSON.parse(r.stdout) as { manifests?: { platform?: { os: string; architecture: string; variant?: string } }[] };
  const served = (index.manifests ?? []).map((m) => (m.platform ? platformOf(m.platform) : ""));
  if (!platforms.every((p) => served.includes(p))) return undefined;
  return "sha256:" + createHash("sha256").update(Buffer.from(r.stdout, "utf8")).digest("hex");
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface BuildOnceOptions<T> {
  /** Marker file name (`tsf-e2e-<name>.json`); put the content key in it. */
  name: string;
  /** Whether a memoised result still holds (e.g. the registry serves that digest). */
  valid: (memo: T) => Promise<boolean>;
  /** Builds and returns the result to memoise. */
  build: () => Promise<T>;
  /** How long to wait for another process building it; default 10 minutes. */
  waitMs?: number;
}

/** The memoised result for `name` if `valid`, else builds it (one process at a time). */
export async function buildOnce<T>(env: E2eEnv, options: BuildOnceOptions<T>): Promise<T> {
  const dir = env.runDir && existsSync(env.runDir) ? env.runDir : tmpdir();
  const marker = join(dir, `tsf-e2e-${options.name}.json`);
  const lock = `${marker}.lock`;
  const deadline = Date.now() + (options.waitMs ?? 10 * 60_000);
  for (;;) {
    if (existsSync(marker)) {
      const m = JSON.parse(readFileSync(marker, "utf8")) as T;
      if (await options.valid(m)) return m;
      rmSync(marker, { force: true });
    }
    let fd: number | undefined;
    try {
      fd = openSync(lock, "wx", 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    if (fd === undefined) {
      // Another test file builds it: wait, unless its process is gone.
      let holder = NaN;
      try {
        holder = parseInt(readFileSync(lock, "utf8"), 10);
      } catch {
        continue;
      }
      if ((Number.isFinite(holder) && !alive(holder)) || (!Number.isFinite(holder) && Date.now() - statSync(lock).mtimeMs > 60_000)) {
        rmSync(lock, { force: true });
        continue;
      }
      assert.ok(Date.now() < deadline, `timed out waiting for ${lock} (pid ${holder})`);
      await sleep(250);
      continue;
    }
    try {
      writeSync(fd, String(process.pid));
      closeSync(fd);
      if (existsSync(marker)) continue;
      const m = await options.build();
      writeFileSync(marker, JSON.stringify(m), { mode: 0o600 });
      return m;
    } finally {
      rmSync(lock, { force: true });
    }
  }
}
