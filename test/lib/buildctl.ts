/**
 * The buildctl binary the tests compare against: the one scripts/env/paths.sh
 * names. Tests that need it fail (never skip) when it is missing.
 */

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** `$BUILDCTL`, else `$TSF_BIN/buildctl`, else paths.sh's default `$TSF_CACHE/bin/buildctl`. */
export function buildctlPath(): string {
  const env = process.env;
  if (env["BUILDCTL"]) return env["BUILDCTL"];
  if (env["TSF_BIN"]) return join(env["TSF_BIN"], "buildctl");
  const cache = env["TSF_CACHE"] || join(env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "tsfrontend");
  return join(cache, "bin", "buildctl");
}

/** Why `buildctl` cannot be used (missing, or not the pinned v0.32.2), or undefined. */
export function buildctlProblem(buildctl: string): string | undefined {
  if (!existsSync(buildctl)) return `buildctl not found at ${buildctl} (scripts/env/install.sh installs it; or set BUILDCTL)`;
  const version = execFileSync(buildctl, ["--version"], { encoding: "utf8" });
  if (!/ v0\.32\.2 /.test(version)) return `${buildctl} is not buildctl v0.32.2: ${version.trim()}`;
  return undefined;
}
