/**
 * The frontend image (Dockerfile.frontend, scripts/frontend-image.sh), built
 * once per run and content (lib/frontend-image.ts) and pushed to the test
 * registry: its index and configs (entrypoint, labels, caps), its node,
 * esbuild and built modules running in a RUN on top of it natively
 * (linux/amd64) and emulated (linux/arm64), and buildkitd running it as a
 * gateway frontend (`buildctl --frontend gateway.v0 --opt source=REF`).
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FRONTEND_CAPS } from "../../src/frontend/caps.js";
import { parsePlatform } from "../../src/llb/index.js";
import { buildctlPath, buildctlProblem } from "../lib/buildctl.js";
import { ok, repoRoot, requireEnv, run, runCli, skopeo, skopeoCreds, tempDir, type E2eEnv } from "./lib/env.js";
import { ensureFrontendImage, FRONTEND_PLATFORMS, type FrontendImage } from "./lib/frontend-image.js";
import { platformOf, type ImageConfigDoc } from "./lib/oci.js";

const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
let env: E2eEnv;
let image: FrontendImage;
let work: ReturnType<typeof tempDir>;
const configs = new Map<string, ImageConfigDoc>();

before(async () => {
  env = requireEnv();
  image = await ensureFrontendImage();
  work = tempDir("frontend-image");
  for (const p of FRONTEND_PLATFORMS) {
    const arch = parsePlatform(p).architecture;
    configs.set(p, JSON.parse(await skopeo(env, ["inspect", "--config", "--tls-verify=false", ...skopeoCreds(env), "--override-arch", arch, `docker://${image.ref}`])));
  }
});

after(() => work?.remove());

test("the index holds linux/amd64 and linux/arm64; each config has the entrypoint, network.none and the caps of src/frontend/caps.ts", async (t) => {
  const index = JSON.parse(await skopeo(env, ["inspect", "--raw", "--tls-verify=false", ...skopeoCreds(env), `docker://${image.ref}`])) as {
    manifests: { platform?: { os: string; architecture: string; variant?: string } }[];
  };
  assert.deepEqual(index.manifests.map((m) => platformOf(m.platform)).sort(), [...FRONTEND_PLATFORMS]);
  for (const p of FRONTEND_PLATFORMS) {
    const c = configs.get(p)!;
    assert.equal(`${c.os}/${c.architecture}`, p);
    const [node, main] = c.config.Entrypoint ?? [];
    assert.match(node ?? "", /^\/.+\/bin\/node$/, `${p}: the entrypoint runs node`);
    assert.match(main ?? "", /\/dist\/frontend\/main\.cjs$/, `${p}: the entrypoint runs the frontend's bundle`);
    assert.ok(c.config.Env?.some((e) => /^NODE_COMPILE_CACHE=\/.+/.test(e)), `${p}: NODE_COMPILE_CACHE names the image's code cache`);
    assert.equal(c.config.Labels?.["moby.buildkit.frontend.network.none"], "true");
    assert.equal(c.config.Labels?.["moby.buildkit.frontend.caps"], FRONTEND_CAPS.join(","));
    assert.equal(c.config.Labels?.["org.opencontainers.image.version"], version);
    assert.ok(image.ref.endsWith(`/tsfrontend:${version}`), image.ref);
    // Compressed: the official node binary alone is about 40 MB gzipped; no platform may carry another's files.
    const size = image.sizes[p];
    assert.ok(size !== undefined && size > 30e6 && size < 90e6, `${p}: compressed size ${size} bytes`);
    t.diagnostic(`${p}: ${(size / 1e6).toFixed(1)} MB compressed`);
  }
  t.diagnostic(`scripts/frontend-image.sh took ${image.seconds.toFixed(1)} s when it built this image`);
});

/** Runs with the image's node (CommonJS `-e`): writes what the image's runtime reports to /smoke.json. */
const SMOKE = `
const fs = require("fs");
const root = process.argv[1];
const esbuild = require(root + "/node_modules/esbuild");
fs.writeFileSync("/tmp/probe", "written");
const files = (dir) => fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
fs.writeFileSync("/smoke.json", JSON.stringify({
  version: process.version,
  arch: process.arch,
  esbuild: esbuild.version,
  transformed: esbuild.transformSync("const n: number = 1;", { loader: "ts" }).code,
  tmpMode: (fs.statSync("/tmp").mode & 0o7777).toString(8),
  probe: fs.readFileSync("/tmp/probe", "utf8"),
  testFiles: files(root).filter((e) => /\\.test\\./.test(e.name)).length,
  bundle: fs.statSync(root + "/dist/frontend/frontend.cjs").size,
  bundleCache: fs.statSync(root + "/dist/frontend/frontend.cjs.v8cache").size,
  compileCache: files(root + "/compile-cache").length,
  env: process.env.NODE_COMPILE_CACHE,
}));
`;

const PROGRAM = `
import { copy, image, scratch } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";

export default (ctx: BuildContext) =>
  ctx.perPlatform((target) => {
    const node = ctx.buildArgs[\`NODE_\${target.architecture}\`]!;
    const ran = image(ctx.buildArgs["REF"]!, { platform: target })
      .run({ args: [node, "-e", ctx.buildArgs["SMOKE"]!, node.replace(/\\/bin\\/node$/, "")], ignoreCache: true })
      .root();
    return { state: scratch().file(copy(ran, "/smoke.json", "/smoke.json")) };
  });
`;

