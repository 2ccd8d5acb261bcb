/**
 * docker buildx's build flags that have no buildctl form, as buildx v0.38.2
 * reads them (commands/build.go, build/build.go, build/opt.go): `-t/--tag` and
 * `--push` (names and push for the image outputs), `--label` (label:K opts),
 * `--build-context NAME=VALUE` (context:NAME opts, with the locals and OCI
 * layout stores they need), the context path argument, the RUN settings
 * `--add-host`, `--network`, `--shm-size`, `--ulimit`, `--cgroup-parent`,
 * `--no-cache-filter` and `--pull` (frontend opts), `--cache-from/--cache-to`
 * (buildctl's cache specs, a bare ref meaning a registry), `--annotation`
 * (exporter attrs) and the image ID of `--iidfile` and `--quiet`.
 */

import { readFileSync, statSync } from "node:fs";
import { isIPv4, isIPv6 } from "node:net";
import { resolve } from "node:path";
import type { OutputEntry } from "../../client/exporters.js";
import { UsageError } from "../../errors.js";
import { formatPlatformAll, parsePlatform } from "../../llb/index.js";

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

/** The flags of {@link buildxRunOpts}, as given. */
export interface BuildxRunFlags {
  addHost?: readonly string[];
  network?: string;
  shmSize?: string;
  ulimit?: readonly string[];
  cgroupParent?: string;
  noCacheFilter?: readonly string[];
  pull?: boolean;
}

/** What buildx's run flags add: frontend opts, and the entitlement `--network host` needs. */
export interface BuildxRunOpts {
  opts: Record<string, string>;
  /** The flag each opt came from (for a conflict with --opt). */
  flagOf: Record<string, string>;
  entitlements: string[];
}

/** go-units' ulimit names (ParseUlimit). */
const ULIMIT_NAMES = new Set(["core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"]);

