#!/usr/bin/env node
// Bundles the compiled library (dist/src, tsc's output) with esbuild into what runs:
//   cli       dist/cli/tsfrontend.cjs: the `tsfrontend` command (src/cli/main.ts and all it loads) as one
//             CommonJS file, its first line `// tsfrontend-cli-bundle <sha256 of the rest>`; and
//             dist/cli/main.js (package.json `bin`, from src/cli/bin.ts, CommonJS), which runs that file with
//             V8's code cache of it (made after each command's first run, and again after a run that used lazy
//             modules it does not cover: recordInits below; kept in the user's cache dir).
//             One file, not ES module chunks: Node 20 caches compiled code only for scripts (vm.Script),
//             and the lazily loaded parts (actions, the Dockerfile converter, the program loader) stay
//             lazy inside it (esbuild's lazy module inits; their code is compiled only when they run).
//   frontend  dist/frontend/frontend.cjs: the frontend (src/frontend/process.ts and all it loads), one CommonJS
//             file, and dist/frontend/main.cjs (src/frontend/main.ts), the image's entry point, which runs it with
//             the V8 code cache the image build writes after a warm-up (scripts/frontend-image.sh).
// esbuild stays a package (its native binary, and programs are bundled with it at run time);
// typescript is loaded by `tsfrontend check` from the user's project (src/program/check.ts).
// protobufjs is bundled; gRPC is our own client on node:http2 (src/internal/grpc/client.ts). Programs still
// get this bundle's own llb/program modules (src/program/imports.ts).
//
//   usage: node scripts/bundle.mjs [cli] [frontend]   (default: cli)
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(repo, "dist");

const common = {
  bundle: true,
  platform: "node",
  external: ["esbuild", "typescript"],
  logLevel: "warning",
};

const SHELL_HEADER =
  "#!/bin/sh\n" +
  '":" //; [ -z "$NODE_EXTRA_CA_CERTS" ] || { TSFRONTEND_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS; NODE_EXTRA_CA_CERTS=; export TSFRONTEND_EXTRA_CA_CERTS NODE_EXTRA_CA_CERTS; }; exec node "$0" "$@"\n';

function need(entry) {
  if (!existsSync(entry)) {
    process.stderr.write(`bundle: ${relative(repo, entry)} is missing: run tsc first (npm run build)\n`);
    process.exit(1);
  }
}

/**
 * esbuild's helpers for lazy modules (`__esm` for ours, `__commonJS` for
 * packages) made to record each module's name as it initialises, in a Set
 * under Symbol.for(key): bin.ts writes the code cache again when a run used
 * modules the cache does not cover. Fails the bundle if the helpers change.
 */
function recordInits(text, key) {
  const helpers = [
    ["var __esm = (fn, res, err) => function __init() {\n", "  fn && __tsfInits.add(__getOwnPropNames(fn)[0]);\n"],
    ["var __commonJS = (cb, mod) => function __require() {\n", "  mod || __tsfInits.add(__getOwnPropNames(cb)[0]);\n"],
  ];
  let out = text;
  for (const [head, line] of helpers) {
    if (out.split(head).length !== 2) throw new Error(`bundle: esbuild's helper changed, cannot record module inits: ${JSON.stringify(head)}`);
    out = out.replace(head, head + line);
  }
  const decl = `var __tsfInits = globalThis[Symbol.for(${JSON.stringify(key)})] = new Set();\n`;
  return out.replace("var __esm = ", decl + "var __esm = ");
}

