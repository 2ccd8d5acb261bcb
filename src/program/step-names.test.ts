import { test } from "node:test";
import assert from "node:assert/strict";
import { image, inspectDefinition, mkfile, parsePlatform, scratch } from "../llb/index.js";
import { prefixStepNames } from "./step-names.js";

const amd64 = parsePlatform("linux/amd64");
const arm64 = parsePlatform("linux/arm64");
const armv7 = parsePlatform("linux/arm/v7");

function names(def: Awaited<ReturnType<ReturnType<typeof scratch>["marshal"]>>): string[] {
  return inspectDefinition(def)
    .filter((o) => o.kind !== "terminal")
    .map((o) => o.metadata?.description?.["llb.customname"] ?? "");
}

test("every op is named with its platform; digests stay the same", async () => {
  const st = image("docker.io/library/busybox:1.36")
    .run({ args: ["/bin/sh", "-c", "uname -m"] })
    .root()
    .file(mkfile("/a", 0o644, "a"), { customName: "write a" });
  const def = await st.marshal({ platform: armv7 });
  const prefixed = prefixStepNames(def, armv7);
  assert.deepEqual(names(prefixed), [
    "[linux/arm/v7] docker-image://docker.io/library/busybox:1.36",
    "[linux/arm/v7] /bin/sh -c uname -m",
    "[linux/arm/v7] write a",
  ]);
  assert.deepEqual(prefixed.def, def.def, "op bytes unchanged");
  assert.deepEqual(names(def), ["", "", "write a"], "the input definition is not changed");
});

test("a step on the build platform for another target shows both (dockerfile2llb's ->arch)", async () => {
  const builder = image("docker.io/library/busybox:1.36", { platform: amd64 }).run({ args: ["make"] }).root();
  const st = scratch().file(mkfile("/x", 0o644, "x")).file(mkfile("/y", 0o600, "y"));
  const def = await builder.marshal({ platform: arm64 });
  assert.deepEqual(names(prefixStepNames(def, arm64)), ["[linux/amd64->arm64] docker-image://docker.io/library/busybox:1.36", "[linux/amd64->arm64] make"]);
  const files = await st.marshal({ platform: arm64 });
  assert.deepEqual(names(prefixStepNames(files, arm64)), ["[linux/arm64] mkfile /x", "[linux/arm64] mkfile /y"]);
});
