/**
 * Runs a CommonJS bundle file (one of ours, made by scripts/bundle.mjs) as
 * Node's CommonJS loader would, but through `vm.Script`, which takes and
 * makes V8 code caches: a cache made after the bundle has run holds every
 * function that ran compiled (Node 22's module compile cache holds only what
 * was compiled at load, and Node 20 has none), so a start from it neither
 * parses nor compiles what it runs. Used by the CLI's entry (src/cli/bin.ts,
 * a cache in the user's cache dir) and the frontend image's (src/frontend/bin.ts,
 * a cache written into the image by its warm-up run).
 *
 * The bundle must be ASCII (esbuild's `charset: "ascii"`): it is read as
 * latin1, a copy instead of a UTF-8 decode of megabytes.
 */

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { Script } from "node:vm";
import { publishDynamicImport } from "./dynamic-import.js";

export interface LoadedBundle {
  /** The bundle's `module.exports`. */
  exports: Record<string, unknown>;
  /** The bundle's source (its first line may name it). */
  source: string;
  /** Whether a cache was given and V8 took it. */
  cacheUsed: boolean;
  /** The code cache of the bundle now: everything compiled so far. */
  createCachedData(): Buffer;
}

/**
 * Loads and runs `file`, with `cachedData(source)` as its code cache when
 * that returns one (V8 checks it fits the source and this Node; one that does
 * not is ignored: `cacheUsed` is then false).
 */
export function runCommonJsBundle(file: string, cachedData: (source: string) => Buffer | undefined = () => undefined): LoadedBundle {
  // This module runs in the entry (not from a cache): its import() serves the bundle's ES module imports.
  publishDynamicImport((url) => import(url));
  const source = readFileSync(file, "latin1");
  const cache = cachedData(source);
  // Node's CommonJS wrapper, so the bundle sees exports, require, module, __filename and __dirname.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, {
    filename: file,
    ...(cache ? { cachedData: cache } : {}),
  });
  const module = { exports: {} as Record<string, unknown> };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file));
  return {
    exports: module.exports,
    source,
    cacheUsed: cache !== undefined && !script.cachedDataRejected,
    createCachedData: () => script.createCachedData(),
  };
}
