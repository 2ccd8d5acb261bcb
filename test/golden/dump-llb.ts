/**
 * `buildctl debug dump-llb` (JSON lines and `--dot`) run on a Go-marshalled
 * vector must print exactly what our dumpDefinitionJson / dumpDefinitionDot
 * print for the same bytes and for our own marshalled graph. The buildctl
 * binary is the one scripts/env/paths.sh names; a missing one is a failure.
 */

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { dumpDefinitionDot, dumpDefinitionJson, type Definition } from "../../src/llb/index.js";

/** `$BUILDCTL`, else `$TSF_BIN/buildctl`, else paths.sh's default `$TSF_CACHE/bin/buildctl`. */
export function buildctlPath(): string {
  const env = process.env;
  if (env["BUILDCTL"]) return env["BUILDCTL"];
  if (env["TSF_BIN"]) return join(env["TSF_BIN"], "buildctl");
  const cache = env["TSF_CACHE"] || join(env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "tsfrontend");
  return join(cache, "bin", "buildctl");
}

/** Why buildctl cannot be used (missing, or not the pinned v0.32.2), or undefined. */
export function buildctlProblem(buildctl: string): string | undefined {
  if (!existsSync(buildctl)) return `buildctl not found at ${buildctl} (scripts/env/install.sh installs it; or set BUILDCTL)`;
  const version = execFileSync(buildctl, ["--version"], { encoding: "utf8" });
  if (!/ v0\.32\.2 /.test(version)) return `${buildctl} is not buildctl v0.32.2: ${version.trim()}`;
  return undefined;
}

function firstDifferentLine(want: string, got: string): string {
  const w = want.split("\n");
  const g = got.split("\n");
  for (let i = 0; i < Math.max(w.length, g.length); i++) {
    if (w[i] === g[i]) continue;
    const a = w[i] ?? "";
    const b = g[i] ?? "";
    let col = 0;
    while (col < a.length && a[col] === b[col]) col++;
    const from = Math.max(0, col - 60);
    return `line ${i + 1}, column ${col + 1}:\n    buildctl: ${JSON.stringify(a.slice(from, col + 100))}\n    ours:     ${JSON.stringify(b.slice(from, col + 100))}`;
  }
  return "(equal lines, different bytes)";
}

/**
 * Runs buildctl on `file` (the bytes `fromFile` was decoded from) and compares
 * with our dumps of `fromFile` and of `ours`; returns the first difference.
 */
export function compareDumpLlb(buildctl: string, file: string, fromFile: Definition, ours: Definition): string | undefined {
  for (const dot of [false, true]) {
    const want = execFileSync(buildctl, ["debug", "dump-llb", ...(dot ? ["--dot"] : []), file], { encoding: "utf8", maxBuffer: 1 << 30 });
    const what = dot ? "dump-llb --dot" : "dump-llb";
    const dump = (d: Definition) => (dot ? dumpDefinitionDot(d) : dumpDefinitionJson(d).map((l) => l + "\n").join(""));
    for (const [which, def] of [["of the same bytes", fromFile], ["of our marshalled graph", ours]] as const) {
      const got = dump(def);
      if (got !== want) return `${what}: our dump ${which} differs from buildctl's at ${firstDifferentLine(want, got)}`;
    }
  }
  return undefined;
}
