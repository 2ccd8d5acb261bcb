/**
 * The benchmark graph, built exactly as test/golden/go/bench.go builds it
 * (see test/golden/CASES.md "Benchmark graph"): a wide fan-in of chains with
 * mixed op kinds, exactly N ops in the Definition.
 */

import { image, merge, mkdir, mkfile, scratch, type State } from "../src/llb/index.js";

const GROUP = 10;

function plan(n: number): number[] {
  if (n < 2) throw new Error(`bench: ops must be >= 2, got ${n}`);
  const chains = Math.max(1, Math.floor(n / 100));
  const groups = Math.ceil(chains / GROUP);
  let merges = 0;
  for (let g = 0; g < groups; g++) if (Math.min(chains, (g + 1) * GROUP) - g * GROUP >= 2) merges++;
  if (groups >= 2) merges++;
  const sources = Math.min(chains, 20);
  const total = n - 1 - merges - sources;
  if (total < 0) throw new Error(`bench: ops ${n} too small`);
  const steps: number[] = [];
  for (let i = 0; i < chains; i++) steps.push(Math.floor(total / chains) + (i < total % chains ? 1 : 0));
  return steps;
}

function chain(i: number, steps: number): State {
  const img = image(`docker.io/library/alpine:3.${i % 20}`);
  let st = img.addEnv("CHAIN", String(i));
  for (let j = 0; j < steps; j++) {
    switch (j % 4) {
      case 0:
        st = st.addEnv("STEP", String(j));
        st = st.run({ shlex: `echo ${i}-${j}` }).root();
        break;
      case 1:
        st = st.file(mkfile(`/f-${i}-${j}.txt`, 0o644, `data ${i} ${j}`));
        break;
      case 2:
        st = st
          .run({ shlex: `echo ${i}-${j}`, mounts: [{ target: "/cache", source: scratch(), cache: { id: "bench-cache", sharing: "shared" } }] })
          .root();
        break;
      case 3: {
        const dir = `/d-${i}-${j}`;
        st = st.file(mkdir(dir, 0o755, { parents: true }).copy(img, "/etc/os-release", `${dir}/os-release`));
        break;
      }
    }
  }
  return st;
}

export function benchGraph(n: number): State {
  const steps = plan(n);
  const groupStates: State[] = [];
  for (let start = 0; start < steps.length; start += GROUP) {
    const members: State[] = [];
    for (let i = start; i < Math.min(start + GROUP, steps.length); i++) members.push(chain(i, steps[i]!));
    groupStates.push(merge(members));
  }
  return merge(groupStates);
}
