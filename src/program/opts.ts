/**
 * Frontend options (`--opt k=v`, the frontend image's `BUILDKIT_FRONTEND_OPT_*`)
 * <-> the options of a program build, read as buildkit's dockerui does
 * (frontend/dockerui/config.go `init` and attr.go, v0.32.2): `platform`,
 * `multi-platform` / `build-arg:BUILDKIT_MULTI_PLATFORM`, `build-arg:*`,
 * `label:*`, `target`, `no-cache`, `cache-imports` / `cache-from`,
 * `image-resolve-mode`, `add-hosts`, `force-network-mode`, `shm-size`,
 * `ulimit`, `cgroup-parent`, `hostname` / `BUILDKIT_SANDBOX_HOSTNAME`, the
 * resource limits (`memory`, `memswap`, `cpushares`, `cpuperiod`, `cpuquota`,
 * `cpusetcpus`, `cpusetmems`), `BUILDKIT_CACHE_MOUNT_NS`,
 * `BUILDKIT_DOCKERFILE_CHECK` (kept raw: the Dockerfile linter parses it),
 * `BUILDKIT_CONTEXT_KEEP_GIT_DIR`, `attest:sbom` (frontend/attestations
 * parse.go), `local-sessionid:*` and `context:*` (named contexts, resolved by
 * named-contexts.ts). `tsfrontend build` turns its flags into opts with
 * {@link programOpts}; the runner and the frontend image read them with
 * {@link parseProgramOpts}, so both see the same thing.
 */

import { ProgramError } from "../errors.js";
import { parseCsvFields } from "../internal/go/csvvalue.js";
import { parseBool, parseInt, parseUint } from "../internal/go/strconv.js";
import { parseUlimit } from "../internal/go/units.js";
import { ipString, parseIP } from "../internal/go/net.js";
import { formatPlatformAll, normalizePlatform, parsePlatforms, type Platform, type ResolveMode } from "../llb/index.js";
import { parseNormalizedNamed, tagNameOnly } from "../llb/reference.js";

const BUILD_ARG = "build-arg:";
const LABEL = "label:";
const CONTEXT = "context:";
const LOCAL_SESSION_ID = "local-sessionid:";

/** `force-network-mode`: dockerui's `parseNetMode` values. */
export type ForcedNetworkMode = "sandbox" | "host" | "none";

/** A cache import as the daemon's `CacheOptionsEntry` (`cache-imports` JSON, `cache-from` refs). */
export interface CacheImport {
  type: string;
  attrs: Record<string, string>;
}

/** What a program build reads from its frontend options. */
export interface ProgramOpts {
  /** `platform=a,b`: the target platforms, normalised, in order; empty when not given (the build platform then). */
  platforms: Platform[];
  /** A map result (an image index) even for one platform: `multi-platform` (or `build-arg:BUILDKIT_MULTI_PLATFORM`), or more than one platform. */
  multiPlatform: boolean;
  /** `build-arg:K=V`. */
  buildArgs: Record<string, string>;
  /** `label:K=V`: added to the image config's Labels (over the program's). */
  labels: Record<string, string>;
  /** `target=NAME`. */
  target: string | undefined;
  /** `context:NAME[::platform]=VALUE`, raw, keyed by `NAME[::platform]`. */
  contexts: Record<string, string>;
  /** `no-cache` is present: every op ignores the cache (a list of names counts as all: programs have no named stages). */
  noCache: boolean;
  /** dockerui's ignoreCache: undefined without `no-cache`, `[]` for all stages, else the stage names (`no-cache=a,b`). */
  noCacheStages: string[] | undefined;
  /** `cache-imports` (JSON) then `cache-from` (CSV of registry refs), for every solve. */
  cacheImports: CacheImport[];
  /** `image-resolve-mode`: default, pull or local. */
  imageResolveMode: ResolveMode;
  /** `add-hosts=host=ip,...`. */
  extraHosts: { host: string; ip: string }[];
  /** `force-network-mode`, if given. */
  networkMode: ForcedNetworkMode | undefined;
  /** `local-sessionid:NAME=ID`. */
  localSessionIDs: Record<string, string>;
  /** `shm-size` (bytes of /dev/shm for RUN; 0 when not given). */
  shmSize: number;
  /** `ulimit=name=soft[:hard],...`. */
  ulimits: { name: string; soft: number; hard: number }[];
  /** `memory`, `memswap`, `cpushares`, `cpuperiod`, `cpuquota`, `cpusetcpus`, `cpusetmems`; undefined when none is set. */
  linuxResources: LinuxResources | undefined;
  /** `cgroup-parent`. */
  cgroupParent: string;
  /** `build-arg:BUILDKIT_SANDBOX_HOSTNAME` (when not empty), else `hostname`. */
  hostname: string;
  /** `build-arg:BUILDKIT_CACHE_MOUNT_NS`: the namespace of cache mount ids. */
  cacheIDNamespace: string;
  /** `build-arg:BUILDKIT_DOCKERFILE_CHECK`, raw (the Dockerfile linter parses it), if given. */
  dockerfileCheck: string | undefined;
  /** `build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR` as a boolean, when it parses as one. */
  contextKeepGitDir: boolean | undefined;
  /** `attest:sbom` (or `build-arg:BUILDKIT_ATTEST_SBOM`): the scanner image (normalised) and its parameters. */
  sbom: { generator: string; parameters: Record<string, string> } | undefined;
  /** Every option, raw, as the program sees them in `ctx.opts`. */
  opts: Readonly<Record<string, string>>;
}

