/**
 * One example through every client (issue 9, "Real clients in the tests"):
 * examples/minimal-base.ts built for linux/amd64,linux/arm64 on the shared
 * daemon by `tsfrontend build -f` (the program runs client-side), buildctl
 * `--frontend gateway.v0 --opt source=<frontend image>`, buildctl
 * `--frontend dockerfile.v0` forwarding to the image through
 * `build-arg:BUILDKIT_SYNTAX`, and buildx (remote-driver builder, private
 * BUILDX_CONFIG, `--provenance=false`), each to an OCI tarball; the four
 * tarballs must hold the same platforms, configs, file trees and layer
 * digests. Then a program with a bad platform fails with its file:line in
 * buildctl's and buildx's output.
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildctlPath } from "../lib/buildctl.js";
import { ok, repoRoot, requireEnv, run, runCli, tempDir, type E2eEnv, type RunResult } from "./lib/env.js";
import { createRemoteBuilder, type RemoteBuilder } from "./lib/buildx-builder.js";
import { ensureMinirootfs } from "./lib/example-inputs.js";
import { ensureFrontendImage, FRONTEND_PLATFORMS, type FrontendImage } from "./lib/frontend-image.js";
import { layerEntries, platformOf, readOciTar, sha256, type OciLayout } from "./lib/oci.js";

let env: E2eEnv;
let image: FrontendImage;
let work: ReturnType<typeof tempDir>;
let rootfs: string;
let remoteBuilder: RemoteBuilder;
const builder = `tsf-clients-${process.pid}`;
const PLATFORMS = FRONTEND_PLATFORMS.join(",");
const EXAMPLES = join(repoRoot, "examples");
const FILE = "minimal-base.ts";

function buildctl(args: readonly string[]): Promise<RunResult> {
  return run(buildctlPath(), ["--addr", env.buildkitHost, "build", "--progress", "plain", ...args], { timeout: 10 * 60_000 });
}

before(async () => {
  env = requireEnv();
  work = tempDir("clients");
  [image, rootfs] = await Promise.all([ensureFrontendImage(), ensureMinirootfs(env)]);
  remoteBuilder = await createRemoteBuilder(env, work.dir, builder);
});

after(async () => {
  await remoteBuilder?.remove();
  work?.remove();
});

/** Per platform: the manifest's layer digests, the config (as JSON text) and the file tree (path, type, mode, link, content digest). */
interface Summary {
  platforms: string[];
  layers: Record<string, string[]>;
  configs: Record<string, Record<string, unknown>>;
  trees: Record<string, string[]>;
}

function summarize(layout: OciLayout): Summary {
  const s: Summary = { platforms: [], layers: {}, configs: {}, trees: {} };
  for (const img of layout.images) {
    const p = platformOf(img.descriptor.platform);
    s.platforms.push(p);
    s.layers[p] = img.manifest.layers.map((l) => l.digest);
    s.configs[p] = JSON.parse(layout.blob(img.manifest.config.digest).toString("utf8")) as Record<string, unknown>;
    s.trees[p] = img.manifest.layers
      .flatMap((l) => layerEntries(layout, l))
      .map((e) => `${e.name} ${e.type} ${e.mode.toString(8)} ${e.linkname} ${e.type === "0" ? sha256(e.data) : ""}`)
      .sort();
  }
  s.platforms.sort();
  return s;
}

/** The config without the time fields (`created`, and `created` in each history entry). */
function timeless(config: Record<string, unknown>): Record<string, unknown> {
  const { created: _c, history, ...rest } = config;
  return {
    ...rest,
    ...(Array.isArray(history) ? { history: history.map((h) => { const { created: _hc, ...hr } = h as Record<string, unknown>; return hr; }) } : {}),
  };
}

/**
 * Builds examples/minimal-base.ts through the four clients (with `extra`, e.g. `--no-cache`, given to each) and checks
 * the tarballs against the client-side build's; returns the timings and the config differences found.
 */
