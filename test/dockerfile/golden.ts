/**
 * `npm run test:dockerfile-golden`: every Dockerfile of test/dockerfile/cases
 * (NAME.Dockerfile, with an optional NAME.json request: opts, buildPlatforms,
 * files, modes) and of test/dockerfile-corpus (when present: its directories,
 * see corpusCases) goes through
 * buildkit v0.32.2's frontend (test/dockerfile/go) and through ours
 * (ts-side.ts), with the same stub image resolver, and the answers must be
 * equal: `ast` (the parser's node tree), `convert` (per target platform: the
 * Definition bytes, the image and base image configs, the epoch, the lint
 * warnings, or the error with its message and lines), `lint`, `outline`,
 * `targets` (the subrequests' results) and `build` (the whole frontend on a
 * fake gateway). Ends with `N passed, M failed`.
 *
 *   node dist/test/dockerfile/golden.js [--modes ast,convert] [--no-corpus] [--verbose] [NAME-SUBSTRING...]
 */

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { decodeDefinition, dumpDefinitionJson } from "../../src/llb/index.js";
import { compareDefinitions } from "../lib/definitions.js";
import { dockerfileGoldenBinary, repoRoot } from "../lib/gobin.js";
import { stubTableFile } from "./stub-resolver.js";
import { allModes, runTs, type Mode, type ModeAnswer, type Request } from "./ts-side.js";

export interface DockerfileCase {
  name: string;
  file: string;
  contextDir: string | undefined;
  request: Request;
}

const casesDir = join(repoRoot, "test", "dockerfile", "cases");
const corpusDir = join(repoRoot, "test", "dockerfile-corpus");

function readRequest(candidates: string[]): Request {
  for (const f of candidates) if (existsSync(f)) return JSON.parse(readFileSync(f, "utf8")) as Request;
  return {};
}

/** test/dockerfile/cases/NAME.Dockerfile (+ NAME.json). */
export function ownCases(): DockerfileCase[] {
  if (!existsSync(casesDir)) return [];
  return readdirSync(casesDir)
    .filter((f) => f.endsWith(".Dockerfile"))
    .sort()
    .map((f) => {
      const name = f.slice(0, -".Dockerfile".length);
      return { name, file: join(casesDir, f), contextDir: undefined, request: readRequest([join(casesDir, `${name}.json`)]) };
    });
}

/** Values for the corpus's placeholders: fixed addresses, nothing is fetched here (the stub resolves images). */
const placeholders: Record<string, string> = {
  "{{HTTP}}": "http://127.0.0.1:18080",
  "{{GIT}}": "http://127.0.0.1:18081",
  "{{BUSYBOX}}": "busybox",
  "{{REGISTRY}}": "127.0.0.1:15000",
  "{{BUSYBOX_DIGEST}}": "sha256:1111111111111111111111111111111111111111111111111111111111111111",
};

function substitute(text: string): string {
  return text.replace(/\{\{[A-Z_]+\}\}/g, (m) => placeholders[m] ?? m);
}

/**
 * The cases of test/dockerfile-corpus (h-corpus's differential corpus): each
 * directory not starting with `_` holds a Dockerfile (`case.json`'s
 * `dockerfile`, default `Dockerfile`) and its context; `case.json`'s `opts`
 * and `platforms` make the request. Placeholders are substituted (the
 * Dockerfile is written to `tmp`); the fixtures and `files` it generates for
 * the daemon are not needed to convert.
 */
export function corpusCases(tmp: string): DockerfileCase[] {
  if (!existsSync(corpusDir)) return [];
  const out: DockerfileCase[] = [];
  for (const e of readdirSync(corpusDir).sort()) {
    const dir = join(corpusDir, e);
    if (e.startsWith("_") || e.startsWith(".") || !statSync(dir).isDirectory()) continue;
    const spec = existsSync(join(dir, "case.json"))
      ? (JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as { dockerfile?: string; platforms?: string[]; opts?: Record<string, string> })
      : {};
    const dfPath = join(dir, spec.dockerfile ?? "Dockerfile");
    if (!existsSync(dfPath)) continue;
    const opts: Record<string, string> = {};
    for (const [k, v] of Object.entries(spec.opts ?? {})) opts[k] = substitute(v);
    if (spec.platforms?.length) opts["platform"] = spec.platforms.join(",");
    if (spec.dockerfile) opts["filename"] = spec.dockerfile;
    const file = join(tmp, `corpus-${e}.Dockerfile`);
    writeFileSync(file, substitute(readFileSync(dfPath, "utf8")));
    out.push({ name: `corpus/${e}`, file, contextDir: dir, request: { opts } });
  }
  return out;
}

