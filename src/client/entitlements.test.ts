import { test } from "node:test";
import assert from "node:assert/strict";
import { entitlementHint, withEntitlementHint } from "./entitlements.js";
import { BuildkitError } from "./errors.js";

test("entitlementHint: the daemon's refusals name the flag to add", () => {
  // buildkitd v0.32.2's messages (util/entitlements, solver/llbsolver/vertex.go), as Solve returns them.
  assert.equal(entitlementHint("failed to load LLB: network.host is not allowed"), "add --allow network.host (and start buildkitd with --allow-insecure-entitlement network.host)");
  assert.equal(entitlementHint("failed to load LLB: security.insecure is not allowed"), "add --allow security.insecure (and start buildkitd with --allow-insecure-entitlement security.insecure)");
  assert.equal(
    entitlementHint("granting entitlement network.host is not allowed by build daemon configuration"),
    'start buildkitd with --allow-insecure-entitlement network.host (or insecure-entitlements = ["network.host"] in buildkitd.toml)',
  );
  assert.equal(entitlementHint("device vendor.com/gpu=0 is requested by the build but not allowed"), "add --allow device (or --allow device=vendor.com/gpu=0) (and start buildkitd with --allow-insecure-entitlement device)");
  assert.equal(entitlementHint("devices a, b are requested by the build but not allowed"), "add --allow device (and start buildkitd with --allow-insecure-entitlement device)");
  assert.equal(entitlementHint("process \"/bin/sh -c false\" did not complete successfully: exit code: 1"), undefined);
  assert.equal(entitlementHint("network mode host is not allowed when proxy network is enabled"), undefined);
});

test("withEntitlementHint appends the hint to a BuildkitError and keeps its details", () => {
  const err = new BuildkitError("UNKNOWN", "failed to load LLB: network.host is not allowed", { details: { grpcCode: 2, vertex: "sha256:x" } });
  const out = withEntitlementHint(err);
  assert.ok(out instanceof BuildkitError);
  assert.equal(out.message, "failed to load LLB: network.host is not allowed: add --allow network.host (and start buildkitd with --allow-insecure-entitlement network.host)");
  assert.equal(out.reason, "UNKNOWN");
  assert.deepEqual(out.details, err.details);
  assert.equal(out.cause, err);
  assert.equal(withEntitlementHint(out), out, "not hinted twice");
  const other = new BuildkitError("UNKNOWN", "something else");
  assert.equal(withEntitlementHint(other), other);
  const plain = new Error("network.host is not allowed");
  assert.equal(withEntitlementHint(plain), plain, "only daemon errors are rewritten");
});
