import { test } from "node:test";
import assert from "node:assert/strict";
import { sha256Digest } from "../llb/digest.js";
import { BuilderError } from "../errors.js";
import { MediaType, type Descriptor } from "../client/image-inspect.js";
import { assembleIndex, exportedDescriptor, mergeSources, type MergeSource } from "./merge.js";

const dg = (c: string) => `sha256:${c.repeat(64)}`;
const img = (c: string, os: string, arch: string, variant?: string): Descriptor => ({
  mediaType: MediaType.ociManifest,
  digest: dg(c),
  size: 600,
  platform: { architecture: arch, os, ...(variant ? { variant } : {}) },
});
const att = (c: string, of: string): Descriptor => ({
  mediaType: MediaType.ociManifest,
  digest: dg(c),
  size: 800,
  platform: { architecture: "unknown", os: "unknown" },
  annotations: { "vnd.docker.reference.digest": of, "vnd.docker.reference.type": "attestation-manifest" },
});

test("assembleIndex: images in platform order, then each attestation after, duplicates once, digest of the bytes", () => {
  const arm = img("b", "linux", "arm64");
  const amd = img("a", "linux", "amd64");
  const idx = assembleIndex([arm, att("d", arm.digest), amd, att("c", amd.digest), amd], ["linux/amd64", "linux/arm64"]);
  assert.deepEqual(
    idx.manifests.map((d) => d.digest),
    [dg("a"), dg("b"), dg("c"), dg("d")],
  );
  const doc = JSON.parse(Buffer.from(idx.bytes).toString("utf8"));
  assert.equal(doc.schemaVersion, 2);
  assert.equal(doc.mediaType, MediaType.ociIndex);
  assert.deepEqual(doc.manifests[2].annotations, { "vnd.docker.reference.digest": dg("a"), "vnd.docker.reference.type": "attestation-manifest" });
  assert.deepEqual(doc.manifests[0].platform, { architecture: "amd64", os: "linux" });
  assert.equal(idx.descriptor.digest, sha256Digest(idx.bytes));
  assert.equal(idx.descriptor.size, idx.bytes.length);
  assert.equal(idx.descriptor.mediaType, MediaType.ociIndex);
});

test("assembleIndex: Docker manifests give a Docker manifest list; two images of one platform are refused", () => {
  const d = { ...img("a", "linux", "amd64"), mediaType: MediaType.dockerManifest };
  assert.equal(assembleIndex([d]).descriptor.mediaType, MediaType.dockerManifestList);
  assert.throws(() => assembleIndex([img("a", "linux", "amd64"), img("b", "linux", "amd64")]), (e: unknown) => e instanceof BuilderError && /two images for linux\/amd64/.test(e.message));
});

test("mergeSources: an index's entries are kept; a lone manifest gets its platform from its config", async () => {
  const config = Buffer.from(JSON.stringify({ os: "linux", architecture: "arm", variant: "v7", rootfs: { type: "layers", diff_ids: [] } }));
  const cfgDesc = { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256Digest(config), size: config.length };
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: cfgDesc, layers: [] }));
  const mDesc: Descriptor = { mediaType: MediaType.ociManifest, digest: sha256Digest(manifest), size: manifest.length };
  const amd = img("a", "linux", "amd64");
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [amd, att("c", amd.digest)] }));
  const iDesc: Descriptor = { mediaType: MediaType.ociIndex, digest: sha256Digest(index), size: index.length };
  const blobs = new Map<string, Uint8Array>([[mDesc.digest, manifest], [cfgDesc.digest, config], [iDesc.digest, index]]);
  const fetch: MergeSource["fetch"] = async (d) => {
    const b = blobs.get(d.digest);
    if (!b) throw new Error(`no ${d.digest}`);
    return b;
  };
  const merged = await mergeSources(
    [
      { label: "node b", root: mDesc, fetch },
      { label: "node a", root: iDesc, fetch },
    ],
    ["linux/amd64", "linux/arm/v7"],
  );
  assert.deepEqual(
    merged.manifests.map((d) => [d.digest, d.platform]),
    [
      [amd.digest, { architecture: "amd64", os: "linux" }],
      [mDesc.digest, { architecture: "arm", os: "linux", variant: "v7" }],
      [dg("c"), { architecture: "unknown", os: "unknown" }],
    ],
  );
});

test("exportedDescriptor: containerimage.descriptor (base64 JSON), else the digest; neither is an error", () => {
  const d = { mediaType: MediaType.ociIndex, digest: dg("e"), size: 123 };
  assert.deepEqual(exportedDescriptor({ "containerimage.descriptor": Buffer.from(JSON.stringify(d)).toString("base64") }, "n"), d);
  assert.equal(exportedDescriptor({ "containerimage.digest": dg("f") }, "n").digest, dg("f"));
  assert.throws(() => exportedDescriptor({}, "node x"), /node x: the daemon's exporter response names no image/);
});

test("mergeSources: a node's lone image manifest for its one platform is taken as it is (nothing read)", async () => {
  const root: Descriptor = { mediaType: MediaType.ociManifest, digest: dg("9"), size: 700 };
  const fetch: MergeSource["fetch"] = async (d) => {
    throw new Error(`read ${d.digest}`);
  };
  const merged = await mergeSources([{ label: "node arm", root, fetch, platforms: ["linux/arm/v7"] }], []);
  assert.deepEqual(merged.manifests, [{ ...root, platform: { architecture: "arm", os: "linux", variant: "v7" } }]);
});
