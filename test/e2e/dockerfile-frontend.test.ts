/**
 * Existing Dockerfiles through the frontend image (lib/frontend-image.ts): a
 * multi-stage Dockerfile built for linux/amd64 and linux/arm64 through
 * buildctl (`--frontend dockerfile.v0 --opt build-arg:BUILDKIT_SYNTAX=<image>`,
 * so buildkitd forwards to our image) and through buildx (a remote-driver
 * builder, the `# syntax=<image>` line written by the test: the registry port
 * is random), `--call check|targets|outline` through buildx, and a failing
 * Dockerfile whose line reaches buildctl's output; the opt-in extensions
 * (`# tsfrontend=from-vars,program-stages`) through buildctl; and the same
 * Dockerfile with `tsfrontend build -f` (the converter client-side), and with
 * a `# syntax=` line naming the image, forwarded to it through gateway.v0.
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildctlPath, buildctlProblem } from "../lib/buildctl.js";
import { ok, requireEnv, run, runCli, tempDir, type E2eEnv } from "./lib/env.js";
import { createRemoteBuilder, type RemoteBuilder } from "./lib/buildx-builder.js";
import { ensureFrontendImage, FRONTEND_PLATFORMS, type FrontendImage } from "./lib/frontend-image.js";
import { layerEntries, platformOf, readOciTar, type OciLayout } from "./lib/oci.js";

let env: E2eEnv;
let image: FrontendImage;
let work: ReturnType<typeof tempDir>;
let remoteBuilder: RemoteBuilder;
const builder = `tsf-df-${process.pid}`;

before(async () => {
  env = requireEnv();
  work = tempDir("dockerfile-frontend");
  image = await ensureFrontendImage();
  remoteBuilder = await createRemoteBuilder(env, work.dir, builder);
});

after(async () => {
  await remoteBuilder?.remove();
  work?.remove();
});

/** An ordinary multi-stage Dockerfile: a stage on the build platform, ARG TARGETARCH, COPY --from, image config. */
const DOCKERFILE = `FROM --platform=$BUILDPLATFORM scratch AS src
COPY hello.txt /src/hello.txt

# app the image
FROM scratch AS app
ARG TARGETARCH
# GREETING what to say
ARG GREETING=hello
COPY --from=src /src/hello.txt /hello.txt
COPY arch-\${TARGETARCH}.txt /arch
ENV GREETING=\${GREETING}
LABEL org.example.kind="dockerfile"
WORKDIR /app
CMD ["/hello"]
`;

/** A build dir with `Dockerfile` (optionally preceded by `header`) and its context files. */
function dockerfileDir(body: string, header = ""): string {
  const dir = join(work.dir, `df-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Dockerfile"), header + body);
  writeFileSync(join(dir, "hello.txt"), "hello from the context\n");
  for (const arch of ["amd64", "arm64"]) writeFileSync(join(dir, `arch-${arch}.txt`), `${arch}\n`);
  return dir;
}

/** `buildctl build --frontend dockerfile.v0` of `dir` with BUILDKIT_SYNTAX naming the image, plus `extra`. */
function buildctlWithImage(dir: string, extra: readonly string[]) {
  const args = ["--addr", env.buildkitHost, "build", "--frontend", "dockerfile.v0", "--opt", `build-arg:BUILDKIT_SYNTAX=${image.ref}`,
    "--local", `context=${dir}`, "--local", `dockerfile=${dir}`, "--progress", "plain", ...extra];
  return run(buildctlPath(), args, { timeout: 10 * 60_000 });
}

/** Checks both platform images of an OCI tarball: their files and configs. */
function checkImages(layout: OciLayout): void {
  assert.deepEqual(layout.images.map((i) => platformOf(i.descriptor.platform)).sort(), [...FRONTEND_PLATFORMS]);
  for (const img of layout.images) {
    const arch = img.descriptor.platform!.architecture;
    assert.equal(platformOf(img.config), platformOf(img.descriptor.platform));
    assert.deepEqual(img.config.config.Cmd, ["/hello"]);
    assert.equal(img.config.config.WorkingDir, "/app");
    assert.equal(img.config.config.Labels?.["org.example.kind"], "dockerfile");
    assert.ok(img.config.config.Env?.includes("GREETING=hello"), JSON.stringify(img.config.config.Env));
    const files = new Map<string, string>();
    for (const l of img.manifest.layers) for (const e of layerEntries(layout, l)) if (e.type === "0") files.set(e.name.replace(/^\.?\//, ""), e.data.toString("utf8"));
    assert.equal(files.get("arch"), `${arch}\n`, `${arch}: /arch`);
    assert.equal(files.get("hello.txt"), "hello from the context\n");
  }
}

test("buildctl: dockerfile.v0 forwards to the image (BUILDKIT_SYNTAX) and it builds the Dockerfile for two platforms", async () => {
  const buildctl = buildctlPath();
  assert.equal(buildctlProblem(buildctl), undefined);
  const dir = dockerfileDir(DOCKERFILE);
  const tar = join(work.dir, "buildctl.tar");
  const r = await buildctlWithImage(dir, ["--opt", `platform=${FRONTEND_PLATFORMS.join(",")}`, "--output", `type=oci,dest=${tar}`]);
  ok(r, "buildctl dockerfile.v0 with BUILDKIT_SYNTAX");
  // The frontend image ran (the daemon resolved and started it), and the steps are the Dockerfile's.
  assert.match(r.stderr, new RegExp(image.ref.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  assert.match(r.stderr, /\[linux\/arm64 app \d\/\d\] COPY arch-arm64\.txt \/arch/);
  checkImages(readOciTar(tar));
});

test("buildx: the `# syntax=` line selects the image; two platforms to an OCI tarball", async () => {
  const dir = dockerfileDir(DOCKERFILE, `# syntax=${image.ref}\n`);
  const tar = join(work.dir, "buildx.tar");
  const r = await remoteBuilder.run(["build", "--builder", builder, "--progress", "plain", "--provenance=false", "--platform", FRONTEND_PLATFORMS.join(","), "--output", `type=oci,dest=${tar}`, dir]);
  ok(r, "buildx build");
  checkImages(readOciTar(tar));
});