async function bundleCli() {
  const out = join(dist, "cli");
  const entry = join(dist, "src", "cli", "main.js");
  const binEntry = join(dist, "src", "cli", "bin.js");
  need(entry);
  need(binEntry);
  const { BUNDLE_ID_PREFIX, BUNDLE_INITS } = await import(pathToFileURL(join(dist, "src", "cli", "compile-cache.js")).href);
  // An earlier layout (ES module chunks) or bundle would otherwise stay behind.
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const result = await build({
    ...common,
    entryPoints: [entry],
    format: "cjs",
    target: "node20",
    charset: "ascii",
    write: false,
    outfile: join(out, "tsfrontend.cjs"),
    // Code run from a code cache has no import() in Node 20 (src/internal/node/dynamic-import.ts): every
    // import() of our own modules becomes a lazy init, and externals a require.
    supported: { "dynamic-import": false },
    // src/proto/schema.ts and src/program/check.ts find the package from their own location.
    define: { "import.meta.url": "__tsfBundleUrl" },
    banner: { js: 'var __tsfBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
  const text = recordInits(result.outputFiles[0].text.replace(/^#![^\n]*\n/, ""), BUNDLE_INITS);
  // bin.ts reads it as latin1 (faster than UTF-8): esbuild's `charset: "ascii"` escapes the rest.
  if (/[^\x00-\x7f]/.test(text)) throw new Error("bundle: the CLI bundle is not ASCII-only");
  const id = createHash("sha256").update(text).digest("hex");
  writeFileSync(join(out, "tsfrontend.cjs"), `${BUNDLE_ID_PREFIX}${id}\n${text}`);
  // The entry is CommonJS (dist/cli/package.json says so for the folder): Node then starts without its
  // ES module loader, about 5 ms of every command.
  await build({
    ...common,
    entryPoints: [binEntry],
    format: "cjs",
    target: "node20",
    outfile: join(out, "main.js"),
    define: { "import.meta.url": "__tsfBinUrl" },
    banner: { js: 'var __tsfBinUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
  // Run as a file (`tsfrontend ...`), main.js is a shell script whose one line starts node with
  // NODE_EXTRA_CA_CERTS moved aside (read on first TLS use, src/internal/node/extra-ca.ts: Node 20
  // parses that file and its own roots before any JavaScript, about 45 ms a start); to node the line is
  // a string and a comment. `node dist/cli/main.js` skips it and works as before.
  const mainJs = readFileSync(join(out, "main.js"), "utf8");
  if (!mainJs.startsWith("#!/usr/bin/env node\n")) throw new Error("bundle: dist/cli/main.js does not start with node's shebang");
  writeFileSync(join(out, "main.js"), SHELL_HEADER + mainJs.slice(mainJs.indexOf("\n") + 1));
  writeFileSync(join(out, "package.json"), '{ "type": "commonjs" }\n');
  chmodSync(join(out, "main.js"), 0o755);
  process.stderr.write(`bundle: cli: ${relative(repo, join(out, "main.js"))} running ${relative(repo, join(out, "tsfrontend.cjs"))} (${(text.length / 1e6).toFixed(1)} MB, id ${id.slice(0, 16)})\n`);
}

async function bundleFrontend() {
  const entry = join(dist, "src", "frontend", "process.js");
  const mainEntry = join(dist, "src", "frontend", "main.js");
  need(entry);
  need(mainEntry);
  const out = join(dist, "frontend");
  rmSync(out, { recursive: true, force: true });
  const result = await build({
    ...common,
    entryPoints: [entry],
    outfile: join(out, "frontend.cjs"),
    format: "cjs",
    target: "node22",
    charset: "ascii",
    metafile: true,
    // As the CLI's (above): run from a code cache, with programs imported through main.cjs.
    supported: { "dynamic-import": false },
    define: { "import.meta.url": "__tsfBundleUrl" },
    banner: { js: 'var __tsfBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
  // CommonJS, as the CLI's entry: Node starts it without its ES module loader (about 5 ms).
  await build({
    ...common,
    entryPoints: [mainEntry],
    outfile: join(out, "main.cjs"),
    format: "cjs",
    target: "node22",
    charset: "ascii",
    define: { "import.meta.url": "__tsfMainUrl" },
    banner: { js: 'var __tsfMainUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
  chmodSync(join(out, "main.cjs"), 0o755);
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  process.stderr.write(`bundle: frontend: ${relative(repo, join(out, "main.cjs"))} running ${relative(repo, join(out, "frontend.cjs"))} (${(bytes / 1e6).toFixed(1)} MB)\n`);
}

const targets = { cli: bundleCli, frontend: bundleFrontend };
const names = process.argv.slice(2);
for (const name of names.length > 0 ? names : ["cli"]) {
  const run = targets[name];
  if (!run) {
    process.stderr.write(`bundle: unknown target ${JSON.stringify(name)} (cli or frontend)\n`);
    process.exit(2);
  }
  await run();
}
