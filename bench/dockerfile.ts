/**
 * `npm run bench:dockerfile`: converts one generated 1,000-line, 40-stage
 * Dockerfile to LLB with ours (src/dockerfile's dockerfile2LLB) and with
 * buildkit v0.32.2's dockerfile2llb (test/dockerfile/go, timing in-process),
 * both with the stub image resolver of test/dockerfile (no network), and
 * prints both and `dockerfile ts/go ratio: X`. One iteration converts the
 * Dockerfile from its bytes, marshals the result and encodes the Definition
 * (the same three steps on both sides, and nothing else: the comparison's
 * normalising and digesting run once, untimed). Go and TypeScript alternate in rounds;
 * each side's time is the median of its round medians. The two Definitions
 * must be byte-identical first, or the ratio compares different work.
 *
 *   node dist/bench/dockerfile.js [--rounds R] [--iters K] [--write FILE]
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runGo } from "../test/dockerfile/golden.js";
import { StubResolver, stubTableFile } from "../test/dockerfile/stub-resolver.js";
import { baseConvertOpt, encodeState, loadDockerfileModule, marshalOptions } from "../test/dockerfile/ts-side.js";
import { dockerfileGoldenBinary } from "../test/lib/gobin.js";
import { median, prng, runOk } from "./lib.js";

const LINES = 1000;
const STAGES = 40;

/** The benchmark's Dockerfile: seeded, exactly {@link LINES} lines and {@link STAGES} stages, every stage reachable from the last. */
export function benchDockerfile(): string {
  const r = prng("bench:dockerfile");
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const lines: string[] = [
    "# syntax-free benchmark Dockerfile (bench/dockerfile.ts)",
    "ARG GO_VERSION=1.23",
    "ARG ALPINE_VERSION=3.20",
    "ARG BASE=busybox",
    "ARG APP_VERSION=1.0.0",
  ];
  // About 22 lines a stage (a step may run over by a few); the last stage fills up to LINES with COPY --from lines.
  const perStage = 22;
  for (let s = 0; s < STAGES - 1; s++) {
    const start = lines.length;
    const prev = s > 0 ? `s${Math.floor(r() * s)}` : "";
    const from = pick([
      `FROM --platform=$BUILDPLATFORM golang:\${GO_VERSION} AS s${s}`,
      `FROM alpine:\${ALPINE_VERSION} AS s${s}`,
      `FROM \${BASE} AS s${s}`,
      ...(prev ? [`FROM ${prev} AS s${s}`, `FROM --platform=linux/amd64 ${prev} AS s${s}`] : []),
    ]);
    lines.push(from, "ARG TARGETOS TARGETARCH", `ARG STAGE_ARG_${s}=value-${s}`, `ENV STAGE=s${s} APP_VERSION=\${APP_VERSION} PATH=/opt/s${s}/bin:$PATH`);
    lines.push(`LABEL org.example.stage="s${s}" org.example.version="\${APP_VERSION}"`, `WORKDIR /src/s${s}`);
    while (lines.length - start < perStage - 1) {
      const dep = s > 0 ? `s${Math.floor(r() * s)}` : "busybox";
      const k = r();
      if (k < 0.2) {
        lines.push(
          `RUN --mount=type=cache,target=/root/.cache/go-build,id=gobuild-${s} \\`,
          `    --mount=type=bind,from=${dep},source=/,target=/dep \\`,
          `    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/s${s} ./cmd/s${s}`,
        );
      } else if (k < 0.35) {
        lines.push(`COPY --from=${dep} /out/ /opt/${dep}/`);
      } else if (k < 0.45) {
        lines.push(`COPY --chown=1000:1000 --chmod=755 src/s${s}/ /app/s${s}/`);
      } else if (k < 0.55) {
        lines.push("RUN <<EOF", "set -e", `echo building s${s} for $TARGETARCH`, `mkdir -p /out/s${s} && touch /out/s${s}/done`, "EOF");
      } else if (k < 0.65) {
        lines.push(`RUN --mount=type=secret,id=token,env=TOKEN --mount=type=ssh echo "\${STAGE_ARG_${s}:-none}" > /out/arg-${s}`);
      } else if (k < 0.72) {
        lines.push(`ENV VAR_${s}_${lines.length}="\${STAGE}-\${TARGETARCH:-unknown}"`);
      } else if (k < 0.8) {
        lines.push(`COPY --link --parents ./pkg/./s${s}/*.go /go/src/`);
      } else if (k < 0.86) {
        lines.push(`ADD --chmod=644 https://example.com/files/s${s}-${lines.length}.txt /downloads/`);
      } else if (k < 0.92) {
        lines.push(`RUN --network=none --mount=type=tmpfs,target=/tmp ls -la /src/s${s} > /out/ls-${lines.length}`);
      } else {
        lines.push(`USER 1000:1000`, `WORKDIR /home/s${s}`);
      }
    }
    lines.push(`EXPOSE ${8000 + s}/tcp`);
  }
  lines.push("FROM scratch AS final", `LABEL org.opencontainers.image.version="\${APP_VERSION}"`);
  for (let s = 0; lines.length < LINES - 3; s = (s + 1) % (STAGES - 1)) lines.push(`COPY --from=s${s} /out/ /s${s}/`);
  lines.push(`ENTRYPOINT ["/s0/s0"]`, `CMD ["--help"]`, `HEALTHCHECK --interval=30s --timeout=3s CMD ["/s0/s0", "health"]`);
  if (lines.length !== LINES) throw new Error(`benchmark Dockerfile has ${lines.length} lines, not ${LINES}`);
  return lines.join("\n") + "\n";
}