test("buildx --call check reports the build checks' warnings with their lines", async (t) => {
  const dir = dockerfileDir("FROM scratch as base\nCOPY hello.txt /\nCMD /hello\n", `# syntax=${image.ref}\n`);
  const r = await remoteBuilder.run(["build", "--builder", builder, "--call", "check", dir]);
  t.diagnostic(`--call check:\n${r.stdout}${r.stderr}`);
  const out = r.stdout + r.stderr;
  assert.match(out, /FromAsCasing/);
  assert.match(out, /JSONArgsRecommended/);
  assert.match(out, /Dockerfile:2/, "the FROM line (line 2 after the syntax line)");
  assert.notEqual(r.status, 0, "warnings make --call check fail");
});

test("buildx --call targets and --call outline", async (t) => {
  const dir = dockerfileDir(DOCKERFILE, `# syntax=${image.ref}\n`);
  const targets = await remoteBuilder.run(["build", "--builder", builder, "--call", "targets", dir]);
  ok(targets, "buildx --call targets");
  assert.match(targets.stdout, /^TARGET\s+DESCRIPTION$/m, targets.stdout);
  assert.match(targets.stdout, /^src\s*$/m, targets.stdout);
  assert.match(targets.stdout, /^app \(default\)\s+the image$/m, targets.stdout);
  const outline = await remoteBuilder.run(["build", "--builder", builder, "--call", "outline", dir]);
  ok(outline, "buildx --call outline");
  assert.match(outline.stdout, /^BUILD ARG\s+VALUE\s+DESCRIPTION$/m, outline.stdout);
  assert.match(outline.stdout, /^GREETING\s+hello\s+what to say$/m, outline.stdout);
  t.diagnostic(`--call targets:\n${targets.stdout}--call outline:\n${outline.stdout}`);
});

test("tsfrontend build --call check|targets|outline prints what buildx prints (same stdout, same exit status), client-side", async () => {
  const dir = dockerfileDir(`FROM scratch as base\nCOPY hello.txt /\nCMD /hello\n\n${DOCKERFILE}`);
  for (const call of ["check", "targets", "outline"]) {
    const bx = await remoteBuilder.run(["build", "--builder", builder, "--call", call, dir]);
    const ts = await runCli(["build", "-f", join(dir, "Dockerfile"), "--local", `context=${dir}`, "--progress", "quiet", "--call", call]);
    assert.equal(ts.stdout, bx.stdout, `--call ${call}`);
    assert.equal(ts.status, bx.status, `--call ${call}: exit status`);
  }
  // --check is --call check.
  const check = await runCli(["build", "-f", join(dir, "Dockerfile"), "--local", `context=${dir}`, "--progress", "quiet", "--check"]);
  assert.equal(check.status, 1);
  assert.match(check.stdout, /^Check complete, \d+ warnings have been found!\n/);
});

test("a failing Dockerfile shows its line in buildctl's output", async () => {
  const dir = dockerfileDir("FROM scratch\nCOPY hello.txt /\nFOO bar\n");
  const r = await buildctlWithImage(dir, []);
  assert.notEqual(r.status, 0, r.stderr);
  assert.match(r.stderr, /unknown instruction: FOO/);
  assert.match(r.stderr, /Dockerfile:3/);
  assert.match(r.stderr, />>> FOO bar/);
  assert.doesNotMatch(r.stderr, /no result for incomplete build|closed unexpectedly/);
});

