import { test } from "node:test";
import assert from "node:assert/strict";
import { formatInGroups, truncatePlatforms } from "./buildx-platforms.js";

const AMD_HOST = ["linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/arm64", "linux/386", "linux/arm/v7", "linux/arm/v6"];

test("formatInGroups: declared platforms first with a *, then the workers' once", () => {
  assert.deepEqual(formatInGroups(["linux/arm64"], AMD_HOST), ["linux/arm64*", "linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/386", "linux/arm/v7", "linux/arm/v6"]);
  assert.deepEqual(formatInGroups([], ["linux/amd64"]), ["linux/amd64"]);
});

test("truncatePlatforms equals buildx ls's truncated PLATFORMS column", () => {
  // What buildx v0.38.2 printed for the same two nodes (amd declared linux/amd64, arm declared linux/arm64).
  assert.equal(truncatePlatforms(formatInGroups(["linux/amd64"], AMD_HOST)), "linux/amd64* (+3), linux/arm64, linux/arm (+2), linux/386");
  assert.equal(truncatePlatforms(formatInGroups(["linux/arm64"], AMD_HOST)), "linux/amd64 (+3), linux/arm64*, linux/arm (+2), linux/386");
  // More groups than fit: the rest counted.
  const many = ["linux/amd64", "linux/arm64", "linux/riscv64", "linux/ppc64le", "linux/s390x", "linux/386", "linux/mips64le"];
  assert.equal(truncatePlatforms(many), "linux/amd64, linux/arm64, linux/ppc64le, linux/s390x, (3 more)");
  assert.equal(truncatePlatforms([]), "");
});
