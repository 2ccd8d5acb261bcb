/**
 * `tsfrontend inspect` end to end: a two-platform image built once and exported both to the
 * test registry (push) and to an OCI tarball, plus a single-platform docker-archive tarball;
 * inspect of each shows the same manifests, digests, sizes, config fields and history, and the
 * layers agree with what skopeo reads from the registry.
 */

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { ok, requireEnv, run, runCli, skopeo, skopeoCreds, tempDir, type E2eEnv } from "./lib/env.js";
import type { Inspection } from "../../src/client/image-inspect.js";

let env: E2eEnv;
let work: ReturnType<typeof tempDir>;
let ref: string;
let ociTar: string;
let dockerTar: string;

async function inspectJson(args: string[]): Promise<Inspection> {
  const out = ok(await runCli(["inspect", ...args, "--format", "json"], { timeout: 120_000 }), `tsfrontend inspect ${args.join(" ")}`);
  return JSON.parse(out) as Inspection;
}

before(async () => {
  env = requireEnv();
  work = tempDir("inspect");
  ref = `${env.registry}/tsfrontend-test/inspect:e2e-${process.pid}`;
  ociTar = join(work.dir, "image.oci.tar");
  dockerTar = join(work.dir, "image.docker.tar");
  const common = ["build", "-f", "test/e2e/fixtures/inspect.ts", "--progress", "plain"];
  ok(
    await runCli([...common, "--platform", "linux/amd64,linux/arm64", "-o", `type=image,name=${ref},push=true`, "-o", `type=oci,dest=${ociTar},name=example.com/tsf/inspect:1`], { timeout: 600_000 }),
    "tsfrontend build (registry + oci)",
  );
  ok(await runCli([...common, "--platform", "linux/arm64", "-o", `type=docker,dest=${dockerTar},name=example.com/tsf/inspect:arm64`], { timeout: 600_000 }), "tsfrontend build (docker)");
});

after(() => work?.remove());

test("registry and OCI tarball show the same index, manifests, configs and history", async () => {
  const reg = await inspectJson([ref]);
  const tar = await inspectJson([`oci-archive:${ociTar}`]);
  const tarByPath = await inspectJson([ociTar]);
  assert.deepEqual(tarByPath, { ...tar, name: tarByPath.name });
  assert.equal(reg.name, ref);
  assert.equal(tar.name, `oci-archive:${ociTar}`);
  assert.equal(reg.mediaType, "application/vnd.oci.image.index.v1+json");
  assert.match(reg.digest, /^sha256:[0-9a-f]{64}$/);
  // Everything but the name agrees: the same index bytes, manifests and configs.
  assert.deepEqual({ ...tar, name: "" }, { ...reg, name: "" });
  assert.deepEqual(
    reg.manifests.map((m) => m.platform),
    ["linux/amd64", "linux/arm64"],
  );
  assert.deepEqual(
    reg.images.map((i) => i.platform),
    ["linux/amd64", "linux/arm64"],
  );
  for (const img of reg.images) {
    const arch = img.architecture;
    assert.equal(img.os, "linux");
    assert.equal(img.user, "10000:10000");
    assert.ok(img.env.includes(`APP_PLATFORM=linux/${arch}`), img.env.join(" "));
    assert.deepEqual(img.entrypoint, ["/srv/app"]);
    assert.deepEqual(img.cmd, ["--serve"]);
    assert.equal(img.workingDir, "/srv");
    assert.deepEqual(img.exposedPorts, ["53/udp", "8080/tcp"]);
    assert.deepEqual(img.volumes, ["/srv/data"]);
    assert.deepEqual(img.labels, { "org.example.arch": arch, "org.opencontainers.image.title": "inspect-e2e" });
    assert.equal(img.stopSignal, "SIGTERM");
    assert.deepEqual(img.healthcheck?.test, ["CMD", "/srv/app", "--health"]);
    assert.equal(img.healthcheck?.interval, 30_000_000_000);
    assert.equal(img.healthcheck?.retries, 3);
    assert.match(img.created ?? "", /^\d{4}-\d\d-\d\dT/);
    assert.equal(img.layers.length, 2);
    assert.equal(img.layersSize, img.layers[0]!.size + img.layers[1]!.size);
    assert.equal(img.totalSize, img.layersSize + img.manifest.size + img.config.size);
    assert.equal(img.history.length, 2);
    assert.ok(img.history.every((h) => !h.emptyLayer && h.createdBy), JSON.stringify(img.history));
    assert.match(img.history[1]!.createdBy!, /add \/srv\/data/);
    const entry = reg.manifests.find((m) => m.digest === img.manifest.digest);
    assert.ok(entry, `${img.manifest.digest} is in the index`);
    assert.equal(entry.size, img.manifest.size);
  }
});

