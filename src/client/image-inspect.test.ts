import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePlatform } from "../llb/platform.js";
import {
  baseMediaType,
  descriptorPlatform,
  documentMediaType,
  indexEntry,
  inspectImage,
  isIndexMediaType,
  isManifestMediaType,
  MANIFEST_ACCEPT,
  MediaType,
  platformImage,
  verifyDigest,
  type BlobSource,
  type Descriptor,
} from "./image-inspect.js";
import { sha256Digest } from "../llb/digest.js";

test("media types: index and manifest kinds, Accept header, content types with parameters, documents without the field", () => {
  assert.ok(isIndexMediaType(MediaType.ociIndex) && isIndexMediaType(MediaType.dockerManifestList));
  assert.ok(isManifestMediaType(MediaType.ociManifest) && isManifestMediaType(MediaType.dockerManifest));
  assert.ok(!isIndexMediaType(MediaType.ociManifest) && !isManifestMediaType("application/vnd.oci.image.config.v1+json"));
  for (const t of Object.values(MediaType)) assert.ok(MANIFEST_ACCEPT.split(", ").includes(t), t);
  assert.equal(baseMediaType("application/vnd.docker.distribution.manifest.v2+json; charset=utf-8"), MediaType.dockerManifest);
  assert.equal(documentMediaType({ mediaType: MediaType.dockerManifestList }, MediaType.ociIndex), MediaType.dockerManifestList);
  assert.equal(documentMediaType({}, `${MediaType.ociManifest}; x=y`), MediaType.ociManifest);
  assert.equal(documentMediaType({ manifests: [] }, "application/json"), MediaType.ociIndex);
  assert.equal(documentMediaType({ config: {} }), MediaType.ociManifest);
});

