/**
 * What `tsfrontend inspect` shows of an image: the index, each platform's
 * manifest, config, layers and history, read through a {@link BlobSource}
 * (a registry, src/client/registry.ts, or an OCI tarball,
 * src/client/oci-archive.ts). Media types and fields as in the OCI image spec
 * v1.1 and Docker's schema2; attestation manifests as buildkit v0.32.2 writes
 * them (`vnd.docker.reference.type=attestation-manifest`, platform unknown/unknown).
 * The result is plain data with fixed keys: `--format json` prints it as is.
 */

import { TsfError, ErrorCode } from "../errors.js";
import { sha256Digest } from "../llb/digest.js";
import { formatPlatform, normalizePlatform, type Platform } from "../llb/platform.js";
import { isRecord } from "../internal/go/json.js";

/** The manifest and index media types tsfrontend reads. */
export const MediaType = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
} as const;

/** The `Accept` header for manifests: OCI and Docker schema2 indexes and manifests. */
export const MANIFEST_ACCEPT = [MediaType.ociIndex, MediaType.dockerManifestList, MediaType.ociManifest, MediaType.dockerManifest].join(", ");

/** An index (OCI image index or Docker manifest list). */
export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociIndex || mediaType === MediaType.dockerManifestList;
}

/** A single-image manifest (OCI or Docker schema2). */
export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociManifest || mediaType === MediaType.dockerManifest;
}

/** A registry's `Content-Type` without parameters (`; charset=...`), lower case. */
export function baseMediaType(contentType: string | null | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

/**
 * The media type of a manifest document: its `mediaType` field, else the
 * transport's content type, else guessed from its shape (`manifests` = index,
 * `config` = manifest), as containerd does for OCI documents without the field.
 */
export function documentMediaType(doc: unknown, contentType?: string): string {
  const d = isRecord(doc) ? doc : {};
  if (typeof d["mediaType"] === "string" && d["mediaType"] !== "") return d["mediaType"];
  const ct = baseMediaType(contentType);
  if (isIndexMediaType(ct) || isManifestMediaType(ct)) return ct;
  if (Array.isArray(d["manifests"])) return MediaType.ociIndex;
  if (isRecord(d["config"])) return MediaType.ociManifest;
  return ct;
}

/** Throws when `bytes` do not hash to `digest` (sha256 only; other algorithms are refused). */
export function verifyDigest(bytes: Uint8Array, digest: string, what: string): void {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new ImageError(`${what}: unsupported digest ${digest} (only sha256 is verified)`);
  const got = sha256Digest(bytes);
  if (got !== digest) throw new ImageError(`${what}: content has digest ${got}, expected ${digest}`);
}

/** Something wrong with an image or where it was read from; one line. */
export class ImageError extends TsfError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(ErrorCode.Io, message, options);
  }
}

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string; variant?: string; "os.version"?: string; "os.features"?: string[] };
  annotations?: Record<string, string>;
  artifactType?: string;
  urls?: string[];
}

/** Where an image's documents come from. Every `fetch` returns bytes already checked against the digest. */
export interface BlobSource {
  /** How the image is named in the output (normalised reference, or `oci-archive:PATH`). */
  readonly name: string;
  /** The document the reference names: its bytes, media type (from the transport if known) and digest. */
  root(): Promise<{ bytes: Uint8Array; descriptor: Descriptor }>;
  /** A manifest (`kind` "manifest") or a config blob by descriptor, checked against its digest. */
  fetch(descriptor: Descriptor, kind: "manifest" | "blob"): Promise<Uint8Array>;
  /** Optional check that a layer is present (a tarball: present with the descriptor's size). */
  checkLayer?(descriptor: Descriptor): Promise<void>;
}

/** One entry of the index. */
export interface IndexEntry {
  digest: string;
  mediaType: string;
  size: number;
  /** `os/arch[/variant]`, `unknown/unknown` for attestations, null when the entry has none. */
  platform: string | null;
  /** An attestation manifest (`vnd.docker.reference.type=attestation-manifest`). */
  attestation: boolean;
  /** For an attestation: the digest of the manifest it is about (`vnd.docker.reference.digest`). */
  attests: string | null;
  annotations: Record<string, string>;
}

export interface LayerInfo {
  digest: string;
  mediaType: string;
  /** Compressed size, as the manifest says. */
  size: number;
}

export interface HistoryInfo {
  created: string | null;
  createdBy: string | null;
  emptyLayer: boolean;
  comment: string | null;
}