function filter(opts: Readonly<Record<string, string>>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

/** dockerui's `parsePlatforms` (parsed and normalised; a bad element throws a PlatformError naming it). */
function parseTargetPlatforms(v: string): Platform[] {
  return parsePlatforms(v).map(normalizePlatform);
}

function parseResolveMode(v: string | undefined): ResolveMode {
  switch (v ?? "") {
    case "":
    case "default":
      return "default";
    case "pull":
      return "pull";
    case "local":
      return "local";
    default:
      throw new ProgramError(`invalid image-resolve-mode: ${v}`);
  }
}

/** dockerui's `parseExtraHosts` (fields split at commas; host names are lower-cased as buildkit does). */
function parseExtraHosts(v: string | undefined): { host: string; ip: string }[] {
  if (!v) return [];
  let fields: string[];
  try {
    fields = parseCsvFields(v);
  } catch (err) {
    throw new ProgramError(`failed to parse additional hosts: ${(err as Error).message}`, { cause: err });
  }
  return fields.map((field) => {
    const lower = field.toLowerCase();
    const eq = lower.indexOf("=");
    if (eq < 0) throw new ProgramError(`failed to parse additional hosts: invalid key-value pair ${field}`);
    const ip = parseIP(lower.slice(eq + 1));
    if (!ip) throw new ProgramError(`failed to parse additional hosts: failed to parse IP ${lower.slice(eq + 1)}`);
    return { host: lower.slice(0, eq), ip: ipString(ip) };
  });
}

function parseNetMode(v: string | undefined): ForcedNetworkMode | undefined {
  switch (v ?? "") {
    case "":
      return undefined;
    case "none":
    case "host":
    case "sandbox":
      return v as ForcedNetworkMode;
    default:
      throw new ProgramError(`invalid netmode ${v}`);
  }
}

function parseCacheImports(opts: Readonly<Record<string, string>>): CacheImport[] {
  const out: CacheImport[] = [];
  const json = opts["cache-imports"];
  if (json) {
    let list: unknown;
    try {
      list = JSON.parse(json);
    } catch (err) {
      throw new ProgramError(`failed to unmarshal cache-imports (${JSON.stringify(json)}): ${(err as Error).message}`, { cause: err });
    }
    for (const e of Array.isArray(list) ? list : []) {
      const entry = (e ?? {}) as { Type?: unknown; type?: unknown; Attrs?: unknown; attrs?: unknown };
      const attrs = (entry.Attrs ?? entry.attrs ?? {}) as Record<string, unknown>;
      out.push({ type: String(entry.Type ?? entry.type ?? ""), attrs: Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, String(v)])) });
    }
  }
  const from = opts["cache-from"];
  if (from) for (const ref of from.split(",")) out.push({ type: "registry", attrs: { ref } });
  return out;
}

/** pb.LinuxResources as dockerui reads it (frontend/dockerui/attr.go `parseLinuxResources`). */
export interface LinuxResources {
  memory?: number;
  memorySwap?: number;
  cpuShares?: number;
  cpuPeriod?: number;
  cpuQuota?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
}

/** dockerui's `parseShmSize`. */
function parseShmSize(v: string | undefined): number {
  if (!v) return 0;
  try {
    return Number(parseInt(v, 10, 64));
  } catch (err) {
    throw new ProgramError(`failed to parse shm size: ${(err as Error).message}`, { cause: err });
  }
}

