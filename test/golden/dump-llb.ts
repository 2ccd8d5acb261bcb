/**
 * `buildctl debug dump-llb` (JSON lines and `--dot`) run on a Go-marshalled
 * vector must print exactly what our dumpDefinitionJson / dumpDefinitionDot
 * print for the same bytes and for our own marshalled graph.
 */

import { execFileSync } from "node:child_process";
import { dumpDefinitionDot, dumpDefinitionJson, type Definition } from "../../src/llb/index.js";

function firstDifferentLine(want: string, got: string): string {
  const w = want.split("\n");
  const g = got.split("\n");
  for (let i = 0; i < Math.max(w.length, g.length); i++) {
    if (w[i] === g[i]) continue;
    const a = w[i] ?? "";
    const b = g[i] ?? "";
    let col = 0;
    while (col < a.length && a[col] === b[col]) col++;
    const from = Math.max(0, col - 60);
    return `line ${i + 1}, column ${col + 1}:\n    buildctl: ${JSON.stringify(a.slice(from, col + 100))}\n    ours:     ${JSON.stringify(b.slice(from, col + 100))}`;
  }
  return "(equal lines, different bytes)";
}

/**
 * Runs buildctl on `file` (the bytes `fromFile` was decoded from) and compares
 * with our dumps of `fromFile` and of `ours`; returns the first difference.
 */
export function compareDumpLlb(buildctl: string, file: string, fromFile: Definition, ours: Definition): string | undefined {
  for (const dot of [false, true]) {
    const want = execFileSync(buildctl, ["debug", "dump-llb", ...(dot ? ["--dot"] : []), file], { encoding: "utf8", maxBuffer: 1 << 30 });
    const what = dot ? "dump-llb --dot" : "dump-llb";
    const dump = (d: Definition) => (dot ? dumpDefinitionDot(d) : dumpDefinitionJson(d).map((l) => l + "\n").join(""));
    for (const [which, def] of [["of the same bytes", fromFile], ["of our marshalled graph", ours]] as const) {
      const got = dump(def);
      if (got !== want) return `${what}: our dump ${which} differs from buildctl's at ${firstDifferentLine(want, got)}`;
    }
  }
  return undefined;
}
