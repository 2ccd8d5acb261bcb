/**
 * docker buildx v0.38.2 (standalone binary, scripts/env/install.sh) building
 * programs through the frontend image (lib/frontend-image.ts) on the shared
 * daemon: a remote-driver builder in a private BUILDX_CONFIG, the program's
 * `# syntax=<image ref>` line written by the test (the registry port is
 * random), two platforms to an OCI tarball with and without buildx's default
 * provenance attestations, a push to the test registry (credentials from the
 * env's DOCKER_CONFIG, plain http from buildkitd's own registry config),
 * `--call targets|outline` answered from what the program declares, a
 * program that throws failing with its file:line in buildx's output, and the
 * seed example examples/minimal-base.ts as it is (its `// syntax=` line
 * overridden by the BUILDKIT_SYNTAX build arg) to an OCI tarball and pushed.
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ok, repoRoot, requireEnv, skopeo, skopeoCreds, tempDir, type E2eEnv, type RunResult } from "./lib/env.js";
import { createRemoteBuilder, type RemoteBuilder } from "./lib/buildx-builder.js";
import { ensureFrontendImage, FRONTEND_PLATFORMS, type FrontendImage } from "./lib/frontend-image.js";
import { EXAMPLE_ARCHES, ensureMinirootfs } from "./lib/example-inputs.js";
import { layerEntries, platformOf, readOciTar } from "./lib/oci.js";

let env: E2eEnv;
let image: FrontendImage;
let work: ReturnType<typeof tempDir>;
let remoteBuilder: RemoteBuilder;
const builder = `tsf-${process.pid}`;

before(async () => {
  env = requireEnv();
  work = tempDir("buildx");
  image = await ensureFrontendImage();
  remoteBuilder = await createRemoteBuilder(env, work.dir, builder);
});

after(async () => {
  await remoteBuilder?.remove();
  work?.remove();
});

const BODY = `import { scratch, mkfile } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";

export const targets = { app: { description: "the app", default: true }, debug: "with debug files" };
export const args = { GREETING: { description: "what to say", default: "hello" } };

export default (ctx: BuildContext) =>
  ctx.perPlatform((p, args) => ({
    state: scratch().file(mkfile("/arch", 0o644, \`\${args.TARGETARCH} \${ctx.buildArgs["GREETING"] ?? "hello"}\\n\`)),
    config: { Labels: { "org.example.client": "buildx" } },
  }));
`;

/** A build dir holding `name` = the syntax line for the frontend image + `body`; returns the dir. */
function programDir(name: string, directive: "#" | "//", body: string): string {
  const dir = join(work.dir, `prog-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), `${directive} syntax=${image.ref}\n${body}`);
  return dir;
}

/** `buildx build` of the program in a fresh dir for both platforms with the extra args. */
async function buildProgram(extra: readonly string[], what: string): Promise<RunResult> {
  const dir = programDir("Dockerfile", "#", BODY);
  const r = await remoteBuilder.run(["build", "--builder", builder, "--progress", "plain", "--platform", FRONTEND_PLATFORMS.join(","), ...extra, dir]);
  ok(r, what);
  return r;
}

const ATTESTATION = "vnd.docker.reference.type";

test("--output type=oci --provenance=false: the index holds exactly the two platform manifests", async () => {
  const tar = join(work.dir, "noprov.tar");
  await buildProgram(["--provenance=false", "--build-arg", "GREETING=hi", "--output", `type=oci,dest=${tar}`], "buildx build --provenance=false -o type=oci");
  const layout = readOciTar(tar);
  assert.deepEqual(layout.index.manifests.map((m) => platformOf(m.platform)).sort(), [...FRONTEND_PLATFORMS]);
  assert.ok(layout.index.manifests.every((m) => m.annotations?.[ATTESTATION] === undefined), "no attestation manifests");
  for (const img of layout.images) {
    const p = platformOf(img.descriptor.platform);
    assert.equal(`${img.config.os}/${img.config.architecture}`, p);
    assert.equal(img.config.config.Labels?.["org.example.client"], "buildx", `${p}: the program's label`);
    const files = img.manifest.layers.flatMap((l) => layerEntries(layout, l)).filter((e) => e.type === "0");
    assert.deepEqual(files.map((e) => [e.name, e.data.toString("utf8")]), [["arch", `${img.config.architecture} hi\n`]], `${p}: the program's file with the build arg`);
  }
});