/** go-units `ParseUlimit` and `Ulimit.String()`: `name=soft[:hard]` as `name=soft:hard`. */
export function parseUlimit(value: string): { name: string; text: string } {
  const eq = value.indexOf("=");
  if (eq < 0) throw new UsageError(`invalid ulimit argument: ${value}`, { flag: "--ulimit" });
  const name = value.slice(0, eq);
  if (!ULIMIT_NAMES.has(name)) throw new UsageError(`invalid ulimit type: ${name}`, { flag: "--ulimit" });
  const [softText, hardText] = value.slice(eq + 1).split(/:(.*)/s, 2);
  const int = (s: string | undefined): bigint => {
    if (s === undefined || !/^[+-]?\d+$/.test(s)) throw new UsageError(`invalid ulimit value ${JSON.stringify(s ?? "")} in ${JSON.stringify(value)}: want a number`, { flag: "--ulimit" });
    return BigInt(s);
  };
  const soft = int(softText);
  const hard = hardText !== undefined ? int(hardText) : soft;
  if (hard !== -1n && soft > hard) throw new UsageError(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`, { flag: "--ulimit" });
  return { name, text: `${name}=${soft}:${hard}` };
}

/** go-units `RAMInBytes` (docker's --shm-size): a number with an optional binary unit, "64m", "1g", "1048576". */
export function parseRamBytes(value: string): bigint {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(value);
  if (!m) throw new UsageError(`invalid size: '${value}'`, { flag: "--shm-size" });
  const exp = m[2] ? "kmgtp".indexOf(m[2].toLowerCase()) + 1 : 0;
  const size = Number.parseFloat(m[1]!);
  if (!Number.isFinite(size)) throw new UsageError(`invalid size: '${value}'`, { flag: "--shm-size" });
  return BigInt(Math.trunc(size * 1024 ** exp));
}

const isIp = (s: string) => isIPv4(s) || isIPv6(s);

/**
 * buildx's `--add-host`, `--network`, `--shm-size`, `--ulimit`,
 * `--cgroup-parent`, `--no-cache-filter` and `--pull` as the frontend opts
 * buildx sends (build/opt.go `toSolveOpt`, build/utils.go): `add-hosts`
 * (host=ip, comma separated), `force-network-mode` (with the network.host
 * entitlement for host), `shm-size` in bytes, `ulimit` (sorted by name, the
 * last of a name kept), `cgroup-parent`, `no-cache` (the stages) and
 * `image-resolve-mode=pull`.
 */
export function buildxRunOpts(flags: BuildxRunFlags): BuildxRunOpts {
  const res: BuildxRunOpts = { opts: {}, flagOf: {}, entitlements: [] };
  const set = (key: string, value: string, flag: string) => {
    res.opts[key] = value;
    res.flagOf[key] = flag;
  };
  const hosts: string[] = [];
  for (const h of flags.addHost ?? []) {
    let i = h.indexOf("=");
    if (i < 0) i = h.indexOf(":");
    const host = i < 0 ? "" : h.slice(0, i);
    const ips = i < 0 ? "" : h.slice(i + 1);
    if (host === "" || ips === "") throw new UsageError(`invalid host ${h}: want HOST:IP`, { flag: "--add-host" });
    if (ips === "host-gateway") throw new UsageError(`invalid host ${h}: host-gateway is the docker driver's, not buildkitd's: give the IP`, { flag: "--add-host" });
    for (let ip of ips.split(",")) {
      if (ip.length > 2 && ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
      if (!isIp(ip)) throw new UsageError(`invalid host ${h}`, { flag: "--add-host" });
      hosts.push(`${host}=${ip}`);
    }
  }
  if (hosts.length > 0) set("add-hosts", hosts.join(","), "--add-host");
  switch (flags.network ?? "default") {
    case "host":
      set("force-network-mode", "host", "--network");
      res.entitlements.push("network.host");
      break;
    case "none":
      set("force-network-mode", "none", "--network");
      break;
    case "":
    case "default":
      break;
    default:
      throw new UsageError(`network mode ${JSON.stringify(flags.network)} not supported by buildkit: use default, host or none`, { flag: "--network" });
  }
  if (flags.shmSize !== undefined) {
    const bytes = parseRamBytes(flags.shmSize);
    if (bytes > 0n) set("shm-size", bytes.toString(), "--shm-size");
  }
  const ulimits = new Map<string, string>();
  for (const u of flags.ulimit ?? []) {
    const p = parseUlimit(u);
    ulimits.set(p.name, p.text);
  }
  if (ulimits.size > 0) set("ulimit", [...ulimits.keys()].sort().map((k) => ulimits.get(k)!).join(","), "--ulimit");
  if (flags.cgroupParent) set("cgroup-parent", flags.cgroupParent, "--cgroup-parent");
  if ((flags.noCacheFilter ?? []).length > 0) set("no-cache", flags.noCacheFilter!.join(","), "--no-cache-filter");
  if (flags.pull) set("image-resolve-mode", "pull", "--pull");
  return res;
}

/** buildx's `--cache-from`/`--cache-to` value: a bare reference is a registry cache (`type=registry,ref=REF`). */
export function cacheShorthand(value: string): string {
  return value.includes("=") ? value : `type=registry,ref=${value}`;
}

/** buildx's image ID (`--iidfile`, `--quiet`): the config digest when the exporter names one, else the image digest. */
export function imageIdOf(response: Readonly<Record<string, string>>): string {
  return response["containerimage.config.digest"] ?? response["containerimage.digest"] ?? "";
}

const ANNOTATION_TYPES = new Set(["", "index", "index-descriptor", "manifest", "manifest-descriptor"]);

/**
 * buildx's `--annotation [TYPE[PLATFORM],...:]KEY=VALUE` as the exporter
 * attrs buildx puts on every output (util/buildflags ParseAnnotations, then
 * buildkit's AnnotationKey.String): `annotation.KEY`,
 * `annotation-manifest[PLATFORM].KEY`, `annotation-index.KEY`...
 */
export function annotationAttrs(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const inp of values) {
    if (inp === "") continue;
    const eq = inp.indexOf("=");
    if (eq < 0) throw new UsageError(`invalid annotation ${JSON.stringify(inp)}, expected key=value`, { flag: "--annotation" });
    const k = inp.slice(0, eq);
    const v = inp.slice(eq + 1);
    const colon = k.indexOf(":");
    if (colon < 0) {
      out[`annotation.${k}`] = v;
      continue;
    }
    const key = k.slice(colon + 1);
    for (const typeAndPlatform of k.slice(0, colon).split(",")) {
      const m = /^([a-z-]+)(?:\[([A-Za-z0-9_/-]+)\])?$/.exec(typeAndPlatform);
      if (!m) throw new UsageError(`invalid annotation type ${JSON.stringify(typeAndPlatform)}, expected type and optional platform in square brackets`, { flag: "--annotation" });
      const type = m[1]!;
      if (!ANNOTATION_TYPES.has(type)) throw new UsageError(`unknown annotation type ${JSON.stringify(type)}`, { flag: "--annotation" });
      let platform = "";
      if (m[2]) {
        let p;
        try {
          p = parsePlatform(m[2]);
        } catch (err) {
          throw new UsageError(`invalid platform ${JSON.stringify(m[2])}: ${(err as Error).message}`, { flag: "--annotation", cause: err });
        }
        // Only manifest annotations are per platform (buildkit's AnnotationKey.String).
        if (type.startsWith("manifest")) platform = `[${formatPlatformAll(p)}]`;
      }
      out[`annotation-${type}${platform}.${key}`] = v;
    }
  }
  return out;
}
