/** Golden cases mirroring test/golden/go/cases_platform.go. */

import type { GoldenCase } from "../case.js";
import { copy, image, local, merge, mkdir, platforms, scratch, type Platform, type State } from "../../../src/llb/index.js";

const busybox = (): State => image("docker.io/library/busybox:1.36");

/**
 * The same program for every target platform: a builder pinned to linux/amd64
 * compiles for the target (TARGET* env) and the binary is copied into scratch.
 */
function crossBuild(target: Platform): State {
  const buildPlatform: Platform = { os: "linux", architecture: "amd64" };
  const src = local("context", { includePatterns: ["*.go", "go.mod", "go.sum"] });
  const builder = image("docker.io/library/golang:1.22", { platform: buildPlatform })
    .dir("/src")
    .addEnv("TARGETOS", target.os)
    .addEnv("TARGETARCH", target.architecture)
    .addEnv("TARGETVARIANT", target.variant ?? "")
    .addEnv("TARGETPLATFORM", `${target.os}/${target.architecture}${variantSuffix(target.variant ?? "")}`)
    .run({
      shlex: "go build -o /out/app .",
      mounts: [
        { target: "/src", source: src, readonly: true },
        { target: "/root/.cache/go-build", source: scratch(), cache: { id: "go-build", sharing: "shared" } },
      ],
    })
    .root();
  return scratch().file(copy(builder, "/out/app", "/app"));
}

function variantSuffix(v: string): string {
  return v === "" ? "" : "/" + v;
}

export const cases: GoldenCase[] = [
  {
    name: "platform-cross-linux-amd64",
    state: () => crossBuild({ os: "linux", architecture: "amd64" }),
    opts: { platform: platforms.linuxAmd64 },
  },
  {
    name: "platform-cross-linux-arm64",
    state: () => crossBuild({ os: "linux", architecture: "arm64" }),
    opts: { platform: platforms.linuxArm64 },
  },
  {
    name: "platform-cross-linux-arm-v7",
    state: () => crossBuild({ os: "linux", architecture: "arm", variant: "v7" }),
    opts: { platform: platforms.linuxArmV7 },
  },
  {
    name: "platform-marshal-arm64",
    state: () => busybox().run({ shlex: "uname -m" }).root().file(mkdir("/x", 0o755)),
    opts: { platform: platforms.linuxArm64 },
  },
  {
    name: "platform-os-version-features",
    state: () => {
      const win = image("mcr.microsoft.com/windows/servercore:ltsc2022", {
        platform: { os: "windows", architecture: "amd64", osVersion: "10.0.20348.2113", osFeatures: ["win32k"] },
      });
      return merge([win, image("alpine:3.20")]);
    },
    opts: { platform: platforms.linuxS390x },
  },
  {
    name: "platform-run-option",
    state: () => busybox().run({ shlex: "uname -m", platform: platforms.linuxRiscv64 }).root(),
  },
];