interface GoJob {
  name: string;
  mode: Mode;
  dockerfile: string;
  contextDir?: string;
  request: Request;
}

/** Runs the Go reference on every job (one process); answers keyed by `mode name`. */
export function runGo(jobs: GoJob[]): Map<string, ModeAnswer> {
  const dir = mkdtempSync(join(tmpdir(), "tsfrontend-dfgolden-"));
  try {
    const file = join(dir, "jobs.json");
    writeFileSync(file, JSON.stringify(jobs));
    // stderr is kept (and shown only if it fails): Go's text/scanner prints its own lexing errors there.
    const out = execFileSync(dockerfileGoldenBinary(), ["run", "-in", file, "-stub", stubTableFile], { encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "pipe"] });
    const answers = new Map<string, ModeAnswer>();
    for (const line of out.split("\n")) {
      if (!line) continue;
      const a = JSON.parse(line) as ModeAnswer & { name: string; mode: string };
      answers.set(`${a.mode} ${a.name}`, a);
    }
    return answers;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// Comparison.

const isoDate = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** The first place where two JSON values differ ("" when equal); RFC 3339 strings compare as instants. */
export function firstDiff(want: unknown, got: unknown, path = "$"): string {
  if (typeof want === "string" && typeof got === "string" && isoDate.test(want) && isoDate.test(got)) {
    return Date.parse(want) === Date.parse(got) ? "" : `${path}: want ${want}, got ${got}`;
  }
  if (Array.isArray(want) && Array.isArray(got)) {
    for (let i = 0; i < Math.max(want.length, got.length); i++) {
      if (i >= want.length) return `${path}[${i}]: unexpected ${short(got[i])}`;
      if (i >= got.length) return `${path}[${i}]: missing ${short(want[i])}`;
      const d = firstDiff(want[i], got[i], `${path}[${i}]`);
      if (d) return d;
    }
    return "";
  }
  if (want && got && typeof want === "object" && typeof got === "object" && !Array.isArray(want) && !Array.isArray(got)) {
    const w = want as Record<string, unknown>;
    const g = got as Record<string, unknown>;
    for (const k of [...new Set([...Object.keys(w), ...Object.keys(g)])].sort()) {
      if (!(k in g)) return `${path}.${k}: missing (want ${short(w[k])})`;
      if (!(k in w)) return `${path}.${k}: unexpected ${short(g[k])}`;
      const d = firstDiff(w[k], g[k], `${path}.${k}`);
      if (d) return d;
    }
    return "";
  }
  if (typeof want === "string" && typeof got === "string" && want !== got) {
    // JSON documents (image configs, subrequest results in metadata) are compared as JSON first.
    const wj = parseJson(want);
    const gj = parseJson(got);
    if (wj !== undefined && gj !== undefined) {
      const d = firstDiff(wj, gj, `${path}<json>`);
      if (d) return d;
    }
    if (want.length > 100 || got.length > 100) {
      let i = 0;
      while (i < want.length && want[i] === got[i]) i++;
      const at = Math.max(0, i - 40);
      return `${path}: strings differ at ${i}: want ...${JSON.stringify(want.slice(at, i + 60))}..., got ...${JSON.stringify(got.slice(at, i + 60))}...`;
    }
  }
  return Object.is(want, got) ? "" : `${path}: want ${short(want)}, got ${short(got)}`;
}

function parseJson(s: string): unknown {
  if (!/^\s*[[{]/.test(s)) return undefined;
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 300 ? s.slice(0, 300) + "..." : s;
}

function compareError(want: ModeAnswer, got: ModeAnswer): string {
  if (got.crash) return `ours crashed (not a DockerfileError): ${got.crash}`;
  if (want["panic"]) return `Go panicked: ${String(want["panic"])}`;
  if (want.error && !got.error) return `Go fails with ${short(want.error.message)} (line ${want.error.locations[0]?.[0]?.start.line ?? "-"}), ours does not fail`;
  if (!want.error && got.error) return `ours fails with ${short(got.error.message)} (line ${got.error.locations[0]?.[0]?.start.line ?? "-"}), Go does not`;
  if (want.error && got.error) {
    if (want.error.message !== got.error.message) return `error message: want ${short(want.error.message)}, got ${short(got.error.message)}`;
    const d = firstDiff(want.error.locations[0] ?? [], got.error.locations[0] ?? [], "error.ranges");
    if (d) return d;
  }
  return "";
}

interface ConvertResultJson {
  platform: string;
  definition: { definition: string; digests: string[] };
  image: unknown;
  baseImage: unknown;
  epoch: number | null;
  isIgnoreCache: boolean;
}

/** Explains a definition difference: the ops only one side has, then compareDefinitions' first difference. */
function explainDefinition(want: ConvertResultJson["definition"], got: ConvertResultJson["definition"]): string {
  const wb = Buffer.from(want.definition, "base64");
  const gb = Buffer.from(got.definition, "base64");
  if (wb.equals(gb)) return "";
  const wd = decodeDefinition(wb);
  const gd = decodeDefinition(gb);
  const lines: string[] = [];
  const gs = new Set(got.digests);
  const ws = new Set(want.digests);
  const onlyWant = want.digests.map((d, i) => [d, i] as const).filter(([d]) => !gs.has(d));
  const onlyGot = got.digests.map((d, i) => [d, i] as const).filter(([d]) => !ws.has(d));
  if (onlyWant.length || onlyGot.length) {
    const wj = dumpDefinitionJson(wd);
    const gj = dumpDefinitionJson(gd);
    lines.push(`ops only in Go's (${onlyWant.length}) / only in ours (${onlyGot.length}); first of each:`);
    if (onlyWant[0]) lines.push(`  go   op ${onlyWant[0][1]}: ${wj[onlyWant[0][1]]}`);
    if (onlyGot[0]) lines.push(`  ours op ${onlyGot[0][1]}: ${gj[onlyGot[0][1]]}`);
  }
  lines.push(compareDefinitions(wd, gd, wb, gb) ?? "definitions decode equal but bytes differ");
  return lines.join("\n  ");
}

function compareConvert(want: ModeAnswer, got: ModeAnswer): string {
  const e = compareError(want, got);
  if (e) return e;
  const wr = (want["results"] ?? []) as ConvertResultJson[];
  const gr = (got["results"] ?? []) as ConvertResultJson[];
  if (wr.length !== gr.length) return `platform results: want ${wr.length}, got ${gr.length}`;
  for (let i = 0; i < wr.length; i++) {
    const w = wr[i]!;
    const g = gr[i]!;
    const at = `[${w.platform}]`;
    if (w.platform !== g.platform) return `${at} platform: got ${g.platform}`;
    const defDiff = explainDefinition(w.definition, g.definition);
    if (defDiff) return `${at} definition: ${defDiff}`;
    for (const k of ["image", "baseImage", "epoch", "isIgnoreCache"] as const) {
      const d = firstDiff(w[k], g[k], k);
      if (d) return `${at} ${d}`;
    }
  }
  const d = firstDiff(want["warnings"] ?? [], got["warnings"] ?? [], "warnings");
  return d;
}

function compareJson(keys: string[]) {
  return (want: ModeAnswer, got: ModeAnswer): string => {
    const e = compareError(want, got);
    if (e || want.error) return e;
    for (const k of keys) {
      const d = firstDiff(want[k], got[k], k);
      if (d) return d;
    }
    return "";
  };
}

/** The build level: the error, then every solve (definitions explained op by op), the result's metadata and refs, the warnings. */
function compareBuild(want: ModeAnswer, got: ModeAnswer): string {
  const e = compareError(want, got);
  if (e) return e;
  const ws = (want["solves"] ?? []) as Record<string, unknown>[];
  const gs = (got["solves"] ?? []) as Record<string, unknown>[];
  if (ws.length !== gs.length) return `solves: want ${ws.length}, got ${gs.length}\n  want ${short(ws.map((s) => Object.keys(s)))}\n  got  ${short(gs.map((s) => Object.keys(s)))}`;
  // Solves equal on both sides pair up first; the rest pair in (sorted) order, so a difference is shown
  // between the solves that correspond (the sort key is the bytes, which the difference changes).
  const key = (x: Record<string, unknown>) => JSON.stringify(x);
  const gotLeft = [...gs];
  const wantLeft: Record<string, unknown>[] = [];
  for (const w of ws) {
    const i = gotLeft.findIndex((g) => key(g) === key(w));
    if (i >= 0) gotLeft.splice(i, 1);
    else wantLeft.push(w);
  }
  for (let i = 0; i < wantLeft.length; i++) {
    const w = wantLeft[i]!;
    const g = gotLeft[i]!;
    if (w["definition"] && g["definition"]) {
      const d = explainDefinition(w["definition"] as ConvertResultJson["definition"], g["definition"] as ConvertResultJson["definition"]);
      if (d) return `solve (${ws.length - wantLeft.length} of ${ws.length} equal) definition: ${d}`;
    }
    const d = firstDiff({ ...w, definition: !!w["definition"] }, { ...g, definition: !!g["definition"] }, "solve");
    if (d) return d;
  }
  if (want.error) return "";
  for (const k of ["metadata", "refs", "ref", "warnings"]) {
    const d = firstDiff(want[k], got[k], k);
    if (d) return d;
  }
  return "";
}

/**
 * Go's linter lists the failing rules of `check=error=true` from a map
 * (linter.go `Error`), in random order: the list is sorted on both sides.
 */
export function normalizeAnswer<T>(v: T): T {
  if (typeof v === "string") {
    return v.replace(/(lint violation found for rules: )([A-Za-z, ]+)/g, (_m, head: string, list: string) => head + list.split(", ").sort().join(", ")) as T;
  }
  if (Array.isArray(v)) return v.map(normalizeAnswer) as T;
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalizeAnswer(x)])) as T;
  return v;
}

