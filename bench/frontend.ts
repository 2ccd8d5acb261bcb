/**
 * `npm run bench:frontend`: the same two-stage build for linux/amd64 and
 * linux/arm64, in the same run and on the same buildkitd, as a TypeScript
 * program through our frontend image (`buildctl build --frontend gateway.v0
 * --opt source=<image>@<digest>`) and as a Dockerfile through buildkit's
 * built-in `dockerfile.v0`; and, for scale, the Dockerfile through buildkit's
 * own Dockerfile frontend as an image (built here from the v0.32.2 module,
 * `frontend/dockerfile/cmd/dockerfile-frontend`, into scratch with the labels
 * of its Dockerfile: what `# syntax=docker/dockerfile:1.26` runs), the least
 * any external frontend pays (container start, the gateway over stdio).
 *
 * Two sizes of the same build: `small` (stage 1 writes 3,000 lines: about
 * 0.3 s, so nearly all of it is fixed cost) and `typical` (60,000 lines, the
 * work of bench:builders: about 0.5 s natively, 2 s emulated for arm64). Each
 * prints its medians and the fixed costs over dockerfile.v0; the last line,
 * `frontend ts/dockerfile.v0 ratio: X`, is the typical build's. Also printed:
 * the frontend's cold start and peak RSS (measured inside it,
 * src/frontend/stats.ts, read from buildctl's `--metadata-file`), where its
 * time goes (its LLBBridge calls and phases), and the frontend image's
 * compressed size per platform.
 *
 * Both builds: stage 1 on the busybox shell image of the test registry
 * (test/e2e/lib/shell-image.ts) runs a shell loop writing /out (with
 * TARGETARCH in its env; emulated for arm64), stage 2 is the shell image with
 * /out copied from stage 1 and the base image's config. Every run is
 * `--no-cache` (buildctl's flag: the `no-cache` opt, honoured by every
 * frontend) and has no exporter, so all solve the same ops from scratch.
 * The frontend images are named by digest. Tool order rotates; iteration 0
 * of each size is a warm-up (image pulls). The RUN carries a tag
 * (`tsfbench-frontend-<hex>`), and at the end `buildctl prune --filter
 * description~=TAG` removes this run's records and nothing else.
 *
 *   node dist/bench/frontend.js [iterations=5]   (at least 3 iterations)
 *
 * Needs the env of scripts/env/start.sh (BUILDKIT_HOST, TSF_REGISTRY, ...) and
 * Go (the reference image); without BUILDKIT_HOST it starts one with
 * scripts/env/start.sh and stops it.
 */

import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { ensureFrontendImage, FRONTEND_PLATFORMS } from "../test/e2e/lib/frontend-image.js";
import { ensureShellImage } from "../test/e2e/lib/shell-image.js";
import { METADATA_COLDSTART_MS, METADATA_MAXRSS_BYTES, METADATA_TIMELINE_MS, type TimedCall } from "../src/frontend/stats.js";
import { buildctl, daemon, median, repo, run, runOk, tsCli } from "./lib.js";

const args = process.argv.slice(2);
const iterations = Math.max(3, Number(args.find((a) => !a.startsWith("--")) ?? 5));

/** Stage 1's work (busybox sh): `lines` small writes and a checksum. `tag` names this run's records. */
const work = (tag: string, lines: number) =>
  `echo ${tag} >/dev/null; mkdir -p /out; i=0; while [ $i -lt ${lines} ]; do echo "$i $TARGETARCH" >>/out/data; i=$((i+1)); done; sha256sum /out/data >/out/sum`;

/** The two sizes of the build: fixed costs only, and a build with work in it (as bench:builders). */
const SIZES = [
  { name: "small", lines: 3_000 },
  { name: "typical", lines: 60_000 },
] as const;

