/**
 * The multi-platform busybox shell base image the e2e programs build on
 * (`image(...)` / `base:`): examples/busybox-shell.ts built with our own CLI
 * for linux/amd64, linux/arm64 and linux/arm/v7 and pushed to
 * `$TSF_REGISTRY/tsfrontend-test/shell:latest`.
 *
 * Built once per environment and example version: node --test runs each
 * file in its own process, so the result is memoised in a marker file (in
 * `$TSF_RUNDIR` when known, which stop.sh deletes with the registry) keyed
 * by BUILDKIT_HOST, TSF_REGISTRY and the example's content, guarded by a
 * lock file for files running in parallel, and checked against the registry
 * with skopeo before it is trusted.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ok, repoRoot, requireEnv, run, runCli, skopeoCreds, tempDir, type E2eEnv } from "./env.js";

export const SHELL_PLATFORMS = ["linux/amd64", "linux/arm64", "linux/arm/v7"] as const;

export interface ShellImage {
  /** `$TSF_REGISTRY/tsfrontend-test/shell:latest` */
  ref: string;
  /** Digest of its image index. */
  digest: string;
}

export function shellImageRef(env: E2eEnv): string {
  return `${env.registry}/tsfrontend-test/shell:latest`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The digest of the index at `ref` in the registry, if it is there with all three platforms. */
async function registryDigest(env: E2eEnv, ref: string): Promise<string | undefined> {
  const r = await run(env.skopeo, ["inspect", "--raw", "--tls-verify=false", ...skopeoCreds(env), `docker://${ref}`], { timeout: 60_000 });
  if (r.status !== 0) return undefined;
  const raw = Buffer.from(r.stdout, "utf8");
  const index = JSON.parse(r.stdout) as { manifests?: { platform?: { os: string; architecture: string; variant?: string } }[] };
  const platforms = (index.manifests ?? []).map((m) => (m.platform ? `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? "/" + m.platform.variant : ""}` : ""));
  if (!SHELL_PLATFORMS.every((p) => platforms.includes(p))) return undefined;
  return "sha256:" + createHash("sha256").update(raw).digest("hex");
}

async function build(env: E2eEnv, ref: string): Promise<string> {
  const t = tempDir("shell");
  try {
    const md = join(t.dir, "metadata.json");
    const r = await runCli(
      [
        "build",
        "-f",
        "examples/busybox-shell.ts",
        "--local",
        `busybox=${join(env.cache, "busybox")}`,
        "--platform",
        SHELL_PLATFORMS.join(","),
        "--progress",
        "plain",
        "--metadata-file",
        md,
        "-o",
        `type=image,name=${ref},push=true`,
      ],
      { cwd: repoRoot },
    );
    ok(r, "building the shell image");
    const digest = (JSON.parse(readFileSync(md, "utf8")) as Record<string, string>)["containerimage.digest"];
    assert.match(digest ?? "", /^sha256:[0-9a-f]{64}$/);
    return digest!;
  } finally {
    t.remove();
  }
}

let memo: Promise<ShellImage> | undefined;

/** Builds and pushes the shell image unless this environment already has it; returns its ref and index digest. */
export function ensureShellImage(): Promise<ShellImage> {
  memo ??= ensure();
  return memo;
}

async function ensure(): Promise<ShellImage> {
  const env = requireEnv();
  const ref = shellImageRef(env);
  const example = readFileSync(join(repoRoot, "examples", "busybox-shell.ts"));
  const key = createHash("sha256").update(`${env.buildkitHost}\n${env.registry}\n`).update(example).digest("hex").slice(0, 16);
  const dir = env.runDir && existsSync(env.runDir) ? env.runDir : tmpdir();
  const marker = join(dir, `tsf-e2e-shell-${key}.json`);
  const lock = `${marker}.lock`;
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    if (existsSync(marker)) {
      const m = JSON.parse(readFileSync(marker, "utf8")) as ShellImage;
      if (m.ref === ref && (await registryDigest(env, ref)) === m.digest) return m;
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
      const digest = await build(env, ref);
      assert.equal(await registryDigest(env, ref), digest, `the registry serves ${ref} with all three platforms`);
      const m: ShellImage = { ref, digest };
      writeFileSync(marker, JSON.stringify(m), { mode: 0o600 });
      return m;
    } finally {
      rmSync(lock, { force: true });
    }
  }
}