test("--output type=oci with buildx's default provenance: an attestation manifest (unknown/unknown) per platform", async () => {
  const tar = join(work.dir, "prov.tar");
  await buildProgram(["--output", `type=oci,dest=${tar}`], "buildx build -o type=oci");
  const layout = readOciTar(tar);
  const images = layout.index.manifests.filter((m) => m.platform?.os !== "unknown");
  const attestations = layout.index.manifests.filter((m) => m.platform?.os === "unknown");
  assert.deepEqual(images.map((m) => platformOf(m.platform)).sort(), [...FRONTEND_PLATFORMS]);
  assert.equal(attestations.length, FRONTEND_PLATFORMS.length, `attestations: ${JSON.stringify(layout.index.manifests)}`);
  for (const a of attestations) {
    assert.equal(platformOf(a.platform), "unknown/unknown");
    assert.equal(a.annotations?.[ATTESTATION], "attestation-manifest");
    const subject = images.find((m) => m.digest === a.annotations?.["vnd.docker.reference.digest"]);
    assert.ok(subject, `attestation ${a.digest} refers to a platform manifest`);
    const manifest = JSON.parse(layout.blob(a.digest).toString("utf8")) as { layers: { mediaType: string; annotations?: Record<string, string> }[] };
    assert.ok(
      manifest.layers.some((l) => l.annotations?.["in-toto.io/predicate-type"]?.startsWith("https://slsa.dev/provenance/")),
      `${platformOf(subject.platform)}: a SLSA provenance layer: ${JSON.stringify(manifest.layers)}`,
    );
  }
});

test("--push to the test registry: the pushed index holds both platforms", async () => {
  const ref = `${env.registry}/tsfrontend-test/buildx-${process.pid}:latest`;
  await buildProgram(["--tag", ref, "--push"], "buildx build --push");
  const index = JSON.parse(await skopeo(env, ["inspect", "--raw", "--tls-verify=false", ...skopeoCreds(env), `docker://${ref}`])) as {
    manifests: { platform?: { os: string; architecture: string; variant?: string }; annotations?: Record<string, string> }[];
  };
  const platforms = index.manifests.filter((m) => m.annotations?.[ATTESTATION] !== "attestation-manifest").map((m) => platformOf(m.platform));
  assert.deepEqual(platforms.sort(), [...FRONTEND_PLATFORMS]);
});

test("--call targets lists the declared targets; --call outline the declared build args", async (t) => {
  const targets = await buildProgram(["--call", "targets"], "buildx build --call targets");
  assert.match(targets.stdout, /^TARGET\s+DESCRIPTION$/m, targets.stdout);
  assert.match(targets.stdout, /^app \(default\)\s+the app$/m, targets.stdout);
  assert.match(targets.stdout, /^debug\s+with debug files$/m, targets.stdout);
  const outline = await buildProgram(["--call", "outline"], "buildx build --call outline");
  assert.match(outline.stdout, /^BUILD ARG\s+VALUE\s+DESCRIPTION$/m, outline.stdout);
  assert.match(outline.stdout, /^GREETING\s+hello\s+what to say$/m, outline.stdout);
  t.diagnostic(`--call targets:\n${targets.stdout}--call outline:\n${outline.stdout}`);
});

test("--call check runs the program for both platforms without building: clean, then an undeclared build arg (a warning at its line), then a throw (the error at its line)", async (t) => {
  const clean = await buildProgram(["--call", "check"], "buildx build --call check");
  assert.match(clean.stdout + clean.stderr, /Check complete, no warnings found/);
  const warned = programDir("build.ts", "//", BODY.replace(`ctx.buildArgs["GREETING"] ?? "hello"`, `ctx.buildArgs["GRETING"] ?? "hello"`));
  const w = await remoteBuilder.run(["build", "--builder", builder, "--progress", "plain", "--platform", FRONTEND_PLATFORMS.join(","), "--call", "check", "-f", join(warned, "build.ts"), warned]);
  assert.equal(w.status, 1, w.stderr);
  assert.match(w.stdout + w.stderr, /WARNING: UndeclaredBuildArg\nBuild arg 'GRETING' is read but not declared in args, and no value was given\n\S*build\.ts:10$/m);
  const thrown = programDir("build.ts", "//", BODY.replace("ctx.perPlatform((p, args) => ({", `ctx.perPlatform((p, args) => {
    if (args.TARGETARCH === "arm64") throw new Error("not on arm64");
    return {`).replace("  }));\n", "  }; });\n"));
  const e = await remoteBuilder.run(["build", "--builder", builder, "--progress", "plain", "--platform", FRONTEND_PLATFORMS.join(","), "--call", "check", "-f", join(thrown, "build.ts"), thrown]);
  assert.equal(e.status, 1, e.stderr);
  assert.match(e.stdout + e.stderr, /the program threw: not on arm64\n\S*build\.ts:10\n/);
  t.diagnostic(`--call check with a throw:\n${(e.stdout + e.stderr).trimEnd().split("\n").slice(-9).join("\n")}`);
});

