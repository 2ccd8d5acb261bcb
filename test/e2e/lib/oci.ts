/**
 * Reading OCI image layouts in tests: an OCI tarball (`-o type=oci`) or an
 * `oci:` directory (`skopeo copy ... oci:DIR`), from index.json through the
 * image index and manifests to the configs and layers. Every blob read is
 * checked against its digest.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { readTar, type TarEntry } from "./tar.js";

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageConfigDoc {
  architecture: string;
  os: string;
  variant?: string;
  config: {
    Env?: string[];
    User?: string;
    WorkingDir?: string;
    Entrypoint?: string[];
    Cmd?: string[];
    Labels?: Record<string, string>;
    ExposedPorts?: Record<string, unknown>;
  };
  rootfs: { type: string; diff_ids: string[] };
  history?: unknown[];
}

export interface PlatformImage {
  /** The descriptor in the image index (with its platform). */
  descriptor: Descriptor;
  manifest: ImageManifest;
  config: ImageConfigDoc;
}

export interface OciLayout {
  /** index.json of the layout. */
  top: { schemaVersion: number; manifests: Descriptor[] };
  /** The image index the layout's single entry points to (or a synthetic one when it points to a manifest). */
  indexDescriptor: Descriptor;
  index: { mediaType?: string; manifests: Descriptor[] };
  /** The platform images (attestation manifests with `unknown/unknown` left out). */
  images: PlatformImage[];
  blob(digest: string): Buffer;
}

export function sha256(b: Buffer): string {
  return "sha256:" + createHash("sha256").update(b).digest("hex");
}

function fromBlobs(readBlob: (name: string) => Buffer | undefined, indexJson: Buffer): OciLayout {
  const blob = (digest: string): Buffer => {
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    const b = readBlob(`blobs/sha256/${digest.slice(7)}`);
    assert.ok(b, `blob ${digest} is missing`);
    assert.equal(sha256(b), digest, `blob ${digest} has other content`);
    return b;
  };
  const top = JSON.parse(indexJson.toString("utf8")) as OciLayout["top"];
  assert.equal(top.schemaVersion, 2);
  assert.equal(top.manifests.length, 1, `index.json has ${top.manifests.length} entries`);
  const indexDescriptor = top.manifests[0]!;
  const doc = JSON.parse(blob(indexDescriptor.digest).toString("utf8")) as { manifests?: Descriptor[]; config?: Descriptor };
  const index = doc.manifests ? (doc as OciLayout["index"]) : { manifests: [indexDescriptor] };
  const images: PlatformImage[] = [];
  for (const d of index.manifests) {
    if (d.platform?.os === "unknown") continue;
    const manifest = JSON.parse(blob(d.digest).toString("utf8")) as ImageManifest;
    const config = JSON.parse(blob(manifest.config.digest).toString("utf8")) as ImageConfigDoc;
    manifest.layers ??= [];
    for (const l of manifest.layers) blob(l.digest);
    images.push({ descriptor: d, manifest, config });
  }
  return { top, indexDescriptor, index, images, blob };
}

/** Reads an OCI tarball. */
export function readOciTar(file: string): OciLayout {
  const files = new Map<string, Buffer>();
  for (const e of readTar(readFileSync(file))) if (e.type === "0") files.set(e.name, e.data);
  const layout = files.get("oci-layout");
  assert.ok(layout, "oci-layout is missing");
  assert.equal(JSON.parse(layout.toString()).imageLayoutVersion, "1.0.0");
  const index = files.get("index.json");
  assert.ok(index, "index.json is missing");
  return fromBlobs((n) => files.get(n), index);
}

/** Reads an OCI layout directory. */
export function readOciDir(dir: string): OciLayout {
  return fromBlobs((n) => (existsSync(join(dir, n)) ? readFileSync(join(dir, n)) : undefined), readFileSync(join(dir, "index.json")));
}

/** The entries of a layer blob (gzip or plain tar). */
export function layerEntries(layout: OciLayout, layer: Descriptor): TarEntry[] {
  const b = layout.blob(layer.digest);
  return readTar(layer.mediaType.endsWith("gzip") ? gunzipSync(b) : b);
}

/** `os/arch[/variant]` of a descriptor or config. */
export function platformOf(p: { os: string; architecture: string; variant?: string } | undefined): string {
  if (!p) return "<none>";
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}
