#!/usr/bin/env node
// Bundles the compiled library (dist/src, tsc's output) with esbuild into what runs:
//   cli       dist/cli/main.js: the `tsfrontend` command (package.json `bin`), an ES module split
//             into chunks (dist/cli/chunks/) so what the commands import lazily (src/cli/actions/*,
//             the Dockerfile converter, the program loader) is only read when used;
//   frontend  dist/frontend/main.mjs: the frontend image's entry point, one file (scripts/frontend-image.sh).
// esbuild stays a package (its native binary, and programs are bundled with it at run time);
// typescript is loaded by `tsfrontend check` from the user's project (src/program/check.ts).
// grpc-js and protobufjs are bundled (not @grpc/proto-loader in the CLI, see below). protobufjs is CommonJS: the banner gives every output file
// a `require`. Programs still get this bundle's own llb/program modules (src/program/imports.ts).
//
//   usage: node scripts/bundle.mjs [cli] [frontend]   (default: cli)
import { build } from "esbuild";
import { chmodSync, existsSync, rmSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(repo, "dist");

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  external: ["esbuild", "typescript"],
  banner: { js: 'import { createRequire as __tsfCreateRequire } from "node:module"; const require = __tsfCreateRequire(import.meta.url);' },
  logLevel: "warning",
  metafile: true,
};

const targets = {
  cli: {
    ...common,
    entryPoints: { main: join(dist, "src", "cli", "main.js") },
    outdir: join(dist, "cli"),
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    target: "node20",
    // grpc-js requires it only for channelz and ORCA, which we never serve: left in node_modules, it
    // keeps ~0.9 MB (its own protobufjs) out of the client's chunk, read on every build.
    external: [...common.external, "@grpc/proto-loader"],
  },
  frontend: {
    ...common,
    entryPoints: [join(dist, "src", "frontend", "main.js")],
    outfile: join(dist, "frontend", "main.mjs"),
    target: "node22",
  },
};

const names = process.argv.slice(2);
for (const name of names.length > 0 ? names : ["cli"]) {
  const options = targets[name];
  if (!options) {
    process.stderr.write(`bundle: unknown target ${JSON.stringify(name)} (cli or frontend)\n`);
    process.exit(2);
  }
  for (const entry of Object.values(options.entryPoints)) {
    if (!existsSync(entry)) {
      process.stderr.write(`bundle: ${relative(repo, entry)} is missing: run tsc first (npm run build)\n`);
      process.exit(1);
    }
  }
  // Stale chunks of an earlier bundle would otherwise pile up (their names carry a hash).
  if (options.outdir) rmSync(options.outdir, { recursive: true, force: true });
  const result = await build(options);
  const outputs = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith(".js") || f.endsWith(".mjs"));
  const bytes = outputs.reduce((n, [, o]) => n + o.bytes, 0);
  const main = options.outfile ?? join(options.outdir, "main.js");
  chmodSync(main, 0o755);
  process.stderr.write(`bundle: ${name}: ${relative(repo, main)} (${outputs.length} file(s), ${(bytes / 1e6).toFixed(1)} MB)\n`);
}