test("a program that throws fails in buildx's output with its file and line", async (t) => {
  const body = `import type { BuildContext } from "tsfrontend/program";

export default (ctx: BuildContext) => {
  if (!ctx.buildArgs["GREETING"]) throw new Error("no greeting here");
  return ctx.perPlatform(() => { throw new Error("unreachable"); });
};
`;
  const dir = programDir("build.ts", "//", body);
  const r = await remoteBuilder.run(["build", "--builder", builder, "--progress", "plain", "--platform", FRONTEND_PLATFORMS.join(","), "-f", join(dir, "build.ts"), dir]);
  assert.notEqual(r.status, 0, r.stderr);
  assert.match(r.stderr, /no greeting here/);
  assert.match(r.stderr, /^build\.ts:5$/m, `the program's file:line reaches buildx:\n${r.stderr}`);
  assert.match(r.stderr, /^ +5 \| >>> +if \(!ctx\.buildArgs\["GREETING"\]\) throw new Error\("no greeting here"\);$/m, "buildx shows the line");
  assert.doesNotMatch(r.stderr, /no result for incomplete build|closed unexpectedly/, "the frontend returned an error instead of crashing");
  t.diagnostic(`buildx output, last lines:\n${r.stderr.trimEnd().split("\n").slice(-14).join("\n")}`);
});

test("a program with a syntax error fails in buildx's output with its file and line", async (t) => {
  const body = `import type { BuildContext } from "tsfrontend/program";

export default (ctx: BuildContext) => {
  const n: = 1;
  return ctx.perPlatform(() => ({ state: ctx.context }));
};
`;
  const dir = programDir("build.ts", "//", body);
  const r = await remoteBuilder.run(["build", "--builder", builder, "--progress", "plain", "--platform", FRONTEND_PLATFORMS.join(","), "-f", join(dir, "build.ts"), dir]);
  assert.notEqual(r.status, 0, r.stderr);
  assert.match(r.stderr, /^build\.ts:5$/m, `the program's file:line reaches buildx:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /no result for incomplete build|closed unexpectedly/, "the frontend returned an error instead of crashing");
  t.diagnostic(`buildx output, last lines:\n${r.stderr.trimEnd().split("\n").slice(-14).join("\n")}`);
});

/** ELF e_machine of each example arch (x86-64, AArch64). */
const ELF_MACHINE: Record<string, number> = { amd64: 0x3e, arm64: 0xb7 };

test("a seed example as it is in examples/ (minimal-base.ts, its // syntax= line overridden by BUILDKIT_SYNTAX): type=oci and --push for both platforms", async () => {
  const rootfs = await ensureMinirootfs(env);
  const common = ["build", "--builder", builder, "--progress", "plain", "--platform", FRONTEND_PLATFORMS.join(","), "-f", join(repoRoot, "examples", "minimal-base.ts"),
    "--build-arg", `BUILDKIT_SYNTAX=${image.ref}`];
  const tar = join(work.dir, "minimal-base.tar");
  ok(await remoteBuilder.run([...common, "--output", `type=oci,dest=${tar}`, rootfs]), "buildx build examples/minimal-base.ts -o type=oci");
  const layout = readOciTar(tar);
  assert.deepEqual(layout.images.map((i) => platformOf(i.descriptor.platform)).sort(), [...FRONTEND_PLATFORMS]);
  for (const img of layout.images) {
    const arch = img.config.architecture;
    assert.equal(img.config.config.Labels?.["org.opencontainers.image.title"], "minimal-base", `${arch}: the example's label`);
    const entries = img.manifest.layers.flatMap((l) => layerEntries(layout, l));
    const busybox = entries.find((e) => e.name.replace(/^\.?\//, "") === "bin/busybox");
    assert.ok(busybox, `${arch}: the tarball was unpacked: ${entries.slice(0, 8).map((e) => e.name).join(", ")}`);
    assert.equal(busybox.data.readUInt16LE(18), ELF_MACHINE[arch], `${arch}: busybox of the platform's architecture`);
  }
  assert.ok(EXAMPLE_ARCHES.every((a) => layout.images.some((i) => i.config.architecture === a.deb)));

  const ref = `${env.registry}/tsfrontend-test/buildx-example-${process.pid}:latest`;
  ok(await remoteBuilder.run([...common, "--tag", ref, "--push", rootfs]), "buildx build examples/minimal-base.ts --push");
  const index = JSON.parse(await skopeo(env, ["inspect", "--raw", "--tls-verify=false", ...skopeoCreds(env), `docker://${ref}`])) as {
    manifests: { platform?: { os: string; architecture: string; variant?: string }; annotations?: Record<string, string> }[];
  };
  const platforms = index.manifests.filter((m) => m.annotations?.[ATTESTATION] !== "attestation-manifest").map((m) => platformOf(m.platform));
  assert.deepEqual(platforms.sort(), [...FRONTEND_PLATFORMS]);
  assert.equal(index.manifests.filter((m) => m.annotations?.[ATTESTATION] === "attestation-manifest").length, FRONTEND_PLATFORMS.length, "buildx's provenance per platform");
});
