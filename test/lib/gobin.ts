/**
 * Builds the Go reference programs (test/golden/go: client/llb vectors;
 * test/dockerfile/go: the Dockerfile frontend) into the user's cache dir (Go's
 * own module and build caches make repeat builds take well under a second)
 * and runs them.
 */

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file is dist/test/lib/gobin.js after the build). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export function cacheDir(...parts: string[]): string {
  const base = process.env["XDG_CACHE_HOME"] || join(homedir(), ".cache");
  const dir = join(base, "tsfrontend", ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const built = new Map<string, string>();

/** Path of the Go program in `test/<dir>/go` built as `<name>-<checkout hash>`, building it if needed (once per process). */
export function goBinary(name: string, dir: string): string {
  const have = built.get(name);
  if (have) return have;
  // One binary per checkout: work trees of other branches may build a different program.
  const out = join(cacheDir("bin"), `${name}-${createHash("sha256").update(repoRoot).digest("hex").slice(0, 12)}`);
  execFileSync("go", ["build", "-o", out, "."], {
    cwd: join(repoRoot, "test", dir, "go"),
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CGO_ENABLED: "0" },
  });
  built.set(name, out);
  return out;
}

/** Path of the built `golden` binary (client/llb vectors), building it if needed. */
export function goldenBinary(): string {
  return goBinary("golden", "golden");
}

/** Path of the built `dfgolden` binary (buildkit's Dockerfile frontend, test/dockerfile/go), building it if needed. */
export function dockerfileGoldenBinary(): string {
  return goBinary("dfgolden", "dockerfile");
}

export function runGolden(args: string[]): string {
  return execFileSync(goldenBinary(), args, { encoding: "utf8", maxBuffer: 256 << 20 });
}