async function allClients(tag: string, extra: readonly string[]): Promise<{ timings: string; diffs: string[] }> {
  const summaries = new Map<string, Summary>();
  const timings = new Map<string, number>();
  const out = (n: string) => join(work.dir, `${tag}-${n}.tar`);
  const timed = async (client: string, tar: string, f: () => Promise<RunResult>): Promise<void> => {
    const start = Date.now();
    ok(await f(), client);
    timings.set(client, (Date.now() - start) / 1000);
    summaries.set(client, summarize(readOciTar(tar)));
  };
  // (a) client-side: the program runs in this process, with the same locals.
  await timed("tsfrontend build -f", out("local"), () =>
    runCli(["build", "--addr", env.buildkitHost, "-f", join(EXAMPLES, FILE), "--platform", PLATFORMS, "--local", `context=${rootfs}`, ...extra,
      "--progress", "plain", "-o", `type=oci,dest=${out("local")}`], { cwd: repoRoot, timeout: 10 * 60_000 }));
  // (b) the frontend image as a gateway frontend.
  await timed("buildctl gateway.v0", out("gateway"), () =>
    buildctl(["--frontend", "gateway.v0", "--opt", `source=${image.ref}`, "--opt", `filename=${FILE}`, "--opt", `platform=${PLATFORMS}`, ...extra,
      "--local", `dockerfile=${EXAMPLES}`, "--local", `context=${rootfs}`, "--output", `type=oci,dest=${out("gateway")}`]));
  // (c) dockerfile.v0 forwarding to the image (the file is the program; BUILDKIT_SYNTAX overrides its syntax line).
  await timed("buildctl dockerfile.v0", out("dockerfile"), () =>
    buildctl(["--frontend", "dockerfile.v0", "--opt", `build-arg:BUILDKIT_SYNTAX=${image.ref}`, "--opt", `filename=${FILE}`, "--opt", `platform=${PLATFORMS}`,
      ...extra, "--local", `dockerfile=${EXAMPLES}`, "--local", `context=${rootfs}`, "--output", `type=oci,dest=${out("dockerfile")}`]));
  // (d) buildx, remote driver on the same daemon.
  await timed("buildx", out("buildx"), () =>
    remoteBuilder.run(["build", "--builder", builder, "--progress", "plain", "--platform", PLATFORMS, "--provenance=false", ...extra,
      "--build-arg", `BUILDKIT_SYNTAX=${image.ref}`, "-f", join(EXAMPLES, FILE), "--output", `type=oci,dest=${out("buildx")}`, rootfs]));

  const reference = summaries.get("tsfrontend build -f")!;
  assert.deepEqual(reference.platforms, [...FRONTEND_PLATFORMS]);
  for (const p of FRONTEND_PLATFORMS) {
    assert.ok(reference.trees[p]!.some((l) => l.startsWith("bin/busybox 0 ")), `${p}: the unpacked minirootfs holds bin/busybox`);
  }
  const diffs: string[] = [];
  for (const [client, s] of summaries) {
    if (client === "tsfrontend build -f") continue;
    assert.deepEqual(s.platforms, reference.platforms, `${client}: platforms`);
    for (const p of reference.platforms) {
      assert.deepEqual(s.trees[p], reference.trees[p], `${client} ${p}: file tree`);
      assert.deepEqual(s.layers[p], reference.layers[p], `${client} ${p}: layer digests`);
      // `created` (top level and per history entry) is the time the layer's cache record was made: equal when the
      // later builds reuse the first one's result, different under --no-cache. Everything else must be equal.
      assert.deepEqual(timeless(s.configs[p]!), timeless(reference.configs[p]!), `${client} ${p}: config (times aside)`);
      if (JSON.stringify(s.configs[p]) !== JSON.stringify(reference.configs[p])) diffs.push(`${client} ${p}: config differs in created times only`);
    }
  }
  return { timings: [...timings].map(([c, s]) => `${c} ${s.toFixed(1)} s`).join(", "), diffs };
}

