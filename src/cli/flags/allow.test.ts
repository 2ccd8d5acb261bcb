import { test } from "node:test";
import assert from "node:assert/strict";
import { UsageError } from "../../errors.js";
import { parseAllow } from "./allow.js";

test("parseAllow accepts buildkit v0.32.2's entitlements, repeated, verbatim", () => {
  assert.deepEqual(parseAllow([]), []);
  assert.deepEqual(parseAllow(["network.host", "security.insecure", "network.host"]), ["network.host", "security.insecure", "network.host"]);
  assert.deepEqual(parseAllow(["device", "device=", "device=vendor.com/gpu=0", "device=vendor.com/gpu=all,alias=gpu"]), [
    "device",
    "device=",
    "device=vendor.com/gpu=0",
    "device=vendor.com/gpu=all,alias=gpu",
  ]);
});

test("parseAllow: a bad value is a one-line UsageError naming --allow", () => {
  const cases: [string, RegExp][] = [
    ["network", /^--allow: unknown entitlement network \(accepted: network\.host, security\.insecure, device/],
    ["network.host=true", /unknown entitlement network\.host=true/],
    ["NETWORK.HOST", /unknown entitlement NETWORK\.HOST/],
    ["", /unknown entitlement /],
    ["device=gpu,bogus", /invalid device config "bogus"/],
    ["device=gpu,name=x", /unknown device config key "name"/],
  ];
  for (const [value, re] of cases) {
    assert.throws(
      () => parseAllow(["network.host", value]),
      (e: unknown) => {
        assert.ok(e instanceof UsageError, value);
        assert.equal(e.flag, "--allow");
        assert.match(e.toOneLine(), re);
        assert.ok(!e.toOneLine().includes("\n"));
        return true;
      },
    );
  }
});
