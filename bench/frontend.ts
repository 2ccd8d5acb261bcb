/**
 * `npm run bench:frontend`: the same two-stage build for linux/amd64 and
 * linux/arm64, in the same run and on the same buildkitd, as a TypeScript
 * program through our frontend image (`buildctl build --frontend gateway.v0
 * --opt source=<image>@<digest>`) and as a Dockerfile through buildkit's
 * built-in `dockerfile.v0`; prints each time, the medians, the frontend's
 * cold start and peak RSS (measured inside it, src/frontend/stats.ts, read
 * from buildctl's `--metadata-file`), the frontend image's compressed size
 * per platform, and last the line `frontend ts/dockerfile.v0 ratio: X`.
 *
 * Both builds: stage 1 on the busybox shell image of the test registry
 * (test/e2e/lib/shell-image.ts) runs a small shell loop writing /out (with
 * TARGETARCH in its env; emulated for arm64), stage 2 is the shell image with
 * /out copied from stage 1 and the base image's config. Every run is
 * `--no-cache` (buildctl's flag: the `no-cache` opt, honoured by both
 * frontends) and has no exporter, so both solve the same ops from scratch.
 * The frontend image is built (scripts/frontend-image.sh, once per content,
 * test/e2e/lib/frontend-image.ts) and named by digest, so a concurrent push
 * of the tag cannot swap it. Tool order alternates; iteration 0 is a warm-up
 * (image pulls). The RUN carries a tag (`tsfbench-frontend-<hex>`), and at
 * the end `buildctl prune --filter description~=TAG` removes this run's
 * records and nothing else.
 *
 *   node dist/bench/frontend.js [iterations=5]   (at least 3 iterations)
 *
 * Needs the env of scripts/env/start.sh (BUILDKIT_HOST, TSF_REGISTRY, ...);
 * without BUILDKIT_HOST it starts one with scripts/env/start.sh and stops it.
 */

import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { ensureFrontendImage, FRONTEND_PLATFORMS } from "../test/e2e/lib/frontend-image.js";
import { ensureShellImage } from "../test/e2e/lib/shell-image.js";
import { METADATA_COLDSTART_MS, METADATA_MAXRSS_BYTES, METADATA_TIMELINE_MS, type TimedCall } from "../src/frontend/stats.js";
import { buildctl, daemon, median, run, runOk } from "./lib.js";

const args = process.argv.slice(2);
const iterations = Math.max(3, Number(args.find((a) => !a.startsWith("--")) ?? 5));

/** Stage 1's work (busybox sh): a few thousand small writes and a checksum. `TAG` names this run's records. */
const work = (tag: string) =>
  `echo ${tag} >/dev/null; mkdir -p /out; i=0; while [ $i -lt 3000 ]; do echo "$i $TARGETARCH" >>/out/data; i=$((i+1)); done; sha256sum /out/data >/out/sum`;

const program = (tag: string) => `import { copy, image } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";

export default (ctx: BuildContext) => {
  const base = ctx.buildArgs["BASE"];
  if (!base) throw new Error("build arg BASE missing");
  return ctx.perPlatform((target, args) => {
    const builder = image(base, { platform: target })
      .addEnv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
      .addEnv("TARGETARCH", args.TARGETARCH)
      .run({ args: ["/bin/sh", "-c", ${JSON.stringify(work(tag))}] })
      .root();
    return { state: image(base, { platform: target }).file(copy(builder, "/out", "/out")), base };
  });
};
`;

const dockerfile = (tag: string) => `ARG BASE
FROM $BASE AS builder
ARG TARGETARCH
RUN ${work(tag)}

FROM $BASE
COPY --from=builder /out /out
`;

type Tool = "ts" | "dockerfile.v0";

