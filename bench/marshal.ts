/**
 * `npm run bench:marshal`: builds and marshals the same graphs with our
 * library and with Go's client/llb (test/golden/go) in the same run, and
 * prints ops/s for each and `marshal ts/go ratio: X` for the 10k-op DAG.
 * Each iteration builds the graph from scratch, marshals it and encodes the
 * Definition (both sides measure the same three steps); warm-up iterations
 * are excluded. Go and TypeScript alternate in rounds (Go's process, then ours,
 * then Go again...) so a change in the machine's load hits both alike; each
 * side's time is the median of its per-round medians.
 */

import { parsePlatform, type MarshalOptions } from "../src/llb/index.js";
import { runGolden } from "../test/lib/gobin.js";
import { benchGraph } from "./graph.js";

const options: MarshalOptions = { platform: parsePlatform("linux/amd64"), localUniqueID: "golden-unique" };

interface Result {
  ops: number;
  medianNs: number;
  minNs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function benchTs(n: number, iters: number, warmup: number): Result {
  let ops = 0;
  const times: number[] = [];
  for (let i = 0; i < warmup + iters; i++) {
    const t0 = process.hrtime.bigint();
    const def = benchGraph(n).marshalSync(options);
    def.toBytes();
    const dt = Number(process.hrtime.bigint() - t0);
    ops = def.def.length;
    if (i >= warmup) times.push(dt);
  }
  return { ops, medianNs: median(times), minNs: Math.min(...times) };
}

function benchGo(n: number, iters: number, warmup: number): Result {
  const out = runGolden(["bench", "-ops", String(n), "-iters", String(iters), "-warmup", String(warmup)]);
  const r = JSON.parse(out.trim().split("\n").pop()!) as Result;
  return { ops: r.ops, medianNs: r.medianNs, minNs: r.minNs };
}

/** One result from several rounds: the median of the round medians, the overall minimum. */
function combine(rs: Result[]): Result {
  return { ops: rs[0]!.ops, medianNs: median(rs.map((r) => r.medianNs)), minNs: Math.min(...rs.map((r) => r.minNs)) };
}

function rate(r: Result): string {
  return `${Math.round(r.ops / (r.medianNs / 1e9)).toLocaleString("en-US")} ops/s`;
}

// [ops, rounds, iterations per round, warm-up iterations (Go: every round, as each is a new process; TS: first round)]
const sizes: [number, number, number, number][] = [
  [1_000, 3, 30, 10],
  [10_000, 3, 8, 3],
  [100_000, 3, 2, 1],
];
let ratio10k = NaN;
for (const [n, rounds, iters, warmup] of sizes) {
  const goRounds: Result[] = [];
  const tsRounds: Result[] = [];
  for (let r = 0; r < rounds; r++) {
    goRounds.push(benchGo(n, iters, warmup));
    tsRounds.push(benchTs(n, iters, r === 0 ? warmup : 0));
  }
  const goR = combine(goRounds);
  const tsR = combine(tsRounds);
  if (tsR.ops !== goR.ops) throw new Error(`graphs differ: ts has ${tsR.ops} ops, go has ${goR.ops}`);
  const ratio = tsR.medianNs / goR.medianNs;
  if (n === 10_000) ratio10k = ratio;
  console.log(
    `${String(n).padStart(7)} ops: ts ${(tsR.medianNs / 1e6).toFixed(1)} ms (${rate(tsR)}), go ${(goR.medianNs / 1e6).toFixed(1)} ms (${rate(goR)}), ratio ${ratio.toFixed(2)}  [${rounds} alternating rounds of ${iters}, median of round medians; ${warmup} warm-up]`,
  );
}
console.log(`marshal ts/go ratio: ${ratio10k.toFixed(2)}`);
