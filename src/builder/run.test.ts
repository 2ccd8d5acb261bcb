import { test } from "node:test";
import assert from "node:assert/strict";
import { UsageError } from "../errors.js";
import type { OutputEntry } from "../client/exporters.js";
import { labelStatus } from "./progress.js";
import { checkBuilderOutputs, conversationTurns, HEAD_START_MAX_MS, nodeCacheEntries, nodeLabel, platformFolder } from "./run.js";
import type { NodePlatforms } from "./schedule.js";

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

const AMD_HOST = ["linux/amd64", "linux/386", "linux/arm64"];
const views: NodePlatforms[] = [
  { name: "amd", declared: ["linux/amd64"], workers: [] },
  { name: "arm", declared: ["linux/arm64"], workers: [] },
];
const plan = [
  { node: "amd", platforms: ["linux/amd64"] },
  { node: "arm", platforms: ["linux/arm64"] },
];
/** Resolves with "waiting" when `p` has not settled by the next turn of the event loop. */
const state = (p: Promise<void>) => Promise.race([p.then(() => "started"), new Promise<string>((r) => setImmediate(() => r("waiting")))]);

test("conversation turns: the emulating node goes first, the native one once it has submitted", async () => {
  const turns = conversationTurns(plan, views, true);
  const amd = turns.wait("amd", AMD_HOST);
  // Nothing is decided before every node has reported its workers.
  assert.equal(await state(amd), "waiting");
  const arm = turns.wait("arm", AMD_HOST);
  assert.equal(await state(arm), "started");
  assert.equal(await state(amd), "waiting");
  turns.done("arm");
  assert.equal(await state(amd), "started");
  turns.release();
});

test("conversation turns: nobody waits when no node emulates, a run that ends counts, release ends waits", async () => {
  const both = conversationTurns(plan, views, true);
  const a = both.wait("amd", AMD_HOST);
  const b = both.wait("arm", ["linux/arm64", "linux/arm/v7"]);
  assert.deepEqual(await Promise.all([state(a), state(b)]), ["started", "started"]);
  both.release();

  // The emulating node fails before it reports: the other one is not held.
  const failed = conversationTurns(plan, views, true);
  const amd = failed.wait("amd", AMD_HOST);
  failed.done("arm");
  assert.equal(await state(amd), "started");
  failed.release();

  // Abort (release) lets a waiting node go (its run then sees the abort).
  const aborted = conversationTurns(plan, views, true);
  const w = aborted.wait("amd", AMD_HOST);
  assert.equal(await state(w), "waiting");
  aborted.release();
  assert.equal(await state(w), "started");
});

test("conversation turns: a node that never reports holds the others at most HEAD_START_MAX_MS", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const turns = conversationTurns(plan, views, true);
  const amd = turns.wait("amd", AMD_HOST);
  assert.equal(await state(amd), "waiting");
  t.mock.timers.tick(HEAD_START_MAX_MS);
  assert.equal(await state(amd), "started");
});