/** One platform's image. */
export interface PlatformImage {
  platform: string;
  manifest: { digest: string; mediaType: string; size: number };
  config: { digest: string; mediaType: string; size: number };
  created: string | null;
  architecture: string;
  os: string;
  variant: string | null;
  user: string | null;
  env: string[];
  entrypoint: string[] | null;
  cmd: string[] | null;
  workingDir: string | null;
  exposedPorts: string[];
  volumes: string[];
  labels: Record<string, string>;
  stopSignal: string | null;
  healthcheck: { test: string[]; interval: number | null; timeout: number | null; startPeriod: number | null; startInterval: number | null; retries: number | null } | null;
  layers: LayerInfo[];
  /** Sum of the layers' compressed sizes. */
  layersSize: number;
  /** Manifest + config + layers: what the registry stores for this platform. */
  totalSize: number;
  history: HistoryInfo[];
}

/** What `tsfrontend inspect` reports; the `--format json` document. */
export interface Inspection {
  name: string;
  mediaType: string;
  digest: string;
  size: number;
  /** The index's entries (all of them, attestations included); empty when the reference names a single manifest. */
  manifests: IndexEntry[];
  /** The platform images (attestations left out), in index order; only the selected one with a platform filter. */
  images: PlatformImage[];
}

export interface InspectOptions {
  /** Show only this platform; an error when the index has none for it. */
  platform?: Platform;
}

function parseJSON(bytes: Uint8Array, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    throw new ImageError(`${what} is not valid JSON`);
  }
  if (!isRecord(v)) throw new ImageError(`${what} is not a JSON object`);
  return v;
}

