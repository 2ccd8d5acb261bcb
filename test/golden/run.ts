/**
 * Golden vectors: every graph the Go program builds with client/llb is built
 * again with our API; op bytes, digests, metadata and source maps must be
 * identical; the benchmark graphs too (whole Definition bytes); every unit-test
 * table under test/golden/tables/ equals what Go computes for it (tables.go);
 * and `buildctl debug dump-llb` (JSON and --dot) of each Go vector must print
 * what our dumps print (the `dump-llb NAME` checks). Ends with the line
 * `N passed, M failed`.
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import {
  decodeDefinition,
  dumpDefinitionJson,
  parsePlatform,
  sha256Digest,
  type Definition,
  type MarshalOptions,
} from "../../src/llb/index.js";
import { repoRoot, runGolden } from "../lib/gobin.js";
import { allCases } from "./cases/index.js";
import { benchGraph } from "../../bench/graph.js";
import { buildctlPath, buildctlProblem } from "../lib/buildctl.js";
import { compareDumpLlb } from "./dump-llb.js";

const defaults: MarshalOptions = { platform: parsePlatform("linux/amd64"), localUniqueID: "golden-unique" };

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/** Explains the first difference between two definitions, or returns undefined when equal. */
export function compareDefinitions(want: Definition, got: Definition, wantBytes: Uint8Array, gotBytes: Uint8Array): string | undefined {
  if (want.def.length !== got.def.length) {
    return `op count: want ${want.def.length}, got ${got.def.length}\n  want ops:\n    ${dumpDefinitionJson(want).join("\n    ")}\n  got ops:\n    ${dumpDefinitionJson(got).join("\n    ")}`;
  }
  for (let i = 0; i < want.def.length; i++) {
    const w = want.def[i]!;
    const g = got.def[i]!;
    if (Buffer.compare(w, g) !== 0) {
      const at = firstDifference(w, g);
      return (
        `op ${i} differs at byte ${at}: want ${sha256Digest(w)}, got ${sha256Digest(g)}\n` +
        `  want: ${dumpDefinitionJson(new (want.constructor as typeof Definition)([w], new Map(), undefined))[0]}\n` +
        `  got:  ${dumpDefinitionJson(new (got.constructor as typeof Definition)([g], new Map(), undefined))[0]}\n` +
        `  want hex: ${hex(w.subarray(Math.max(0, at - 8), at + 24))}\n  got hex:  ${hex(g.subarray(Math.max(0, at - 8), at + 24))}`
      );
    }
  }
  const wk = [...want.metadata.keys()].sort();
  const gk = [...got.metadata.keys()].sort();
  if (!isDeepStrictEqual(wk, gk)) return `metadata keys differ:\n  want ${wk.join(" ")}\n  got  ${gk.join(" ")}`;
  for (const k of wk) {
    const wm = normalizeMeta(want.metadata.get(k));
    const gm = normalizeMeta(got.metadata.get(k));
    if (!isDeepStrictEqual(wm, gm)) return `metadata of ${k} differs:\n  want ${JSON.stringify(wm)}\n  got  ${JSON.stringify(gm)}`;
  }
  const ws = normalizeJson(want.source);
  const gs = normalizeJson(got.source);
  if (!isDeepStrictEqual(ws, gs)) return `source maps differ:\n  want ${JSON.stringify(ws)}\n  got  ${JSON.stringify(gs)}`;
  if (Buffer.compare(wantBytes, gotBytes) !== 0) {
    return `whole Definition bytes differ at ${firstDifference(wantBytes, gotBytes)} (ops, metadata and sources are equal)`;
  }
  return undefined;
}

function normalizeJson(v: unknown): unknown {
  return JSON.parse(
    JSON.stringify(v ?? null, (_k, val: unknown) => {
      if (val instanceof Uint8Array) return Buffer.from(val).toString("base64");
      if (typeof val === "bigint") return val.toString();
      if (val && typeof val === "object" && (val as { type?: string }).type === "Buffer") return val;
      return val;
    }),
  );
}

/** Metadata compared as decoded values: empty maps and false/zero fields equal absent ones, as on the wire. */
function normalizeMeta(m: unknown): unknown {
  const j = normalizeJson(m) as Record<string, unknown> | null;
  if (!j) return {};
  const out: Record<string, unknown> = {};
  for (let [k, v] of Object.entries(j)) {
    if (v === false || v === 0 || v === "" || v === null) continue;
    // Nested messages too (export_cache {Value: false} decodes as {}); maps (description, caps) are kept as they are.
    if (typeof v === "object" && !Array.isArray(v) && k !== "description" && k !== "caps") v = normalizeMeta(v);
    if (typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 0 && k !== "export_cache") continue;
    out[k] = v;
  }
  return out;
}

