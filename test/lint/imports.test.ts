/**
 * Layering: imports point one way, lowest first: internal -> errors -> proto -> llb -> gateway ->
 * program -> client / progress / frontend / dockerfile -> builder -> cli (see `levels`);
 * `src/llb` and `src/internal/go` do no I/O and load no gRPC, and there are no import cycles.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { repoRoot } from "../lib/gobin.js";

const srcRoot = join(repoRoot, "src");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === "generated" || name.startsWith(".")) continue;
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts") && !name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

interface Import {
  spec: string;
  typeOnly: boolean;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, "utf8");
  const out: Import[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?["']([^"']+)["']/gm;
  for (const m of text.matchAll(re)) out.push({ spec: m[3]!, typeOnly: Boolean(m[2]) });
  for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) out.push({ spec: m[1]!, typeOnly: false });
  return out;
}

function layerOf(file: string): string {
  return relative(srcRoot, file).split("/")[0]!.replace(/\.ts$/, "");
}

/** `internal/go` for src/internal/go/x.ts (the sub-area inside src/internal). */
function internalAreaOf(file: string): string | undefined {
  const parts = relative(srcRoot, file).split("/");
  return parts[0] === "internal" && parts.length > 2 ? `internal/${parts[1]}` : undefined;
}

function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  return resolve(dirname(from), spec).replace(/\.js$/, ".ts");
}

const files = sourceFiles(srcRoot);

/**
 * The layers, lowest first. A layer imports only layers of earlier levels; layers of one level do
 * not import each other. `internal` (ports of Go's standard library and small upstream libraries,
 * the gRPC framing over HTTP/2: no buildkit knowledge) and `errors` are the lowest; `proto` is the
 * generated schema. `frontend`, `dockerfile`, `client` and `progress` stand side by side: the
 * frontend reaches the Dockerfile converter only through its public `dockerfile/index.ts`.
 */
const levels: readonly (readonly string[])[] = [
  ["internal"],
  ["errors"],
  ["proto"],
  ["llb"],
  ["gateway"],
  ["program"],
  ["client", "progress", "frontend", "dockerfile"],
  ["builder"],
  ["cli", "index"],
];

/** Imports across one level that are allowed, as `from -> to` of layers, each with the one file it may reach. */
const sideways: Record<string, RegExp> = {
  "frontend -> dockerfile": /^dockerfile\/index\.ts$/,
};

const levelOf = new Map<string, number>();
levels.forEach((names, i) => names.forEach((n) => levelOf.set(n, i)));

// Which layers each layer may import (besides itself), derived from the levels.
const allowed: Record<string, string[]> = {};
for (const [layer, level] of levelOf) allowed[layer] = [...levelOf].filter(([, l]) => l < level).map(([n]) => n);
// The package root re-exports the public graph library and program contract only.
allowed["index"] = ["llb", "program", "errors"];

test("every source file is in a known layer", () => {
  const unknown = files.map((f) => layerOf(f)).filter((l) => !levelOf.has(l));
  assert.deepEqual([...new Set(unknown)], []);
});

test("every layer imports only the layers below it", () => {
  const problems: string[] = [];
  for (const f of files) {
    const layer = layerOf(f);
    for (const imp of importsOf(f)) {
      const target = resolveLocal(f, imp.spec);
      if (!target) continue;
      const to = layerOf(target);
      if (to === layer) continue;
      const side = sideways[`${layer} -> ${to}`];
      if (side && side.test(relative(srcRoot, target))) continue;
      if (!(allowed[layer] ?? []).includes(to)) problems.push(`${relative(repoRoot, f)} imports ${to} (${imp.spec})`);
    }
  }
  assert.deepEqual(problems, []);
});

const forbidden = /^(node:)?(fs|fs\/promises|net|tls|http|http2|https|dgram|child_process|worker_threads|dns)$|^@grpc\/|^esbuild$|^commander$/;

test("src/llb is pure: no file system, network, processes, gRPC or transpiler", () => {
  const problems: string[] = [];
  for (const f of files.filter((f) => layerOf(f) === "llb")) {
    for (const imp of importsOf(f)) {
      if (forbidden.test(imp.spec)) problems.push(`${relative(repoRoot, f)} imports ${imp.spec}`);
      const target = resolveLocal(f, imp.spec);
      if (target && layerOf(target) === "proto" && !/proto\/(ops|generated\/ops)\.ts$/.test(target)) {
        problems.push(`${relative(repoRoot, f)} imports ${imp.spec}: llb may load only the pb (ops) schema`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test("src/internal/go is pure: no I/O, no Node globals, no package imports, nothing from src outside it", () => {
  const problems: string[] = [];
  const goFiles = files.filter((f) => internalAreaOf(f) === "internal/go");
  assert.ok(goFiles.some((f) => f.endsWith("internal/go/path.ts")), "the check sees src/internal/go");
  for (const f of goFiles) {
    for (const imp of importsOf(f)) {
      const target = resolveLocal(f, imp.spec);
      if (!target) problems.push(`${relative(repoRoot, f)} imports ${imp.spec}: internal/go imports no packages, not even node:`);
      else if (internalAreaOf(target) !== "internal/go") problems.push(`${relative(repoRoot, f)} imports ${imp.spec}: outside internal/go`);
    }
    const text = readFileSync(f, "utf8");
    for (const m of text.matchAll(/\b(Buffer|process|require|setTimeout|setImmediate|fetch)\b\s*[.(]/g)) {
      problems.push(`${relative(repoRoot, f)} uses ${m[1]}: internal/go is pure`);
    }
  }
  assert.deepEqual(problems, []);
});

test("no import cycles (value imports)", () => {
  const graph = new Map<string, string[]>();
  for (const f of files) {
    graph.set(
      f,
      importsOf(f)
        .filter((i) => !i.typeOnly)
        .map((i) => resolveLocal(f, i.spec))
        .filter((t): t is string => t !== undefined && files.includes(t)),
    );
  }
  const state = new Map<string, 1 | 2>();
  const cycles: string[] = [];
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 1);
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === 1) cycles.push([...stack.slice(stack.indexOf(t)), t].map((p) => relative(srcRoot, p)).join(" -> "));
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 2);
  };
  for (const f of files) if (!state.has(f)) visit(f);
  assert.deepEqual(cycles, []);
});

test("the checker sees imports (self-check)", () => {
  const state = files.find((f) => f.endsWith("llb/state.ts"))!;
  assert.ok(importsOf(state).some((i) => i.spec === "./definition.js"));
  assert.equal(layerOf(join(srcRoot, "cli", "main.ts")), "cli");
});