test("layer digests and sizes agree with skopeo inspect --raw of the same reference", async () => {
  const reg = await inspectJson([ref]);
  const raw = await skopeo(env, ["inspect", "--raw", "--tls-verify=false", ...skopeoCreds(env), `docker://${ref}`]);
  assert.equal("sha256:" + createHash("sha256").update(raw).digest("hex"), reg.digest);
  assert.equal(Buffer.byteLength(raw), reg.size);
  const index = JSON.parse(raw) as { manifests: { digest: string; size: number }[] };
  assert.deepEqual(
    index.manifests.map((m) => [m.digest, m.size]),
    reg.manifests.map((m) => [m.digest, m.size]),
  );
  for (const img of reg.images) {
    const mraw = await skopeo(env, ["inspect", "--raw", "--tls-verify=false", ...skopeoCreds(env), `docker://${ref.replace(/:[^:/]+$/, "")}@${img.manifest.digest}`]);
    const m = JSON.parse(mraw) as { config: { digest: string; size: number }; layers: { digest: string; size: number; mediaType: string }[] };
    assert.deepEqual(img.layers, m.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size })));
    assert.deepEqual([img.config.digest, img.config.size], [m.config.digest, m.config.size]);
  }
});

test("--platform linux/arm64 selects one image, in text and JSON", async () => {
  const all = await inspectJson([ref]);
  for (const src of [ref, `oci-archive:${ociTar}`]) {
    const one = await inspectJson([src, "--platform", "linux/arm64"]);
    assert.deepEqual(
      one.images.map((i) => i.platform),
      ["linux/arm64"],
    );
    assert.deepEqual(one.images[0], all.images.find((i) => i.platform === "linux/arm64"));
    const text = ok(await runCli(["inspect", src, "--platform", "linux/arm64"]), "inspect --platform (text)");
    assert.match(text, /^Image linux\/arm64:$/m);
    assert.doesNotMatch(text, /^Image linux\/amd64:$/m);
    assert.match(text, new RegExp(`^  Manifest: +${one.images[0]!.manifest.digest} `, "m"));
  }
  const missing = await runCli(["inspect", ref, "--platform", "linux/s390x"]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^tsfrontend: .*no manifest for platform linux\/s390x in the index \(it has linux\/amd64, linux\/arm64\)\n$/);
});

test("text output: the index as buildx prints it, then each platform's config, layers, total size and history", async () => {
  const reg = await inspectJson([ref]);
  const text = ok(await runCli(["inspect", ref]), "tsfrontend inspect (text)");
  assert.match(text, new RegExp(`^Name: +${ref.replace(/[.]/g, "\\.")}\nMediaType: +application/vnd\\.oci\\.image\\.index\\.v1\\+json\nDigest: +${reg.digest}\n`));
  assert.match(text, /^Manifests:$/m);
  for (const img of reg.images) {
    assert.match(text, new RegExp(`^  Name: +${ref.replace(/:[^:/]+$/, "").replace(/[.]/g, "\\.")}[^@]*@${img.manifest.digest}$`, "m"));
    assert.match(text, new RegExp(`^Image ${img.platform}:$`, "m"));
    for (const l of img.layers) assert.match(text, new RegExp(`^    ${l.digest}  ${l.mediaType.replace(/[.+]/g, "\\$&")} +.*\\(${l.size}B\\)$|^    ${l.digest}  .* ${l.size}B$`, "m"));
    assert.match(text, new RegExp(`^  Total size: .*${img.totalSize}B`, "m"));
  }
  assert.match(text, /^  Healthcheck: +\["CMD","\/srv\/app","--health"\], interval 30s, timeout 5s, retries 3$/m);
  assert.match(text, /^  ExposedPorts: 53\/udp, 8080\/tcp$/m);
  assert.match(text, /^  History:\n    CREATED +EMPTY LAYER +CREATED BY\n/m);
});

