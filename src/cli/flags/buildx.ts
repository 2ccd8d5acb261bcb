/**
 * docker buildx's build flags that have no buildctl form, as buildx v0.38.2
 * reads them (commands/build.go, build/build.go, build/opt.go): `-t/--tag` and
 * `--push` (names and push for the image outputs), `--label` (label:K opts),
 * `--build-context NAME=VALUE` (context:NAME opts, with the locals and OCI
 * layout stores they need) and the context path argument.
 */

import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { OutputEntry } from "../../client/exporters.js";
import { UsageError } from "../../errors.js";

/** Exporters whose `name` buildx fills from the tags. */
const NAMED_EXPORTERS = new Set(["image", "oci", "docker"]);

/**
 * buildx's outputs after `--push` and `-t`: `type=registry` is an image
 * output pushed; `--push` sets push=true on the image outputs (adding one when
 * there is none); the tags name every image, oci and docker output that has
 * no name. An image pushed without a name is refused as buildx refuses it.
 */
export function applyTagsAndPush(outputs: readonly OutputEntry[], o: { tags: readonly string[]; push: boolean }): OutputEntry[] {
  const out = outputs.map((e): OutputEntry => (e.type === "registry" ? { ...e, type: "image", attrs: { ...e.attrs, push: "true" } } : { ...e, attrs: { ...e.attrs } }));
  if (o.push) {
    const images = out.filter((e) => e.type === "image");
    for (const e of images) e.attrs["push"] = "true";
    if (images.length === 0) out.push({ type: "image", attrs: { push: "true" } });
  }
  for (const t of o.tags) {
    if (t.trim() === "") throw new UsageError("invalid tag: an empty name", { flag: "--tag" });
  }
  if (o.tags.length > 0) {
    for (const e of out) if (NAMED_EXPORTERS.has(e.type) && e.attrs["name"] === undefined) e.attrs["name"] = o.tags.join(",");
  }
  for (const e of out) {
    if (e.type === "image" && e.attrs["push"] === "true" && !e.attrs["name"]) {
      throw new UsageError("tag is needed when pushing to registry: give -t NAME (or name= in --output)", { flag: o.push ? "--push" : "--output" });
    }
  }
  return out;
}

/** `--label K=V` values as `label:K` opts. */
export function labelOpts(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf("=");
    const key = i < 0 ? v : v.slice(0, i);
    if (key === "") throw new UsageError(`invalid label ${JSON.stringify(v)}: want KEY=VALUE`, { flag: "--label" });
    out[`label:${key}`] = i < 0 ? "" : v.slice(i + 1);
  }
  return out;
}

/** What `--build-context` values add to a build. */
export interface BuildContexts {
  /** `context:NAME` opts. */
  opts: Record<string, string>;
  /** Local directories to send (name -> absolute dir). */
  locals: Map<string, string>;
  /** OCI layout stores to serve (store id -> absolute dir). */
  ociLayouts: Map<string, string>;
}

const REMOTE = /^(https?:\/\/|git@|git:\/\/|ssh:\/\/)|^github\.com\//;

/**
 * buildx's `--build-context NAME=VALUE`: a remote URL (git, http),
 * `docker-image://REF` or `target:NAME` is passed on as it is;
 * `oci-layout://DIR[:TAG][@DIGEST]` serves DIR as an OCI layout store and
 * names the manifest (TAG's, `latest` by default, or the only one);
 * anything else is a local directory sent as local NAME (`_context` and
 * `_dockerfile` for those two names, as buildx renames them).
 */
export function parseBuildContexts(values: readonly string[]): BuildContexts {
  const res: BuildContexts = { opts: {}, locals: new Map(), ociLayouts: new Map() };
  for (const v of values) {
    const i = v.indexOf("=");
    const name = i < 0 ? "" : v.slice(0, i).trim();
    const value = i < 0 ? "" : v.slice(i + 1);
    if (name === "" || value === "") throw new UsageError(`invalid context value: ${v}, expected key=value`, { flag: "--build-context" });
    const key = name.toLowerCase();
    if (REMOTE.test(value) || value.startsWith("docker-image://") || value.startsWith("target:")) {
      res.opts[`context:${key}`] = value;
      continue;
    }
    if (value.startsWith("oci-layout://")) {
      let path = value.slice("oci-layout://".length);
      let digest: string | undefined;
      const at = path.indexOf("@");
      if (at >= 0) [path, digest] = [path.slice(0, at), path.slice(at + 1)];
      let tag = "latest";
      const colon = path.lastIndexOf(":");
      if (colon > path.lastIndexOf("/")) [path, tag] = [path.slice(0, colon), path.slice(colon + 1)];
      const dir = resolve(path);
      digest ??= layoutDigest(dir, tag, name);
      if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new UsageError(`${name}: invalid digest ${digest}`, { flag: "--build-context" });
      const store = `build-context-${key}`;
      res.ociLayouts.set(store, dir);
      res.opts[`context:${key}`] = `oci-layout://${store}:${tag}@${digest}`;
      continue;
    }
    const dir = resolve(value);
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      throw new UsageError(`failed to get build context ${name}: ${value}: no such file or directory`, { flag: "--build-context" });
    }
    if (!isDir) throw new UsageError(`failed to get build context path ${value}: not a directory`, { flag: "--build-context" });
    const local = key === "context" || key === "dockerfile" ? `_${key}` : key;
    res.locals.set(local, dir);
    res.opts[`context:${key}`] = `local:${local}`;
  }
  return res;
}

/** The manifest digest `tag` names in the OCI layout at `dir` (its ref.name annotation), else the layout's only manifest. */
function layoutDigest(dir: string, tag: string, name: string): string {
  let index: { manifests?: { digest?: string; annotations?: Record<string, string> }[] };
  try {
    index = JSON.parse(readFileSync(resolve(dir, "index.json"), "utf8"));
  } catch (err) {
    throw new UsageError(`${name}: cannot read the OCI layout at ${dir}: ${(err as Error).message}`, { flag: "--build-context" });
  }
  const manifests = index.manifests ?? [];
  const named = manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  const desc = named ?? (manifests.length === 1 ? manifests[0] : undefined);
  if (!desc?.digest) throw new UsageError(`${name}: failed to resolve digest: no manifest tagged ${tag} in ${dir}, and not exactly one`, { flag: "--build-context" });
  return desc.digest;
}
