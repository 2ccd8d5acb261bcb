import { test } from "node:test";
import assert from "node:assert/strict";
import { warmUp, warmUpBuild } from "./warmup.js";

test("the image's warm-up runs its program and Dockerfile builds to a result in-process", async () => {
  await assert.doesNotReject(warmUp());
});

test("a warm-up build that fails rejects with the build's error (it fails the image build)", async () => {
  await assert.rejects(warmUpBuild("build.ts", "export default () => { throw new Error('boom'); };\n"), /warm-up build of build\.ts failed: .*boom/);
  await assert.rejects(warmUpBuild("Dockerfile", "FROM busybox\nNOPE x\n"), /warm-up build of Dockerfile failed: .*unknown instruction: NOPE/i);
});
