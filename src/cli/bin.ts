#!/usr/bin/env node
/**
 * The `tsfrontend` command as installed (package.json `bin`: scripts/bundle.mjs
 * turns this file into dist/cli/main.js). It runs the CLI bundle
 * (dist/cli/tsfrontend.cjs: src/cli/main.ts and everything it loads, one
 * CommonJS file) with V8's code cache of it (internal/node/cjs-bundle.ts), so
 * a start reads compiled code instead of parsing and compiling megabytes of
 * JavaScript again (about 100 ms of every build on Node 20).
 *
 * The cache is made after the first run of each command (`build`, `llb`...:
 * a cache made after a run holds the functions that ran), and again after a
 * run that used parts of the bundle it does not cover (compile-cache.ts
 * `modulesToCache`), written at exit to
 * `$XDG_CACHE_HOME/tsfrontend/compile-cache/` (default `~/.cache`) under the
 * bundle's id, the Node version and the architecture (compile-cache.ts), so
 * another bundle or Node never reads it; V8 rejects a cache that does not fit
 * and it is made again. Best effort: a cache dir that cannot be written only
 * costs the speed. `TSFRONTEND_COMPILE_CACHE=0` turns it off.
 */

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCommonJsBundle, type LoadedBundle } from "../internal/node/cjs-bundle.js";
import { adoptDeferredExtraCaCerts } from "../internal/node/extra-ca-env.js";
import { BUNDLE_INITS, bundleId, cacheFileBytes, commandOf, compileCacheDir, compileCacheKey, modulesToCache, readCacheFile } from "./compile-cache.js";

// First: child processes get NODE_EXTRA_CA_CERTS back (the header of dist/cli/main.js moved it).
adoptDeferredExtraCaCerts();

const useCache = process.env["TSFRONTEND_COMPILE_CACHE"] !== "0";
const dir = compileCacheDir(process.env, homedir());
let key = "";
let cacheFile = "";
let bundle: LoadedBundle | undefined;

let covered: () => Set<string> = () => new Set();

process.once("exit", () => {
  if (!bundle || cacheFile === "") return;
  const ran = ((globalThis as Record<symbol, Set<string> | undefined>)[Symbol.for(BUNDLE_INITS)] ?? new Set<string>());
  const modules = modulesToCache({ used: bundle.cacheUsed, modules: covered }, ran);
  if (!modules) return;
  try {
    const data = cacheFileBytes(bundle.createCachedData(), modules);
    mkdirSync(dir, { recursive: true });
    // Caches of other bundles or Node versions are of no more use.
    for (const f of readdirSync(dir)) if (!f.startsWith(key)) rmSync(join(dir, f), { force: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, data);
    renameSync(tmp, cacheFile);
  } catch {
    // best effort (read-only home, full disk): the next start compiles again
  }
});

bundle = runCommonJsBundle(join(dirname(fileURLToPath(import.meta.url)), "tsfrontend.cjs"), (source) => {
  const id = bundleId(source);
  if (!useCache || id === "") return undefined;
  key = compileCacheKey(id, process.version, process.arch);
  cacheFile = join(dir, `${key}-${commandOf(process.argv.slice(2))}.bin`);
  try {
    const taken = readCacheFile(readFileSync(cacheFile));
    covered = taken.modules;
    return taken.data;
  } catch {
    return undefined; // none yet: made at exit
  }
});