const program = (tag: string, lines: number) => `import { copy, image } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";

export default (ctx: BuildContext) => {
  const base = ctx.buildArgs["BASE"];
  if (!base) throw new Error("build arg BASE missing");
  return ctx.perPlatform((target, args) => {
    const builder = image(base, { platform: target })
      .addEnv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
      .addEnv("TARGETARCH", args.TARGETARCH)
      .run({ args: ["/bin/sh", "-c", ${JSON.stringify(work(tag, lines))}] })
      .root();
    return { state: image(base, { platform: target }).file(copy(builder, "/out", "/out")), base };
  });
};
`;

const dockerfile = (tag: string, lines: number) => `ARG BASE
FROM $BASE AS builder
ARG TARGETARCH
RUN ${work(tag, lines)}

FROM $BASE
COPY --from=builder /out /out
`;

type Tool = "ts" | "dockerfile.v0" | "dockerfile image";
const TOOLS: Tool[] = ["ts", "dockerfile.v0", "dockerfile image"];

/**
 * buildkit's own Dockerfile frontend as an image, pushed to the test registry: the Go binary
 * (`go build` of frontend/dockerfile/cmd/dockerfile-frontend in test/dockerfile/go's module, on
 * buildkit v0.32.2) in scratch with its Dockerfile's entrypoint and labels, for linux/amd64 (the
 * frontend runs on the build platform). Returns `repo@digest`.
 */
