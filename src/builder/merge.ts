/**
 * One image index from the images each node built: every node's result (an
 * image manifest, or an index of manifests and attestation manifests, as
 * buildkit's image and oci exporters write them) is opened and its entries
 * are collected into one OCI image index, as `docker buildx imagetools
 * create` combines sources (buildx v0.38.2 util/imagetools/create.go
 * `Combine`): image manifests keep their platform (read from the config when
 * the descriptor has none), attestation manifests are kept as they are
 * (platform `unknown/unknown`, `vnd.docker.reference.*` annotations naming
 * the manifest they describe), duplicates (same digest) appear once.
 */

import { sha256Digest } from "../llb/digest.js";
import { BuilderError } from "../errors.js";
import { goMapOrder } from "../internal/go/json.js";
import { parsePlatform } from "../llb/index.js";
import { descriptorPlatform, isIndexMediaType, isManifestMediaType, MediaType, documentMediaType, type BlobSource, type Descriptor } from "../client/image-inspect.js";

/** Entries collected from one node's result. */
export interface MergeSource {
  /** For messages, e.g. `node "amd" (linux/amd64)`. */
  label: string;
  /** The node's result: its root descriptor, and how to read its documents. */
  root: Descriptor;
  fetch: BlobSource["fetch"];
  /**
   * The platforms the node built. A root that is an image manifest of a node
   * that built one platform is that platform's image: no need to read it.
   */
  platforms?: readonly string[];
}

/** The index: its bytes, and a descriptor of it. */
export interface MergedIndex {
  bytes: Uint8Array;
  descriptor: Descriptor;
  /** The entries, in the index's order. */
  manifests: Descriptor[];
}

function parseJson(bytes: Uint8Array, what: string): Record<string, unknown> {
  try {
    const v = JSON.parse(Buffer.from(bytes).toString("utf8")) as unknown;
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new BuilderError(`${what} is not a JSON document`);
}

/**
 * The annotations a build's exporter attrs ask of the index, which a node's
 * one-platform export cannot take (buildkit refuses index annotations there):
 * `annotation-index.K` on the index, `annotation-manifest-descriptor[.P].K`
 * on its entries (all, or those of platform P), as buildx's
 * `extractIndexAnnotations` and imagetools `Combine` apply them, and
 * `annotation-index-descriptor.K` on the index's descriptor in an OCI
 * layout's index.json (buildkit's oci exporter).
 */
export interface IndexAnnotations {
  index: Record<string, string>;
  manifestDescriptor: { platform?: string; key: string; value: string }[];
  indexDescriptor: Record<string, string>;
}

const INDEX_ANNOTATION = /^annotation-(index|index-descriptor|manifest-descriptor)(?:\[([^\]]*)\])?\.(.+)$/;

/** Splits exporter attrs into what each node's export gets and the index's annotations. */
export function splitIndexAnnotations(attrs: Readonly<Record<string, string>>): { nodeAttrs: Record<string, string>; annotations: IndexAnnotations } {
  const nodeAttrs: Record<string, string> = {};
  const annotations: IndexAnnotations = { index: {}, manifestDescriptor: [], indexDescriptor: {} };
  for (const [k, v] of Object.entries(attrs)) {
    const m = INDEX_ANNOTATION.exec(k);
    if (!m) {
      nodeAttrs[k] = v;
      continue;
    }
    const [, type, platform, key] = m as unknown as [string, string, string | undefined, string];
    if (type === "manifest-descriptor") annotations.manifestDescriptor.push({ ...(platform ? { platform } : {}), key, value: v });
    else if (type === "index") annotations.index[key] = v;
    else annotations.indexDescriptor[key] = v;
  }
  return { nodeAttrs, annotations };
}

/** Only the fields a descriptor has (no nulls, nothing extra), in the OCI field order. */
export function cleanDescriptor(d: Descriptor): Descriptor {
  const out: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.artifactType) out.artifactType = d.artifactType;
  if (d.urls && d.urls.length > 0) out.urls = [...d.urls];
  if (d.annotations && Object.keys(d.annotations).length > 0) out.annotations = goMapOrder(d.annotations);
  if (d.platform) {
    const p = d.platform;
    out.platform = { architecture: p.architecture, os: p.os };
    if (p["os.version"]) out.platform["os.version"] = p["os.version"];
    if (p["os.features"] && p["os.features"].length > 0) out.platform["os.features"] = [...p["os.features"]];
    if (p.variant) out.platform.variant = p.variant;
  }
  return out;
}