test("node, esbuild, the bundle, its code cache and /tmp work in the image: linux/amd64 natively, linux/arm64 emulated", async () => {
  const program = join(work.dir, "smoke.ts");
  writeFileSync(program, PROGRAM);
  const out = join(work.dir, "out");
  const nodeArgs = FRONTEND_PLATFORMS.flatMap((p) => ["--opt", `build-arg:NODE_${parsePlatform(p).architecture}=${configs.get(p)!.config.Entrypoint![0]}`]);
  const r = await runCli(
    ["build", "-f", program, "--platform", FRONTEND_PLATFORMS.join(","), "--opt", `build-arg:REF=${image.ref}`, "--opt", `build-arg:SMOKE=${SMOKE}`, ...nodeArgs, "--progress", "plain", "-o", `type=local,dest=${out}`],
    { cwd: repoRoot, timeout: 10 * 60_000 },
  );
  ok(r, "the smoke build");
  const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> };
  for (const [p, nodeArch] of [["linux/amd64", "x64"], ["linux/arm64", "arm64"]] as const) {
    const s = JSON.parse(readFileSync(join(out, p.replace("/", "_"), "smoke.json"), "utf8")) as Record<string, unknown>;
    assert.match(String(s["version"]), /^v22\./, `${p}: node 22`);
    assert.equal(s["arch"], nodeArch, `${p}: node's arch`);
    assert.equal(s["esbuild"], lock.packages["node_modules/esbuild"]!.version, `${p}: the locked esbuild`);
    assert.equal(s["transformed"], "const n = 1;\n", `${p}: esbuild's native binary transpiles`);
    assert.equal(s["tmpMode"], "1777", `${p}: /tmp is 1777`);
    assert.equal(s["probe"], "written", `${p}: /tmp is writable`);
    assert.equal(s["testFiles"], 0, `${p}: no test files in the image`);
    assert.ok(Number(s["bundle"]) > 100_000, `${p}: the bundle is there (${String(s["bundle"])} bytes)`);
    assert.ok(Number(s["compileCache"]) > 0, `${p}: the build wrote Node's compile cache of the entrypoint`);
    assert.ok(Number(s["bundleCache"]) > 100_000, `${p}: the warm-up wrote V8's code cache of the bundle (${String(s["bundleCache"])} bytes)`);
  }
});

const BUILD_PROGRAM = `import { scratch, mkfile } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";

export default (ctx: BuildContext) =>
  ctx.perPlatform((p, args) => ({
    state: scratch().file(mkfile("/arch", 0o644, \`\${args.TARGETARCH} \${ctx.buildArgs["GREETING"] ?? ""}\\n\`)),
    config: { Labels: { "org.example.frontend": "tsfrontend" } },
  }));
`;

/** A build dir with the program under `name`; returns the dir. */
function programDir(name: string, body: string): string {
  const dir = join(work.dir, `prog-${name.replace(/\W/g, "_")}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), body);
  return dir;
}

function readArch(out: string, platform: string): string {
  return readFileSync(join(out, platform.replace("/", "_"), "arch"), "utf8");
}

test("buildctl --frontend gateway.v0 --opt source=IMAGE builds a program for two platforms", async () => {
  const buildctl = buildctlPath();
  assert.equal(buildctlProblem(buildctl), undefined);
  const dir = programDir("build.ts", BUILD_PROGRAM);
  const out = join(work.dir, "gateway-out");
  const r = await run(
    buildctl,
    ["--addr", env.buildkitHost, "build", "--frontend", "gateway.v0", "--opt", `source=${image.ref}`, "--opt", "filename=build.ts",
      "--opt", "platform=linux/amd64,linux/arm64", "--opt", "build-arg:GREETING=hi", "--local", `context=${dir}`, "--local", `dockerfile=${dir}`,
      "--progress", "plain", "--output", `type=local,dest=${out}`],
    { timeout: 5 * 60_000 },
  );
  ok(r, "buildctl gateway.v0");
  assert.equal(readArch(out, "linux/amd64"), "amd64 hi\n");
  assert.equal(readArch(out, "linux/arm64"), "arm64 hi\n");
});

test("buildctl --frontend dockerfile.v0 forwards a file named Dockerfile to the image (BUILDKIT_SYNTAX)", async () => {
  const buildctl = buildctlPath();
  const dir = programDir("Dockerfile", BUILD_PROGRAM);
  const out = join(work.dir, "dockerfile-out");
  const r = await run(
    buildctl,
    ["--addr", env.buildkitHost, "build", "--frontend", "dockerfile.v0", "--opt", `build-arg:BUILDKIT_SYNTAX=${image.ref}`,
      "--opt", "platform=linux/arm64", "--local", `context=${dir}`, "--local", `dockerfile=${dir}`,
      "--progress", "plain", "--output", `type=local,dest=${out}`],
    { timeout: 5 * 60_000 },
  );
  ok(r, "buildctl dockerfile.v0 with the syntax image");
  assert.equal(readFileSync(join(out, "arch"), "utf8"), "arm64 \n");
});

test("a program that throws fails in buildctl's output with its file and line", async () => {
  const buildctl = buildctlPath();
  const body = `import type { BuildContext } from "tsfrontend/program";

export default (ctx: BuildContext) => {
  if (!ctx.buildArgs["GREETING"]) throw new Error("no greeting here");
  return ctx.perPlatform(() => { throw new Error("unreachable"); });
};
`;
  const dir = programDir("build.ts", `// syntax=${image.ref}\n` + body);
  const r = await run(
    buildctl,
    ["--addr", env.buildkitHost, "build", "--frontend", "dockerfile.v0", "--opt", "filename=build.ts", "--local", `context=${dir}`, "--local", `dockerfile=${dir}`, "--progress", "plain"],
    { timeout: 5 * 60_000 },
  );
  assert.notEqual(r.status, 0, r.stderr);
  assert.match(r.stderr, /no greeting here/);
  assert.match(r.stderr, /build\.ts:5/, `the program's file:line reaches buildctl:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /no result for incomplete build|closed unexpectedly/, "the frontend returned an error instead of crashing");
});
