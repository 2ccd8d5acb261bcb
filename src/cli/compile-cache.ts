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

/**
 * How many runs of a command write its cache. A cache holds what the run that
 * wrote it compiled; one made by a run that took a short path (`--help`, a
 * flag error, a Definition from stdin) would leave the next builds compiling
 * most of what they run. So the first runs each write the cache again with
 * what they ran besides (what V8 took from the cache stays compiled, so each
 * cache holds its predecessor's), and then it stays as it is.
 */
export const CACHE_GENERATIONS = 3;

/** The trailer after V8's data in a cache file: this tag, then the generation byte. */
const GENERATION_TAG = Buffer.from("tsfgen");

/** A cache file's V8 data and its generation (1 for a file without the trailer). */
export function readCacheFile(file: Buffer): { data: Buffer; generation: number } {
  const tagAt = file.length - GENERATION_TAG.length - 1;
  if (tagAt >= 0 && file.subarray(tagAt, tagAt + GENERATION_TAG.length).equals(GENERATION_TAG)) {
    return { data: file.subarray(0, tagAt), generation: file[file.length - 1]! };
  }
  return { data: file, generation: 1 };
}

/** A cache file: V8's data, then the trailer naming its generation. */
export function cacheFileBytes(data: Buffer, generation: number): Buffer {
  return Buffer.concat([data, GENERATION_TAG, Buffer.from([generation])]);
}

/** The generation a run writes at exit: none (undefined) once the cache it took is the last generation. */
export function nextGeneration(taken: { used: boolean; generation: number }): number | undefined {
  if (!taken.used) return 1;
  return taken.generation < CACHE_GENERATIONS ? taken.generation + 1 : undefined;
}
