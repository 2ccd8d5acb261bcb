/**
 * Platforms: parsing, formatting and normalisation with containerd's rules
 * (`github.com/containerd/platforms`), and the TARGET and BUILD values a
 * multi-stage program uses. Nothing here reads the host: a build platform is
 * always given explicitly.
 */

import { PlatformError } from "../errors.js";
import { goQuote } from "../internal/go/strconv.js";
import { pathUnescape } from "../internal/go/url.js";

/** An OCI platform, field names as in the image spec JSON. */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
  readonly osVersion?: string;
  readonly osFeatures?: readonly string[];
}

const specifierRe = /^[A-Za-z0-9_.-]+$/;
const osRe = /^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$/;

function normalizeOS(os: string): string {
  os = os.toLowerCase();
  return os === "macos" ? "darwin" : os;
}

function normalizeArch(arch: string, variant: string): [string, string] {
  arch = arch.toLowerCase();
  variant = variant.toLowerCase();
  switch (arch) {
    case "i386":
      return ["386", ""];
    case "x86_64":
    case "x86-64":
    case "amd64":
      return ["amd64", variant === "v1" ? "" : variant];
    case "aarch64":
    case "arm64":
      switch (variant) {
        case "8":
        case "v8":
        case "v8.0":
          return ["arm64", ""];
        case "9":
        case "9.0":
        case "v9.0":
          return ["arm64", "v9"];
      }
      return ["arm64", variant];
    case "armhf":
      return ["arm", "v7"];
    case "armel":
      return ["arm", "v6"];
    case "arm":
      switch (variant) {
        case "":
        case "7":
          return ["arm", "v7"];
        case "5":
        case "6":
        case "8":
          return ["arm", "v" + variant];
      }
      return ["arm", variant];
  }
  return [arch, variant];
}

function decodeOSOption(v: string, spec: string): string {
  if (!v.includes("%")) return v;
  try {
    return decodeURIComponent(v);
  } catch (err) {
    throw new PlatformError(`${JSON.stringify(spec)} has an invalid escape in ${JSON.stringify(v)}`, { cause: err });
  }
}

function make(os: string, architecture: string, variant: string, osVersion: string, osFeatures: string[] | undefined): Platform {
  const p: { -readonly [K in keyof Platform]: Platform[K] } = { os, architecture };
  if (variant) p.variant = variant;
  if (osVersion) p.osVersion = osVersion;
  if (osFeatures && osFeatures.length > 0) p.osFeatures = osFeatures;
  return p;
}

/**
 * Normalises a platform the way containerd's `platforms.Normalize` does:
 * lower case, `x86_64` -> `amd64`, `aarch64` -> `arm64`, `armhf` -> `arm/v7`,
 * `arm64/v8` -> `arm64`, `arm` -> `arm/v7`, sorted and de-duplicated OS features.
 */
export function normalizePlatform(p: Platform): Platform {
  if (!p.os) throw new PlatformError(`platform ${JSON.stringify(p)} has no os`);
  const [architecture, variant] = normalizeArch(p.architecture ?? "", p.variant ?? "");
  let features: string[] | undefined;
  if (p.osFeatures && p.osFeatures.length > 0) {
    features = [...new Set(p.osFeatures)].sort();
  }
  return make(normalizeOS(p.os), architecture, variant, p.osVersion ?? "", features);
}

/**
 * Parses `os/arch[/variant]` (with containerd's optional `os(version+feature)`
 * form) and normalises it. Aliases such as `linux/aarch64`, `linux/x86_64` and
 * `linux/armhf` are accepted. A bare `linux` or `arm64` is refused: tsfrontend
 * never fills in the host's platform silently.
 */
