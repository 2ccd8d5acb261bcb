/** Parsing of flag values shared by commands, with errors that name the flag and the accepted forms. */

import { UsageError } from "../errors.js";
import { parsePlatform, type Platform } from "../llb/platform.js";
import { TsfError } from "../errors.js";

/** `--platform a,b --platform c` -> normalised platforms, de-duplicated, in order. */
export function parsePlatformFlags(values: readonly string[], flag = "--platform"): Platform[] {
  const out: Platform[] = [];
  const seen = new Set<string>();
  for (const v of values) {
    for (const part of v.split(",")) {
      const s = part.trim();
      if (s === "") continue;
      let p: Platform;
      try {
        p = parsePlatform(s);
      } catch (err) {
        throw new UsageError(err instanceof TsfError ? err.message : String(err), { flag, cause: err });
      }
      const key = [p.os, p.architecture, p.variant ?? ""].join("/");
      if (!seen.has(key)) {
        seen.add(key);
        out.push(p);
      }
    }
  }
  return out;
}

/** `--opt k=v` repeated -> record; a value without `=` is an error naming the flag. */
export function parseKeyValues(values: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf("=");
    if (i <= 0) throw new UsageError(`${JSON.stringify(v)} is not key=value`, { flag });
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

/**
 * `--build-arg` as buildx reads it (commands/build.go `listToMap` with
 * defaultEnv): `K=V`, or a bare `K` that takes `$K` from the environment
 * (left out when it is not set).
 */
export function parseBuildArgs(values: readonly string[], env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf("=");
    const k = i < 0 ? v : v.slice(0, i);
    if (k === "") throw new UsageError(`invalid key-value pair ${JSON.stringify(v)}: empty key`, { flag: "--build-arg" });
    if (i >= 0) out[k] = v.slice(i + 1);
    else if (env[k] !== undefined) out[k] = env[k]!;
  }
  return out;
}

/** Commander collector for repeatable flags. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${JSON.stringify(value)} is not one of ${allowed.join(", ")}`, { flag });
}

/**
 * The target platforms of `--platform` and `--opt platform=...` together:
 * either may be given; both are accepted only when they name the same
 * platforms in the same order (buildctl has only `--opt platform`, so a
 * difference would silently drop one of them): otherwise a usage error naming both.
 */
export function targetPlatformFlags(platformFlags: readonly string[], opts: Readonly<Record<string, string>>): Platform[] {
  const fromFlag = parsePlatformFlags(platformFlags);
  const optValue = opts["platform"];
  if (optValue === undefined) return fromFlag;
  const fromOpt = parsePlatformFlags([optValue], "--opt platform");
  if (fromFlag.length === 0) return fromOpt;
  const key = (ps: Platform[]) => ps.map((p) => [p.os, p.architecture, p.variant ?? ""].join("/")).join(",");
  if (key(fromFlag) !== key(fromOpt)) {
    throw new UsageError(`--platform ${platformFlags.join(",")} and --opt platform=${optValue} name different platforms: give them once, with either flag`, { flag: "--platform" });
  }
  return fromFlag;
}
