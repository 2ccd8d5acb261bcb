import { test } from "node:test";
import assert from "node:assert/strict";
import { formatPlatform, formatPlatformAll, normalizePlatform, parsePlatform, parsePlatforms, platformArgs } from "./platform.js";
import { PlatformError } from "../errors.js";

test("parsePlatform normalises aliases as containerd does", () => {
  const cases: [string, string][] = [
    ["linux/amd64", "linux/amd64"],
    ["linux/x86_64", "linux/amd64"],
    ["linux/x86-64", "linux/amd64"],
    ["linux/amd64/v1", "linux/amd64"],
    ["linux/amd64/v3", "linux/amd64/v3"],
    ["linux/aarch64", "linux/arm64"],
    ["linux/arm64/v8", "linux/arm64"],
    ["linux/arm64/9", "linux/arm64/v9"],
    ["linux/armhf", "linux/arm/v7"],
    ["linux/armel", "linux/arm/v6"],
    ["linux/arm", "linux/arm/v7"],
    ["linux/arm/7", "linux/arm/v7"],
    ["linux/arm/6", "linux/arm/v6"],
    ["linux/arm/v5", "linux/arm/v5"],
    ["linux/i386", "linux/386"],
    ["Linux/AMD64", "linux/amd64"],
    ["macos/arm64", "darwin/arm64"],
    ["linux/riscv64", "linux/riscv64"],
  ];
  for (const [input, want] of cases) assert.equal(formatPlatform(parsePlatform(input)), want, input);
});

test("parsePlatform keeps os version and features", () => {
  const p = parsePlatform("windows(10.0.17763+win32k)/amd64");
  assert.equal(p.osVersion, "10.0.17763");
  assert.deepEqual(p.osFeatures, ["win32k"]);
  assert.equal(formatPlatformAll(p), "windows(10.0.17763+win32k)/amd64");
});

test("parsePlatform refuses what would need the host's platform, and junk", () => {
  for (const bad of ["", "linux", "arm64", "linux/amd64/v3/x", "linux/*", "linux/am d64", "nosuchos/amd64", "linux/nosucharch"]) {
    assert.throws(() => parsePlatform(bad), PlatformError, bad);
  }
});

test("parsePlatforms splits lists", () => {
  assert.deepEqual(parsePlatforms("linux/amd64, linux/arm64,,linux/arm/v7").map(formatPlatform), [
    "linux/amd64",
    "linux/arm64",
    "linux/arm/v7",
  ]);
});

test("normalizePlatform sorts and de-duplicates os features", () => {
  assert.deepEqual(normalizePlatform({ os: "windows", architecture: "amd64", osFeatures: ["b", "a", "b"] }).osFeatures, ["a", "b"]);
});

test("platformArgs gives TARGET* and BUILD* values", () => {
  const a = platformArgs(parsePlatform("linux/arm/v7"), parsePlatform("linux/amd64"));
  assert.deepEqual(a, {
    TARGETPLATFORM: "linux/arm/v7",
    TARGETOS: "linux",
    TARGETARCH: "arm",
    TARGETVARIANT: "v7",
    BUILDPLATFORM: "linux/amd64",
    BUILDOS: "linux",
    BUILDARCH: "amd64",
    BUILDVARIANT: "",
  });
});
