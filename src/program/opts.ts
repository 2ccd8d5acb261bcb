/**
 * Frontend options (`--opt k=v`, the frontend image's `BUILDKIT_FRONTEND_OPT_*`)
 * <-> the options of a program build, read as buildkit's dockerui does
 * (frontend/dockerui/config.go `init` and attr.go, v0.32.2): `platform`,
 * `multi-platform` / `build-arg:BUILDKIT_MULTI_PLATFORM`, `build-arg:*`,
 * `label:*`, `target`, `no-cache`, `cache-imports` / `cache-from`,
 * `image-resolve-mode`, `add-hosts`, `force-network-mode`,
 * `local-sessionid:*` and `context:*` (named contexts, resolved by
 * named-contexts.ts). `tsfrontend build` turns its flags into opts with
 * {@link programOpts}; the runner and the frontend image read them with
 * {@link parseProgramOpts}, so both see the same thing.
 */

import { ProgramError } from "../errors.js";
import { parseBool } from "../internal/go/strconv.js";
import { ipString, parseIP } from "../internal/go/net.js";
import { formatPlatformAll, normalizePlatform, parsePlatforms, type Platform, type ResolveMode } from "../llb/index.js";

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
  return v.split(",").map((field) => {
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
    cacheImports: parseCacheImports(opts),
    imageResolveMode: parseResolveMode(opts["image-resolve-mode"]),
    extraHosts: parseExtraHosts(opts["add-hosts"]),
    networkMode: parseNetMode(opts["force-network-mode"]),
    localSessionIDs: filter(opts, LOCAL_SESSION_ID),
    opts: { ...opts },
  };
}

/** Typed values to merge into frontend opts (what `tsfrontend build`'s flags give). */
export interface ProgramOptsInput {
  platforms?: readonly Platform[];
  buildArgs?: Readonly<Record<string, string>>;
  target?: string;
  noCache?: boolean;
}

/**
 * Frontend opts from `base` (e.g. `--opt` values) with typed values on top:
 * each build arg replaces `build-arg:K`, `target` and a non-empty `platforms`
 * replace theirs, `noCache` adds `no-cache=` (all ops), as buildctl sends them.
 */
export function programOpts(input: ProgramOptsInput, base: Readonly<Record<string, string>> = {}): Record<string, string> {
  const opts: Record<string, string> = { ...base };
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
