/**
 * `tsfrontend build -f PROGRAM` end to end against the daemon named by
 * BUILDKIT_HOST and the registry TSF_REGISTRY (scripts/env/start.sh): a
 * program (fixtures/multiarch.ts) on the busybox shell base image from our
 * registry runs a RUN step per platform (linux/amd64 natively, linux/arm64
 * and linux/arm/v7 emulated) and returns each platform with its image
 * config. One CLI build exports it three ways at once (local dir, OCI
 * tarball, registry push) and writes --metadata-file and --ref-file; each
 * test checks one of them.
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { copy, ociLayout, scratch } from "../../src/llb/index.js";
import { join } from "node:path";
import { layerEntries, platformOf, readOciDir, readOciTar, sha256, type OciLayout } from "./lib/oci.js";
import { ok, requireEnv, run, runCli, skopeo, skopeoCreds, tempDir, type E2eEnv } from "./lib/env.js";
import { ensureShellImage, SHELL_PLATFORMS, type ShellImage } from "./lib/shell-image.js";
import { buildctlPath } from "../lib/buildctl.js";

const PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const expected: Record<string, { uname: string; dir: string; arch: string; variant?: string }> = {
  "linux/amd64": { uname: "x86_64", dir: "linux_amd64", arch: "amd64" },
  "linux/arm64": { uname: "aarch64", dir: "linux_arm64", arch: "arm64" },
  "linux/arm/v7": { uname: "armv7l", dir: "linux_arm_v7", arch: "arm", variant: "v7" },
};

let env: E2eEnv;
let shell: ShellImage;
let work: ReturnType<typeof tempDir>;
let pushRef: string;
let metadata: Record<string, unknown>;
let oci: OciLayout;

const out = (...p: string[]) => join(work.dir, ...p);

before(async () => {
  work = tempDir("build");
  env = requireEnv();
  shell = await ensureShellImage();
  pushRef = `${env.registry}/tsfrontend-test/multiarch:e2e-${process.pid}`;
  const r = await runCli([
    "build",
    "-f",
    "test/e2e/fixtures/multiarch.ts",
    "--build-arg",
    `SHELL_IMAGE=${shell.ref}`,
    "--platform",
    "linux/amd64,linux/arm64",
    "--platform",
    "linux/arm/v7",
    "--progress",
    "plain",
    "-o",
    `type=local,dest=${out("local")}`,
    "-o",
    `type=oci,dest=${out("image.oci.tar")},name=example.com/tsf/multiarch:1`,
    "-o",
    `type=image,name=${pushRef},push=true`,
    "--metadata-file",
    out("metadata.json"),
    "--ref-file",
    out("ref.txt"),
  ]);
  ok(r, "tsfrontend build");
  // Each platform's RUN step appears in the progress, named by the program and prefixed with its
  // platform (as dockerfile2llb names multi-platform steps), and so is the base image of each platform.
  for (const p of SHELL_PLATFORMS) {
    const q = p.replace(/\//g, "\\/");
    assert.match(r.stderr, new RegExp(`^#\\d+ \\[${q}\\] uname -m \\(${q}\\)$`, "m"));
    assert.match(r.stderr, new RegExp(`^#\\d+ \\[${q}\\] docker-image://${shell.ref.replace(/[./]/g, "\\$&")}`, "m"));
  }
  metadata = JSON.parse(readFileSync(out("metadata.json"), "utf8")) as Record<string, unknown>;
  oci = readOciTar(out("image.oci.tar"));
});

after(() => work?.remove());

test("local export: one directory per platform with the RUN step's output", () => {
  assert.deepEqual(readdirSync(out("local")).sort(), ["linux_amd64", "linux_arm64", "linux_arm_v7"]);
  for (const [platform, e] of Object.entries(expected)) {
    const root = out("local", e.dir);
    assert.equal(readFileSync(join(root, "srv/out/arch"), "utf8"), `${e.uname}\n`, platform);
    assert.equal(readFileSync(join(root, "srv/out/platform"), "utf8"), `${platform}\n`, platform);
    // The base image's files are there: busybox and its applet links, /etc/passwd.
    assert.ok(lstatSync(join(root, "bin/busybox")).isFile(), platform);
    assert.ok(lstatSync(join(root, "bin/sh")).isSymbolicLink(), platform);
    assert.match(readlinkSync(join(root, "bin/sh")), /busybox$/);
    assert.match(readFileSync(join(root, "etc/passwd"), "utf8"), /^app:x:1000:1000:/m);
    // The busybox binary is the one for this architecture (ELF e_machine).
    const elf = readFileSync(join(root, "bin/busybox")).subarray(0, 20);
    assert.equal(elf.subarray(0, 4).toString("latin1"), "\x7fELF");
    assert.equal(elf.readUInt16LE(18), { amd64: 62, arm64: 183, arm: 40 }[e.arch], `${platform} e_machine`);
  }
});

test("OCI tarball: an index of 3 manifests with the right platforms", () => {
  assert.equal(oci.indexDescriptor.mediaType, "application/vnd.oci.image.index.v1+json");
  assert.equal(oci.indexDescriptor.annotations?.["io.containerd.image.name"], "example.com/tsf/multiarch:1");
  assert.equal(oci.index.manifests.length, 3, JSON.stringify(oci.index.manifests));
  assert.deepEqual(oci.images.map((i) => platformOf(i.descriptor.platform)).sort(), [...SHELL_PLATFORMS].sort());
});

test("OCI tarball: each config has its platform, the program's config and the base image's Env and Labels", () => {
  for (const img of oci.images) {
    const platform = platformOf(img.descriptor.platform);
    const e = expected[platform]!;
    const c = img.config;
    assert.equal(c.os, "linux", platform);
    assert.equal(c.architecture, e.arch, platform);
    assert.equal(c.variant, e.variant, platform);
    // Env: PATH inherited from the shell image, then the program's entries.
    assert.deepEqual(c.config.Env, [PATH_ENV, "APP_MODE=e2e", `APP_PLATFORM=${platform}`], platform);
    assert.equal(c.config.User, "app");
    assert.equal(c.config.WorkingDir, "/srv");
    assert.deepEqual(c.config.Entrypoint, ["/bin/sh", "-c"]);
    assert.deepEqual(c.config.Cmd, ["cat /srv/out/arch"]);
    assert.deepEqual(c.config.ExposedPorts, { "8080/tcp": {} });
    assert.deepEqual(c.config.Labels, {
      "org.opencontainers.image.title": "busybox-shell",
      "org.opencontainers.image.base.name": "scratch",
      "org.example.test": "multiarch",
      "org.example.arch": e.arch,
    });
    // The base image's layers plus one for the RUN step, which holds its output.
    assert.equal(c.rootfs.diff_ids.length, img.manifest.layers.length);
    assert.ok(img.manifest.layers.length >= 2, `${platform}: ${img.manifest.layers.length} layers`);
    const last = layerEntries(oci, img.manifest.layers.at(-1)!);
    assert.equal(last.find((x) => x.name === "srv/out/arch")?.data.toString(), `${e.uname}\n`, platform);
  }
});

test("the images are built on the shell image from the registry (its layers come first)", async () => {
  const index = JSON.parse(await skopeo(env, ["inspect", "--raw", "--tls-verify=false", ...skopeoCreds(env), `docker://${shell.ref}`])) as {
    manifests: { digest: string; platform: { os: string; architecture: string; variant?: string } }[];
  };
  for (const img of oci.images) {
    const platform = platformOf(img.descriptor.platform);
    const d = index.manifests.find((m) => platformOf(m.platform) === platform);
    assert.ok(d, `the shell image has ${platform}`);
    const repo = shell.ref.replace(/:[^:/]+$/, "");
    const baseManifest = JSON.parse(await skopeo(env, ["inspect", "--raw", "--tls-verify=false", ...skopeoCreds(env), `docker://${repo}@${d.digest}`])) as {
      layers: { digest: string }[];
    };
    assert.deepEqual(
      img.manifest.layers.slice(0, baseManifest.layers.length).map((l) => l.digest),
      baseManifest.layers.map((l) => l.digest),
      platform,
    );
    assert.equal(img.manifest.layers.length, baseManifest.layers.length + 1, platform);
  }
});

test("--metadata-file: containerimage.digest is the index digest; --ref-file holds the build ref", () => {
  assert.equal(metadata["containerimage.digest"], oci.indexDescriptor.digest);
  assert.deepEqual(metadata["containerimage.descriptor"], {
    mediaType: "application/vnd.oci.image.index.v1+json",
    digest: oci.indexDescriptor.digest,
    size: oci.indexDescriptor.size,
  });
  assert.equal(metadata["image.name"], pushRef);
  const ref = readFileSync(out("ref.txt"), "utf8");
  assert.match(ref, /^[a-z0-9]{25}$/, JSON.stringify(ref));
  assert.equal(existsSync(out("metadata.json.tmp-" + process.pid)), false);
});

test("registry push: the pushed index is the exported one and reads back with skopeo", async () => {
  const raw = await skopeo(env, ["inspect", "--raw", "--tls-verify=false", ...skopeoCreds(env), `docker://${pushRef}`]);
  assert.equal(sha256(Buffer.from(raw, "utf8")), metadata["containerimage.digest"]);
  const index = JSON.parse(raw) as { mediaType: string; manifests: { digest: string; platform: { os: string; architecture: string; variant?: string } }[] };
  assert.equal(index.mediaType, "application/vnd.oci.image.index.v1+json");
  assert.deepEqual(index.manifests.map((m) => platformOf(m.platform)).sort(), [...SHELL_PLATFORMS].sort());

  // Anonymous reads are refused: the push used our credentials.
  const anon = await run(env.skopeo, ["inspect", "--raw", "--tls-verify=false", "--no-creds", `docker://${pushRef}`]);
  assert.notEqual(anon.status, 0);

  const dir = out("pulled");
  await skopeo(env, ["copy", "--quiet", "--all", "--src-tls-verify=false", "--src-creds", `${env.registryUser}:${env.registryPassword}`, `docker://${pushRef}`, `oci:${dir}:pulled`]);
  const pulled = readOciDir(dir);
  assert.equal(pulled.indexDescriptor.digest, metadata["containerimage.digest"]);
  assert.deepEqual(pulled.images.map((i) => platformOf(i.descriptor.platform)).sort(), [...SHELL_PLATFORMS].sort());
  for (const img of pulled.images) {
    const same = oci.images.find((i) => i.descriptor.digest === img.descriptor.digest);
    assert.ok(same, `manifest ${img.descriptor.digest} is the exported one`);
    assert.equal(img.config.architecture, expected[platformOf(img.descriptor.platform)]!.arch);
    assert.deepEqual(img.config.config.Entrypoint, ["/bin/sh", "-c"]);
  }
});

test("--oci-layout serves a layout directory for oci-layout:// sources; --trace appends every progress update as buildctl's JSON lines", async () => {
  // A one-layer image with content the daemon has never seen, written as an OCI layout.
  const layout = out("layout");
  const token = `${process.pid}-${Date.now()}`;
  mkdirSync(out("layer", "got"), { recursive: true });
  writeFileSync(out("layer", "got", "token"), `${token}\n`);
  ok(await run("tar", ["-cf", out("layer.tar"), "-C", out("layer"), "got"]), "tar -cf");
  mkdirSync(join(layout, "blobs", "sha256"), { recursive: true });
  const blob = (data: Buffer, mediaType: string) => {
    const digest = sha256(data);
    writeFileSync(join(layout, "blobs", "sha256", digest.slice("sha256:".length)), data);
    return { mediaType, digest, size: data.length };
  };
  const layer = readFileSync(out("layer.tar"));
  const config = blob(Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [sha256(layer)] } })), "application/vnd.oci.image.config.v1+json");
  const manifest = blob(
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config, layers: [blob(layer, "application/vnd.oci.image.layer.v1.tar")] })),
    "application/vnd.oci.image.manifest.v1+json",
  );
  writeFileSync(join(layout, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [manifest] }));
  writeFileSync(join(layout, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  const src = ociLayout(`example.com/tsf/layout-test@${manifest.digest}`, { ociStore: { sessionID: "", storeID: "mystore" } });
  const def = Buffer.from((await scratch().file(copy(src, "/got/", "/got/", { copyDirContentsOnly: true })).marshal({ platform: { os: "linux", architecture: "amd64" } })).toBytes());
  const trace = out("trace.jsonl");
  // Without the flag the daemon cannot read the store.
  const missing = await runCli(["build", "--progress", "plain"], { input: def });
  assert.equal(missing.status, 1, missing.stderr);
  const r = await runCli(["build", "--oci-layout", `mystore=${layout}`, "--progress", "quiet", "--trace", trace, "-o", `type=local,dest=${out("from-layout")}`], { input: def });
  ok(r, "tsfrontend build --oci-layout");
  assert.equal(readFileSync(out("from-layout", "got", "token"), "utf8"), `${token}\n`);

  const docs = readFileSync(trace, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as { vertexes?: { digest: string; name?: string; completed?: string }[] });
  // The shape of Go's client.SolveStatus (lower-case keys, as `--progress rawjson`).
  for (const d of docs) for (const k of Object.keys(d)) assert.ok(["vertexes", "statuses", "logs", "warnings"].includes(k), k);
  assert.ok(docs.some((d) => d.vertexes?.some((v) => v.name?.startsWith("oci-layout://example.com/tsf/layout-test@") && v.completed)), "the source vertex completes in the trace");
  assert.equal(lstatSync(trace).mode & 0o777, 0o600);
});

test("--source-policy-file and --proxy-network reach the daemon", async () => {
  const policy = out("policy.json");
  writeFileSync(policy, JSON.stringify({ rules: [{ action: "DENY", selector: { identifier: `docker-image://${shell.ref}*` } }] }));
  const r = await runCli(["build", "-f", "test/e2e/fixtures/multiarch.ts", "--build-arg", `SHELL_IMAGE=${shell.ref}`, "--platform", "linux/amd64", "--progress", "quiet", "--source-policy-file", policy, "--proxy-network"]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /source "docker-image:\/\/.*" denied by policy/);
});

test("a Dockerfile read in place: its lint warnings show under its build-definition step on every build (also a cached one)", async () => {
  const dir = out("lint-in-place");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Dockerfile"), "from scratch AS base\nCOPY Dockerfile /x\n");
  writeFileSync(join(dir, ".dockerignore"), "*.log\n");
  // Eight builds: a warning sent before the daemon showed the step was dropped in about one build of five.
  for (let i = 0; i < 8; i++) {
    const res = await runCli(["build", "-f", join(dir, "Dockerfile"), "--local", `context=${dir}`, "--progress", "plain"]);
    ok(res, "build");
    const r = res.stderr;
    const step = /^#(\d+) \[internal\] load build definition from Dockerfile$/m.exec(r)?.[1];
    assert.ok(step, r);
    assert.match(r, new RegExp(`^#${step} WARN: FromAsCasing: 'AS' and 'from' keywords' casing do not match \\(line 1\\)$`, "m"), `build ${i + 1}:\n${r}`);
    assert.match(r, /^#\d+ \[internal\] load \.dockerignore$/m);
  }
});

test("--opt requestid=ID prints the subrequest's answer as buildctl does: a Dockerfile client-side and through --frontend dockerfile.v0, and a program", async () => {
  const dir = out("subrequests");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Dockerfile"), "from scratch AS base\nCOPY x /x\n\nFROM base AS final\nARG LEVEL=1\n");
  writeFileSync(join(dir, "x"), "x\n");
  const locals = ["--local", `context=${dir}`, "--local", `dockerfile=${dir}`];
  for (const id of ["frontend.targets", "frontend.outline", "frontend.lint", "frontend.subrequests.describe"]) {
    const go = await run(buildctlPath(), ["--addr", env.buildkitHost, "build", "--progress", "quiet", "--frontend", "dockerfile.v0", ...locals, "--opt", `requestid=${id}`]);
    ok(go, `buildctl ${id}`);
    assert.ok(go.stdout.length > 0, `buildctl printed the answer to ${id}`);
    const viaFrontend = await runCli(["build", "--progress", "quiet", "--frontend", "dockerfile.v0", ...locals, "--opt", `requestid=${id}`]);
    ok(viaFrontend, `--frontend dockerfile.v0 ${id}`);
    assert.equal(viaFrontend.stdout, go.stdout, `--frontend dockerfile.v0 ${id}`);
    const clientSide = await runCli(["build", "--progress", "quiet", "-f", join(dir, "Dockerfile"), "--local", `context=${dir}`, "--opt", `requestid=${id}`]);
    ok(clientSide, `-f Dockerfile ${id}`);
    assert.equal(clientSide.stdout, go.stdout, `-f Dockerfile ${id}`);
  }
  // A program answers from what it declares (as the frontend image does).
  const targets = await runCli(["build", "--progress", "quiet", "-f", "examples/org-base.ts", "--opt", "requestid=frontend.outline"]);
  ok(targets, "program outline");
  assert.match(targets.stdout, /^BUILD ARG +VALUE +DESCRIPTION\nBASE /);
  // frontend.lint runs the program without building: org-base.ts without its BASE fails at the program's line.
  const lint = await runCli(["build", "--progress", "quiet", "-f", "examples/org-base.ts", "--call", "check,format=json"]);
  assert.equal(lint.status, 1, lint.stderr);
  const lintDoc = JSON.parse(lint.stdout) as { buildError?: { message: string; location: { ranges: { start: { line: number } }[] } } };
  assert.match(lintDoc.buildError?.message ?? "", /BASE/, lint.stdout);
  assert.equal(lintDoc.buildError?.location.ranges[0]?.start.line, 42, lint.stdout);
  // What a program does not answer (a Dockerfile would) is refused.
  const refused = await runCli(["build", "--progress", "quiet", "-f", "examples/org-base.ts", "--opt", "requestid=frontend.convertllb"]);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /unsupported request frontend\.convertllb/);
});

test("buildx's flags: PATH (PATH/Dockerfile and the context), -t/--push, --label, --build-context with a directory and an OCI layout", async () => {
  const dir = out("buildx-flags");
  mkdirSync(join(dir, "app"), { recursive: true });
  mkdirSync(join(dir, "extra"), { recursive: true });
  writeFileSync(join(dir, "app", "Dockerfile"), `FROM scratch\nCOPY main.txt /\nCOPY --from=extra extra.txt /\nCOPY --from=layout /bin/busybox /busybox\n`);
  writeFileSync(join(dir, "app", "main.txt"), "main\n");
  writeFileSync(join(dir, "extra", "extra.txt"), "extra\n");
  // An OCI layout of the shell image's amd64 platform, as docker buildx --build-context oci-layout:// reads one.
  const layout = join(dir, "layout");
  await skopeo(env, ["copy", "--src-tls-verify=false", ...skopeoCreds(env).map((c) => c.replace(/^--creds/, "--src-creds")), "--override-arch", "amd64", `docker://${shell.ref}`, `oci:${layout}:v1`]);
  const ref = `${env.registry}/tsfrontend-test/buildx-flags:e2e-${process.pid}`;
  const r = await runCli(["build", join(dir, "app"), "-t", ref, "--push", "--label", "org.example.flag=yes", "--build-context", `extra=${join(dir, "extra")}`,
    "--build-context", `layout=oci-layout://${layout}:v1`, "--platform", "linux/amd64", "--progress", "plain"]);
  ok(r, "tsfrontend build PATH -t --push --label --build-context");
  const config = JSON.parse(await skopeo(env, ["inspect", "--config", "--raw", "--tls-verify=false", ...skopeoCreds(env), `docker://${ref}`])) as { config: { Labels?: Record<string, string> } };
  assert.equal(config.config.Labels?.["org.example.flag"], "yes");
  const tar = out("buildx-flags.tar");
  ok(await runCli(["build", join(dir, "app"), "-t", "example.com/x:1", "--build-context", `extra=${join(dir, "extra")}`, "--build-context", `layout=oci-layout://${layout}:v1`,
    "--platform", "linux/amd64", "--progress", "quiet", "-o", `type=oci,dest=${tar}`]), "the same to an OCI tarball");
  const img = readOciTar(tar);
  assert.equal(img.top.manifests[0]?.annotations?.["io.containerd.image.name"], "example.com/x:1", "-t names the OCI tarball's image");
  const files = new Map(img.images[0]!.manifest.layers.flatMap((l) => layerEntries(img, l)).map((e) => [e.name.replace(/^\.?\//, ""), e]));
  assert.equal(files.get("main.txt")?.data.toString(), "main\n");
  assert.equal(files.get("extra.txt")?.data.toString(), "extra\n");
  assert.ok(files.has("busybox"), `busybox from the OCI layout context: ${[...files.keys()].join(" ")}`);
  // PATH with --frontend: the context and dockerfile locals both, as buildx sends them.
  const fe = out("buildx-flags-frontend");
  ok(await runCli(["build", join(dir, "app"), "--frontend", "dockerfile.v0", "--build-context", `extra=${join(dir, "extra")}`, "--build-context", `layout=oci-layout://${layout}:v1`,
    "--platform", "linux/amd64", "--progress", "quiet", "-o", `type=local,dest=${fe}`]), "PATH --frontend dockerfile.v0");
  assert.equal(readFileSync(join(fe, "main.txt"), "utf8"), "main\n");
  assert.equal(readFileSync(join(fe, "extra.txt"), "utf8"), "extra\n");
  // --push without a name is refused as buildx refuses it.
  const noName = await runCli(["build", join(dir, "app"), "--push"]);
  assert.equal(noName.status, 1);
  assert.match(noName.stderr, /--push: tag is needed when pushing to registry/);
});

test("buildx's RUN flags reach the RUN steps (--add-host, --ulimit, --shm-size, --network none, --no-cache-filter, --pull); --cache-to/--cache-from with a bare ref; --annotation on the manifest; --iidfile and --quiet give the image ID", async () => {
  const dir = out("buildx-run-flags");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "Dockerfile"),
    `FROM ${shell.ref}@${shell.digest} AS probe
RUN grep -w db.internal /etc/hosts > /hosts; ulimit -n > /nofile; df -k /dev/shm | tail -1 | awk '{print $2}' > /shm; (wget -q -T 2 -O- http://${env.registry}/v2/ >/dev/null 2>&1 && echo net || echo nonet) > /net; cat /proc/sys/kernel/random/uuid > /stamp
FROM scratch
COPY --from=probe /hosts /nofile /shm /net /stamp /
`,
  );
  const cacheRef = `${env.registry}/tsfrontend-test/buildx-run-flags-cache:e2e-${process.pid}`;
  const common = ["build", dir, "--platform", "linux/amd64", "--add-host", "db.internal:10.9.8.7", "--ulimit", "nofile=512:1024", "--shm-size", "32m", "--network", "none"];
  const first = out("buildx-run-flags-1");
  ok(await runCli([...common, "--no-cache-filter", "probe", "--pull", "--cache-to", cacheRef, "--progress", "quiet", "-o", `type=local,dest=${first}`]), "RUN flags and --cache-to REF");
  assert.match(readFileSync(join(first, "hosts"), "utf8"), /^10\.9\.8\.7\s+db\.internal/);
  assert.equal(readFileSync(join(first, "nofile"), "utf8").trim(), "512");
  assert.equal(readFileSync(join(first, "shm"), "utf8").trim(), String(32 * 1024));
  assert.equal(readFileSync(join(first, "net"), "utf8").trim(), "nonet");
  // --no-cache-filter probe: the RUN runs again; without it, from the registry cache of --cache-from REF.
  const second = out("buildx-run-flags-2");
  ok(await runCli([...common, "--no-cache-filter", "probe", "--cache-from", cacheRef, "--progress", "quiet", "-o", `type=local,dest=${second}`]), "again with --no-cache-filter");
  assert.notEqual(readFileSync(join(second, "stamp"), "utf8"), readFileSync(join(first, "stamp"), "utf8"), "--no-cache-filter probe ran the stage again");
  const third = out("buildx-run-flags-3");
  ok(await runCli([...common, "--cache-from", cacheRef, "--progress", "quiet", "-o", `type=local,dest=${third}`]), "again from the cache");
  const stamps = [first, second].map((d) => readFileSync(join(d, "stamp"), "utf8"));
  assert.ok(stamps.includes(readFileSync(join(third, "stamp"), "utf8")), "without --no-cache-filter the RUN is cached");
  // --iidfile and --quiet: the image's config digest (what buildx calls the image ID).
  const iid = join(dir, "iid");
  writeFileSync(iid, "stale");
  const ref = `${env.registry}/tsfrontend-test/buildx-run-flags:e2e-${process.pid}`;
  const metadata = join(dir, "metadata.json");
  const q = await runCli([...common, "-t", ref, "--push", "--quiet", "--iidfile", iid, "--metadata-file", metadata]);
  const id = ok(q, "--quiet --iidfile").trim();
  assert.equal(q.stderr, "", "--quiet: no progress");
  const response = JSON.parse(readFileSync(metadata, "utf8")) as Record<string, string>;
  assert.match(id, /^sha256:[a-f0-9]{64}$/);
  assert.equal(id, response["containerimage.config.digest"]);
  assert.equal(readFileSync(iid, "utf8"), id);
  // --annotation: on the image manifest (no type), as buildx sends it.
  const tar = out("buildx-run-flags.tar");
  ok(await runCli([...common, "--annotation", "org.example.note=annotated", "--progress", "quiet", "-o", `type=oci,dest=${tar}`]), "--annotation");
  assert.equal(readOciTar(tar).images[0]?.manifest.annotations?.["org.example.note"], "annotated");
  const both = await runCli([...common, "--quiet", "--progress", "plain"]);
  assert.equal(both.status, 1);
  assert.match(both.stderr, /progress=plain and quiet cannot be used together/);
  const bad = await runCli(["build", dir, "--network", "bridge"]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--network: network mode "bridge" not supported by buildkit/);
});
