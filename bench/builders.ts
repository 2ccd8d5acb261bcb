/**
 * `npm run bench:builders`: the same two-platform build (linux/amd64 and
 * linux/arm64, pushed to the test registry), in the same run, (i) on one node
 * with tsfrontend (`--addr`: both platforms on the amd64 node), (ii) on a
 * two-node tsfrontend builder (node amd declared linux/amd64, node arm
 * declared linux/arm64: each platform on its own daemon, then one index
 * pushed), (iii) on a two-node docker buildx builder over the same two
 * daemons (`buildx create --driver remote --platform linux/amd64 ...` then
 * `buildx create --append --platform linux/arm64 ...`, a private
 * BUILDX_CONFIG). Prints the three medians and last the lines
 * `builders ts/buildx ratio: X` ((ii)/(iii)) and `builders two/one ratio: X`
 * ((ii)/(i)).
 *
 * The build is one Dockerfile (the same file for both tools: tsfrontend
 * converts it client-side, buildx through dockerfile.v0 in the daemon): a
 * stage on the busybox shell image of the test registry
 * (test/e2e/lib/shell-image.ts) running a shell loop of a few seconds
 * (emulated for arm64), then the shell image with its output copied in. Every run is
 * `--no-cache` and pushes; provenance is off on both sides (buildx
 * `--provenance=false`; tsfrontend adds none unless asked). The two daemons
 * are private to the bench (test/e2e/lib/private-daemon.ts, stopped at the
 * end); the registry is the env's. Each round runs the tools in the next of
 * their six orders; iteration 0 is a warm-up (image pulls).
 *
 *   node dist/bench/builders.js [iterations=18]   (at least 3 iterations; single runs of the
 *   emulated RUN vary by a quarter on a shared machine, and the machine's speed drifts within a
 *   run: with 9 iterations the ratio of the medians moved by 0.1 between runs of the same code;
 *   a multiple of 6 gives each of the six tool orders as many rounds). Besides the ratio it
 *   prints a bootstrap interval of it over the rounds: how far the machine's noise moves it.
 *
 * Needs the env of scripts/env/start.sh (TSF_REGISTRY, DOCKER_CONFIG...);
 * without BUILDKIT_HOST it starts one with scripts/env/start.sh and stops it.
 */

import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { buildxPath, buildxProblem } from "../test/lib/buildx.js";
import { startPrivateDaemon, type PrivateDaemon } from "../test/e2e/lib/private-daemon.js";
import { ensureShellImage } from "../test/e2e/lib/shell-image.js";
import { daemon, median, prng, run, runOk, runTsCli, tsCli } from "./lib.js";

const args = process.argv.slice(2);
const iterations = Math.max(3, Number(args.find((a) => !a.startsWith("--")) ?? 18));
const PLATFORMS = "linux/amd64,linux/arm64";

/**
 * The RUN's work (busybox sh): 60,000 appended lines and a checksum, about a
 * second natively and a few seconds emulated (arm64), so the build is a real
 * one and not only the tools' fixed costs; `TAG` makes each run's step new.
 */
const dockerfile = `ARG BASE
FROM $BASE AS work
ARG TARGETARCH
ARG TAG
RUN echo $TAG >/dev/null; mkdir -p /out; i=0; while [ $i -lt 60000 ]; do echo "$i $TARGETARCH" >>/out/data; i=$((i+1)); done; sha256sum /out/data >/out/sum

FROM $BASE
COPY --from=work /out /out
`;

type Tool = "one" | "two" | "buildx";

/** The six orders of the three tools, each ordered pair of tools back to back in two of them. */
const ORDERS: Tool[][] = [
  ["one", "two", "buildx"],
  ["buildx", "one", "two"],
  ["two", "buildx", "one"],
  ["one", "buildx", "two"],
  ["two", "one", "buildx"],
  ["buildx", "two", "one"],
];

