/**
 * The multi-platform busybox shell base image the e2e programs build on
 * (`image(...)` / `base:`): examples/busybox-shell.ts built with our own CLI
 * for linux/amd64, linux/arm64 and linux/arm/v7 and pushed to
 * `$TSF_REGISTRY/tsfrontend-test/shell:latest`.
 *
 * Built once per environment and example version (pushed-image.ts): keyed by
 * BUILDKIT_HOST, TSF_REGISTRY and the example's content, and checked against
 * the registry with skopeo before it is trusted.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildOnce, registryIndexDigest } from "./pushed-image.js";
import { ok, repoRoot, requireEnv, runCli, tempDir, type E2eEnv } from "./env.js";

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
  return buildOnce<ShellImage>(env, {
    name: `shell-${key}`,
    valid: async (m) => m.ref === ref && (await registryIndexDigest(env, ref, SHELL_PLATFORMS)) === m.digest,
    build: async () => {
      const digest = await build(env, ref);
      assert.equal(await registryIndexDigest(env, ref, SHELL_PLATFORMS), digest, `the registry serves ${ref} with all three platforms`);
      return { ref, digest };
    },
  });
}