test("a docker-archive tarball (-o type=docker) shows the arm64 image with the registry's layers", async () => {
  const reg = await inspectJson([ref, "--platform", "linux/arm64"]);
  const dock = await inspectJson([dockerTar]);
  assert.equal(dock.images.length, 1);
  const [a, b] = [dock.images[0]!, reg.images[0]!];
  assert.equal(a.platform, "linux/arm64");
  assert.deepEqual(a.layers, b.layers);
  assert.deepEqual({ ...a, created: null, history: [], manifest: null, config: null, totalSize: 0 }, { ...b, created: null, history: [], manifest: null, config: null, totalSize: 0 });
});

test("clear one-line errors: unknown image, bad credentials, not an archive", async () => {
  const unknown = await runCli(["inspect", `${env.registry}/tsfrontend-test/does-not-exist:nope`]);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /^tsfrontend: unknown image 127\.0\.0\.1:\d+\/tsfrontend-test\/does-not-exist:nope: .*(NAME_UNKNOWN|MANIFEST_UNKNOWN).*\n$/);

  const noCreds = tempDir("inspect-nocreds");
  try {
    const denied = await runCli(["inspect", ref], { env: { ...process.env, DOCKER_CONFIG: noCreds.dir, DOCKER_AUTH_CONFIG: "" } });
    assert.equal(denied.status, 1);
    assert.match(denied.stderr, /^tsfrontend: 127\.0\.0\.1:\d+: 401 Unauthorized: authentication required \(UNAUTHORIZED\).*\n$/);
    const wrong = await runCli(["inspect", ref], {
      env: { ...process.env, DOCKER_CONFIG: noCreds.dir, DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { [env.registry]: { auth: Buffer.from(`${env.registryUser}:wrong`).toString("base64") } } }) },
    });
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /^tsfrontend: 127\.0\.0\.1:\d+: 401 Unauthorized: .*\n$/);
  } finally {
    noCreds.remove();
  }

  const notTar = join(work.dir, "not-an-archive.tar");
  await run("sh", ["-c", `echo hello > '${notTar}'`]);
  const bad = await runCli(["inspect", notTar]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^tsfrontend: .*not-an-archive\.tar is not an OCI archive: .*\n$/);
});

test("an index with an attestation manifest (the CLI fixture layout, copied with skopeo) reads the same from the registry", async () => {
  const fixtureRef = `${env.registry}/tsfrontend-test/inspect-fixture:e2e-${process.pid}`;
  await skopeo(env, ["copy", "--all", "--preserve-digests", "--dest-tls-verify=false", "--dest-creds", `${env.registryUser}:${env.registryPassword}`, "oci:test/cli/fixtures/inspect-layout", `docker://${fixtureRef}`]);
  const fromLayout = await inspectJson(["oci:test/cli/fixtures/inspect-layout"]);
  const fromRegistry = await inspectJson([fixtureRef]);
  assert.deepEqual({ ...fromRegistry, name: "" }, { ...fromLayout, name: "" });
  assert.deepEqual(
    fromRegistry.manifests.map((m) => [m.platform, m.attestation, m.attests]),
    [
      ["linux/amd64", false, null],
      ["linux/arm/v7", false, null],
      ["unknown/unknown", true, fromRegistry.manifests[0]!.digest],
    ],
  );
  const text = ok(await runCli(["inspect", fixtureRef]), "tsfrontend inspect (attestation)");
  assert.match(text, new RegExp(`^  Platform: +unknown/unknown\\n  Size: +\\d+B\\n  Attestation: for ${fromRegistry.manifests[0]!.digest}\\n  Annotations:\\n    vnd\\.docker\\.reference\\.digest: ${fromRegistry.manifests[0]!.digest}\\n    vnd\\.docker\\.reference\\.type: +attestation-manifest$`, "m"));
});
