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
import { decodeDefinition, parsePlatform, type Definition, type MarshalOptions } from "../../src/llb/index.js";
import { compareDefinitions } from "../lib/definitions.js";
import { repoRoot, runGolden } from "../lib/gobin.js";
import { allCases } from "./cases/index.js";
import { benchGraph } from "../../bench/graph.js";
import { buildctlPath, buildctlProblem } from "../lib/buildctl.js";
import { compareDumpLlb } from "./dump-llb.js";

const defaults: MarshalOptions = { platform: parsePlatform("linux/amd64"), localUniqueID: "golden-unique" };

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
