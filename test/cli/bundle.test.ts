/**
 * The command users run is package.json's `bin`: the esbuild bundle made by
 * scripts/bundle.mjs (dist/cli/main.js and its chunks). Its start-up must stay
 * small: what main.js imports statically is the command table (commander, the
 * flag definitions), while the actions, the client, grpc-js, the Dockerfile
 * converter and the program loader are chunks loaded when a command runs.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { accessSync, constants, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { cliPath } from "../lib/cli.js";
import { repoRoot } from "../lib/gobin.js";

/** The files main.js loads before running anything: its static `import` closure. */
function staticClosure(entry: string): string[] {
  const seen = new Set<string>();
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, "utf8");
    for (const m of src.matchAll(/^import\s(?:[^;]*?\sfrom\s)?\s*"(\.[^"]+)"/gms)) walk(resolve(dirname(file), m[1]!));
  };
  walk(entry);
  return [...seen];
}

/** The source modules esbuild put into `files` (its `// path` comment before each). */
function bundledModules(files: readonly string[]): string[] {
  return files.flatMap((f) => [...readFileSync(f, "utf8").matchAll(/^\/\/ (\S+\.(?:js|cjs|mjs|json))$/gm)].map((m) => m[1]!));
}

test("bin is the bundle dist/cli/main.js, an executable node script", () => {
  assert.equal(relative(repoRoot, cliPath), join("dist", "cli", "main.js"));
  assert.ok(readFileSync(cliPath, "utf8").startsWith("#!/usr/bin/env node\n"));
  accessSync(cliPath, constants.X_OK);
  const r = spawnSync(cliPath, ["--version"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version);
});

test("the bundle's start-up loads the command table only; actions, client, grpc-js, converter and loader are lazy chunks", () => {
  const closure = staticClosure(cliPath);
  const modules = bundledModules(closure);
  assert.ok(modules.some((m) => m.endsWith("dist/src/cli/commands/build.js")), `commands not in the start-up files:\n${modules.join("\n")}`);
  const lazy = modules.filter((m) => /dist\/src\/(cli\/actions|client|dockerfile|builder|progress)\/|dist\/src\/program\/load\.js|@grpc\/grpc-js|protobufjs/.test(m));
  assert.deepEqual(lazy, [], "modules that should be loaded on use only");
  // ...and they are in the bundle (chunks), not left to node_modules.
  const chunks = readdirSync(join(dirname(cliPath), "chunks")).map((f) => join(dirname(cliPath), "chunks", f));
  const all = bundledModules(chunks);
  for (const want of ["dist/src/cli/actions/build.js", "dist/src/program/load.js", "@grpc/grpc-js/build/src/index.js", "protobufjs/src/index-minimal.js"]) {
    assert.ok(all.some((m) => m.endsWith(want)), `${want} is in no chunk`);
  }
});