/** Go sorts the outline's args, secrets and ssh by location only, so entries of one line come in random order: sorted by name within a line here. */
function normalizeOutline(a: ModeAnswer): ModeAnswer {
  const r = a["result"] as Record<string, unknown> | undefined;
  if (!r || typeof r !== "object") return a;
  const out: Record<string, unknown> = { ...r };
  for (const k of ["args", "secrets", "ssh"]) {
    const xs = r[k];
    if (!Array.isArray(xs)) continue;
    const sorted: unknown[] = [];
    for (let i = 0; i < xs.length; ) {
      const loc = JSON.stringify((xs[i] as { location?: unknown }).location);
      let j = i;
      while (j < xs.length && JSON.stringify((xs[j] as { location?: unknown }).location) === loc) j++;
      sorted.push(...xs.slice(i, j).sort((x, y) => String((x as { name?: string }).name).localeCompare(String((y as { name?: string }).name))));
      i = j;
    }
    out[k] = sorted;
  }
  return { ...a, result: out };
}

export const comparers: Record<Mode, (want: ModeAnswer, got: ModeAnswer) => string> = {
  ast: compareJson(["ast", "escapeToken", "warnings"]),
  convert: compareConvert,
  lint: compareJson(["result"]),
  outline: (want, got) => compareJson(["result"])(normalizeOutline(want), normalizeOutline(got)),
  targets: compareJson(["result"]),
  build: compareBuild,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let modes: Mode[] = [...allModes];
  let corpus = true;
  let verbose = false;
  const filters: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--modes") modes = args[++i]!.split(",") as Mode[];
    else if (a === "--no-corpus") corpus = false;
    else if (a === "--verbose") verbose = true;
    else filters.push(a);
  }
  const tmp = mkdtempSync(join(tmpdir(), "tsfrontend-dfgolden-corpus-"));
  process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
  const cases = [...ownCases(), ...(corpus ? corpusCases(tmp) : [])].filter((c) => filters.length === 0 || filters.some((f) => c.name.includes(f)));
  const jobs: GoJob[] = [];
  for (const c of cases) {
    for (const m of modes) {
      if (c.request.modes && !c.request.modes.includes(m)) continue;
      jobs.push({ name: c.name, mode: m, dockerfile: c.file, ...(c.contextDir ? { contextDir: c.contextDir } : {}), request: c.request });
    }
  }
  const t0 = performance.now();
  const goAnswers = runGo(jobs);
  if (verbose) console.log(`go: ${jobs.length} jobs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  let passed = 0;
  let failed = 0;
  const byCase = new Map(cases.map((c) => [c.name, c]));
  for (const j of jobs) {
    const key = `${j.mode} ${j.name}`;
    const want = goAnswers.get(key);
    let problem: string;
    if (!want) problem = "no answer from the Go program";
    else {
      const c = byCase.get(j.name)!;
      const got = await runTs(j.mode, readFileSync(c.file), c.request, undefined, c.contextDir);
      if (want["panic"] && !got.crash) {
        // buildkit v0.32.2 itself crashes here (e.g. ListTargets without a linter and a `# check=` comment
        // above an instruction): nothing to compare with; ours must only not crash.
        console.log(`NOTE ${key}: Go panics (${String(want["panic"])}); ours answers ${short(got.error ?? Object.keys(got))}`);
        problem = "";
      } else problem = comparers[j.mode](normalizeAnswer(want), normalizeAnswer(got));
    }
    if (problem) {
      failed++;
      console.log(`FAIL ${key}: ${problem}`);
    } else {
      passed++;
      if (verbose) console.log(`ok   ${key}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}

if (basename(process.argv[1] ?? "") === "golden.js" && basename(dirname(process.argv[1] ?? "")) === "dockerfile") await main();