test("digests: sha256 checked, other algorithms refused", () => {
  const b = Buffer.from("hello");
  assert.equal(sha256Digest(b), "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  verifyDigest(b, sha256Digest(b), "x");
  assert.throws(() => verifyDigest(b, "sha256:" + "0".repeat(64), "blob"), { message: `blob: content has digest ${sha256Digest(b)}, expected sha256:${"0".repeat(64)}` });
  assert.throws(() => verifyDigest(b, "sha512:" + "0".repeat(128), "blob"), /unsupported digest/);
});

test("index entries: platforms normalised, attestation manifests marked with what they attest", () => {
  const d = (platform: Descriptor["platform"], annotations?: Record<string, string>): Descriptor => ({ mediaType: MediaType.ociManifest, digest: "sha256:" + "1".repeat(64), size: 10, ...(platform ? { platform } : {}), ...(annotations ? { annotations } : {}) });
  assert.equal(descriptorPlatform(d({ os: "linux", architecture: "arm64", variant: "v8" })), "linux/arm64");
  assert.equal(descriptorPlatform(d({ os: "linux", architecture: "arm" })), "linux/arm/v7");
  assert.equal(descriptorPlatform(d(undefined)), null);
  const att = indexEntry(d({ os: "unknown", architecture: "unknown" }, { "vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": "sha256:" + "2".repeat(64) }));
  assert.deepEqual([att.platform, att.attestation, att.attests], ["unknown/unknown", true, "sha256:" + "2".repeat(64)]);
  const img = indexEntry(d({ os: "linux", architecture: "amd64" }, { z: "1", a: "2" }));
  assert.deepEqual([img.attestation, img.attests, Object.keys(img.annotations)], [false, null, ["a", "z"]]);
});

test("platformImage: config fields, sizes and history from a manifest and config", () => {
  const manifest = {
    config: { mediaType: "application/vnd.docker.container.image.v1+json", digest: "sha256:" + "c".repeat(64), size: 100 },
    layers: [
      { mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", digest: "sha256:" + "d".repeat(64), size: 1000 },
      { mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", digest: "sha256:" + "e".repeat(64), size: 24 },
    ],
  };
  const config = {
    architecture: "arm",
    os: "linux",
    variant: "v7",
    config: { Env: ["A=1"], ExposedPorts: { "80/tcp": {}, "443/tcp": {} }, Volumes: { "/v": {} }, Labels: { b: "2", a: "1" }, Healthcheck: { Test: ["NONE"] }, Entrypoint: null },
    history: [{ created: "2026-01-01T00:00:00Z", created_by: "RUN x", empty_layer: true, comment: "c" }, { created_by: "COPY y" }],
  };
  const img = platformImage({ digest: "sha256:" + "f".repeat(64), mediaType: MediaType.dockerManifest, size: 500 }, manifest, config);
  assert.equal(img.platform, "linux/arm/v7");
  assert.deepEqual([img.user, img.entrypoint, img.cmd, img.workingDir, img.stopSignal, img.created], [null, null, null, null, null, null]);
  assert.deepEqual(img.exposedPorts, ["443/tcp", "80/tcp"]);
  assert.deepEqual(Object.keys(img.labels), ["a", "b"]);
  assert.deepEqual(img.healthcheck, { test: ["NONE"], interval: null, timeout: null, startPeriod: null, startInterval: null, retries: null });
  assert.equal(img.layersSize, 1024);
  assert.equal(img.totalSize, 1624);
  assert.deepEqual(img.history, [
    { created: "2026-01-01T00:00:00Z", createdBy: "RUN x", emptyLayer: true, comment: "c" },
    { created: null, createdBy: "COPY y", emptyLayer: false, comment: null },
  ]);
});

/** An in-memory source: documents by digest, the root named by `root`. */
function memorySource(docs: unknown[], rootIndex = 0): BlobSource {
  const blobs = new Map<string, Buffer>();
  const digests = docs.map((d) => {
    const b = Buffer.from(JSON.stringify(d));
    blobs.set(sha256Digest(b), b);
    return { digest: sha256Digest(b), size: b.length };
  });
  return {
    name: "mem",
    async root() {
      const { digest } = digests[rootIndex]!;
      return { bytes: blobs.get(digest)!, descriptor: { mediaType: "", digest, size: blobs.get(digest)!.length } };
    },
    async fetch(d) {
      const b = blobs.get(d.digest);
      if (!b) throw new Error(`no ${d.digest}`);
      return b;
    },
  };
}

test("inspectImage: a single manifest (no index), a Docker manifest list, and --platform on each", async () => {
  const config = { architecture: "amd64", os: "linux", config: {} };
  const cb = Buffer.from(JSON.stringify(config));
  const manifest = { schemaVersion: 2, mediaType: MediaType.dockerManifest, config: { mediaType: "application/vnd.docker.container.image.v1+json", digest: sha256Digest(cb), size: cb.length }, layers: [] };
  const single = await inspectImage(memorySource([manifest, config]));
  assert.equal(single.mediaType, MediaType.dockerManifest);
  assert.deepEqual(single.manifests, []);
  assert.deepEqual(
    single.images.map((i) => i.platform),
    ["linux/amd64"],
  );
  await inspectImage(memorySource([manifest, config]), { platform: parsePlatform("linux/amd64") });
  await assert.rejects(inspectImage(memorySource([manifest, config]), { platform: parsePlatform("linux/arm64") }), { message: "mem: the image is for linux/amd64, not linux/arm64 (it is a single manifest, not an index)" });

  const mb = Buffer.from(JSON.stringify(manifest));
  const list = { schemaVersion: 2, mediaType: MediaType.dockerManifestList, manifests: [{ mediaType: MediaType.dockerManifest, digest: sha256Digest(mb), size: mb.length, platform: { os: "linux", architecture: "amd64" } }] };
  const viaList = await inspectImage(memorySource([list, manifest, config]));
  assert.equal(viaList.manifests.length, 1);
  assert.equal(viaList.images[0]!.manifest.digest, sha256Digest(mb));
  await assert.rejects(inspectImage(memorySource([list, manifest, config]), { platform: parsePlatform("linux/arm64") }), { message: "mem: no manifest for platform linux/arm64 in the index (it has linux/amd64)" });
  await assert.rejects(inspectImage(memorySource([{ hello: 1 }])), /unsupported media type \(none\)/);
});