test("one example through all clients: tsfrontend build, buildctl gateway.v0, buildctl dockerfile.v0, buildx", async (t) => {
  const { timings, diffs } = await allClients("cached", []);
  t.diagnostic(`timings: ${timings}`);
  t.diagnostic(diffs.length === 0 ? "all four configs byte-identical" : diffs.join("\n"));
});

test("the same with --no-cache: same layer digests and trees, configs differ in created times at most", async (t) => {
  const { timings, diffs } = await allClients("nocache", ["--no-cache"]);
  t.diagnostic(`timings: ${timings}`);
  t.diagnostic(diffs.length === 0 ? "all four configs byte-identical" : diffs.join("\n"));
});

const BAD_PLATFORM = `import { scratch, mkfile, parsePlatform } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";

export default (ctx: BuildContext) => {
  const extra = parsePlatform("linux/nonsense");
  return ctx.perPlatform(() => ({ platform: extra, state: scratch().file(mkfile("/x", 0o644, "x")) }));
};
`;

/** A dir holding build.ts = `// syntax=<image>` + the bad-platform program: line 6 is the parsePlatform call. */
function badDir(): string {
  const dir = join(work.dir, `bad-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "build.ts"), `// syntax=${image.ref}\n${BAD_PLATFORM}`);
  return dir;
}

test("a program with a bad platform fails with its file:line in buildctl's output", async (t) => {
  const dir = badDir();
  const r = await buildctl(["--frontend", "gateway.v0", "--opt", `source=${image.ref}`, "--opt", "filename=build.ts", "--opt", `platform=${PLATFORMS}`,
    "--local", `dockerfile=${dir}`, "--local", `context=${dir}`]);
  assert.notEqual(r.status, 0, r.stderr);
  assert.match(r.stderr, /nonsense/);
  assert.match(r.stderr, /build\.ts:6/, `the program's file:line reaches buildctl:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /no result for incomplete build|closed unexpectedly/, "the frontend returned an error instead of crashing");
  t.diagnostic(`buildctl output, last lines:\n${r.stderr.trimEnd().split("\n").slice(-10).join("\n")}`);
});

test("a program with a bad platform fails with its file:line in buildx's output", async (t) => {
  const dir = badDir();
  const r = await remoteBuilder.run(["build", "--builder", builder, "--progress", "plain", "--platform", PLATFORMS, "-f", join(dir, "build.ts"), dir]);
  assert.notEqual(r.status, 0, r.stderr);
  assert.match(r.stderr, /nonsense/);
  assert.match(r.stderr, /^build\.ts:6$/m, `the program's file:line reaches buildx:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /no result for incomplete build|closed unexpectedly/, "the frontend returned an error instead of crashing");
  t.diagnostic(`buildx output, last lines:\n${r.stderr.trimEnd().split("\n").slice(-10).join("\n")}`);
});

test("a program returning a platform it was not asked for fails naming its file and both platform lists in buildctl's output", async () => {
  // The mistake is in the returned value, found after the program returned (src/program/context.ts
  // normalizeBuildResult): the error names the file but has no line to point at.
  const dir = join(work.dir, "unasked");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "build.ts"), `import { scratch, mkfile } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";

export default (ctx: BuildContext) =>
  ctx.perPlatform(() => ({ platform: { os: "linux", architecture: "riscv64" }, state: scratch().file(mkfile("/x", 0o644, "x")) }));
`);
  const r = await buildctl(["--frontend", "gateway.v0", "--opt", `source=${image.ref}`, "--opt", "filename=build.ts", "--opt", `platform=${PLATFORMS}`,
    "--local", `dockerfile=${dir}`, "--local", `context=${dir}`]);
  assert.notEqual(r.status, 0, r.stderr);
  assert.match(r.stderr, /build\.ts: the program returned platform linux\/riscv64, which was not asked for \(linux\/amd64, linux\/arm64\)/, r.stderr);
  assert.doesNotMatch(r.stderr, /no result for incomplete build|closed unexpectedly/, "the frontend returned an error instead of crashing");
});
