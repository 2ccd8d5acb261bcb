/**
 * The docker buildx binary the e2e tests drive: the one scripts/env/paths.sh
 * names (`$BUILDX`), run standalone (not as a docker CLI plugin). Tests that
 * need it fail (never skip) when it is missing.
 */

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const BUILDX_VERSION = "v0.38.2";

/** `$BUILDX`, else `$TSF_BIN/buildx`, else paths.sh's default `$TSF_CACHE/bin/buildx`. */
export function buildxPath(): string {
  const env = process.env;
  if (env["BUILDX"]) return env["BUILDX"];
  if (env["TSF_BIN"]) return join(env["TSF_BIN"], "buildx");
  const cache = env["TSF_CACHE"] || join(env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "tsfrontend");
  return join(cache, "bin", "buildx");
}

/** Why `buildx` cannot be used (missing, or not the pinned version), or undefined. */
export function buildxProblem(buildx: string): string | undefined {
  if (!existsSync(buildx)) return `buildx not found at ${buildx} (scripts/env/install.sh installs it; or set BUILDX)`;
  const version = execFileSync(buildx, ["version"], { encoding: "utf8" });
  if (!new RegExp(` ${BUILDX_VERSION.replace(/\./g, "\\.")}( |$)`, "m").test(version)) return `${buildx} is not buildx ${BUILDX_VERSION}: ${version.trim()}`;
  return undefined;
}
