/**
 * Where the CLI keeps V8's code cache of its bundle (src/cli/bin.ts loads it,
 * scripts/bundle.mjs names the bundle): pure, so bundling and tests share it.
 */

import { join } from "node:path";

/** The bundle's first line: this prefix and the sha256 of the rest (its id). */
export const BUNDLE_ID_PREFIX = "// tsfrontend-cli-bundle ";

/** The commands of src/cli/main.ts, one cache each (a cache holds what its command ran compiled). */
export const CACHED_COMMANDS = ["build", "builder", "check", "daemon", "debug", "du", "inspect", "llb", "prune", "workers"];

/** The command a command line runs (the first argument naming one), for its cache file. */
export function commandOf(args: readonly string[]): string {
  return args.find((a) => CACHED_COMMANDS.includes(a)) ?? "other";
}

/** The bundle's id from its first line, "" when it has none. */
export function bundleId(source: string): string {
  const firstLine = source.slice(0, Math.max(0, source.indexOf("\n")));
  return firstLine.startsWith(BUNDLE_ID_PREFIX) ? firstLine.slice(BUNDLE_ID_PREFIX.length).trim() : "";
}

/** `$XDG_CACHE_HOME/tsfrontend/compile-cache` (an absolute XDG_CACHE_HOME only, as the spec says), else `~/.cache/...`. */
export function compileCacheDir(env: NodeJS.ProcessEnv, home: string): string {
  const xdg = env["XDG_CACHE_HOME"];
  return join(xdg && xdg.startsWith("/") ? xdg : join(home, ".cache"), "tsfrontend", "compile-cache");
}

/** The prefix every cache file of this bundle on this Node shares (other prefixes are stale). */
export function compileCacheKey(id: string, nodeVersion: string, arch: string): string {
  return `${id.slice(0, 16)}-${nodeVersion}-${arch}`;
}
