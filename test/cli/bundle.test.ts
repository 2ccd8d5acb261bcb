/**
 * The command users run is package.json's `bin`: dist/cli/main.js (from
 * src/cli/bin.ts) running the one-file CLI bundle dist/cli/tsfrontend.cjs
 * with V8's code cache of it, both made by scripts/bundle.mjs. Its start-up
 * must stay small: what runs at load is the command table (commander, the
 * flag definitions), while the actions, the client, the gRPC channel, the Dockerfile
 * converter and the program loader are lazy module inits run when a command
 * needs them. And the code cache is made once per command and reused.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { cliPath } from "../lib/cli.js";
import { repoRoot } from "../lib/gobin.js";
import { BUNDLE_ID_PREFIX, bundleId, CACHED_COMMANDS, commandOf, readCacheFile } from "../../src/cli/compile-cache.js";

const bundlePath = join(dirname(cliPath), "tsfrontend.cjs");

interface BundleModules {
  /** Source path -> the init (esbuild `__esm`) or require (`__commonJS`) function wrapping it. */
  wrapped: Map<string, string>;
  /** Wrapper names run when the bundle loads, directly or through other wrappers' static imports. */
  eager: Set<string>;
  /** Source paths of the modules inlined at the top level (run at load). */
  inline: string[];
}

/**
 * esbuild's CommonJS bundle: lazy modules are `var init_x = __esm({ "path"() {...} });` or
 * `var require_x = __commonJS({ "path"(...) {...} });` blocks ending at a `});` line; a static
 * import calls the wrapper on a line of its own (`init_x();`, `... = __toESM(require_x());`),
 * a dynamic import inside `.then(() => ...)`. Everything else is top-level code, run at load.
 */
function bundleModules(source: string): BundleModules {
  const lines = source.split("\n");
  const wrapped = new Map<string, string>();
  const calls = new Map<string, string[]>();
  const topCalls: string[] = [];
  const inline: string[] = [];
  const staticCalls = (line: string): string[] =>
    line.includes(".then(") ? [] : [...line.matchAll(/\b((?:init|require)_\w+)\(\)/g)].map((m) => m[1]!);
  for (let i = 0; i < lines.length; i++) {
    const head = /^var ((?:init|require)_\w+) = __(?:esm|commonJS)\(\{$/.exec(lines[i]!);
    if (head) {
      const name = head[1]!;
      const path = /^ {2}"([^"]+)"\(/.exec(lines[i + 1] ?? "")?.[1];
      if (path) wrapped.set(path, name);
      const own: string[] = [];
      for (i++; i < lines.length && lines[i] !== "});"; i++) own.push(...staticCalls(lines[i]!));
      calls.set(name, own);
      continue;
    }
    const mod = /^\/\/ (\S+\.(?:js|cjs|mjs|json))$/.exec(lines[i]!);
    if (mod) inline.push(mod[1]!);
    topCalls.push(...staticCalls(lines[i]!));
  }
  const eager = new Set<string>();
  const visit = (n: string): void => {
    if (eager.has(n)) return;
    eager.add(n);
    for (const c of calls.get(n) ?? []) visit(c);
  };
  for (const c of topCalls) visit(c);
  return { wrapped, eager, inline: inline.filter((m) => !wrapped.has(m)) };
}

test("bin is dist/cli/main.js, an executable node script running the ASCII bundle tsfrontend.cjs named by its id", () => {
  assert.equal(relative(repoRoot, cliPath), join("dist", "cli", "main.js"));
  assert.ok(readFileSync(cliPath, "utf8").startsWith("#!/bin/sh\n"));
  accessSync(cliPath, constants.X_OK);
  const r = spawnSync(cliPath, ["--version"], { encoding: "utf8", env: { ...process.env, TSFRONTEND_COMPILE_CACHE: "0" } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version);
  const source = readFileSync(bundlePath, "latin1");
  assert.ok(source.startsWith(BUNDLE_ID_PREFIX));
  assert.match(bundleId(source), /^[0-9a-f]{64}$/);
  assert.doesNotMatch(source, /[^\x00-\x7f]/, "bin.ts reads the bundle as latin1");
});

test("run as a file, the bin starts node without reading NODE_EXTRA_CA_CERTS; `node <bin>` still reads it", () => {
  // Node warns at its start when the file cannot be read: the bin defers the read to the first TLS use.
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: "/nonexistent/extra-ca.pem", TSFRONTEND_COMPILE_CACHE: "0", PATH: `${dirname(process.execPath)}:${process.env["PATH"] ?? ""}` };
  const asFile = spawnSync(cliPath, ["--version"], { encoding: "utf8", env });
  assert.equal(asFile.status, 0, asFile.stderr);
  assert.equal(asFile.stderr, "");
  const throughNode = spawnSync(process.execPath, [cliPath, "--version"], { encoding: "utf8", env });
  assert.equal(throughNode.status, 0, throughNode.stderr);
  assert.match(throughNode.stderr, /Ignoring extra certs from `\/nonexistent\/extra-ca.pem`/);
});

