#!/usr/bin/env node
/**
 * The `tsfrontend` command as installed (package.json `bin`: scripts/bundle.mjs
 * turns this file into dist/cli/main.js). It runs the CLI bundle
 * (dist/cli/tsfrontend.cjs: src/cli/main.ts and everything it loads, one
 * CommonJS file) with V8's code cache of that bundle, so a start reads
 * compiled code instead of parsing and compiling megabytes of JavaScript
 * again (about 100 ms of every build on Node 20, which has no
 * `module.enableCompileCache`).
 *
 * The cache is made after the first run of each command (`build`, `llb`...:
 * a cache made after a run holds the functions that run compiled, one made at
 * load time only the top level), written at exit to
 * `$XDG_CACHE_HOME/tsfrontend/compile-cache/` (default `~/.cache`) under the
 * bundle's id, the Node version and the architecture, so another bundle or
 * Node never reads it; V8 rejects a cache that does not fit and it is made
 * again. Best effort: a cache dir that cannot be written only costs the
 * speed. `TSFRONTEND_COMPILE_CACHE=0` turns it off.
 */

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";
import { DYNAMIC_IMPORT } from "../program/dynamic-import.js";
import { bundleId, commandOf, compileCacheDir, compileCacheKey } from "./compile-cache.js";

const bundle = join(dirname(fileURLToPath(import.meta.url)), "tsfrontend.cjs");
// ASCII only (scripts/bundle.mjs checks it): read as latin1, which is a copy, not a UTF-8 decode of 4 MB.
const source = readFileSync(bundle, "latin1");
const id = bundleId(source);
const useCache = id !== "" && process.env["TSFRONTEND_COMPILE_CACHE"] !== "0";
const dir = compileCacheDir(process.env, homedir());
const key = compileCacheKey(id, process.version, process.arch);
const cacheFile = join(dir, `${key}-${commandOf(process.argv.slice(2))}.bin`);

let cachedData: Buffer | undefined;
if (useCache) {
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // none yet: made at exit
  }
}
// The same wrapper as Node's CommonJS loader, so the bundle sees require, module, __filename...
const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, {
  filename: bundle,
  ...(cachedData ? { cachedData } : {}),
});
if (useCache && (cachedData === undefined || script.cachedDataRejected)) {
  process.once("exit", () => {
    try {
      const data = script.createCachedData();
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
}

// Code compiled from a cache cannot use `import()` in Node 20 ("A dynamic import callback was not
// specified"): the bundle has none of its own (esbuild turns them into lazy inits) and imports
// ES modules (build programs) through this module's `import()`.
(globalThis as Record<symbol, unknown>)[Symbol.for(DYNAMIC_IMPORT)] = (url: string) => import(url);
const module = { exports: {} };
(script.runInThisContext() as (...a: unknown[]) => void)(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