const tablesDir = join(repoRoot, "test", "golden", "tables");

/** The first row where a checked-in table differs from what Go computes now, or undefined. */
function compareTable(file: string, goOutput: string): string | undefined {
  const have = JSON.parse(readFileSync(file, "utf8")) as unknown[];
  const want = JSON.parse(goOutput) as unknown[];
  for (let i = 0; i < Math.max(have.length, want.length); i++) {
    if (!isDeepStrictEqual(have[i], want[i])) {
      return `row ${i}: the file has ${JSON.stringify(have[i])}, Go gives ${JSON.stringify(want[i])} (regenerate: golden table NAME -in FILE > FILE)`;
    }
  }
  return undefined;
}

async function main(): Promise<void> {
  // Optional arguments: name prefixes to run (e.g. `exec- mount-`); the default runs everything.
  const prefixes = process.argv.slice(2);
  const only = prefixes.length > 0;
  const selected = (name: string) => !only || prefixes.some((p) => name.startsWith(p));
  const dir = mkdtempSync(join(tmpdir(), "tsfrontend-golden-"));
  let passed = 0;
  let failed = 0;
  const buildctl = buildctlPath();
  const noBuildctl = buildctlProblem(buildctl);
  if (noBuildctl) {
    console.log(`FAIL dump-llb: ${noBuildctl}`);
    failed++;
  }
  /** Counts one `dump-llb NAME` check (none when buildctl is missing: that failure is counted once above). */
  const checkDump = (name: string, file: string, want: Definition, got: Definition) => {
    if (noBuildctl) return;
    let problem: string | undefined;
    try {
      problem = compareDumpLlb(buildctl, file, want, got);
    } catch (err) {
      problem = (err as Error).stack ?? String(err);
    }
    if (problem) {
      console.log(`FAIL dump-llb ${name}: ${problem}`);
      failed++;
    } else passed++;
  };
  try {
    runGolden(["vectors", "-out", dir]);
    const names = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as string[];
    const byName = new Map(allCases.map((c) => [c.name, c]));
    for (const c of allCases) {
      if (!names.includes(c.name)) {
        console.log(`FAIL ${c.name}: no Go case of that name`);
        failed++;
      }
    }
    for (const name of names) {
      if (!selected(name)) continue;
      const c = byName.get(name);
      if (!c) {
        console.log(`FAIL ${name}: no TypeScript case`);
        failed++;
        continue;
      }
      const file = join(dir, `${name}.pb`);
      const wantBytes = readFileSync(file);
      try {
        const want = decodeDefinition(wantBytes);
        const st = await c.state();
        const got = await st.marshal({ ...defaults, ...(c.opts ?? {}) });
        const gotBytes = got.toBytes();
        const problem = compareDefinitions(want, got, wantBytes, gotBytes);
        if (problem) {
          console.log(`FAIL ${name}: ${problem}`);
          failed++;
        } else {
          passed++;
        }
        checkDump(name, file, want, got);
      } catch (err) {
        console.log(`FAIL ${name}: ${(err as Error).stack ?? String(err)}`);
        failed++;
      }
    }
    // The benchmark graph must be the same graph in both languages, or the ratio means nothing:
    // whole Definition bytes at every size bench:marshal reports a ratio for (1k, 10k, 100k), and 2.5k.
    for (const n of only ? [] : [1000, 2500, 10_000, 100_000]) {
      const name = `bench-graph-${n}`;
      const file = join(dir, `${name}.pb`);
      try {
        runGolden(["benchdef", "-ops", String(n), "-out", file]);
        const wantBytes = readFileSync(file);
        const got = benchGraph(n).marshalSync(defaults);
        const want = decodeDefinition(wantBytes);
        const problem = compareDefinitions(want, got, wantBytes, got.toBytes());
        if (problem) {
          console.log(`FAIL ${name}: ${problem}`);
          failed++;
        } else passed++;
        checkDump(name, file, want, got);
      } catch (err) {
        console.log(`FAIL ${name}: ${(err as Error).stack ?? String(err)}`);
        failed++;
      }
    }
    // Unit-test tables from Go (test/golden/tables/NAME.json): recomputed by `golden table NAME`.
    for (const file of only ? [] : readdirSync(tablesDir).filter((f) => f.endsWith(".json")).sort()) {
      const name = `table-${basename(file, ".json")}`;
      try {
        const problem = compareTable(join(tablesDir, file), runGolden(["table", basename(file, ".json"), "-in", join(tablesDir, file)]));
        if (problem) {
          console.log(`FAIL ${name}: ${problem}`);
          failed++;
        } else passed++;
      } catch (err) {
        console.log(`FAIL ${name}: ${(err as Error).stack ?? String(err)}`);
        failed++;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}

await main();
