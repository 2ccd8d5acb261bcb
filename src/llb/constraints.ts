/**
 * Constraints: the per-op and per-marshal settings Go's `llb.Constraints`
 * carries (platform, worker filters, metadata, caps, source locations), the
 * options object that sets them, and how an op's own constraints are merged
 * with the marshal-wide ones.
 */

import { LlbError } from "../errors.js";
import { integerProblem } from "./integers.js";
import { normalizePlatform, type Platform } from "./platform.js";
import type { PbLinuxResources, PbOpMetadata, PbPlatform, PbRange } from "./pb.js";
import type { SourceMap } from "./source-map.js";
import type { CapID } from "./caps.js";

/** A set of LLB caps the target daemon supports (Go's `apicaps.CapSet`). */
export type CapSet = ReadonlySet<string>;

/** One place in a source file an op came from. */
export interface SourceLocation {
  readonly sourceMap: SourceMap;
  readonly ranges: readonly PbRange[];
}

/** The mutable record options are applied to; frozen in practice once built. */
export interface Constraints {
  platform?: Platform;
  workerConstraints: string[];
  metadata: PbOpMetadata;
  localUniqueID: string;
  caps?: CapSet;
  sourceLocations: SourceLocation[];
}

/** A reusable constraints transform, like Go's `llb.ConstraintsOpt`. Applied in order. */
export type ConstraintsOpt = (c: Constraints) => void;

export interface ProgressGroupOptions {
  id: string;
  name: string;
  weak?: boolean;
}

/** Linux resources of an op; int64/uint64 fields take numbers up to 2^53 or bigints. */
export interface LinuxResources {
  memory?: number | bigint;
  memorySwap?: number | bigint;
  cpuShares?: number | bigint;
  cpuPeriod?: number | bigint;
  cpuQuota?: number | bigint;
  cpusetCpus?: string;
  cpusetMems?: string;
}

/**
 * Options every op (and `marshal`) accepts. Fields are applied in this order:
 * platform, description, customName, ignoreCache, exportCache, progressGroup,
 * workerConstraints, localUniqueID, caps, linuxResources, sourceLocations,
 * then `constraints` (functional options, in their own order).
 */
export interface ConstraintsOptions {
  /** The platform the op runs or resolves for (Go's `llb.Platform`). */
  platform?: Platform;
  /** Extra metadata descriptions (Go's `llb.WithDescription`). */
  description?: Readonly<Record<string, string>>;
  /** The name progress shows for the vertex (`llb.customname`). */
  customName?: string;
  ignoreCache?: boolean;
  /** true: `WithExportCache`; false: `WithoutExportCache`; null: `WithoutDefaultExportCache`. */
  exportCache?: boolean | null;
  progressGroup?: ProgressGroupOptions;
  /** Worker filters (Go's `llb.Require`). */
  workerConstraints?: readonly string[];
  /** Fixes the `local.unique` attribute of local sources. */
  localUniqueID?: string;
  /** The LLB caps the daemon supports; changes defaults like PATH (Go's `llb.WithCaps`). */
  caps?: Iterable<string>;
  linuxResources?: LinuxResources;
  /** Where in the user's file this op comes from (see `SourceMap.location`). */
  sourceLocations?: readonly SourceLocation[];
  /** Functional options, applied last and in order. */
  constraints?: readonly ConstraintsOpt[];
}

/** Returns the user's source location for an op being built, or undefined. */
export type LocationProvider = () => SourceLocation | undefined;

let locationProvider: LocationProvider | undefined;

/**
 * Installs a provider that attaches a source location to every op built while
 * it is set (the program runner uses the caller's file:line from the stack),
 * so build errors point at the user's code. Returns the previous provider.
 */
export function setLocationProvider(p: LocationProvider | undefined): LocationProvider | undefined {
  const prev = locationProvider;
  locationProvider = p;
  return prev;
}

export function newConstraints(): Constraints {
  return { workerConstraints: [], metadata: {}, localUniqueID: "", sourceLocations: [] };
}

export function addCap(c: Constraints, cap: CapID): void {
  (c.metadata.caps ??= {})[cap] = true;
}

/** Turns an options object into an ordered list of transforms. */
export function constraintsOpts(o: ConstraintsOptions | undefined): ConstraintsOpt[] {
  const out: ConstraintsOpt[] = [];
  if (locationProvider && !o?.sourceLocations) {
    const loc = locationProvider();
    if (loc) out.push((c) => void c.sourceLocations.push(loc));
  }
  if (!o) return out;
  if (o.platform) out.push(withPlatform(o.platform));
  if (o.description) out.push(withDescription(o.description));
  if (o.customName !== undefined) out.push(withCustomName(o.customName));
  if (o.ignoreCache) out.push(ignoreCache);
  if (o.exportCache === true) out.push(withExportCache);
  else if (o.exportCache === false) out.push(withoutExportCache);
  else if (o.exportCache === null) out.push(withoutDefaultExportCache);
  if (o.progressGroup) out.push(progressGroup(o.progressGroup.id, o.progressGroup.name, o.progressGroup.weak ?? false));
  if (o.workerConstraints) out.push(requireWorker(...o.workerConstraints));
  if (o.localUniqueID !== undefined) out.push(localUniqueID(o.localUniqueID));
  if (o.caps) out.push(withCaps(o.caps));
  if (o.linuxResources) out.push(withLinuxResources(o.linuxResources));
  if (o.sourceLocations) {
    const locs = o.sourceLocations;
    out.push((c) => {
      c.sourceLocations.push(...locs);
    });
  }
  if (o.constraints) out.push(...o.constraints);
  return out;
}