/** dockerui's `parseUlimits`: CSV fields, each go-units' `ParseUlimit`. */
function parseUlimits(v: string | undefined): { name: string; soft: number; hard: number }[] {
  if (!v) return [];
  try {
    return parseCsvFields(v).map((f) => {
      const u = parseUlimit(f);
      return { name: u.name, soft: Number(u.soft), hard: Number(u.hard) };
    });
  } catch (err) {
    throw new ProgramError(`failed to parse ulimit: ${(err as Error).message}`, { cause: err });
  }
}

/** buildkit's util/cpuset.Validate: comma-separated CPU numbers or ranges `a-b` with a <= b. */
function validCpuset(v: string): boolean {
  return v.split(",").every((part) => {
    const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(part.trim());
    return m !== null && (m[2] === undefined || Number(m[1]) <= Number(m[2]));
  });
}

/** dockerui's `parseLinuxResources`. */
function parseLinuxResources(opts: Readonly<Record<string, string>>): LinuxResources | undefined {
  const res: LinuxResources = {};
  const fail = (msg: string, cause?: unknown) => new ProgramError(`failed to parse resource limits: ${msg}`, cause ? { cause } : {});
  const int = (key: string, unsigned: boolean, check: (n: bigint) => string | undefined): number | undefined => {
    const v = opts[key];
    if (!v) return undefined;
    let n: bigint;
    try {
      n = unsigned ? parseUint(v, 10, 64) : parseInt(v, 10, 64);
    } catch (err) {
      throw fail(`invalid ${key} value: ${v}: ${(err as Error).message}`, err);
    }
    const bad = check(n);
    if (bad) throw fail(`invalid ${key} value: ${v}: ${bad}`);
    return Number(n);
  };
  const positive = (n: bigint) => (n <= 0n ? "must be > 0" : undefined);
  const memory = int("memory", false, positive);
  const memorySwap = int("memswap", false, (n) => (n < -1n || n === 0n ? "must be -1 (unlimited) or > 0" : undefined));
  const cpuShares = int("cpushares", true, positive);
  const cpuPeriod = int("cpuperiod", true, positive);
  const cpuQuota = int("cpuquota", false, positive);
  if (memory !== undefined) res.memory = memory;
  if (memorySwap !== undefined) res.memorySwap = memorySwap;
  if (cpuShares !== undefined) res.cpuShares = cpuShares;
  if (cpuPeriod !== undefined) res.cpuPeriod = cpuPeriod;
  if (cpuQuota !== undefined) res.cpuQuota = cpuQuota;
  for (const [key, field] of [["cpusetcpus", "cpusetCpus"], ["cpusetmems", "cpusetMems"]] as const) {
    const v = opts[key];
    if (!v) continue;
    if (!validCpuset(v)) throw fail(`invalid ${key} value: ${v}: invalid format: ${v}`);
    res[field] = v;
  }
  return Object.keys(res).length > 0 ? res : undefined;
}

/** frontend/attestations `Parse` for the `sbom` type, as dockerui's init reads it. */
function parseSBOM(opts: Readonly<Record<string, string>>): { generator: string; parameters: Record<string, string> } | undefined {
  const attests: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts)) {
    if (k.startsWith("attest:")) attests[k.slice("attest:".length).toLowerCase()] = v;
    else if (k.startsWith("build-arg:BUILDKIT_ATTEST_")) attests[k.slice("build-arg:BUILDKIT_ATTEST_".length).toLowerCase()] = v;
  }
  const out: Record<string, Record<string, string>> = {};
  for (const [k, v] of Object.entries(attests)) {
    const attrs: Record<string, string> = {};
    out[k] = attrs;
    if (k === "sbom") attrs["generator"] = "docker/buildkit-syft-scanner:stable-1";
    else if (k === "provenance") attrs["version"] = "v1";
    if (v === "") continue;
    let fields: string[];
    try {
      fields = parseCsvFields(v);
    } catch (err) {
      throw new ProgramError(`failed to parse ${k}: ${(err as Error).message}`, { cause: err });
    }
    for (const field of fields) {
      const eq = field.indexOf("=");
      attrs[eq < 0 ? field : field.slice(0, eq)] = eq < 0 ? "" : field.slice(eq + 1);
    }
  }
  for (const k of Object.keys(out)) if (k !== "sbom" && k !== "provenance") throw new ProgramError(`unknown attestation type ${JSON.stringify(k)}`);
  const attrs = out["sbom"];
  if (!attrs) return undefined;
  let generator: string | undefined;
  const parameters: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (k !== "generator") {
      parameters[k] = v;
      continue;
    }
    try {
      generator = tagNameOnly(parseNormalizedNamed(v)).toString();
    } catch (err) {
      throw new ProgramError(`failed to parse sbom scanner ${v}: ${(err as Error).message}`, { cause: err });
    }
  }
  if (!generator) throw new ProgramError("sbom scanner cannot be empty");
  return { generator, parameters };
}