/** The entries of one node's result: an index's entries, or the one manifest with its platform (from its config). */
export async function sourceEntries(source: MergeSource): Promise<Descriptor[]> {
  // The root's own annotations (an OCI layout's image name, ref name and creation time) describe the
  // node's export, not the image: buildx's nodes export indexes, whose entries carry none of them.
  const { annotations: _rootAnnotations, ...root } = source.root;
  if (isManifestMediaType(root.mediaType)) {
    if (root.platform) return [cleanDescriptor(root)];
    if (source.platforms?.length === 1) {
      const p = parsePlatform(source.platforms[0]!);
      return [cleanDescriptor({ ...root, platform: { architecture: p.architecture, os: p.os, ...(p.variant ? { variant: p.variant } : {}) } })];
    }
  }
  const bytes = await source.fetch(root, "manifest");
  const doc = parseJson(bytes, `${source.label}: ${root.digest}`);
  const mediaType = documentMediaType(doc, root.mediaType);
  if (isIndexMediaType(mediaType)) {
    const list = Array.isArray(doc["manifests"]) ? (doc["manifests"] as Descriptor[]) : [];
    if (list.length === 0) throw new BuilderError(`${source.label}: its image index ${root.digest} lists no manifest`);
    return list.map(cleanDescriptor);
  }
  if (root.platform) return [cleanDescriptor({ ...root, mediaType })];
  const config = doc["config"] as Descriptor | undefined;
  if (!config || typeof config.digest !== "string") throw new BuilderError(`${source.label}: manifest ${root.digest} has no config`);
  const cfg = parseJson(await source.fetch(config, "blob"), `${source.label}: config ${config.digest}`);
  if (typeof cfg["os"] !== "string" || typeof cfg["architecture"] !== "string") throw new BuilderError(`${source.label}: config ${config.digest} names no os/architecture`);
  const platform: NonNullable<Descriptor["platform"]> = { architecture: cfg["architecture"], os: cfg["os"] };
  if (typeof cfg["variant"] === "string" && cfg["variant"]) platform.variant = cfg["variant"];
  if (typeof cfg["os.version"] === "string" && cfg["os.version"]) platform["os.version"] = cfg["os.version"];
  return [cleanDescriptor({ ...root, mediaType, platform })];
}

function isAttestation(d: Descriptor): boolean {
  return d.annotations?.["vnd.docker.reference.type"] === "attestation-manifest";
}

/**
 * The index of all entries (pure): image manifests in the order of
 * `platformOrder` (others after, in the order given), then each attestation
 * manifest in the order of the image it describes; one entry per digest.
 * OCI media type unless every entry is a Docker schema 2 manifest (then a
 * Docker manifest list, as imagetools keeps Docker sources Docker).
 */
export function assembleIndex(entries: readonly Descriptor[], platformOrder: readonly string[] = [], annotations?: IndexAnnotations): MergedIndex {
  const seen = new Set<string>();
  const unique = entries.filter((d) => (seen.has(d.digest) ? false : (seen.add(d.digest), true)));
  const images = unique.filter((d) => !isAttestation(d));
  const rank = (d: Descriptor) => {
    const i = platformOrder.indexOf(descriptorPlatform(d) ?? "");
    return i < 0 ? platformOrder.length : i;
  };
  const sortedImages = images.map((d, i) => ({ d, i })).sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i).map((x) => x.d);
  const platforms = new Map<string, string>();
  for (const d of sortedImages) {
    const p = descriptorPlatform(d);
    if (p === null) continue;
    const other = platforms.get(p);
    if (other !== undefined) throw new BuilderError(`two images for ${p} (${other} and ${d.digest}): each platform must be built once`);
    platforms.set(p, d.digest);
  }
  const attestations = unique.filter(isAttestation);
  const order = new Map(sortedImages.map((d, i) => [d.digest, i]));
  const sortedAtt = attestations
    .map((d, i) => ({ d, i, r: order.get(d.annotations?.["vnd.docker.reference.digest"] ?? "") ?? sortedImages.length }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.d);
  let manifests = [...sortedImages, ...sortedAtt].map(cleanDescriptor);
  const docker = manifests.length > 0 && manifests.every((d) => d.mediaType === MediaType.dockerManifest);
  const mediaType = docker ? MediaType.dockerManifestList : MediaType.ociIndex;
  // As imagetools: annotations only on an OCI index (a Docker manifest list has none).
  const indexAnnotations = !docker && annotations ? goMapOrder(annotations.index) : {};
  if (!docker && annotations && annotations.manifestDescriptor.length > 0) {
    manifests = manifests.map((d) => {
      const add = annotations.manifestDescriptor.filter((a) => a.platform === undefined || a.platform === descriptorPlatform(d));
      return add.length === 0 ? d : cleanDescriptor({ ...d, annotations: { ...d.annotations, ...Object.fromEntries(add.map((a) => [a.key, a.value])) } });
    });
  }
  const doc = { schemaVersion: 2, mediaType, manifests, ...(Object.keys(indexAnnotations).length > 0 ? { annotations: indexAnnotations } : {}) };
  const bytes = new Uint8Array(Buffer.from(JSON.stringify(doc)));
  return { bytes, manifests, descriptor: { mediaType, digest: sha256Digest(bytes), size: bytes.length } };
}

/** Opens every source and assembles their index. */
export async function mergeSources(sources: readonly MergeSource[], platformOrder: readonly string[], annotations?: IndexAnnotations): Promise<MergedIndex> {
  const all = await Promise.all(sources.map(sourceEntries));
  return assembleIndex(all.flat(), platformOrder, annotations);
}

/** The root descriptor a node's exporter response names (`containerimage.descriptor`, else `containerimage.digest`). */
export function exportedDescriptor(resp: Readonly<Record<string, string>>, label: string): Descriptor {
  const b64 = resp["containerimage.descriptor"];
  if (b64) {
    try {
      const d = JSON.parse(Buffer.from(b64, "base64").toString("utf8")) as Descriptor;
      if (typeof d.digest === "string" && typeof d.size === "number") return d;
    } catch {
      // reported below
    }
  }
  const digest = resp["containerimage.digest"];
  if (!digest) throw new BuilderError(`${label}: the daemon's exporter response names no image (no containerimage.descriptor or containerimage.digest)`);
  // Size unknown: the registry client reads by digest and checks it.
  return { mediaType: MediaType.ociIndex, digest, size: -1 };
}
