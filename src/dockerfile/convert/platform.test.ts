import { test } from "node:test";
import assert from "node:assert/strict";
import type { Platform } from "../../llb/index.js";
import { newConvertOpt, newDockerfileConfig } from "./options.js";
import { buildPlatformOpt, defaultArgs, defaultSpec } from "./platform.js";

// Cases of buildkit v0.32.2 dockerfile2llb/platform_test.go, plus defaultArgs.
const p1: Platform = { architecture: "DummyArchitecture1", os: "DummyOS1" };
const p2: Platform = { architecture: "DummyArchitecture2", os: "DummyOS2" };

function opt(target: Platform | undefined, build: Platform[] | undefined) {
  const config = newDockerfileConfig();
  config.buildPlatforms = build;
  return newConvertOpt({ config, targetPlatform: target });
}

test("buildPlatformOpt: build platforms", () => {
  assert.deepEqual(buildPlatformOpt(opt(p1, [p2])).buildPlatforms, [p2]);
  assert.deepEqual(buildPlatformOpt(opt(p1, undefined)).buildPlatforms, [p1]);
  assert.deepEqual(buildPlatformOpt(opt(undefined, [p2])).buildPlatforms, [p2]);
  assert.deepEqual(buildPlatformOpt(opt(undefined, undefined)).buildPlatforms, [defaultSpec()]);
});

test("buildPlatformOpt: target platform and implicit target", () => {
  assert.deepEqual(buildPlatformOpt(opt(p1, undefined)).targetPlatform, p1);
  assert.equal(buildPlatformOpt(opt(p1, undefined)).implicitTarget, false);
  const r = buildPlatformOpt(opt(undefined, [p2]));
  assert.deepEqual(r.targetPlatform, r.buildPlatforms[0]);
  assert.equal(r.implicitTarget, true);
});

test("defaultArgs: BUILD*, TARGET* and TARGETSTAGE in Go's order, overridable", () => {
  const po = { targetPlatform: { os: "linux", architecture: "arm", variant: "v7" }, buildPlatforms: [{ os: "linux", architecture: "amd64" }], implicitTarget: false };
  const env = defaultArgs(po, { TARGETOS: "freebsd" }, "");
  assert.deepEqual(env.toArray(), [
    "BUILDPLATFORM=linux/amd64",
    "BUILDOS=linux",
    "BUILDOSVERSION=",
    "BUILDARCH=amd64",
    "BUILDVARIANT=",
    "TARGETPLATFORM=linux/arm/v7",
    "TARGETOS=freebsd",
    "TARGETOSVERSION=",
    "TARGETARCH=arm",
    "TARGETVARIANT=v7",
    "TARGETSTAGE=default",
  ]);
  assert.equal(defaultArgs(po, {}, "build").get("TARGETSTAGE"), "build");
  const win = { ...po, targetPlatform: { os: "windows", architecture: "amd64", osVersion: "10.0.17763.1" } };
  assert.equal(defaultArgs(win, {}, "x").get("TARGETPLATFORM"), "windows(10.0.17763.1)/amd64");
});
