import { test } from "node:test";
import assert from "node:assert/strict";
import { UsageError } from "../errors.js";
import type { OutputEntry } from "../client/exporters.js";
import { labelStatus } from "./progress.js";
import { checkBuilderOutputs, nodeCacheEntries, nodeLabel, platformFolder } from "./run.js";

test("platform folders and node labels", () => {
  assert.equal(platformFolder("linux/arm/v7"), "linux_arm_v7");
  assert.equal(nodeLabel("amd", ["linux/amd64", "linux/386"]), "[amd linux/amd64,linux/386]");
});

test("cache refs: {node} and {platform} replaced per node", () => {
  assert.deepEqual(nodeCacheEntries([{ type: "registry", attrs: { ref: "r/c:{platform}", mode: "max" } }, { type: "local", attrs: { dest: "/c/{node}" } }], "arm", ["linux/arm64", "linux/arm/v7"]), [
    { type: "registry", attrs: { ref: "r/c:linux-arm64-linux-arm-v7", mode: "max" } },
    { type: "local", attrs: { dest: "/c/arm" } },
  ]);
  assert.deepEqual(nodeCacheEntries(undefined, "x", []), []);
});

test("checkBuilderOutputs: image needs push and a name; tar, docker and stdout are refused", () => {
  const ok: OutputEntry[] = [
    { type: "image", attrs: { name: "r/a:1", push: "true" } },
    { type: "oci", attrs: {}, target: { kind: "file", path: "/x.tar" } },
    { type: "local", attrs: {}, target: { kind: "dir", path: "/out" } },
  ];
  checkBuilderOutputs(ok);
  const refused: [OutputEntry, RegExp][] = [
    [{ type: "image", attrs: { name: "r/a:1" } }, /without push=true/],
    [{ type: "image", attrs: { push: "true" } }, /needs name=REF/],
    [{ type: "image", attrs: { name: "r/a", push: "true", "push-by-digest": "true" } }, /push-by-digest/],
    [{ type: "oci", attrs: {}, target: { kind: "stdout" } }, /dest=FILE/],
    [{ type: "tar", attrs: {}, target: { kind: "file", path: "/x.tar" } }, /type=tar is not supported/],
    [{ type: "docker", attrs: {}, target: { kind: "file", path: "/x.tar" } }, /type=docker is not supported/],
    [{ type: "local", attrs: {}, target: { kind: "dir", path: "/o", mode: "delete" } }, /mode=delete/],
  ];
  for (const [o, re] of refused) assert.throws(() => checkBuilderOutputs([o]), (e: unknown) => e instanceof UsageError && e.flag === "--output" && re.test(e.message), o.type);
});

test("labelStatus: names prefixed, digests made per node everywhere they appear", () => {
  const t = new Date(0);
  const s = labelStatus(
    {
      vertexes: [{ digest: "sha256:a", inputs: ["sha256:b"], name: "RUN x", cached: false, error: "" }, { digest: "sha256:c", inputs: [], name: "", cached: false, error: "" }],
      statuses: [{ id: "i", vertex: "sha256:a", name: "n", total: 0, current: 0, timestamp: t }],
      logs: [{ vertex: "sha256:a", stream: 1, data: new Uint8Array(), timestamp: t }],
      warnings: [{ vertex: "sha256:a", level: 1, short: new Uint8Array(), detail: [], url: "" }],
    },
    "arm",
    "[arm linux/arm64]",
  );
  assert.deepEqual(s.vertexes!.map((v) => [v.digest, v.inputs, v.name]), [
    ["sha256:a@arm", ["sha256:b@arm"], "[arm linux/arm64] RUN x"],
    ["sha256:c@arm", [], ""],
  ]);
  assert.equal(s.statuses![0]!.vertex, "sha256:a@arm");
  assert.equal(s.logs![0]!.vertex, "sha256:a@arm");
  assert.equal(s.warnings![0]!.vertex, "sha256:a@arm");
});