interface Timing {
  medianNs: number;
  minNs: number;
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const rounds = Number(argValue("--rounds") ?? 5);
  const iters = Number(argValue("--iters") ?? 15);
  const warmup = 5;
  const text = benchDockerfile();
  const dir = mkdtempSync(join(tmpdir(), "tsfrontend-bench-dockerfile-"));
  try {
    const file = argValue("--write") ?? join(dir, "Dockerfile");
    writeFileSync(file, text);
    const dt = new TextEncoder().encode(text);
    const stages = text.split("\n").filter((l) => /^FROM /.test(l)).length;
    console.log(`Dockerfile: ${text.split("\n").length - 1} lines, ${stages} stages, ${dt.length} bytes`);

    const mod = await loadDockerfileModule();
    if (!mod.dockerfile2LLB) throw new Error("src/dockerfile has no dockerfile2LLB yet: nothing to measure on our side");
    const resolver = new StubResolver();
    const base = await baseConvertOpt(mod, dt, {}, resolver);
    const convert = () =>
      mod.dockerfile2LLB!(dt, { ...base.opt, config: { ...base.opt.config, buildArgs: { ...(base.opt.config["buildArgs"] as Record<string, string>) } }, targetPlatform: base.targets[0] });
    // The timed iteration is what Go's `dfgolden bench` times: Dockerfile2LLB, Marshal, deterministic
    // encoding. The comparison below also renames progress groups and digests every op (encodeState),
    // which Go's timed loop does not, so that is done once, outside the timing.
    const convertOnce = async () => (await (await convert()).state.marshal(marshalOptions)).toBytes();

    // Same work on both sides: the Definitions must be equal.
    const goAnswer = runGo([{ name: "bench", mode: "convert", dockerfile: file, request: {} }]).get("convert bench");
    const goDef = (goAnswer?.["results"] as { definition: { definition: string; digests: string[] } }[] | undefined)?.[0]?.definition;
    if (!goDef) throw new Error(`Go did not convert the benchmark Dockerfile: ${JSON.stringify(goAnswer?.error ?? goAnswer)}`);
    const tsDef = await encodeState((await convert()).state);
    const same = goDef.definition === tsDef.definition;
    console.log(`definitions: go ${goDef.digests.length} ops, ts ${tsDef.digests.length} ops, ${same ? "byte-identical" : "DIFFERENT (npm run test:dockerfile-golden shows where; the ratio compares different work)"}`);

    const goRounds: Timing[] = [];
    const tsRounds: Timing[] = [];
    for (let round = 0; round < rounds; round++) {
      const out = await runOk(dockerfileGoldenBinary(), ["bench", "-f", file, "-stub", stubTableFile, "-iters", String(iters), "-warmup", String(warmup)]);
      goRounds.push(JSON.parse(out.out.trim().split("\n").pop()!) as Timing);
      const times: number[] = [];
      for (let i = 0; i < iters + (round === 0 ? warmup : 0); i++) {
        const t0 = process.hrtime.bigint();
        await convertOnce();
        const ns = Number(process.hrtime.bigint() - t0);
        if (round > 0 || i >= warmup) times.push(ns);
      }
      tsRounds.push({ medianNs: median(times), minNs: Math.min(...times) });
    }
    const goMs = median(goRounds.map((t) => t.medianNs)) / 1e6;
    const tsMs = median(tsRounds.map((t) => t.medianNs)) / 1e6;
    const how = `[${rounds} alternating rounds of ${iters}, median of round medians; ${warmup} warm-up]`;
    console.log(`go: ${goMs.toFixed(2)} ms per conversion (min ${(Math.min(...goRounds.map((t) => t.minNs)) / 1e6).toFixed(2)} ms) ${how}`);
    console.log(`ts: ${tsMs.toFixed(2)} ms per conversion (min ${(Math.min(...tsRounds.map((t) => t.minNs)) / 1e6).toFixed(2)} ms) ${how}`);
    const minRatio = Math.min(...tsRounds.map((t) => t.minNs)) / Math.min(...goRounds.map((t) => t.minNs));
    console.log(`fastest iterations ts/go: ${minRatio.toFixed(2)} (less sensitive to a loaded machine)`);
    console.log(`dockerfile ts/go ratio: ${(tsMs / goMs).toFixed(2)}`);
    if (!same) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if ((process.argv[1] ?? "").endsWith("dockerfile.js")) await main();