test("the bundle's start-up runs the command table only; actions, client, gRPC, converter and loader are lazy", () => {
  const { wrapped, eager, inline } = bundleModules(readFileSync(bundlePath, "latin1"));
  assert.ok(inline.some((m) => m.endsWith("dist/src/cli/commands/build.js")) || eager.has(wrapped.get("dist/src/cli/commands/build.js") ?? ""), "the command table runs at load");
  const lazyPattern = /dist\/src\/(cli\/actions|client|dockerfile|builder|progress)\/|dist\/src\/program\/load\.js|dist\/src\/internal\/grpc\/client\.js|protobufjs/;
  assert.deepEqual(inline.filter((m) => lazyPattern.test(m)), [], "modules inlined at load that should be loaded on use only");
  const eagerLazy = [...wrapped].filter(([path, name]) => lazyPattern.test(path) && eager.has(name)).map(([path]) => path);
  assert.deepEqual(eagerLazy, [], "modules run at load that should be loaded on use only");
  // ...and they are in the bundle, not left to node_modules.
  for (const want of ["dist/src/cli/actions/build.js", "dist/src/program/load.js", "dist/src/internal/grpc/client.js", "node_modules/protobufjs/src/index-minimal.js"]) {
    assert.ok(wrapped.has(want), `${want} is not a lazy module of the bundle`);
  }
  // The CLI talks gRPC with its own client on node:http2 (internal/grpc/client.ts): grpc-js would cost every start.
  assert.deepEqual([...wrapped.keys(), ...inline].filter((m) => m.includes("@grpc/")), []);
});

test("every command has its own code cache; the command of a command line is the first argument naming one", () => {
  const help = spawnSync(process.execPath, [cliPath, "--help"], { encoding: "utf8", env: { ...process.env, TSFRONTEND_COMPILE_CACHE: "0" } });
  const listed = [...help.stdout.slice(help.stdout.indexOf("Commands:")).matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!).filter((c) => c !== "help");
  assert.deepEqual([...listed].sort(), [...CACHED_COMMANDS].sort());
  assert.equal(commandOf(["--addr", "unix:///x", "build", "-f", "llb"]), "build");
  assert.equal(commandOf(["--version"]), "other");
});

test("the code cache: written after a command's first run, again after a run that used modules it does not cover; made again when V8 rejects it", () => {
  const home = mkdtempSync(join(tmpdir(), "tsf-compile-cache-"));
  try {
    const env = { ...process.env, XDG_CACHE_HOME: home, TSFRONTEND_COMPILE_CACHE: "" };
    const run = (args: string[]) => {
      const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: "utf8", env });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const dir = join(home, "tsfrontend", "compile-cache");
    writeFileSync(join(home, "stale"), "");
    const out = run(["llb", "--help"]);
    assert.match(out, /Usage: tsfrontend llb/);
    const files = readdirSync(dir);
    assert.equal(files.length, 1, files.join(", "));
    assert.match(files[0]!, new RegExp(`^${bundleId(readFileSync(bundlePath, "latin1")).slice(0, 16)}-${process.version.replace(/\./g, "\\.")}-${process.arch}-llb\\.bin$`));
    const file = join(dir, files[0]!);
    const first = readFileSync(file);
    assert.ok(first.length > 1000);
    const helpModules = readCacheFile(first).modules();
    assert.ok(helpModules.size > 10 && helpModules.has("node_modules/commander/index.js"), [...helpModules].join(", "));
    // A run that used nothing more than the cache covers leaves it as it is ...
    let mtime = statSync(file).mtimeMs;
    assert.equal(run(["llb", "--help"]), out);
    assert.equal(statSync(file).mtimeMs, mtime, "a cache covering the run is not written again");
    // ... one that used more (the llb action, the program loader) writes it again, with both runs' code.
    const llb = ["llb", join(repoRoot, "test", "cli", "fixtures", "run-error.ts"), "--platform", "linux/arm64"];
    run(llb);
    const second = readCacheFile(readFileSync(file));
    const modules = second.modules();
    for (const m of helpModules) assert.ok(modules.has(m), `${m} no longer covered`);
    assert.ok(modules.has("dist/src/cli/actions/llb.js") && modules.has("dist/src/program/load.js"), [...modules].join(", "));
    assert.ok(second.data.length > readCacheFile(first).data.length + 10_000, `${second.data.length} bytes after an llb run, ${first.length} after --help`);
    mtime = statSync(file).mtimeMs;
    run(llb);
    run(["llb", "--help"]);
    assert.equal(statSync(file).mtimeMs, mtime, "covered runs do not write it again");
    // A cache V8 rejects (here: garbage) is replaced by a good one.
    writeFileSync(file, Buffer.alloc(first.length, 7));
    assert.equal(run(["llb", "--help"]), out);
    assert.notDeepEqual(readFileSync(file), Buffer.alloc(first.length, 7));
    // Caches of another bundle or Node are removed when one is written.
    writeFileSync(join(dir, "0000000000000000-v0.0.0-x64-llb.bin"), "old");
    run(["du", "--help"]);
    assert.deepEqual(readdirSync(dir).sort(), [files[0]!, files[0]!.replace(/-llb\.bin$/, "-du.bin")].sort());
    // Off with TSFRONTEND_COMPILE_CACHE=0.
    rmSync(dir, { recursive: true });
    const r = spawnSync(process.execPath, [cliPath, "llb", "--help"], { encoding: "utf8", env: { ...env, TSFRONTEND_COMPILE_CACHE: "0" } });
    assert.equal(r.status, 0, r.stderr);
    assert.throws(() => readdirSync(dir));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