export function parsePlatform(specifier: string): Platform {
  const spec = specifier.trim();
  const accepted = "expected os/arch[/variant], e.g. linux/amd64, linux/arm64, linux/arm/v7";
  if (spec === "") throw new PlatformError(`empty platform: ${accepted}`);
  if (spec.includes("*")) throw new PlatformError(`${JSON.stringify(spec)}: wildcards are not supported`);
  const parts = spec.split("/");
  if (parts.length > 3) throw new PlatformError(`${JSON.stringify(spec)}: too many components; ${accepted}`);
  const osm = osRe.exec(parts[0]!);
  if (!osm) throw new PlatformError(`${JSON.stringify(parts[0])} is an invalid OS component of ${JSON.stringify(spec)}; ${accepted}`);
  for (const part of parts.slice(1)) {
    if (!specifierRe.test(part)) {
      throw new PlatformError(`${JSON.stringify(part)} is an invalid component of ${JSON.stringify(spec)}; ${accepted}`);
    }
  }
  if (parts.length === 1) {
    throw new PlatformError(`${JSON.stringify(spec)} names no ${isKnownOS(spec) ? "architecture" : "operating system"}; ${accepted}`);
  }
  const os = normalizeOS(osm[1]!);
  const osVersion = decodeOSOption(osm[2] ?? "", spec);
  let features: string[] | undefined;
  if (osm[3]) {
    features = [];
    for (const raw of osm[3].slice(1).split("+")) {
      const f = decodeOSOption(raw.trim(), spec);
      if (f) features.push(f);
    }
  }
  const [arch, variant] = normalizeArch(parts[1]!, parts[2] ?? "");
  if (!isKnownOS(os)) throw new PlatformError(`${JSON.stringify(spec)}: unknown operating system ${JSON.stringify(os)}; ${accepted}`);
  if (!isKnownArch(arch)) throw new PlatformError(`${JSON.stringify(spec)}: unknown architecture ${JSON.stringify(arch)}; ${accepted}`);
  return normalizePlatform(make(os, arch, variant, osVersion, features));
}

/** Parses a comma-separated list such as `linux/amd64,linux/arm64`. */
export function parsePlatforms(list: string): Platform[] {
  return list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(parsePlatform);
}

/** `os/arch[/variant]`, as containerd's `platforms.Format`. */
export function formatPlatform(p: Platform): string {
  if (!p.os) return "unknown";
  return [p.os, p.architecture, p.variant].filter((s) => s).join("/");
}

/** Like {@link formatPlatform} but with `os(version+features)`, as containerd's `FormatAll`. */
export function formatPlatformAll(p: Platform): string {
  if (!p.os) return "unknown";
  if (!p.osVersion && !(p.osFeatures && p.osFeatures.length)) return formatPlatform(p);
  const enc = (v: string) => v.replace(/[^A-Za-z0-9_.-]/g, (c) => encodeURIComponent(c));
  let os = p.os;
  const osv = enc(p.osVersion ?? "");
  const feats = (p.osFeatures ?? []).map(enc).join("+");
  if (osv || feats) os += "(" + osv + (feats ? "+" + feats : "") + ")";
  return [os, p.architecture, p.variant].filter((s) => s).join("/");
}

export function platformsEqual(a: Platform, b: Platform): boolean {
  return formatPlatformAll(normalizePlatform(a)) === formatPlatformAll(normalizePlatform(b));
}

export function isKnownOS(os: string): boolean {
  return [
    "aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux",
    "nacl", "netbsd", "openbsd", "plan9", "solaris", "windows", "zos",
  ].includes(os);
}

export function isKnownArch(arch: string): boolean {
  return [
    "386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "ppc64", "ppc64le", "loong64",
    "mips", "mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "riscv", "riscv64",
    "s390", "s390x", "sparc", "sparc64", "wasm",
  ].includes(arch);
}

/**
 * The automatic platform build args the Dockerfile frontend defines:
 * TARGETPLATFORM/TARGETOS/TARGETARCH/TARGETVARIANT and the BUILD* ones.
 */
export interface PlatformArgs {
  TARGETPLATFORM: string;
  TARGETOS: string;
  TARGETARCH: string;
  TARGETVARIANT: string;
  BUILDPLATFORM: string;
  BUILDOS: string;
  BUILDARCH: string;
  BUILDVARIANT: string;
}

export function platformArgs(target: Platform, build: Platform): PlatformArgs {
  const t = normalizePlatform(target);
  const b = normalizePlatform(build);
  return {
    TARGETPLATFORM: formatPlatform(t),
    TARGETOS: t.os,
    TARGETARCH: t.architecture,
    TARGETVARIANT: t.variant ?? "",
    BUILDPLATFORM: formatPlatform(b),
    BUILDOS: b.os,
    BUILDARCH: b.architecture,
    BUILDVARIANT: b.variant ?? "",
  };
}