test("extensions: `# tsfrontend=from-vars,program-stages` (COPY --from=$ARG, FROM ./stage.ts) through buildctl, two platforms", async () => {
  const dir = dockerfileDir(`# tsfrontend=from-vars,program-stages
ARG SRC=base
FROM scratch AS base
COPY hello.txt /hello.txt
FROM ./stages/gen.ts AS gen
FROM scratch
COPY --from=$SRC /hello.txt /from-var.txt
COPY --from=gen /gen.txt /gen.txt
`);
  mkdirSync(join(dir, "stages"));
  writeFileSync(
    join(dir, "stages", "gen.ts"),
    `import { scratch, mkfile } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";
export default (ctx: BuildContext) =>
  ctx.perPlatform((p, args) => ({ state: scratch().file(mkfile("/gen.txt", 0o644, \`generated for \${args.TARGETARCH}\\n\`)) }));
`,
  );
  const out = join(work.dir, "ext-out");
  const r = await buildctlWithImage(dir, ["--opt", `platform=${FRONTEND_PLATFORMS.join(",")}`, "--output", `type=local,dest=${out}`]);
  ok(r, "buildctl with the extensions");
  for (const p of FRONTEND_PLATFORMS) {
    const sub = join(out, p.replace("/", "_"));
    assert.equal(readFileSync(join(sub, "from-var.txt"), "utf8"), "hello from the context\n");
    assert.equal(readFileSync(join(sub, "gen.txt"), "utf8"), `generated for ${p.split("/")[1]}\n`);
  }
});

test("tsfrontend build -f Dockerfile: two platforms client-side; a failing line printed with its excerpt", async () => {
  const dir = dockerfileDir(DOCKERFILE);
  const tar = join(work.dir, "cli.tar");
  const r = await runCli(["--addr", env.buildkitHost, "build", "-f", join(dir, "Dockerfile"), "--local", `context=${dir}`, "--platform", FRONTEND_PLATFORMS.join(","), "--progress", "plain", "-o", `type=oci,dest=${tar}`], { timeout: 10 * 60_000 });
  ok(r, "tsfrontend build -f Dockerfile");
  checkImages(readOciTar(tar));
  const bad = dockerfileDir("FROM scratch\nCOPY hello.txt /\nFOO bar\n");
  const f = await runCli(["--addr", env.buildkitHost, "build", "-f", join(bad, "Dockerfile"), "--local", `context=${bad}`, "--progress", "plain"], { timeout: 5 * 60_000 });
  assert.equal(f.status, 1, f.stderr);
  assert.match(f.stderr, /Dockerfile:3\n-+\n(.*\n)* {3}3 \| >>> FOO bar/);
  assert.match(f.stderr, /unknown instruction: FOO/);
});

test("tsfrontend build -f: a `# syntax=` line naming the image forwards the build to it through gateway.v0; two platforms", async () => {
  // Pinned by digest: another checkout pushing the same tag must not swap the image under the test.
  const pinned = `${image.ref}@${image.digest}`;
  const dir = dockerfileDir(DOCKERFILE, `# syntax=${pinned}\n`);
  const tar = join(work.dir, "cli-forward.tar");
  const r = await runCli(["--addr", env.buildkitHost, "build", "-f", join(dir, "Dockerfile"), "--local", `context=${dir}`, "--platform", FRONTEND_PLATFORMS.join(","), "--progress", "plain", "-o", `type=oci,dest=${tar}`], { timeout: 10 * 60_000 });
  ok(r, "tsfrontend build -f Dockerfile with # syntax=<image>");
  // The daemon resolved and ran the frontend image (the forwarded request), which built the Dockerfile's steps.
  assert.match(r.stderr, new RegExp(`resolve image config for docker-image://${pinned.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`), r.stderr);
  assert.match(r.stderr, /\[linux\/arm64 app \d\/\d\] COPY arch-arm64\.txt \/arch/);
  checkImages(readOciTar(tar));
});

test("gateway.v0 with the image as source: a syntax line naming the image itself is forwarded once (cmdline), not in a loop", async () => {
  const pinned = `${image.ref}@${image.digest}`;
  const dir = dockerfileDir(DOCKERFILE, `# syntax=${pinned}\n`);
  const out = join(work.dir, "self-forward");
  const args = ["--addr", env.buildkitHost, "build", "--frontend", "gateway.v0", "--opt", `source=${pinned}`, "--local", `context=${dir}`, "--local", `dockerfile=${dir}`, "--opt", "platform=linux/arm64", "--progress", "plain", "--output", `type=local,dest=${out}`];
  const r = await run(buildctlPath(), args, { timeout: 10 * 60_000 });
  ok(r, "buildctl gateway.v0 source=<image>");
  assert.equal(readFileSync(join(out, "hello.txt"), "utf8"), "hello from the context\n");
  assert.equal(readFileSync(join(out, "arch"), "utf8"), "arm64\n");
});

test("tsfrontend build -f: a `# syntax=` frontend that cannot be resolved fails at the syntax line", async () => {
  const dir = dockerfileDir("FROM scratch\nCOPY hello.txt /\n", `# syntax=${env.registry}/tsf-no-such-frontend:1\n`);
  const f = await runCli(["--addr", env.buildkitHost, "build", "-f", join(dir, "Dockerfile"), "--local", `context=${dir}`, "--progress", "plain"], { timeout: 5 * 60_000 });
  assert.equal(f.status, 1, f.stderr);
  assert.match(f.stderr, /tsf-no-such-frontend/);
  assert.match(f.stderr, /Dockerfile:1\n-+\n(.*\n)*.*1 \| >>> # syntax=/, f.stderr);
});
