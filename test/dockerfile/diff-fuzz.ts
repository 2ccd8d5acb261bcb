/**
 * `npm run test:dockerfile-diff-fuzz`: seeded random and mutated Dockerfiles
 * (the generator of fuzz.ts) through buildkit v0.32.2's frontend
 * (test/dockerfile/go, one process for all) and through ours, compared as
 * test:dockerfile-golden compares its cases (`ast`, `convert`, `build`,
 * `lint`, `outline`, `targets`). The golden cases are written by hand; these find the
 * inputs nobody thought of (it found `# check=` values read past the first
 * space). Ends with `N passed, M failed`, one per input and mode.
 *
 * What Go itself does not decide is made equal on both sides first:
 *  - "did you mean X?" after an unknown instruction, and the suggestion of an
 *    undefined variable: Go picks among equally close candidates in map order
 *    (instructions/parse.go `allInstructionNames`), so a tie may go either way;
 *  - several UndefinedVar warnings of one instruction: Go reports them in map
 *    order (dockerfile2llb/validations.go `reportUnmatchedVariables`);
 *  - which stage's base image error wins when several stages fail: Go resolves
 *    them in goroutines (convert.go `resolveReachableStages`), the first to
 *    fail wins;
 *  - which platform's error wins when a build for several fails on each: Go
 *    builds the platforms in goroutines (builder/build.go), so the names of
 *    the target platforms are blanked in the error then.
 * Inputs that are not valid UTF-8 are counted apart, not compared: Go keeps
 * such bytes as they are in its strings, ours reads the file as UTF-8 (a known
 * difference).
 *
 *   node dist/test/dockerfile/diff-fuzz.js [--count N] [--seed S] [--modes ast,convert,...] [--index I]
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fuzzInput, seedTexts } from "./fuzz.js";
import { comparers, normalizeAnswer, runGo } from "./golden.js";
import { runTs, type Mode, type ModeAnswer, type Request } from "./ts-side.js";
import { argValue } from "../lib/args.js";

const DEFAULT_MODES: Mode[] = ["ast", "convert", "build", "lint", "outline", "targets"];


function isUtf8(dt: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(dt);
    return true;
  } catch {
    return false;
  }
}

const SUGGESTION = / \(did you mean [^?]*\?\)/g;

/** Strings with Go's map-order choices blanked (see the module comment). */
function blankSuggestions<T>(v: T): T {
  if (typeof v === "string") return v.replace(SUGGESTION, " (did you mean …?)") as T;
  if (Array.isArray(v)) return v.map(blankSuggestions) as T;
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, blankSuggestions(x)])) as T;
  return v;
}

/** Where a warning object says it is (convert's `ranges`, lint's `location`), as a key. */
function warningPlace(w: unknown): string | undefined {
  if (!w || typeof w !== "object") return undefined;
  const o = w as Record<string, unknown>;
  const place = o["ranges"] ?? o["location"];
  return place === undefined ? undefined : JSON.stringify(place);
}

/** JSON with every object's keys sorted: Go's answers and ours name the same fields in other orders. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x,
  );
}

/** The rule a warning object names (convert's `rule`... lint's `ruleName`). */
function warningRule(w: unknown): string | undefined {
  if (!w || typeof w !== "object") return undefined;
  const o = w as Record<string, unknown>;
  const rule = o["ruleName"] ?? o["rule"] ?? o["RuleName"];
  return typeof rule === "string" ? rule : undefined;
}

/**
 * Warnings Go emits from its goroutines: InvalidBaseImagePlatform is checked
 * in each stage's base image resolution (convert.go `resolveBaseImage`, one
 * goroutine per stage), so several of them come in the order the scheduler
 * finished those.
 */
const UNORDERED_RULES = new Set(["InvalidBaseImagePlatform"]);

/**
 * Runs of warnings sorted by their text where Go's order is not its own
 * choice: several at one place (Go lists one instruction's undefined variables
 * in map order) and a run of warnings of a rule checked in goroutines.
 */
function sortWarningsAtOnePlace<T>(v: T): T {
  if (Array.isArray(v)) {
    const out = v.map(sortWarningsAtOnePlace);
    for (let i = 0; i < out.length; ) {
      const place = warningPlace(out[i]);
      const rule = warningRule(out[i]);
      const unordered = rule !== undefined && UNORDERED_RULES.has(rule);
      let j = i + 1;
      while (j < out.length && ((place !== undefined && warningPlace(out[j]) === place) || (unordered && warningRule(out[j]) === rule))) j++;
      if (j - i > 1) out.splice(i, j - i, ...out.slice(i, j).sort((a, b) => canonical(a).localeCompare(canonical(b))));
      i = j;
    }
    return out as T;
  }
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sortWarningsAtOnePlace(x)])) as T;
  return v;
}