/** Reads a program build's options from frontend opts. A bad value throws a ProgramError naming the option. */
export function parseProgramOpts(opts: Readonly<Record<string, string>>): ProgramOpts {
  const platforms = opts["platform"] ? parseTargetPlatforms(opts["platform"]) : [];
  let multiPlatform = platforms.length > 1;
  const mp = opts["build-arg:BUILDKIT_MULTI_PLATFORM"] || opts["multi-platform"];
  if (mp) {
    const b = parseBool(mp);
    if (b === undefined) throw new ProgramError(`invalid boolean value for multi-platform: ${mp}`);
    if (!b && multiPlatform) throw new ProgramError("conflicting config: returning multiple target platforms is not allowed");
    multiPlatform = b;
  }
  return {
    platforms,
    multiPlatform,
    buildArgs: filter(opts, BUILD_ARG),
    labels: filter(opts, LABEL),
    target: opts["target"] || undefined,
    contexts: filter(opts, CONTEXT),
    noCache: opts["no-cache"] !== undefined,
    noCacheStages: opts["no-cache"] === undefined ? undefined : opts["no-cache"] === "" ? [] : opts["no-cache"].split(","),
    cacheImports: parseCacheImports(opts),
    imageResolveMode: parseResolveMode(opts["image-resolve-mode"]),
    extraHosts: parseExtraHosts(opts["add-hosts"]),
    networkMode: parseNetMode(opts["force-network-mode"]),
    localSessionIDs: filter(opts, LOCAL_SESSION_ID),
    shmSize: parseShmSize(opts["shm-size"]),
    ulimits: parseUlimits(opts["ulimit"]),
    linuxResources: parseLinuxResources(opts),
    cgroupParent: opts["cgroup-parent"] ?? "",
    hostname: opts["build-arg:BUILDKIT_SANDBOX_HOSTNAME"] || (opts["hostname"] ?? ""),
    cacheIDNamespace: opts["build-arg:BUILDKIT_CACHE_MOUNT_NS"] ?? "",
    dockerfileCheck: opts["build-arg:BUILDKIT_DOCKERFILE_CHECK"],
    contextKeepGitDir: parseBool(opts["build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR"] ?? ""),
    sbom: parseSBOM(opts),
    opts: { ...opts },
  };
}

/** Typed values to merge into frontend opts (what `tsfrontend build`'s flags give). */
export interface ProgramOptsInput {
  platforms?: readonly Platform[];
  buildArgs?: Readonly<Record<string, string>>;
  target?: string;
  noCache?: boolean;
  /** Extra opts (`label:K`, `context:NAME`...) set before the typed values, over `base`. */
  extra?: Readonly<Record<string, string>>;
}

/**
 * Frontend opts from `base` (e.g. `--opt` values) with typed values on top:
 * each build arg replaces `build-arg:K`, `target` and a non-empty `platforms`
 * replace theirs, `noCache` adds `no-cache=` (all ops), as buildctl sends them.
 */
export function programOpts(input: ProgramOptsInput, base: Readonly<Record<string, string>> = {}): Record<string, string> {
  const opts: Record<string, string> = { ...base, ...(input.extra ?? {}) };
  for (const [k, v] of Object.entries(input.buildArgs ?? {})) opts[BUILD_ARG + k] = v;
  if (input.target !== undefined) opts["target"] = input.target;
  if (input.platforms && input.platforms.length > 0) opts["platform"] = input.platforms.map(formatPlatformAll).join(",");
  if (input.noCache) opts["no-cache"] = "";
  return opts;
}

/** The platforms a build targets: those asked for, else the build platform. */
export function targetPlatforms(parsed: Pick<ProgramOpts, "platforms">, buildPlatform: Platform): Platform[] {
  return parsed.platforms.length > 0 ? [...parsed.platforms] : [buildPlatform];
}
