/**
 * Target and build platforms of a conversion and the automatic platform args:
 * port of buildkit v0.32.2 frontend/dockerfile/dockerfile2llb/platform.go
 * (platformOpt, buildPlatformOpt, defaultArgs), plus containerd's
 * `platforms.DefaultSpec` for the host it runs on.
 */

import { EnvList, formatPlatform, formatPlatformAll, type Platform } from "../../llb/index.js";
import type { ConvertOpt } from "./options.js";

/** dockerfile2llb.platformOpt. */
export interface PlatformOpt {
  targetPlatform: Platform;
  buildPlatforms: Platform[];
  /** No target platform was asked for: the first build platform is used and may be auto-detected from the base image. */
  implicitTarget: boolean;
}

const goArch: Record<string, string> = { x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64", loong64: "loong64", mips: "mips", mipsel: "mipsle" };

/** containerd's `platforms.DefaultSpec()`: the platform of the machine this runs on (Go's runtime.GOOS/GOARCH). */
export function defaultSpec(): Platform {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const architecture = goArch[process.arch] ?? process.arch;
  if (architecture === "arm") {
    const v = (process.config.variables as unknown as Record<string, unknown>)["arm_version"];
    return { os, architecture, variant: typeof v === "string" && v !== "" ? "v" + v : "v7" };
  }
  return { os, architecture };
}

/** dockerfile2llb.buildPlatformOpt. */
export function buildPlatformOpt(opt: ConvertOpt): PlatformOpt {
  let buildPlatforms = opt.config.buildPlatforms;
  let targetPlatform = opt.targetPlatform;
  let implicitTarget = false;
  if (opt.targetPlatform !== undefined && opt.config.buildPlatforms === undefined) buildPlatforms = [opt.targetPlatform];
  if (buildPlatforms === undefined || buildPlatforms.length === 0) buildPlatforms = [defaultSpec()];
  if (targetPlatform === undefined) {
    implicitTarget = true;
    targetPlatform = buildPlatforms[0]!;
  }
  return { targetPlatform, buildPlatforms, implicitTarget };
}

/** dockerfile2llb.defaultArgs: the automatic BUILD and TARGET args and TARGETSTAGE, overridable by build args. */
export function defaultArgs(po: PlatformOpt, overrides: Readonly<Record<string, string>>, target: string): EnvList {
  const bp = po.buildPlatforms[0]!;
  const tp = po.targetPlatform;
  if (target === "") target = "default";
  const s: [string, string][] = [
    ["BUILDPLATFORM", formatPlatform(bp)],
    ["BUILDOS", bp.os],
    ["BUILDOSVERSION", bp.osVersion ?? ""],
    ["BUILDARCH", bp.architecture],
    ["BUILDVARIANT", bp.variant ?? ""],
    ["TARGETPLATFORM", formatPlatformAll(tp)],
    ["TARGETOS", tp.os],
    ["TARGETOSVERSION", tp.osVersion ?? ""],
    ["TARGETARCH", tp.architecture],
    ["TARGETVARIANT", tp.variant ?? ""],
    ["TARGETSTAGE", target],
  ];
  let env = EnvList.empty;
  for (const [k, v] of s) {
    env = env.addOrReplace(k, Object.hasOwn(overrides, k) ? overrides[k]! : v);
  }
  return env;
}