/** The line an answer's error points at (convert and the others: `error`; lint: `result.buildError`). */
function errorLine(a: ModeAnswer): number | undefined {
  if (a.error) return a.error.locations[0]?.[0]?.start.line;
  const e = (a["result"] as { buildError?: { location?: { ranges?: { start: { line: number } }[] } } } | undefined)?.buildError;
  return e?.location?.ranges?.[0]?.start.line;
}

/**
 * Both fail at a FROM line, not the same one: which stage's base image error
 * wins is up to Go's scheduler (one goroutine per stage, the first error
 * returned), so another stage's is as right.
 */
function bothFailOnOtherStages(want: ModeAnswer, got: ModeAnswer, text: string): boolean {
  const lines = text.split("\n");
  const isFrom = (n: number | undefined) => n !== undefined && /^\s*from\s/i.test(lines[n - 1] ?? "");
  const w = errorLine(want);
  const g = errorLine(got);
  return w !== g && isFrom(w) && isFrom(g);
}

/** The error's message with the request's target platforms (and their architectures) blanked, when it asks for several. */
function blankTargetPlatforms(a: ModeAnswer, request: Request): ModeAnswer {
  const targets = (request.opts?.["platform"] ?? "").split(",").filter((p) => p !== "");
  if (targets.length < 2 || !a.error) return a;
  const names = [...new Set(targets.flatMap((p) => [p, p.split("/")[1] ?? p]))].sort((x, y) => y.length - x.length);
  let message = a.error.message;
  for (const n of names) message = message.split(n).join("<platform>");
  return { ...a, error: { ...a.error, message } };
}

function normalize(a: ModeAnswer, request: Request): ModeAnswer {
  return sortWarningsAtOnePlace(blankSuggestions(blankTargetPlatforms(normalizeAnswer(a), request)));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const count = Number(argValue(args, "--count") ?? 2000);
  const seed = argValue(args, "--seed") ?? "diff-fuzz";
  const modes = (argValue(args, "--modes")?.split(",") as Mode[] | undefined) ?? DEFAULT_MODES;
  const only = argValue(args, "--index");
  const indexes = only !== undefined ? [Number(only)] : Array.from({ length: count }, (_, i) => i);

  const seeds = seedTexts();
  const dir = mkdtempSync(join(tmpdir(), "tsfrontend-dfdiff-"));
  try {
    const inputs = new Map<string, { dt: Uint8Array; request: Request; text: string; file: string }>();
    const jobs: { name: string; mode: Mode; dockerfile: string; request: Request }[] = [];
    let notUtf8 = 0;
    for (const i of indexes) {
      const inp = fuzzInput(seed, i, seeds);
      if (!isUtf8(inp.dt)) {
        notUtf8++;
        continue;
      }
      const name = `${seed}#${i}`;
      const file = join(dir, `${i}.Dockerfile`);
      writeFileSync(file, inp.dt);
      inputs.set(name, { ...inp, file });
      for (const mode of modes) jobs.push({ name, mode, dockerfile: file, request: inp.request });
    }
    const t0 = performance.now();
    const go = runGo(jobs);
    const goMs = performance.now() - t0;

    let passed = 0;
    let failed = 0;
    for (const j of jobs) {
      const inp = inputs.get(j.name)!;
      const want = go.get(`${j.mode} ${j.name}`);
      let problem: string;
      if (!want) problem = "no answer from the Go program";
      else if (want["panic"]) problem = ""; // buildkit itself crashes on this input: nothing to compare with
      else {
        const got = await runTs(j.mode, inp.dt, inp.request);
        if (got.crash) problem = `ours crashed (not a DockerfileError): ${got.crash}`;
        else if (bothFailOnOtherStages(want, got, inp.text)) problem = "";
        else problem = comparers[j.mode](normalize(want, inp.request), normalize(got, inp.request));
      }
      if (problem) {
        failed++;
        console.log(`FAIL ${j.mode} ${j.name} (replay: --seed ${seed} --index ${j.name.slice(j.name.indexOf("#") + 1)}) ${JSON.stringify(inp.request)}: ${problem}`);
        console.log(`  input:\n${inp.text.split("\n").map((l) => `    | ${l}`).join("\n")}`);
      } else passed++;
    }
    console.log(`${indexes.length} inputs (seed ${JSON.stringify(seed)}), ${notUtf8} not UTF-8 and left out; ${jobs.length} comparisons, Go in ${(goMs / 1000).toFixed(1)} s`);
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (basename(process.argv[1] ?? "") === "diff-fuzz.js") await main();