/** Common platforms, already normalised. */
export const platforms = {
  linuxAmd64: { os: "linux", architecture: "amd64" },
  linuxArm64: { os: "linux", architecture: "arm64" },
  linuxArmV7: { os: "linux", architecture: "arm", variant: "v7" },
  linuxArmV6: { os: "linux", architecture: "arm", variant: "v6" },
  linuxS390x: { os: "linux", architecture: "s390x" },
  linuxPpc64: { os: "linux", architecture: "ppc64" },
  linuxPpc64le: { os: "linux", architecture: "ppc64le" },
  linuxRiscv64: { os: "linux", architecture: "riscv64" },
  windowsAmd64: { os: "windows", architecture: "amd64" },
  darwinAmd64: { os: "darwin", architecture: "amd64" },
} as const satisfies Record<string, Platform>;

const containerdOsRe = "^([A-Za-z0-9_-]+)(?:\\(([A-Za-z0-9_.%-]*)((?:\\+[A-Za-z0-9_.%-]+)*)\\))?$";
const containerdSpecifierRe = "^[A-Za-z0-9_.-]+$";

function containerdDecodeOSOption(v: string): string {
  if (!v.includes("%")) return v;
  try {
    return pathUnescape(v);
  } catch (e) {
    throw new PlatformError((e as Error).message);
  }
}

/**
 * containerd's `platforms.Parse` (platforms v1.0.0-rc.4) exactly, as the Dockerfile
 * frontend uses it: an OS alone takes `host`'s architecture, an architecture alone
 * `host`'s OS; the result is not normalised further (`linux/arm64/v8` keeps v8);
 * errors carry containerd's messages.
 */
export function parsePlatformContainerd(specifier: string, host: Platform): Platform {
  const q = goQuote;
  if (specifier.includes("*")) throw new PlatformError(`${q(specifier)}: wildcards not yet supported: invalid argument`);
  const parts: string[] = [];
  let rest = specifier;
  while (parts.length < 3) {
    const i = rest.indexOf("/");
    if (i < 0) break;
    parts.push(rest.slice(0, i));
    rest = rest.slice(i + 1);
  }
  parts.push(rest);
  let os = "";
  let osVersion = "";
  let osFeatures: string[] | undefined;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (i === 0) {
      const m = osRe.exec(part);
      if (!m) {
        throw new PlatformError(
          `${q(part)} is an invalid OS component of ${q(specifier)}: OSAndVersion specifier component must match ${q(containerdOsRe)}: invalid argument`,
        );
      }
      os = normalizeOS(m[1]!);
      try {
        osVersion = containerdDecodeOSOption(m[2] ?? "");
      } catch (e) {
        throw new PlatformError(`${q(specifier)} has an invalid OS version ${q(m[2] ?? "")}: ${(e as Error).message}`);
      }
      if (m[3]) {
        osFeatures = [];
        for (let raw of m[3].slice(1).split("+")) {
          raw = raw.trim();
          if (raw === "") throw new PlatformError(`${q(specifier)} has invalid OS features: empty os feature: invalid argument`);
          let f: string;
          try {
            f = containerdDecodeOSOption(raw);
          } catch (e) {
            throw new PlatformError(`${q(specifier)} has invalid OS features: invalid os feature ${q(raw)}: ${(e as Error).message}`);
          }
          if (f !== "") osFeatures.push(f);
        }
        if (osFeatures.length === 0) osFeatures = undefined;
      }
    } else if (!specifierRe.test(part)) {
      throw new PlatformError(
        `${q(part)} is an invalid component of ${q(specifier)}: platform specifier component must match ${q(containerdSpecifierRe)}: invalid argument`,
      );
    }
  }
  const out = (o: string, arch: string, variant: string): Platform => make(o, arch, variant, osVersion, osFeatures);
  switch (parts.length) {
    case 1: {
      if (isKnownOS(os)) return out(os, host.architecture, host.architecture === "arm" && host.variant !== "v7" ? (host.variant ?? "") : "");
      let [arch, variant] = normalizeArch(parts[0]!, "");
      if (arch === "arm" && variant === "v7") variant = "";
      if (isKnownArch(arch)) return out(host.os, arch, variant);
      throw new PlatformError(`${q(specifier)}: unknown operating system or architecture: invalid argument`);
    }
    case 2: {
      let [arch, variant] = normalizeArch(parts[1]!, "");
      if (arch === "arm" && variant === "v7") variant = "";
      return out(os, arch, variant);
    }
    case 3: {
      let [arch, variant] = normalizeArch(parts[1]!, parts[2]!);
      if (arch === "arm64" && variant === "") variant = "v8";
      return out(os, arch, variant);
    }
  }
  throw new PlatformError(`${q(specifier)}: cannot parse platform specifier: invalid argument`);
}
