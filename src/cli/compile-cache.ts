/**
 * Where the CLI keeps V8's code cache of its bundle (src/cli/bin.ts loads it,
 * scripts/bundle.mjs names the bundle): pure, so bundling and tests share it.
 */

import { join } from "node:path";

/** The bundle's first line: this prefix and the sha256 of the rest (its id). */
export const BUNDLE_ID_PREFIX = "// tsfrontend-cli-bundle ";

/** The commands of src/cli/main.ts, one cache each (a cache holds what its command ran compiled). */
export const CACHED_COMMANDS = ["build", "builder", "check", "daemon", "debug", "du", "inspect", "llb", "prune", "prune-histories", "workers"];

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
 * The global under which the CLI bundle records the names of its lazy modules
 * as they initialise (scripts/bundle.mjs adds that to esbuild's `__esm` and
 * `__commonJS` helpers): which parts of the bundle a run used.
 */
export const BUNDLE_INITS = "tsfrontend.bundleInits";

/** The trailer after V8's data in a cache file: the JSON list of modules, its length (u32 LE), this tag. */
const MODULES_TAG = Buffer.from("tsfmods1");

/**
 * A cache file: V8's data, then the lazy modules of the bundle whose code it
 * holds compiled (the runs that wrote it initialised them).
 */
export function cacheFileBytes(data: Buffer, modules: Iterable<string>): Buffer {
  const json = Buffer.from(JSON.stringify([...modules].sort()));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  return Buffer.concat([data, json, len, MODULES_TAG]);
}

/** A cache file's V8 data and the modules it covers (none known for a file without the trailer). */
export function readCacheFile(file: Buffer): { data: Buffer; modules: () => Set<string> } {
  const tagAt = file.length - MODULES_TAG.length;
  if (tagAt >= 4 && file.subarray(tagAt).equals(MODULES_TAG)) {
    const len = file.readUInt32LE(tagAt - 4);
    const jsonAt = tagAt - 4 - len;
    if (jsonAt >= 0) {
      // Parsed only when needed (at exit): a start reads the data and nothing more.
      return {
        data: file.subarray(0, jsonAt),
        modules: () => {
          try {
            return new Set(JSON.parse(file.subarray(jsonAt, tagAt - 4).toString("utf8")) as string[]);
          } catch {
            return new Set();
          }
        },
      };
    }
  }
  return { data: file, modules: () => new Set() };
}

/**
 * The modules a cache written now would cover, or undefined when the cache the
 * run took covers every module it used (then it is not written again). A
 * cache holds what the runs that wrote it compiled: one made by a short run
 * (`--help`, a flag error, a failing build) would leave later builds
 * compiling most of what they run, so a run that used modules the cache does
 * not cover writes it again, with what it took from it (still compiled) and
 * what it compiled besides.
 */
export function modulesToCache(taken: { used: boolean; modules: () => ReadonlySet<string> }, ran: Iterable<string>): Set<string> | undefined {
  if (!taken.used) return new Set(ran);
  const covered = taken.modules();
  const union = new Set(covered);
  for (const m of ran) union.add(m);
  return union.size > covered.size ? union : undefined;
}