async function main(): Promise<void> {
  if (!fs.existsSync(buildctl)) throw new Error(`${buildctl} missing: run scripts/env/install.sh`);
  const e = await daemon();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-frontend-"));
  const tag = `tsfbench-frontend-${randomBytes(4).toString("hex")}`;
  const addr = process.env["BUILDKIT_HOST"]!;
  try {
    console.log(`daemon: ${addr} (${e.own ? "started by the bench" : "BUILDKIT_HOST"}); registry ${process.env["TSF_REGISTRY"]}; tag ${tag}`);
    const shell = await ensureShellImage();
    const fe = await ensureFrontendImage();
    const source = `${fe.ref.replace(/:[^:/]+$/, "")}@${fe.digest}`;
    console.log(`base image: ${shell.ref}@${shell.digest}`);
    console.log(`frontend image: ${source}`);
    for (const p of FRONTEND_PLATFORMS) {
      const bytes = fe.sizes[p];
      console.log(`frontend image ${p}: ${bytes === undefined ? "size unknown" : `${(bytes / 1e6).toFixed(1)} MB compressed (${bytes} bytes)`}`);
    }
    fs.writeFileSync(path.join(dir, "build.ts"), program(tag));
    fs.writeFileSync(path.join(dir, "Dockerfile"), dockerfile(tag));
    const md = path.join(dir, "metadata.json");
    const common = ["--addr", addr, "build", "--no-cache", "--progress", "plain", "--local", `context=${dir}`, "--local", `dockerfile=${dir}`,
      "--opt", `platform=${FRONTEND_PLATFORMS.join(",")}`, "--opt", `build-arg:BASE=${shell.ref}@${shell.digest}`, "--metadata-file", md];
    const build = (tool: Tool) =>
      tool === "ts"
        ? runOk(buildctl, [...common, "--frontend", "gateway.v0", "--opt", `source=${source}`, "--opt", "filename=build.ts"])
        : runOk(buildctl, [...common, "--frontend", "dockerfile.v0", "--opt", "filename=Dockerfile"]);

    const times: Record<Tool, number[]> = { ts: [], "dockerfile.v0": [] };
    const coldStart: number[] = [];
    const rss: number[] = [];
    const timelines: TimedCall[][] = [];
    for (let i = 0; i <= iterations; i++) {
      const order: Tool[] = i % 2 === 0 ? ["ts", "dockerfile.v0"] : ["dockerfile.v0", "ts"];
      const line: string[] = [];
      for (const tool of order) {
        fs.rmSync(md, { force: true });
        const r = await build(tool);
        const runLines = r.out.split("\n").filter((l) => l.includes(tag));
        if (runLines.length === 0 || runLines.some((l) => /\bCACHED\b/.test(l))) throw new Error(`${tool}: the RUN did not run (no ${tag} step, or a cached one, in the progress): not a cold build\n${r.out}`);
        let extra = "";
        if (tool === "ts") {
          const m = JSON.parse(fs.readFileSync(md, "utf8")) as Record<string, string>;
          const cs = Number(m[METADATA_COLDSTART_MS]);
          const rs = Number(m[METADATA_MAXRSS_BYTES]);
          if (!Number.isFinite(cs) || !Number.isFinite(rs)) throw new Error(`no ${METADATA_COLDSTART_MS}/${METADATA_MAXRSS_BYTES} in the metadata: ${JSON.stringify(m)}`);
          if (i > 0) {
            coldStart.push(cs);
            rss.push(rs);
            if (m[METADATA_TIMELINE_MS]) timelines.push(JSON.parse(m[METADATA_TIMELINE_MS]) as TimedCall[]);
          }
          extra = ` (cold start ${cs.toFixed(0)} ms, peak RSS ${(rs / 1e6).toFixed(1)} MB)`;
        }
        if (i > 0) times[tool].push(r.ms / 1000);
        line.push(`${tool} ${(r.ms / 1000).toFixed(2)} s${extra}`);
      }
      console.log(`${i === 0 ? "warm-up" : `iteration ${i}/${iterations}`}: ${line.join("; ")}`);
    }
    await run(buildctl, ["--addr", addr, "prune", "--filter", `description~=${tag}`]);

    for (const tool of ["ts", "dockerfile.v0"] as const) {
      console.log(`${tool.padEnd(13)} median ${median(times[tool]).toFixed(2)} s [${times[tool].map((t) => t.toFixed(2)).join(", ")}; median of ${iterations}, 1 warm-up]`);
    }
    console.log(`frontend cold start (process start to first LLBBridge call): median ${median(coldStart).toFixed(0)} ms [${coldStart.map((c) => c.toFixed(0)).join(", ")}]`);
    if (timelines.length > 0) {
      // Where the frontend's time goes: the median start and end of each LLBBridge call, in the order made.
      const n = Math.min(...timelines.map((t) => t.length));
      const steps = Array.from({ length: n }, (_, k) => {
        const name = timelines[0]![k]![0];
        return `${name} ${median(timelines.map((t) => t[k]![1])).toFixed(0)}-${median(timelines.map((t) => t[k]![2])).toFixed(0)}`;
      });
      console.log(`frontend calls (ms since process start, medians): ${steps.join(", ")}`);
    }
    console.log(`frontend peak RSS: median ${(median(rss) / 1e6).toFixed(1)} MB, max ${(Math.max(...rss) / 1e6).toFixed(1)} MB`);
    console.log(`frontend fixed cost (difference of the medians): ${(median(times.ts) - median(times["dockerfile.v0"])).toFixed(2)} s`);
    console.log(`frontend ts/dockerfile.v0 ratio: ${(median(times.ts) / median(times["dockerfile.v0"])).toFixed(2)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await e.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench:frontend: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