function str(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

function strings(v: unknown): string[] | null {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : null;
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(v)) for (const k of Object.keys(v).sort()) if (typeof v[k] === "string") out[k] = v[k] as string;
  return out;
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function descriptorOf(v: unknown, what: string): Descriptor {
  if (!isRecord(v) || typeof v["digest"] !== "string" || typeof v["size"] !== "number") throw new ImageError(`${what} is not a descriptor (digest and size)`);
  return v as unknown as Descriptor;
}

/** `os/arch[/variant]` of a descriptor's platform, null when it has none. */
export function descriptorPlatform(d: Descriptor): string | null {
  const p = d.platform;
  if (!p || !p.os) return null;
  if (p.os === "unknown" || p.architecture === "unknown") return `${p.os}/${p.architecture}`;
  try {
    return formatPlatform(normalizePlatform({ os: p.os, architecture: p.architecture, ...(p.variant ? { variant: p.variant } : {}) }));
  } catch {
    return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
  }
}

/** The index entry as reported, attestation markers decoded. */
export function indexEntry(d: Descriptor): IndexEntry {
  const annotations = stringMap(d.annotations);
  const attestation = annotations["vnd.docker.reference.type"] === "attestation-manifest";
  return {
    digest: d.digest,
    mediaType: d.mediaType ?? "",
    size: d.size,
    platform: descriptorPlatform(d),
    attestation,
    attests: attestation ? (annotations["vnd.docker.reference.digest"] ?? null) : null,
    annotations,
  };
}

/** The platform image from a manifest and its config (both parsed JSON); pure. */
export function platformImage(manifestDesc: { digest: string; mediaType: string; size: number }, manifest: Record<string, unknown>, config: Record<string, unknown>): PlatformImage {
  const configDesc = descriptorOf(manifest["config"], `manifest ${manifestDesc.digest}: config`);
  const layersRaw = Array.isArray(manifest["layers"]) ? manifest["layers"] : [];
  const layers = layersRaw.map((l, i) => {
    const d = descriptorOf(l, `manifest ${manifestDesc.digest}: layer ${i}`);
    return { digest: d.digest, mediaType: d.mediaType ?? "", size: d.size };
  });
  const c = isRecord(config["config"]) ? config["config"] : {};
  const layersSize = layers.reduce((n, l) => n + l.size, 0);
  const hc = isRecord(c["Healthcheck"]) ? c["Healthcheck"] : undefined;
  const architecture = typeof config["architecture"] === "string" ? config["architecture"] : "";
  const os = typeof config["os"] === "string" ? config["os"] : "";
  const variant = str(config["variant"]);
  return {
    platform: [os || "unknown", architecture || "unknown", variant].filter(Boolean).join("/"),
    manifest: { digest: manifestDesc.digest, mediaType: manifestDesc.mediaType, size: manifestDesc.size },
    config: { digest: configDesc.digest, mediaType: configDesc.mediaType ?? "", size: configDesc.size },
    created: str(config["created"]),
    architecture,
    os,
    variant,
    user: str(c["User"]),
    env: strings(c["Env"]) ?? [],
    entrypoint: strings(c["Entrypoint"]),
    cmd: strings(c["Cmd"]),
    workingDir: str(c["WorkingDir"]),
    exposedPorts: isRecord(c["ExposedPorts"]) ? Object.keys(c["ExposedPorts"]).sort() : [],
    volumes: isRecord(c["Volumes"]) ? Object.keys(c["Volumes"]).sort() : [],
    labels: stringMap(c["Labels"]),
    stopSignal: str(c["StopSignal"]),
    healthcheck: hc
      ? {
          test: strings(hc["Test"]) ?? [],
          interval: num(hc["Interval"]),
          timeout: num(hc["Timeout"]),
          startPeriod: num(hc["StartPeriod"]),
          startInterval: num(hc["StartInterval"]),
          retries: num(hc["Retries"]),
        }
      : null,
    layers,
    layersSize,
    totalSize: manifestDesc.size + configDesc.size + layersSize,
    history: (Array.isArray(config["history"]) ? config["history"] : []).filter(isRecord).map((h) => ({
      created: str(h["created"]),
      createdBy: str(h["created_by"]),
      emptyLayer: h["empty_layer"] === true,
      comment: str(h["comment"]),
    })),
  };
}

/** Reads the image `source` names: the index (if any), then each platform's manifest and config. */
export async function inspectImage(source: BlobSource, options: InspectOptions = {}): Promise<Inspection> {
  const root = await source.root();
  const doc = parseJSON(root.bytes, `${source.name}: ${root.descriptor.digest}`);
  const mediaType = documentMediaType(doc, root.descriptor.mediaType);
  const wanted = options.platform ? formatPlatform(normalizePlatform(options.platform)) : undefined;
  const result: Inspection = { name: source.name, mediaType, digest: root.descriptor.digest, size: root.bytes.length, manifests: [], images: [] };

  const readImage = async (desc: Descriptor, mediaTypeHint: string, bytes?: Uint8Array): Promise<PlatformImage> => {
    const mbytes = bytes ?? (await source.fetch(desc, "manifest"));
    const manifest = parseJSON(mbytes, `manifest ${desc.digest}`);
    const mt = documentMediaType(manifest, mediaTypeHint);
    if (!isManifestMediaType(mt)) throw new ImageError(`${source.name}: ${desc.digest} has media type ${mt || "(none)"}, not an image manifest`);
    const configDesc = descriptorOf(manifest["config"], `manifest ${desc.digest}: config`);
    const config = parseJSON(await source.fetch(configDesc, "blob"), `config ${configDesc.digest}`);
    const image = platformImage({ digest: desc.digest, mediaType: mt, size: mbytes.length }, manifest, config);
    if (source.checkLayer) for (const l of image.layers) await source.checkLayer(l);
    return image;
  };

  if (isIndexMediaType(mediaType)) {
    const list = Array.isArray(doc["manifests"]) ? doc["manifests"] : [];
    const descs = list.map((m, i) => descriptorOf(m, `${source.name}: index entry ${i}`));
    result.manifests = descs.map(indexEntry);
    const images = descs.filter((d, i) => !result.manifests[i]!.attestation && descriptorPlatform(d) !== "unknown/unknown");
    const chosen = wanted === undefined ? images : images.filter((d) => descriptorPlatform(d) === wanted);
    if (wanted !== undefined && chosen.length === 0) {
      const have = images.map((d) => descriptorPlatform(d) ?? "(no platform)").join(", ");
      throw new ImageError(`${source.name}: no manifest for platform ${wanted} in the index (it has ${have || "no platform images"})`);
    }
    for (const d of chosen) result.images.push(await readImage(d, d.mediaType));
  } else if (isManifestMediaType(mediaType)) {
    const image = await readImage(root.descriptor, mediaType, root.bytes);
    const own = descriptorPlatform({ mediaType, digest: image.manifest.digest, size: 0, platform: { os: image.os, architecture: image.architecture, ...(image.variant ? { variant: image.variant } : {}) } });
    if (wanted !== undefined && own !== wanted) {
      throw new ImageError(`${source.name}: the image is for ${image.platform}, not ${wanted} (it is a single manifest, not an index)`);
    }
    result.images.push(image);
  } else {
    throw new ImageError(`${source.name}: unsupported media type ${mediaType || "(none)"} (expected an OCI or Docker image index or manifest)`);
  }
  return result;
}
