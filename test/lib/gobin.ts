/**
 * Builds the Go reference program under test/golden/go into the user's cache
 * dir (Go's own module and build caches make repeat builds take well under a
 * second) and runs it.
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

let built: string | undefined;

/** Path of the built `golden` binary, building it if needed. */
export function goldenBinary(): string {
  if (built) return built;
  // One binary per checkout: work trees of other branches may build a different program.
  const out = join(cacheDir("bin"), `golden-${createHash("sha256").update(repoRoot).digest("hex").slice(0, 12)}`);
  execFileSync("go", ["build", "-o", out, "."], {
    cwd: join(repoRoot, "test", "golden", "go"),
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CGO_ENABLED: "0" },
  });
  built = out;
  return out;
}

export function runGolden(args: string[]): string {
  return execFileSync(goldenBinary(), args, { encoding: "utf8", maxBuffer: 256 << 20 });
}