/** The 2.5th and 97.5th percentiles of median(a)/median(b) over `n` resamplings of the rounds (pairs kept together). */
function bootstrapRatio(a: readonly number[], b: readonly number[], n: number, random: () => number): [number, number] {
  const ratios: number[] = [];
  for (let k = 0; k < n; k++) {
    const ra: number[] = [];
    const rb: number[] = [];
    for (let j = 0; j < a.length; j++) {
      const pick = Math.floor(random() * a.length);
      ra.push(a[pick]!);
      rb.push(b[pick]!);
    }
    ratios.push(median(ra) / median(rb));
  }
  ratios.sort((x, y) => x - y);
  return [ratios[Math.floor(n * 0.025)]!, ratios[Math.min(n - 1, Math.floor(n * 0.975))]!];
}

async function main(): Promise<void> {
  const buildx = buildxPath();
  const problem = buildxProblem(buildx);
  if (problem) throw new Error(problem);
  const e = await daemon();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-builders-"));
  const daemons: PrivateDaemon[] = [];
  const id = randomBytes(4).toString("hex");
  try {
    const shell = await ensureShellImage();
    const base = `${shell.ref}@${shell.digest}`;
    const [amd, arm] = await Promise.all([startPrivateDaemon(), startPrivateDaemon()]);
    daemons.push(amd, arm);
    console.log(`nodes: amd ${amd.address} (linux/amd64), arm ${arm.address} (linux/arm64); registry ${process.env["TSF_REGISTRY"]}; base ${base}`);
    fs.writeFileSync(path.join(dir, "Dockerfile"), dockerfile);

    // tsfrontend's builder, in a private config dir.
    const tsEnv: NodeJS.ProcessEnv = { ...process.env, TSFRONTEND_CONFIG_DIR: path.join(dir, "tsfrontend") };
    delete tsEnv["TSFRONTEND_BUILDER"];
    await runOk(process.execPath, [tsCli, "builder", "create", "--name", "bench", "--node", "amd", "--platform", "linux/amd64", amd.address], { env: tsEnv });
    await runOk(process.execPath, [tsCli, "builder", "create", "--append", "--name", "bench", "--node", "arm", "--platform", "linux/arm64", arm.address], { env: tsEnv });
    // buildx's, in a private BUILDX_CONFIG.
    const { BUILDX_NO_DEFAULT_ATTESTATIONS: _a, BUILDX_BUILDER: _b, ...rest } = process.env;
    const bxEnv = { ...rest, BUILDX_CONFIG: path.join(dir, "buildx") };
    await runOk(buildx, ["create", "--driver", "remote", "--platform", "linux/amd64", "--name", "bench", amd.address], { env: bxEnv });
    await runOk(buildx, ["create", "--append", "--name", "bench", "--platform", "linux/arm64", arm.address], { env: bxEnv });

    const ref = (tool: Tool, i: number) => `${process.env["TSF_REGISTRY"]}/tsfrontend-bench-builders/${id}:${tool}-${i}`;
    const tsArgs = (tool: Tool, i: number, tag: string) => [
      ...(tool === "one" ? ["--addr", amd.address] : ["--builder", "bench"]), "build", "--no-cache", "-f", path.join(dir, "Dockerfile"),
      "--local", `context=${dir}`, "--build-arg", `BASE=${base}`, "--build-arg", `TAG=${tag}`, "--platform", PLATFORMS, "--progress", "plain",
      "-o", `type=image,name=${ref(tool, i)},push=true`,
    ];
    const build = (tool: Tool, i: number, tag: string) =>
      tool === "buildx"
        ? runOk(buildx, ["build", "--builder", "bench", "--no-cache", "--provenance=false", "--platform", PLATFORMS, "--build-arg", `BASE=${base}`,
            "--build-arg", `TAG=${tag}`, "--progress", "plain", "-t", ref(tool, i), "--push", dir], { env: bxEnv })
        : runTsCli(tsArgs(tool, i, tag), { env: tsEnv });

    const tools: Tool[] = ["one", "two", "buildx"];
    const times: Record<Tool, number[]> = { one: [], two: [], buildx: [] };
    const cpu: Record<Tool, number[]> = { one: [], two: [], buildx: [] };
    for (let i = 0; i <= iterations; i++) {
      // Each round's order is the next of the six orders, so every tool runs first, middle and last,
      // and after each other tool, equally often (a rotation alone has "two" follow "one" in two rounds of three).
      const order = ORDERS[i % ORDERS.length]!;
      const line: string[] = [];
      for (const tool of order) {
        const tag = `tsfbench-builders-${id}-${tool}-${i}`;
        const r = await build(tool, i, tag);
        if (!r.out.includes(tag) || /\bCACHED\b/.test(r.out.split("\n").filter((l) => l.includes(tag)).join("\n"))) {
          throw new Error(`${tool}: the RUN did not run (no ${tag} step, or a cached one): not a cold build\n${r.out}`);
        }
        // Each run must have pushed an index of both platforms.
        const inspect = await runOk(process.execPath, [tsCli, "inspect", "--format", "json", ref(tool, i)]);
        const platforms = (JSON.parse(inspect.out) as { images: { platform: string }[] }).images.map((x) => x.platform).join(",");
        if (platforms !== PLATFORMS) throw new Error(`${tool}: pushed ${platforms || "nothing"}, not ${PLATFORMS}`);
        if (i > 0) times[tool].push(r.ms / 1000);
        if (i > 0 && r.cpuMs !== undefined) cpu[tool].push(r.cpuMs / 1000);
        line.push(`${tool} ${(r.ms / 1000).toFixed(2)} s`);
      }
      console.log(`${i === 0 ? "warm-up" : `iteration ${i}/${iterations}`}: ${line.join("; ")}`);
    }
    await run(buildx, ["rm", "bench"], { env: bxEnv });

    const label: Record<Tool, string> = { one: "ts one node", two: "ts builder (2 nodes)", buildx: "buildx builder (2 nodes)" };
    for (const tool of tools) {
      console.log(`${label[tool].padEnd(25)} median ${median(times[tool]).toFixed(2)} s [${times[tool].map((t) => t.toFixed(2)).join(", ")}; median of ${iterations}, 1 warm-up]`);
    }
    // On 2 shared cores the client's own CPU is taken from the daemons' RUN steps and start-up work.
    if (tools.every((t) => cpu[t].length > 0)) {
      console.log(`client CPU, user + system (medians): ${tools.map((t) => `${label[t]} ${median(cpu[t]).toFixed(2)} s`).join("; ")}`);
    }
    console.log(`ts builder fixed cost over buildx (difference of the medians): ${(median(times.two) - median(times.buildx)).toFixed(2)} s`);
    // Paired within each round (its tools run back to back): less moved by the machine's load drifting between rounds.
    console.log(`median of the rounds' ts/buildx ratios: ${median(times.two.map((t, k) => t / times.buildx[k]!)).toFixed(2)}`);
    // How far the machine's noise moves that ratio: rounds resampled with replacement (seeded), 95% of the ratios within.
    const [lo, hi] = bootstrapRatio(times.two, times.buildx, 2000, prng(`bench-builders-${iterations}`));
    console.log(`ts/buildx ratio of the medians, 95% bootstrap interval over the rounds: ${lo.toFixed(2)}-${hi.toFixed(2)}`);
    console.log(`builders ts/buildx ratio: ${(median(times.two) / median(times.buildx)).toFixed(2)}`);
    console.log(`builders two/one ratio: ${(median(times.two) / median(times.one)).toFixed(2)}`);
  } finally {
    for (const d of daemons) await d.stop().catch((err: unknown) => console.error(`stopping ${d.address}: ${String(err)}`));
    fs.rmSync(dir, { recursive: true, force: true });
    await e.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench:builders: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
