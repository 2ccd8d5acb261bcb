/**
 * Entry point of the frontend process: in the image `node
 * /tsfrontend/dist/frontend/main.cjs` (this module bundled, CommonJS), unbundled
 * `node dist/src/frontend/main.js`. stdin/stdout are the gRPC connection to
 * buildkitd; stdout is guarded first (stdio-guard.ts, the first import), then
 * the frontend runs one request (process.ts), leaves the connection open
 * and exits 0 (a failure has gone back through `Return`). Only a daemon that
 * cannot be reached at all (no Ping answer) exits 1.
 *
 * In the image the frontend is a CommonJS bundle next to this module
 * (frontend.cjs, scripts/bundle.mjs), run with the V8 code cache the image
 * build wrote (frontend.cjs.v8cache): the build runs this entrypoint once with
 * TSF_FRONTEND_WARMUP=1, which runs two builds in-process (warmup.ts) and
 * then writes the cache, so a request starts with compiled code for what it
 * runs. NODE_COMPILE_CACHE (Dockerfile.frontend) covers this module and
 * esbuild's.
 */

import { writeStdout } from "./stdio-guard.js";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCommonJsBundle, type LoadedBundle } from "../internal/node/cjs-bundle.js";
import { isProgramFileName } from "../program/file-name.js";

const warmup = process.env["TSF_FRONTEND_WARMUP"] === "1";
const here = dirname(fileURLToPath(import.meta.url));

// esbuild's service (a child process) starts while this process loads the frontend: its start
// takes ~35 ms, partly on the other core; begun once gateway calls are under way, it would hold
// their answers. Programs are transpiled with it (program/load.ts). Only for a build file named
// as a program: a Dockerfile (the default name) never needs it, and a program named otherwise
// (`// syntax=` in a file called Dockerfile) starts it when it is read.
if (!warmup && isProgramFileName(buildFileName(process.env))) {
  const start = performance.now();
  try {
    (createRequire(import.meta.url)("esbuild") as typeof import("esbuild")).transform("", { loader: "ts" }).catch(() => {});
  } catch {
    // loaded again, with its error, when a program is transpiled
  }
  performance.measure("tsfrontend:esbuild-spawn", { start });
}

/** The build file's name from the `filename` option in buildkitd's environment (env.ts), or dockerui's default. */
function buildFileName(env: NodeJS.ProcessEnv): string {
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith("BUILDKIT_FRONTEND_OPT_") && v?.startsWith("filename=")) return v.slice("filename=".length);
  }
  return "Dockerfile";
}

type Entry = typeof import("./process.js");

// A function, not top-level await: bundled, this module is CommonJS (main.cjs), which Node starts
// without its ES module loader.
async function main(): Promise<never> {
  const bundleFile = join(here, "frontend.cjs");
  const cacheFile = `${bundleFile}.v8cache`;
  let bundle: LoadedBundle | undefined;
  let entry: Entry;
  if (existsSync(bundleFile)) {
    const start = performance.now();
    bundle = runCommonJsBundle(bundleFile, () => {
      if (warmup) return undefined;
      try {
        return readFileSync(cacheFile);
      } catch {
        return undefined;
      }
    });
    entry = bundle.exports as unknown as Entry;
    performance.measure(bundle.cacheUsed ? "tsfrontend:bundle-cached" : "tsfrontend:bundle-compiled", { start });
  } else {
    // Unbundled (dist/src/frontend). A computed specifier: the bundler must not pull it into main.cjs.
    const unbundled = "./process.js";
    entry = (await import(unbundled)) as Entry;
  }
  // Process start (Node's time origin) to the frontend loaded: the phase `~modules` of bench:frontend's timeline.
  performance.measure("tsfrontend:modules", { start: 0 });

  if (warmup) {
    await entry.warmUp();
    if (bundle) writeFileSync(cacheFile, bundle.createCachedData());
    process.exit(0);
  }
  // Exit without closing the connection: buildkitd (v0.32.2 frontend/gateway/gateway.go) takes a
  // connection closed while the process still runs for a crash ("frontend grpc server closed
  // unexpectedly"), and that error replaces the result given to Return. The process ending ends it.
  process.exit(await entry.serveStdio(writeStdout));
}

void main();