async function buildkitFrontendImage(dir: string): Promise<string> {
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin, { recursive: true });
  await runOk("go", ["build", "-trimpath", "-ldflags", "-s -w", "-o", path.join(bin, "dockerfile-frontend"), "github.com/moby/buildkit/frontend/dockerfile/cmd/dockerfile-frontend"], {
    cwd: path.join(repo, "test", "dockerfile", "go"),
    env: { ...process.env, CGO_ENABLED: "0" },
  });
  const file = path.join(dir, "image.ts");
  fs.writeFileSync(
    file,
    `import { copy, local, scratch } from "tsfrontend/llb";
export default () => ({
  state: scratch().file(copy(local("bin"), "/dockerfile-frontend", "/bin/dockerfile-frontend", { createDestPath: true })),
  config: {
    Entrypoint: ["/bin/dockerfile-frontend"],
    Labels: {
      "moby.buildkit.frontend.network.none": "true",
      "moby.buildkit.frontend.caps": "moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts",
    },
  },
});
`,
  );
  const name = `${process.env["TSF_REGISTRY"]}/tsfrontend-bench/dockerfile-frontend`;
  const md = path.join(dir, "image-metadata.json");
  await runOk(process.execPath, [tsCli, "build", "-f", file, "--platform", "linux/amd64", "--local", `bin=${bin}`, "--progress", "quiet", "--metadata-file", md,
    "-o", `type=image,name=${name}:v0.32.2,push=true,registry.insecure=true`]);
  const digest = (JSON.parse(fs.readFileSync(md, "utf8")) as Record<string, string>)["containerimage.digest"];
  if (!digest) throw new Error("the reference frontend image was pushed without a digest in the metadata");
  return `${name}@${digest}`;
}

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
    const reference = await buildkitFrontendImage(path.join(dir, "reference"));
    console.log(`base image: ${shell.ref}@${shell.digest}`);
    console.log(`frontend image: ${source}`);
    console.log(`buildkit's Dockerfile frontend image (v0.32.2, built here): ${reference}`);
    for (const p of FRONTEND_PLATFORMS) {
      const bytes = fe.sizes[p];
      console.log(`frontend image ${p}: ${bytes === undefined ? "size unknown" : `${(bytes / 1e6).toFixed(1)} MB compressed (${bytes} bytes)`}`);
    }

    const coldStart: number[] = [];
    const rss: number[] = [];
    const timelines: TimedCall[][] = [];
    const ratios: Record<string, number> = {};
    for (const size of SIZES) {
      const sdir = path.join(dir, size.name);
      fs.mkdirSync(sdir);
      fs.writeFileSync(path.join(sdir, "build.ts"), program(tag, size.lines));
      fs.writeFileSync(path.join(sdir, "Dockerfile"), dockerfile(tag, size.lines));
      const md = path.join(sdir, "metadata.json");
      const common = ["--addr", addr, "build", "--no-cache", "--progress", "plain", "--local", `context=${sdir}`, "--local", `dockerfile=${sdir}`,
        "--opt", `platform=${FRONTEND_PLATFORMS.join(",")}`, "--opt", `build-arg:BASE=${shell.ref}@${shell.digest}`, "--metadata-file", md];
      const build = (tool: Tool) =>
        tool === "ts"
          ? runOk(buildctl, [...common, "--frontend", "gateway.v0", "--opt", `source=${source}`, "--opt", "filename=build.ts"])
          : tool === "dockerfile image"
            ? runOk(buildctl, [...common, "--frontend", "gateway.v0", "--opt", `source=${reference}`, "--opt", "filename=Dockerfile"])
            : runOk(buildctl, [...common, "--frontend", "dockerfile.v0", "--opt", "filename=Dockerfile"]);

      const times: Record<Tool, number[]> = { ts: [], "dockerfile.v0": [], "dockerfile image": [] };
      for (let i = 0; i <= iterations; i++) {
        const order = TOOLS.map((_, k) => TOOLS[(k + i) % TOOLS.length]!);
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
            extra = ` (cold start ${cs.toFixed(0)} ms)`;
          }
          if (i > 0) times[tool].push(r.ms / 1000);
          line.push(`${tool} ${(r.ms / 1000).toFixed(2)} s${extra}`);
        }
        console.log(`${size.name} ${i === 0 ? "warm-up" : `iteration ${i}/${iterations}`}: ${line.join("; ")}`);
      }
      const m = (t: Tool) => median(times[t]);
      for (const tool of TOOLS) {
        console.log(`${size.name} ${tool.padEnd(16)} median ${m(tool).toFixed(2)} s [${times[tool].map((t) => t.toFixed(2)).join(", ")}; median of ${iterations}, 1 warm-up]`);
      }
      console.log(
        `${size.name} (${size.lines} lines): fixed cost over dockerfile.v0: ts ${(m("ts") - m("dockerfile.v0")).toFixed(2)} s, buildkit's dockerfile image ${(m("dockerfile image") - m("dockerfile.v0")).toFixed(2)} s; ` +
          `ratios to dockerfile.v0: ts ${(m("ts") / m("dockerfile.v0")).toFixed(2)}, dockerfile image ${(m("dockerfile image") / m("dockerfile.v0")).toFixed(2)}`,
      );
      // The same, paired within each round (its tools run back to back): less moved by the machine's load drifting between rounds.
      const paired = median(times["ts"].map((t, k) => t / times["dockerfile.v0"][k]!));
      console.log(`${size.name}: median of the rounds' ts/dockerfile.v0 ratios ${paired.toFixed(2)}`);
      ratios[size.name] = m("ts") / m("dockerfile.v0");
    }
    await run(buildctl, ["--addr", addr, "prune", "--filter", `description~=${tag}`]);

    console.log(`frontend cold start (process start to first LLBBridge call): median ${median(coldStart).toFixed(0)} ms [${coldStart.map((c) => c.toFixed(0)).join(", ")}]`);
    if (timelines.length > 0) {
      // Where the frontend's time goes: the median start and end of each LLBBridge call and phase (~name), in the order made.
      const n = Math.min(...timelines.map((t) => t.length));
      const steps = Array.from({ length: n }, (_, k) => {
        const name = timelines[0]![k]![0];
        return `${name} ${median(timelines.map((t) => t[k]![1])).toFixed(0)}-${median(timelines.map((t) => t[k]![2])).toFixed(0)}`;
      });
      console.log(`frontend calls and phases (ms since process start, medians): ${steps.join(", ")}`);
    }
    console.log(`frontend peak RSS: median ${(median(rss) / 1e6).toFixed(1)} MB, max ${(Math.max(...rss) / 1e6).toFixed(1)} MB`);
    console.log(`frontend ts/dockerfile.v0 ratio: ${ratios["typical"]!.toFixed(2)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await e.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench:frontend: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
