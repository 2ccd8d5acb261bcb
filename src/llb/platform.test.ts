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

test("parsePlatformContainerd: containerd's Parse, unnormalised, with containerd's messages", async () => {
  const { parsePlatformContainerd } = await import("./platform.js");
  const host = { os: "linux", architecture: "amd64" };
  assert.deepEqual(parsePlatformContainerd("linux/arm64/v8", host), { os: "linux", architecture: "arm64", variant: "v8" });
  assert.deepEqual(parsePlatformContainerd("linux/arm64", host), { os: "linux", architecture: "arm64" });
  assert.deepEqual(parsePlatformContainerd("linux/armhf", host), { os: "linux", architecture: "arm" });
  assert.deepEqual(parsePlatformContainerd("linux/arm/v7", host), { os: "linux", architecture: "arm", variant: "v7" });
  assert.deepEqual(parsePlatformContainerd("linux", host), { os: "linux", architecture: "amd64" });
  assert.deepEqual(parsePlatformContainerd("arm64", { os: "darwin", architecture: "amd64" }), { os: "darwin", architecture: "arm64" });
  assert.deepEqual(parsePlatformContainerd("linux/foo", host), { os: "linux", architecture: "foo" });
  assert.deepEqual(parsePlatformContainerd("windows(10.0.17763+win32k)/amd64", host), {
    os: "windows",
    architecture: "amd64",
    osVersion: "10.0.17763",
    osFeatures: ["win32k"],
  });
  assert.throws(() => parsePlatformContainerd("foo", host), { message: `"foo": unknown operating system or architecture: invalid argument` });
  assert.throws(() => parsePlatformContainerd("linux/*", host), { message: `"linux/*": wildcards not yet supported: invalid argument` });
  assert.throws(() => parsePlatformContainerd("a/b/c/d", host), { message: `"a/b/c/d": cannot parse platform specifier: invalid argument` });
  assert.throws(() => parsePlatformContainerd("linux/a b", host), {
    message: `"a b" is an invalid component of "linux/a b": platform specifier component must match "^[A-Za-z0-9_.-]+$": invalid argument`,
  });
  assert.throws(() => parsePlatformContainerd("lin ux/amd64", host), {
    message: `"lin ux" is an invalid OS component of "lin ux/amd64": OSAndVersion specifier component must match "^([A-Za-z0-9_-]+)(?:\\\\(([A-Za-z0-9_.%-]*)((?:\\\\+[A-Za-z0-9_.%-]+)*)\\\\))?$": invalid argument`,
  });
});
