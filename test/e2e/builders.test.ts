// e2e: runs alone (starts two buildkitd of its own, builds on both at once and kills them;
// scripts/test-all.sh runs it after the other e2e files).
/**
 * Builders of several nodes (src/builder/) against real daemons: two private
 * buildkitd (lib/private-daemon.ts: own sockets and state dirs, the test
 * registry), one builder with node "amd" declared linux/amd64 and node "arm"
 * declared linux/arm64 (both run on this amd64 machine and can emulate, so
 * native means declared). The seed example examples/busybox-shell.ts is built
 * for both platforms through the builder and pushed as one index, checked with
 * `tsfrontend inspect` (platforms, configs) and by a RUN on top of the pushed
 * image for each platform (its binaries run and say their architecture,
 * written with type=local as one folder per platform); type=oci gives one
 * index tarball. Faults: a node down is one line naming node and platform;
 * a daemon killed mid-build is one such line and nothing is tagged; with
 * --retry-other-node the survivor builds the lost platform; Ctrl-C leaves both
 * daemons with no build running and nothing tagged. A tcp:// node with mutual
 * TLS (lib/tls.ts) takes its certificates as buildx's remote driver-opts. A
 * `# syntax=` Dockerfile runs our frontend image (lib/frontend-image.ts) on each node.
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { activeBuilds } from "./lib/active-builds.js";
import { cliPath, ok, repoRoot, requireEnv, run as runCmd, runCli, skopeoCreds, tempDir, type E2eEnv, type RunResult } from "./lib/env.js";
import { startPrivateDaemon, type PrivateDaemon } from "./lib/private-daemon.js";
import { ensureShellImage, type ShellImage } from "./lib/shell-image.js";
import { ensureFrontendImage } from "./lib/frontend-image.js";
import { makeCerts, startTlsDaemon, type TlsDaemon } from "./lib/tls.js";

let env: E2eEnv;
let work: ReturnType<typeof tempDir>;
let amd: PrivateDaemon;
let arm: PrivateDaemon;
const retired: PrivateDaemon[] = [];
let shell: ShellImage;
let cliEnv: NodeJS.ProcessEnv;
let tlsDaemon: TlsDaemon | undefined;
const run = randomBytes(4).toString("hex");

const PLATFORMS = "linux/amd64,linux/arm64";

/** A build that sleeps on each platform (long enough to be interrupted), then records its architecture. */
const SLOW = `import { image } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";

export default (ctx: BuildContext) =>
  ctx.perPlatform((target) => ({
    state: image(ctx.buildArgs["BASE"]!, { platform: target })
      .run({ args: ["/bin/sh", "-c", "sleep " + ctx.buildArgs["SLEEP"] + "; uname -m > /arch; echo " + ctx.buildArgs["NONCE"] + " > /nonce" +
        (ctx.buildArgs["FAIL_ARCH"] ? "; if [ $(uname -m) = " + ctx.buildArgs["FAIL_ARCH"] + " ]; then echo boom-$(uname -m) >&2; exit 3; fi" : "")] })
      .root(),
    config: { Cmd: ["/bin/sh"] },
  }));
`;

/** Runs what the seed image has on board and records it: its busybox runs for the image's architecture. */
const CHECKER = `import { copy, image, scratch } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";

export default (ctx: BuildContext) =>
  ctx.perPlatform((target) => {
    const ran = image(ctx.buildArgs["IMAGE"]!, { platform: target })
      .run({ args: ["/bin/sh", "-c", "{ uname -m; ls /bin/sh /bin/busybox; id -un app; } > /check.out"] })
      .root();
    return { state: scratch().file(copy(ran, "/check.out", "/check.out")) };
  });
`;

function cli(args: readonly string[]): Promise<RunResult> {
  return runCli(args, { env: cliEnv, timeout: 10 * 60_000 });
}

interface InspectDoc {
  manifests: { platform: string | null; attestation: boolean; attests: string | null }[];
  images: { platform: string; architecture: string; os: string; cmd: string[] | null; labels: Record<string, string>; manifest: { digest: string } }[];
}

async function inspectJson(ref: string): Promise<InspectDoc> {
  return JSON.parse(ok(await cli(["inspect", "--format", "json", ref]), `inspect ${ref}`));
}

/** Whether the registry has `ref` (tsfrontend inspect answers "unknown image" when it does not). */
async function tagged(ref: string): Promise<boolean> {
  const r = await cli(["inspect", ref]);
  if (r.status === 0) return true;
  assert.match(r.stderr, /unknown image|manifest unknown/i, `inspect ${ref}: ${r.stderr}`);
  return false;
}

/** Waits until every daemon runs a build (the build is under way on each node). */
async function waitActive(daemons: readonly PrivateDaemon[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await Promise.all(daemons.map(async (d) => (await activeBuilds(d.address)).length));
    if (counts.every((n) => n > 0)) return;
    assert.ok(Date.now() < deadline, `builds did not start on every node: ${counts.join(", ")} running`);
    await sleep(200);
  }
}

