/**
 * The frontend image (Dockerfile.frontend) built and pushed by
 * scripts/frontend-image.sh to `$TSF_REGISTRY/tsfrontend:<version>`, once per
 * environment, version and content (pushed-image.ts): keyed by BUILDKIT_HOST,
 * TSF_REGISTRY and the content of what goes into it (the program, the
 * script, the bundler, package.json, package-lock.json and the built modules
 * dist/src without tests).
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ok, repoRoot, requireEnv, run } from "./env.js";
import { buildOnce, registryIndexDigest } from "./pushed-image.js";

export const FRONTEND_PLATFORMS = ["linux/amd64", "linux/arm64"] as const;

export interface FrontendImage {
  /** `$TSF_REGISTRY/tsfrontend:<version>`, the script's last line. */
  ref: string;
  /** Digest of its image index. */
  digest: string;
  /** Compressed size (sum of its layers) per platform, as the script reported it. */
  sizes: Record<string, number>;
  /** Seconds the script took (a cold or warm build). */
  seconds: number;
}

/** Files under `dir` (relative paths, sorted), recursively. */
function filesUnder(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === "" ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) out.push(...filesUnder(dir, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}

/** A hash of everything the image is built from. */
function contentKey(): string {
  const h = createHash("sha256");
  for (const f of ["Dockerfile.frontend", "scripts/frontend-image.sh", "scripts/bundle.mjs", "package.json", "package-lock.json"]) {
    h.update(`${f}\n`).update(readFileSync(join(repoRoot, f)));
  }
  const dist = join(repoRoot, "dist", "src");
  for (const f of filesUnder(dist)) {
    if (/\.test\./.test(f)) continue;
    h.update(`dist/src/${f}\n`).update(readFileSync(join(dist, f)));
  }
  return h.digest("hex");
}

async function build(): Promise<FrontendImage> {
  const start = Date.now();
  const r = await run("bash", [join(repoRoot, "scripts", "frontend-image.sh")], { timeout: 15 * 60_000 });
  const out = ok(r, "scripts/frontend-image.sh").trimEnd().split("\n");
  const ref = out[out.length - 1]!;
  const digest = /^tsfrontend image digest: (sha256:[0-9a-f]{64})$/m.exec(out.join("\n"))?.[1];
  assert.ok(digest, `no digest in the script's output:\n${out.join("\n")}`);
  const sizes: Record<string, number> = {};
  for (const line of out) {
    const m = /^tsfrontend image (\S+): [\d.]+ MB compressed \((\d+) bytes in \d+ layers\)$/.exec(line);
    if (m) sizes[m[1]!] = Number(m[2]);
  }
  return { ref, digest, sizes, seconds: (Date.now() - start) / 1000 };
}

let memo: Promise<FrontendImage> | undefined;

/** Builds and pushes the frontend image unless this environment already has this content; returns its ref, digest and sizes. */
export function ensureFrontendImage(): Promise<FrontendImage> {
  memo ??= ensure();
  return memo;
}

async function ensure(): Promise<FrontendImage> {
  const env = requireEnv();
  const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
  const ref = `${env.registry}/tsfrontend:${version}`;
  const key = createHash("sha256").update(`${env.buildkitHost}\n${env.registry}\n${version}\n${contentKey()}`).digest("hex").slice(0, 16);
  return buildOnce<FrontendImage>(env, {
    name: `frontend-${key}`,
    valid: async (m) => m.ref === ref && (await registryIndexDigest(env, ref, FRONTEND_PLATFORMS)) === m.digest,
    build: async () => {
      const image = await build();
      assert.equal(image.ref, ref, "the script's last line is the ref");
      assert.equal(await registryIndexDigest(env, ref, FRONTEND_PLATFORMS), image.digest, `the registry serves ${ref} with ${FRONTEND_PLATFORMS.join(" and ")}`);
      return image;
    },
    waitMs: 15 * 60_000,
  });
}