export function applyConstraints(c: Constraints, opts: readonly ConstraintsOpt[]): Constraints {
  for (const o of opts) o(c);
  return c;
}

// Functional options, named after Go's.

export function withPlatform(p: Platform): ConstraintsOpt {
  // Go stores the platform as given on constraints; normalisation happens on state values.
  return (c) => {
    c.platform = p;
  };
}

export function withDescription(m: Readonly<Record<string, string>>): ConstraintsOpt {
  return (c) => {
    const d = (c.metadata.description ??= {});
    for (const k of Object.keys(m)) d[k] = m[k]!;
  };
}

export function withCustomName(name: string): ConstraintsOpt {
  return withDescription({ "llb.customname": name });
}

export const ignoreCache: ConstraintsOpt = (c) => {
  c.metadata.ignore_cache = true;
};

export const withExportCache: ConstraintsOpt = (c) => {
  c.metadata.export_cache = { Value: true };
};

export const withoutExportCache: ConstraintsOpt = (c) => {
  c.metadata.export_cache = { Value: false };
};

export const withoutDefaultExportCache: ConstraintsOpt = (c) => {
  delete c.metadata.export_cache;
};

export function progressGroup(id: string, name: string, weak = false): ConstraintsOpt {
  return (c) => {
    c.metadata.progress_group = { id, name, weak };
  };
}

export function requireWorker(...filters: string[]): ConstraintsOpt {
  return (c) => {
    c.workerConstraints.push(...filters);
  };
}

export function localUniqueID(id: string): ConstraintsOpt {
  return (c) => {
    c.localUniqueID = id;
  };
}

export function withCaps(caps: Iterable<string>): ConstraintsOpt {
  const set = new Set(caps);
  return (c) => {
    c.caps = set;
  };
}

export function withLinuxResources(r: LinuxResources): ConstraintsOpt {
  const fields = { memory: "int64", memorySwap: "int64", cpuShares: "uint64", cpuPeriod: "uint64", cpuQuota: "int64" } as const;
  for (const [k, field] of Object.entries(fields)) {
    const v = r[k as keyof typeof fields];
    const problem = v === undefined ? undefined : integerProblem(`linuxResources.${k}`, v, field);
    if (problem) throw new LlbError(problem);
  }
  return (c) => {
    const lr: PbLinuxResources = (c.metadata.linux_resources = {});
    if (r.memory !== undefined) lr.memory = r.memory;
    if (r.memorySwap !== undefined) lr.memorySwap = r.memorySwap;
    if (r.cpuShares !== undefined) lr.cpuShares = r.cpuShares;
    if (r.cpuPeriod !== undefined) lr.cpuPeriod = r.cpuPeriod;
    if (r.cpuQuota !== undefined) lr.cpuQuota = r.cpuQuota;
    if (r.cpusetCpus !== undefined) lr.cpusetCpus = r.cpusetCpus;
    if (r.cpusetMems !== undefined) lr.cpusetMems = r.cpusetMems;
  };
}

/**
 * Merges op metadata the way Go's `mergeMetadata` does: m1 is copied shallowly
 * and its description and caps maps, when present, are written in place.
 * Go shares those maps with the marshal-wide constraints, so descriptions given
 * to `marshal()` accumulate across ops; we keep that behaviour for identical output.
 */
export function mergeMetadata(m1: PbOpMetadata, m2: PbOpMetadata): PbOpMetadata {
  const out: PbOpMetadata = { ...m1 };
  if (m2.ignore_cache) out.ignore_cache = true;
  if (m2.description && Object.keys(m2.description).length > 0) {
    out.description ??= {};
    Object.assign(out.description, m2.description);
  }
  if (m2.export_cache) out.export_cache = m2.export_cache;
  if (m2.caps) {
    for (const k of Object.keys(m2.caps)) (out.caps ??= {})[k] = true;
  }
  if (m2.progress_group) out.progress_group = m2.progress_group;
  if (m2.linux_resources) out.linux_resources = m2.linux_resources;
  return out;
}

/** Clones metadata deeply enough that later mutation of the copy leaves the source alone. */
export function cloneMetadata(m: PbOpMetadata): PbOpMetadata {
  const out: PbOpMetadata = { ...m };
  if (m.description) out.description = { ...m.description };
  if (m.caps) out.caps = { ...m.caps };
  return out;
}

export function clonePlatformToPb(p: Platform): PbPlatform {
  const out: PbPlatform = { Architecture: p.architecture, OS: p.os };
  if (p.variant) out.Variant = p.variant;
  if (p.osVersion) out.OSVersion = p.osVersion;
  if (p.osFeatures) out.OSFeatures = [...p.osFeatures];
  return out;
}

export interface MarshalledConstraints {
  platform: PbPlatform | undefined;
  filter: string[];
  metadata: PbOpMetadata;
}

/**
 * Go's `MarshalConstraints`: the op's own platform wins over the marshal-wide
 * one, worker filters are concatenated, metadata merged. Where Go would fall
 * back to the host's platform we leave it unset; ops that need a platform
 * report that at marshal time.
 */
export function marshalConstraints(base: Constraints, override: Constraints): MarshalledConstraints {
  const platform = override.platform ?? base.platform;
  return {
    platform: platform ? clonePlatformToPb(platform) : undefined,
    filter: [...base.workerConstraints, ...override.workerConstraints],
    metadata: mergeMetadata(base.metadata, override.metadata),
  };
}

export function requirePlatform(m: MarshalledConstraints, what: string): PbPlatform {
  if (!m.platform) {
    throw new LlbError(
      `${what} needs a platform: pass { platform } to marshal() or to the op (tsfrontend never uses the host's platform implicitly)`,
    );
  }
  return m.platform;
}

export { normalizePlatform };