/** Waits until a daemon runs no build (a cancelled build takes a moment to end). */
async function waitIdle(d: PrivateDaemon, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let active = await activeBuilds(d.address);
  while (active.length > 0 && Date.now() < deadline) {
    await sleep(250);
    active = await activeBuilds(d.address);
  }
  assert.deepEqual(active, [], `builds still running on ${d.address}`);
}

/** Starts the CLI in the background; resolves with its result when it ends. */
function startCli(args: readonly string[]): { pid: number; done: Promise<RunResult> } {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, env: cliEnv, stdio: ["ignore", "pipe", "pipe"] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => out.push(b));
  child.stderr.on("data", (b: Buffer) => err.push(b));
  const done = new Promise<RunResult>((resolve) =>
    child.on("close", (status, signal) => resolve({ status, signal, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") })),
  );
  return { pid: child.pid!, done };
}

/** A new daemon as node "arm" of the builder (after the last one was killed). */
async function replaceArm(): Promise<void> {
  retired.push(arm);
  arm = await startPrivateDaemon();
  ok(await cli(["builder", "create", "--append", "--name", "pool", "--node", "arm", "--platform", "linux/arm64", arm.address]), "replacing node arm");
}

function slowArgs(tag: string, sleepSeconds: number, extra: readonly string[] = []): string[] {
  return ["build", "--builder", "pool", ...extra, "-f", join(work.dir, "slow.ts"), "--build-arg", `BASE=${shell.ref}`, "--build-arg", `SLEEP=${sleepSeconds}`,
    "--build-arg", `NONCE=${run}-${tag}-${Date.now()}`, "--platform", PLATFORMS, "--progress", "plain", "-o", `type=image,name=${ref(tag)},push=true`];
}

function ref(tag: string): string {
  return `${env.registry}/tsfrontend-builders/${run}:${tag}`;
}

before(async () => {
  env = requireEnv();
  work = tempDir("builders");
  cliEnv = { ...process.env, TSFRONTEND_CONFIG_DIR: join(work.dir, "config") };
  delete cliEnv["TSFRONTEND_BUILDER"];
  writeFileSync(join(work.dir, "slow.ts"), SLOW);
  writeFileSync(join(work.dir, "checker.ts"), CHECKER);
  [amd, arm, shell] = await Promise.all([startPrivateDaemon(), startPrivateDaemon(), ensureShellImage()]);
  ok(await cli(["builder", "create", "--name", "pool", "--node", "amd", "--platform", "linux/amd64", amd.address]), "builder create");
  ok(await cli(["builder", "create", "--append", "--name", "pool", "--node", "arm", "--platform", "linux/arm64", "--label", "role=arm", arm.address]), "builder create --append");
});

after(async () => {
  for (const d of [amd, arm, ...retired]) await d?.stop();
  await tlsDaemon?.stop();
  work?.remove();
});

test("builder ls and inspect show both nodes running with their declared platforms first", async () => {
  const ls = ok(await cli(["builder", "ls"]), "builder ls");
  assert.match(ls, /^NAME\/NODE\s+DRIVER\/ENDPOINT\s+STATUS\s+BUILDKIT\s+PLATFORMS$/m);
  assert.match(ls, /^pool\*?\s+remote {3,}$/m);
  // As buildx ls: platforms grouped by os/arch (the group with a declared one marked), majors first.
  assert.match(ls, new RegExp(`\\\\_ amd\\s+\\\\_ ${amd.address}\\s+running\\s+v0\\.32\\.2\\s+linux/amd64\\* \\(\\+\\d+\\), linux/arm64, `));
  assert.match(ls, new RegExp(`\\\\_ arm\\s+\\\\_ ${arm.address}\\s+running\\s+v0\\.32\\.2\\s+linux/amd64 \\(\\+\\d+\\), linux/arm64\\*, `));
  // --no-trunc: every platform, the declared ones first.
  const full = ok(await cli(["builder", "ls", "--no-trunc"]), "builder ls --no-trunc");
  assert.match(full, new RegExp(`\\\\_ arm\\s+\\\\_ ${arm.address}\\s+running\\s+v0\\.32\\.2\\s+linux/arm64\\*, linux/amd64, linux/amd64/v2`));
  const inspect = ok(await cli(["builder", "inspect", "pool", "--bootstrap"]), "builder inspect");
  // As buildx's inspect: the worker's labels (with the node's declared ones, keys sorted) and GC policy.
  assert.match(inspect, /Name:\s+arm\nEndpoint:\s+unix:.*\nStatus:\s+running\nBuildKit version:\s+v0\.32\.2\nPlatforms:\s+linux\/arm64\*.*\nLabels:\n( \S+:\s+\S+\n)* org\.mobyproject\.buildkit\.worker\.executor:\s+oci\n( \S+:\s+\S+\n)* role:\s+arm\nGC Policy rule#0:\n All:\s+(true|false)\n/);
  // ls --format json: buildx's fields, the worker IDs among them.
  const json = ok(await cli(["builder", "ls", "--format", "json"]), "builder ls --format json");
  const pool = json.trimEnd().split("\n").map((l) => JSON.parse(l) as { Name: string; Nodes: { Name: string; Status: string; IDs?: string[]; Platforms?: string[] }[] }).find((b) => b.Name === "pool");
  assert.deepEqual(pool?.Nodes.map((n) => [n.Name, n.Status, n.IDs?.length, n.Platforms?.[0]]), [["amd", "running", 1, "linux/amd64"], ["arm", "running", 1, "linux/arm64"]]);
});

test("the seed example for two platforms through the builder: one index, each platform built on its node, binaries that run", async (t) => {
  const start = Date.now();
  const r = await cli(["build", "--builder", "pool", "-f", "examples/busybox-shell.ts", "--local", `busybox=${join(env.cache, "busybox")}`,
    "--platform", PLATFORMS, "--opt", "attest:provenance=mode=min", "--progress", "plain", "--metadata-file", join(work.dir, "md.json"),
    "-o", `type=image,name=${ref("shell")},push=true`]);
  ok(r, "builder build of examples/busybox-shell.ts");
  t.diagnostic(`built on two nodes and pushed in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  // One display: each node's steps prefixed by node and platform; each platform on its own node.
  assert.match(r.stderr, /^#\d+ \[amd linux\/amd64\] busybox --install \(amd64\)$/m);
  assert.match(r.stderr, /^#\d+ \[arm linux\/arm64\] busybox --install \(arm64\)$/m);
  assert.doesNotMatch(r.stderr, /\[amd [^\]]*arm64|\[arm [^\]]*amd64/);
  const doc = await inspectJson(ref("shell"));
  const md = JSON.parse(readFileSync(join(work.dir, "md.json"), "utf8")) as Record<string, string>;
  assert.match(md["containerimage.digest"] ?? "", /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(doc.manifests.filter((m) => !m.attestation).map((m) => m.platform), ["linux/amd64", "linux/arm64"]);
  // The provenance attestation of each node's image is kept in the merged index, naming its image.
  assert.deepEqual(doc.manifests.filter((m) => m.attestation).map((m) => m.attests), doc.images.map((i) => i.manifest.digest));
  for (const [i, arch] of ["amd64", "arm64"].entries()) {
    const img = doc.images[i]!;
    assert.equal(img.platform, `linux/${arch}`);
    assert.equal(img.architecture, arch);
    assert.equal(img.os, "linux");
    assert.deepEqual(img.cmd, ["/bin/sh"]);
    assert.equal(img.labels["org.opencontainers.image.title"], "busybox-shell");
  }
  // Run the pushed image's busybox on each platform (arm64 emulated), through the builder again: type=local, one folder per platform.
  const out = join(work.dir, "check");
  ok(await cli(["build", "--builder", "pool", "-f", join(work.dir, "checker.ts"), "--build-arg", `IMAGE=${ref("shell")}@${md["containerimage.digest"]}`,
    "--platform", PLATFORMS, "--progress", "plain", "-o", `type=local,dest=${out}`]), "checker build");
  assert.deepEqual(readdirSync(out).sort(), ["linux_amd64", "linux_arm64"]);
  assert.equal(readFileSync(join(out, "linux_amd64", "check.out"), "utf8"), "x86_64\n/bin/busybox\n/bin/sh\napp\n");
  assert.equal(readFileSync(join(out, "linux_arm64", "check.out"), "utf8"), "aarch64\n/bin/busybox\n/bin/sh\napp\n");
});

test("type=oci through the builder: one index tarball holding both platforms", async () => {
  const dest = join(work.dir, "shell.oci.tar");
  ok(await cli(["build", "--builder", "pool", "-f", "examples/busybox-shell.ts", "--local", `busybox=${join(env.cache, "busybox")}`,
    "--platform", PLATFORMS, "--progress", "quiet", "-o", `type=oci,dest=${dest}`]), "oci build");
  const doc = await inspectJson(dest);
  assert.deepEqual(doc.images.map((i) => i.platform), ["linux/amd64", "linux/arm64"]);
  assert.deepEqual(doc.images.map((i) => i.architecture), ["amd64", "arm64"]);
  // Nothing of the nodes' own tarballs is left beside it.
  assert.deepEqual(readdirSync(work.dir).filter((n) => n.includes("shell.oci.tar")), ["shell.oci.tar"]);
});

test("a node that is down: one line naming node, address and platform; nothing tagged", async () => {
  const down = `unix://${join(work.dir, "no-daemon.sock")}`;
  ok(await cli(["builder", "create", "--name", "broken", "--node", "amd", "--platform", "linux/amd64", amd.address]), "create broken");
  ok(await cli(["builder", "create", "--append", "--name", "broken", "--node", "gone", "--platform", "linux/arm64", down]), "append gone");
  const r = await cli(["build", "--builder", "broken", "-f", join(work.dir, "slow.ts"), "--build-arg", `BASE=${shell.ref}`, "--build-arg", "SLEEP=0",
    "--build-arg", `NONCE=${run}-down`, "--platform", PLATFORMS, "--progress", "quiet", "-o", `type=image,name=${ref("down")},push=true`]);
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.equal(lines[0], `tsfrontend: node "gone" (${down}) for linux/arm64: ${join(work.dir, "no-daemon.sock")} does not exist`);
  assert.equal(await tagged(ref("down")), false);
  // builder ls says the same.
  const ls = await cli(["builder", "ls"]);
  assert.match(ok(ls, "ls"), /\\_ gone\s+\\_ unix:\S+\s+inactive\s/);
  assert.match(ls.stderr, /Failed to get status for broken \(gone\): \S+ does not exist\n/);
  // With --retry-other-node the build goes on without it: its platform is built (emulated) on the other node.
  const retried = await cli(["build", "--builder", "broken", "--retry-other-node", "-f", join(work.dir, "slow.ts"), "--build-arg", `BASE=${shell.ref}`,
    "--build-arg", "SLEEP=0", "--build-arg", `NONCE=${run}-down-retried`, "--platform", PLATFORMS, "--progress", "plain", "-o", `type=image,name=${ref("down-retried")},push=true`]);
  ok(retried, "build without the down node");
  assert.match(retried.stderr, /tsfrontend: node "gone" \(unix:\S+\) for linux\/arm64: \S+ does not exist; building without it/);
  assert.match(retried.stderr, /\[amd linux\/amd64,linux\/arm64\] building on/);
  assert.deepEqual((await inspectJson(ref("down-retried"))).images.map((i) => i.platform), ["linux/amd64", "linux/arm64"]);
});

test("what buildx does beyond the merge: one node's share is a build as on one daemon, index annotations on the merged index, buildkit's OCI layout names, a platform no node lists on the first node, -q silent, a failed type=local leaves no dest", async () => {
  const dir = join(work.dir, "plain");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Dockerfile"), "FROM scratch\nARG NONCE\nCOPY Dockerfile /\nLABEL nonce=$NONCE\n");
  const base = (nonce: string) => ["build", "--builder", "pool", "-f", join(dir, "Dockerfile"), "--local", `context=${dir}`, "--build-arg", `NONCE=${run}-${nonce}`];
  const raw = async (r: string) => JSON.parse(await runCmd(env.skopeo, ["inspect", "--raw", "--tls-verify=false", ...skopeoCreds(env), `docker://${r}`], { timeout: 120_000 }).then((x) => ok(x, `skopeo inspect ${r}`))) as {
    mediaType: string;
    annotations?: Record<string, string>;
    manifests?: { platform?: { architecture: string }; annotations?: Record<string, string> }[];
  };

  // One platform: pushed by its node as one daemon pushes it (a manifest, not an index of one), with the
  // node's own exporter response in --metadata-file (the config digest too) and nothing said under -q but the image ID.
  const md = join(dir, "one.json");
  const one = await cli([...base("one"), "--platform", "linux/arm64", "-q", "--metadata-file", md, "-o", `type=image,name=${ref("one")},push=true`]);
  ok(one, "one-platform build");
  assert.equal(one.stderr, "");
  assert.match(one.stdout, /^sha256:[0-9a-f]{64}\n$/);
  const oneDoc = await raw(ref("one"));
  assert.equal(oneDoc.mediaType, "application/vnd.oci.image.manifest.v1+json");
  const meta = JSON.parse(readFileSync(md, "utf8")) as Record<string, unknown>;
  assert.equal(meta["containerimage.config.digest"], one.stdout.trim());

  // Two nodes: --annotation index:/manifest-descriptor: go on the merged index (a node's one-platform export refuses them).
  const annotated = await cli([...base("ann"), "--platform", PLATFORMS, "--progress", "plain", "--annotation", "index:org.example.k=v",
    "--annotation", "manifest-descriptor[linux/arm64]:org.example.arch=arm", "-o", `type=image,name=${ref("ann")},push=true`]);
  ok(annotated, "annotated two-node build");
  const last = annotated.stderr.trimEnd().split("\n").at(-1)!;
  assert.match(last, new RegExp(`^tsfrontend: pushed \\S+:ann@sha256:[0-9a-f]{64} \\(2 manifests\\)$`), "the pushed line comes after the progress");
  const idx = await raw(ref("ann"));
  assert.deepEqual(idx.annotations, { "org.example.k": "v" });
  assert.deepEqual(idx.manifests!.map((m) => [m.platform?.architecture, m.annotations ?? {}]), [["amd64", {}], ["arm64", { "org.example.arch": "arm" }]]);

  // type=oci from two nodes: index.json as buildkit's oci exporter writes it (image name, ref name, created).
  const tar = join(dir, "two.tar");
  ok(await cli([...base("oci"), "--platform", PLATFORMS, "--progress", "quiet", "-o", `type=oci,dest=${tar},name=r.example/app:7`]), "oci build");
  const indexJson = JSON.parse(ok(await runCmd("tar", ["-xOf", tar, "index.json"]), "tar index.json")) as { manifests: { annotations: Record<string, string> }[] };
  assert.deepEqual(Object.keys(indexJson.manifests[0]!.annotations), ["io.containerd.image.name", "org.opencontainers.image.created", "org.opencontainers.image.ref.name"]);
  assert.equal(indexJson.manifests[0]!.annotations["io.containerd.image.name"], "r.example/app:7");
  assert.equal(indexJson.manifests[0]!.annotations["org.opencontainers.image.ref.name"], "7");

  // A platform no node lists (FROM scratch needs no emulator): on the first node, as buildx does.
  const rv = await cli([...base("riscv"), "--platform", "linux/amd64,linux/riscv64", "--progress", "plain", "-o", `type=image,name=${ref("riscv")},push=true`]);
  ok(rv, "riscv64 build");
  assert.match(rv.stderr, /no node of the builder lists linux\/riscv64: building it on node "amd"/);
  assert.deepEqual((await inspectJson(ref("riscv"))).images.map((i) => i.platform), ["linux/amd64", "linux/riscv64"]);

  // A failed two-node local export leaves no dest it made.
  writeFileSync(join(dir, "Dockerfile.fail"), `FROM ${shell.ref}\nRUN [ "$(uname -m)" != aarch64 ] || exit 3\n`);
  const dest = join(dir, "failed-out");
  const failed = await cli(["build", "--builder", "pool", "-f", join(dir, "Dockerfile.fail"), "--local", `context=${dir}`, "--platform", PLATFORMS, "--progress", "quiet", "-o", `type=local,dest=${dest}`]);
  assert.equal(failed.status, 1, failed.stderr);
  assert.equal(existsSync(dest), false, "dest left behind");
});

test("--call through a builder: asked of the node of the first platform, the same answer as one daemon's; a node down is its one line", async () => {
  const dir = join(work.dir, "call");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Dockerfile"), "# Build a small image.\nFROM scratch AS base\n\n# The release stage.\nFROM base AS release\nARG VERSION=1\nCOPY Dockerfile /\n");
  // Plain progress: quiet would hide which node is asked.
  const callArgs = (call: string, extra: readonly string[]) => ["build", ...extra, "-f", join(dir, "Dockerfile"), "--local", `context=${dir}`, "--progress", "plain", "--call", call];
  for (const call of ["targets", "outline"]) {
    const one = await cli(callArgs(call, ["--addr", amd.address]));
    ok(one, `--call ${call} on one daemon`);
    const pool = await cli(callArgs(call, ["--builder", "pool", "--platform", "linux/arm64,linux/amd64"]));
    ok(pool, `--call ${call} on the builder`);
    assert.equal(pool.stdout, one.stdout, `--call ${call}`);
    assert.match(pool.stdout, call === "targets" ? /^base\s*\nrelease \(default\)/m : /VERSION\s+1/, `--call ${call}: ${pool.stdout}`);
    assert.match(pool.stderr, new RegExp(`\\[arm linux/arm64\\] asking the subrequest of ${arm.address.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    // Its steps are prefixed as a builder build's are.
    assert.match(pool.stderr, /^#\d+ \[arm linux\/arm64\] \[internal\] load build definition from Dockerfile$/m);
  }
  const down = `unix://${join(work.dir, "no-call-daemon.sock")}`;
  ok(await cli(["builder", "create", "--name", "call-broken", "--node", "gone", "--platform", "linux/arm64", down]), "create call-broken");
  ok(await cli(["builder", "create", "--append", "--name", "call-broken", "--node", "amd", "--platform", "linux/amd64", amd.address]), "append amd");
  const r = await cli(callArgs("targets", ["--builder", "call-broken", "--platform", "linux/arm64"]));
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr.trim(), `tsfrontend: node "gone" (${down}) for linux/arm64: ${join(work.dir, "no-call-daemon.sock")} does not exist`);
  assert.equal(r.stdout, "");
  // With --retry-other-node, another node that serves the platform (amd emulates arm64).
  const retried = await cli(callArgs("targets", ["--builder", "call-broken", "--platform", "linux/arm64", "--retry-other-node"]));
  ok(retried, "--call with --retry-other-node");
  assert.match(retried.stderr, /\[amd linux\/arm64\] asking the subrequest of/);
  assert.equal(retried.stdout, ok(await cli(callArgs("targets", ["--addr", amd.address])), "targets on amd"));
  // Without --platform: the first answering node's native platform.
  const first = await cli(callArgs("targets", ["--builder", "call-broken"]));
  ok(first, "--call without --platform");
  assert.match(first.stderr, /\[amd linux\/amd64\] asking the subrequest of/);
});

test("a daemon killed mid-build: one line naming its node and platform, the other node stopped, nothing tagged", async () => {
  const out = join(work.dir, "killed-out");
  mkdirSync(out);
  const b = startCli([...slowArgs("killed", 60), "-o", `type=local,dest=${out}`]);
  await waitActive([amd, arm]);
  arm.kill();
  const r = await b.done;
  assert.equal(r.status, 1, r.stderr);
  const errorLines = r.stderr.split("\n").filter((l) => l.startsWith("tsfrontend: node "));
  assert.deepEqual(errorLines, [`tsfrontend: node "arm" (${arm.address}) for linux/arm64: went away during the build (connection lost)`]);
  assert.equal(await tagged(ref("killed")), false);
  assert.deepEqual(readdirSync(out), [], "no platform folder is left by a failed build");
  // The survivor's build was cancelled, not left running.
  await waitIdle(amd);
  await replaceArm();
});

test("--retry-other-node: the lost node's platform is built on the survivor and the index is complete", async () => {
  const out = join(work.dir, "retry");
  mkdirSync(out);
  const b = startCli([...slowArgs("retried", 20, ["--retry-other-node"]), "-o", `type=local,dest=${out}`]);
  await waitActive([amd, arm]);
  arm.kill();
  const r = await b.done;
  ok(r, "build with --retry-other-node");
  assert.match(r.stderr, new RegExp(`node "arm" \\(${arm.address.replace(/[.]/g, "\\.")}\\) for linux/arm64: went away during the build \\(connection lost\\); retrying linux/arm64 on node "amd"`));
  assert.match(r.stderr, /\[amd linux\/arm64\] building on/);
  const doc = await inspectJson(ref("retried"));
  assert.deepEqual(doc.images.map((i) => i.platform), ["linux/amd64", "linux/arm64"]);
  assert.equal(readFileSync(join(out, "linux_arm64", "arch"), "utf8"), "aarch64\n");
  assert.equal(readFileSync(join(out, "linux_amd64", "arch"), "utf8"), "x86_64\n");
  await replaceArm();
});

test("Ctrl-C stops the build on every node: both daemons idle, nothing tagged", async () => {
  const b = startCli(slowArgs("interrupted", 120));
  await waitActive([amd, arm]);
  process.kill(b.pid, "SIGINT");
  const r = await b.done;
  assert.equal(r.status, 130, r.stderr);
  assert.match(r.stderr, /tsfrontend: build canceled\n$/);
  await Promise.all([waitIdle(amd), waitIdle(arm)]);
  assert.equal(await tagged(ref("interrupted")), false);
});

test("a tcp:// node with mutual TLS: certificates as driver options; without a client certificate it is unreachable, saying why", async () => {
  const certs = await makeCerts(join(work.dir, "pki"));
  tlsDaemon = await startTlsDaemon(certs);
  ok(await cli(["builder", "create", "--name", "tls", "--node", "remote", "--platform", "linux/amd64", "--driver-opt", `cacert=${certs.ca},cert=${certs.client.cert},key=${certs.client.key}`, tlsDaemon.address]), "create tls");
  ok(await cli(["builder", "create", "--name", "nocert", "--node", "remote", "--driver-opt", `cacert=${certs.ca}`, tlsDaemon.address]), "create nocert");
  assert.match(ok(await cli(["builder", "inspect", "tls", "--bootstrap"]), "inspect tls"), /Status:\s+running\n/);
  const bad = await cli(["builder", "inspect", "nocert", "--bootstrap"]);
  assert.equal(bad.status, 1, bad.stderr);
  assert.match(bad.stdout, /Status:\s+inactive\nError:\s+.*client certificate/);
  assert.match(bad.stderr, /^tsfrontend: node "remote" \(tcp:\/\/127\.0\.0\.1:\d+\): .*client certificate.*\n$/);
  const out = join(work.dir, "tls-out");
  ok(await cli(["build", "--builder", "tls", "-f", "examples/busybox-shell.ts", "--local", `busybox=${join(env.cache, "busybox")}`,
    "--platform", "linux/amd64", "--progress", "plain", "-o", `type=local,dest=${out}`]), "build over mTLS");
  // One platform: written into dest, as on one daemon.
  assert.ok(readdirSync(join(out, "bin")).includes("busybox"));
});

test("--export-cache per node: {platform} in the ref gives one registry cache per platform", async () => {
  const cacheRef = `${env.registry}/tsfrontend-builders/${run}-cache:{platform}`;
  ok(await cli(["build", "--builder", "pool", "-f", join(work.dir, "slow.ts"), "--build-arg", `BASE=${shell.ref}`, "--build-arg", "SLEEP=0",
    "--build-arg", `NONCE=${run}-cache`, "--platform", PLATFORMS, "--progress", "quiet", "--export-cache", `type=registry,ref=${cacheRef},mode=max`]), "build with --export-cache");
  for (const p of ["linux-amd64", "linux-arm64"]) {
    const r = await runCmd(env.skopeo, ["inspect", "--raw", "--tls-verify=false", ...skopeoCreds(env), `docker://${cacheRef.replace("{platform}", p)}`], { timeout: 120_000 });
    assert.equal(r.status, 0, `cache for ${p}: ${r.stderr}`);
    assert.match(r.stdout, /application\/vnd\.buildkit\.cacheconfig\.v0/);
  }
});

test("a step that fails on one node: its log and the node's line, the other node stopped, nothing tagged", async () => {
  const r = await cli([...slowArgs("failed", 0), "--build-arg", "FAIL_ARCH=aarch64"]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /boom-aarch64/);
  const last = r.stderr.trimEnd().split("\n").at(-1)!;
  assert.match(last, new RegExp(`^tsfrontend: node "arm" \\(${arm.address.replace(/[.]/g, "\\.")}\\) for linux/arm64: process "/bin/sh -c .*" did not complete successfully: exit code: 3$`));
  assert.equal(await tagged(ref("failed")), false);
  await Promise.all([waitIdle(amd), waitIdle(arm)]);
});

test("a frontend (dockerfile.v0) is split by platform too; a Definition from stdin goes to the node of its one platform, Definitions per platform each to theirs", async () => {
  const ctx = join(work.dir, "df");
  mkdirSync(ctx);
  writeFileSync(join(ctx, "Dockerfile"), `FROM ${shell.ref}\nARG TARGETARCH\nRUN echo $TARGETARCH > /target && uname -m > /arch\n`);
  const dest = join(work.dir, "df.oci.tar");
  const r = await cli(["build", "--builder", "pool", "--frontend", "dockerfile.v0", "--local", `context=${ctx}`, "--local", `dockerfile=${ctx}`,
    "--platform", PLATFORMS, "--progress", "plain", "-o", `type=oci,dest=${dest}`]);
  ok(r, "dockerfile.v0 on the builder");
  // Each node's frontend got its own platform (TARGETARCH expanded in the step name).
  assert.match(r.stderr, /\[amd linux\/amd64\] \[2\/2\] RUN echo amd64 >/);
  assert.match(r.stderr, /\[arm linux\/arm64\] \[2\/2\] RUN echo arm64 >/);
  assert.deepEqual((await inspectJson(dest)).images.map((i) => i.platform), ["linux/amd64", "linux/arm64"]);
  // A Definition marshalled for linux/arm64 goes to the arm node.
  writeFileSync(join(work.dir, "def.ts"), `import { mkfile, scratch } from "tsfrontend/llb";
export default () => ({ state: scratch().file(mkfile("/def-${run}", 0o644, "from a definition\\n")) });
`);
  const defs = join(work.dir, "defs");
  ok(await cli(["llb", join(work.dir, "def.ts"), "--platform", "linux/arm64", "--output-dir", defs]), "llb");
  const [defFile] = readdirSync(defs);
  const out = join(work.dir, "def-out");
  const d = await runCli(["build", "--builder", "pool", "--platform", "linux/arm64", "--progress", "plain", "-o", `type=local,dest=${out}`],
    { env: cliEnv, input: readFileSync(join(defs, defFile!)) });
  ok(d, "Definition on the builder");
  assert.match(d.stderr, /\[arm linux\/arm64\] mkfile \/def-/);
  assert.doesNotMatch(d.stderr, /\[amd /);
  assert.equal(readFileSync(join(out, `def-${run}`), "utf8"), "from a definition\n");

  // One Definition per platform (llb --output-dir): each to the node of its platform, one index pushed,
  // each image with its own platform in its config.
  writeFileSync(join(work.dir, "defs.ts"), `import { mkfile, scratch } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";
export default (ctx: BuildContext) => ctx.perPlatform((p) => ({ state: scratch().file(mkfile("/arch-${run}", 0o644, p.architecture + "\\n")) }));
`);
  const perPlatform = join(work.dir, "defs-per-platform");
  ok(await cli(["llb", join(work.dir, "defs.ts"), "--platform", PLATFORMS, "--output-dir", perPlatform]), "llb per platform");
  assert.deepEqual(readdirSync(perPlatform).sort(), ["linux-amd64.pb", "linux-arm64.pb"]);
  const m = await cli(["build", "--builder", "pool", "-f", perPlatform, "--progress", "plain", "-o", `type=image,name=${ref("defs")},push=true`]);
  ok(m, "Definitions on the builder");
  assert.match(m.stderr, /\[amd linux\/amd64\] mkfile \/arch-/);
  assert.match(m.stderr, /\[arm linux\/arm64\] mkfile \/arch-/);
  const doc = await inspectJson(ref("defs"));
  assert.deepEqual(doc.images.map((i) => `${i.platform}=${i.os}/${i.architecture}`), ["linux/amd64=linux/amd64", "linux/arm64=linux/arm64"]);
  // A platform the directory has no Definition for: one line naming it, nothing built.
  const missing = await cli(["build", "--builder", "pool", "-f", perPlatform, "--platform", "linux/arm/v7", "-o", `type=image,name=${ref("defs-v7")},push=true`]);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, `tsfrontend: --platform: ${perPlatform} has no Definition for linux/arm/v7 (it has linux/amd64, linux/arm64)\n`);
});

test("a `# syntax=` Dockerfile through the builder: each node runs our frontend image for its own platform", async () => {
  const frontend = await ensureFrontendImage();
  const ctx = join(work.dir, "syntax");
  mkdirSync(ctx);
  writeFileSync(
    join(ctx, "Dockerfile"),
    `# syntax=${frontend.ref}@${frontend.digest}\nFROM ${shell.ref} AS work\nARG TARGETARCH\nRUN mkdir /out && echo $TARGETARCH > /out/target && uname -m > /out/arch\nFROM scratch\nCOPY --from=work /out /\n`,
  );
  const out = join(work.dir, "syntax-out");
  const r = await cli(["build", "--builder", "pool", "-f", join(ctx, "Dockerfile"), "--local", `context=${ctx}`, "--platform", PLATFORMS, "--progress", "plain", "-o", `type=local,dest=${out}`]);
  ok(r, "a # syntax= Dockerfile on the builder");
  // Each node runs the frontend image, and each node's step is its own platform's.
  for (const node of ["amd linux/amd64", "arm linux/arm64"]) assert.ok(r.stderr.includes(`[${node}] docker-image://${frontend.ref}`), `${node} ran the frontend image:\n${r.stderr}`);
  assert.match(r.stderr, /\[amd linux\/amd64\] .*RUN mkdir \/out && echo amd64/);
  assert.match(r.stderr, /\[arm linux\/arm64\] .*RUN mkdir \/out && echo arm64/);
  assert.deepEqual(readdirSync(out).sort(), ["linux_amd64", "linux_arm64"]);
  assert.equal(readFileSync(join(out, "linux_amd64", "arch"), "utf8"), "x86_64\n");
  assert.equal(readFileSync(join(out, "linux_arm64", "arch"), "utf8"), "aarch64\n");
  assert.equal(readFileSync(join(out, "linux_arm64", "target"), "utf8"), "arm64\n");
});

/** The record IDs of a `du --verbose` or `prune --verbose` listing. */
function recordIds(listing: string): string[] {
  return [...listing.matchAll(/^ID:\s+(\S+)$/gm)].map((m) => m[1]!).sort();
}

test("du, workers and prune with --builder act on every node, as buildx's; a node down is its one line", async () => {
  // Nothing builds meanwhile (this file runs alone, its tests one after the other); one
  // quick build through the pool leaves cache on both nodes whatever ran before.
  ok(await cli(slowArgs("du", 0)), "a quick build through the pool");
  const [amdDu, armDu] = await Promise.all([cli(["--addr", amd.address, "du", "--verbose"]), cli(["--addr", arm.address, "du", "--verbose"])]);
  const amdIds = recordIds(ok(amdDu, "du on amd"));
  const armIds = recordIds(ok(armDu, "du on arm"));
  assert.ok(amdIds.length > 0 && armIds.length > 0, "both nodes have build cache by now");
  assert.deepEqual(recordIds(ok(await cli(["--builder", "pool", "du", "--verbose"]), "du on the builder")), [...amdIds, ...armIds].sort());
  const table = ok(await cli(["--builder", "pool", "du"]), "du table on the builder");
  assert.match(table, /^ID\s+RECLAIMABLE\s+SIZE\s+LAST ACCESSED$/m);
  assert.match(table, /^Total:\s+\S+/m);

  const [amdWorkers, armWorkers] = await Promise.all([cli(["--addr", amd.address, "workers"]), cli(["--addr", arm.address, "workers"])]);
  const rows = (s: string) => s.trim().split("\n").slice(1);
  assert.deepEqual(rows(ok(await cli(["--builder", "pool", "workers"]), "workers on the builder")), [...rows(ok(amdWorkers, "workers amd")), ...rows(ok(armWorkers, "workers arm"))]);

  // --addr and --builder together: a usage error naming the flag.
  const both = await cli(["--builder", "pool", "--addr", amd.address, "du"]);
  assert.equal(both.status, 1, both.stderr);
  assert.match(both.stderr, /--builder: give either --builder \(several daemons\) or --addr \(one daemon\), not both/);

  // A builder with a node down: one line naming it, nothing pruned anywhere.
  const down = `unix://${join(work.dir, "no-prune-daemon.sock")}`;
  ok(await cli(["builder", "create", "--name", "prune-broken", "--node", "amd", "--platform", "linux/amd64", amd.address]), "create prune-broken");
  ok(await cli(["builder", "create", "--append", "--name", "prune-broken", "--node", "gone", "--platform", "linux/arm64", down]), "append gone");
  const refused = await cli(["--builder", "prune-broken", "prune", "--all"]);
  assert.equal(refused.status, 1, refused.stderr);
  assert.equal(refused.stderr.trim(), `tsfrontend: node "gone" (${down}) for linux/arm64: ${join(work.dir, "no-prune-daemon.sock")} does not exist`);
  assert.deepEqual(recordIds(ok(await cli(["--addr", amd.address, "du", "--verbose"]), "du on amd after the refused prune")), amdIds);

  // prune --all through the builder: both nodes' records go (listed together), both caches are empty after.
  const pruned = recordIds(ok(await cli(["--builder", "pool", "prune", "--all", "--verbose"]), "prune on the builder"));
  // Each node's records are among those pruned (a daemon may release some of its own meanwhile: not every one is listed).
  assert.ok(amdIds.some((id) => pruned.includes(id)) && armIds.some((id) => pruned.includes(id)), `both nodes' records pruned: ${pruned.join(" ")}`);
  // What is left (records the daemons' build history still holds) is listed alike through the builder and per node.
  const [amdAfter, armAfter] = await Promise.all([cli(["--addr", amd.address, "du", "--verbose"]), cli(["--addr", arm.address, "du", "--verbose"])]);
  const left = [...recordIds(ok(amdAfter, "du amd after prune")), ...recordIds(ok(armAfter, "du arm after prune"))].sort();
  assert.deepEqual(recordIds(ok(await cli(["--builder", "pool", "du", "--verbose"]), "du after prune")), left);
  assert.ok(left.length < amdIds.length + armIds.length, "prune removed records");
  for (const id of pruned) assert.ok(!left.includes(id), `pruned record ${id} is gone`);
});
