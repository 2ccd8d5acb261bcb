import { test } from "node:test";
import assert from "node:assert/strict";
import { BuilderError } from "../errors.js";
import { declaredPlatformsDecide, headStartNodes, nodeEmulates, nodeServes, schedulePlatforms, type NodePlatforms } from "./schedule.js";

const EMULATING = ["linux/amd64", "linux/amd64/v2", "linux/arm64", "linux/arm/v7", "linux/riscv64"];
const amd: NodePlatforms = { name: "amd", declared: ["linux/amd64"], workers: EMULATING };
const arm: NodePlatforms = { name: "arm", declared: ["linux/arm64"], workers: EMULATING };

test("declared platforms win over emulation, each platform to its native node", () => {
  assert.deepEqual(schedulePlatforms(["linux/amd64", "linux/arm64"], [amd, arm]), [
    { node: "amd", platforms: ["linux/amd64"] },
    { node: "arm", platforms: ["linux/arm64"] },
  ]);
  // Request order does not change the node order of the result.
  assert.deepEqual(schedulePlatforms(["linux/arm64", "linux/amd64"], [amd, arm]), [
    { node: "amd", platforms: ["linux/amd64"] },
    { node: "arm", platforms: ["linux/arm64"] },
  ]);
});

test("a platform nobody declares goes to an emulating node, ties spread over nodes", () => {
  assert.deepEqual(schedulePlatforms(["linux/arm/v7", "linux/riscv64"], [amd, arm]), [
    { node: "amd", platforms: ["linux/arm/v7"] },
    { node: "arm", platforms: ["linux/riscv64"] },
  ]);
  // With native work counted: amd has amd64, arm has arm64, so arm/v7 goes to the first (equal load).
  assert.deepEqual(schedulePlatforms(["linux/amd64", "linux/arm64", "linux/arm/v7"], [amd, arm]), [
    { node: "amd", platforms: ["linux/amd64", "linux/arm/v7"] },
    { node: "arm", platforms: ["linux/arm64"] },
  ]);
});

test("a node without declared platforms is native for its first worker platform", () => {
  const plain: NodePlatforms = { name: "plain", declared: [], workers: ["linux/arm64", "linux/amd64"] };
  assert.equal(nodeServes(plain, "linux/arm64"), 0);
  assert.equal(nodeServes(plain, "linux/amd64"), 1);
  assert.equal(nodeServes(plain, "linux/s390x"), undefined);
  assert.deepEqual(schedulePlatforms(["linux/arm64"], [amd, plain]), [{ node: "plain", platforms: ["linux/arm64"] }]);
});

test("excluded nodes get nothing: the survivor takes their platforms (retry)", () => {
  assert.deepEqual(schedulePlatforms(["linux/arm64"], [amd, arm], { exclude: new Set(["arm"]) }), [{ node: "amd", platforms: ["linux/arm64"] }]);
});

test("a platform no node serves goes to the first usable node, as buildx's resolver; none left is a BuilderError", () => {
  const only: NodePlatforms = { name: "only", declared: ["linux/amd64"], workers: [] };
  const other: NodePlatforms = { name: "other", declared: ["linux/arm64"], workers: [] };
  const told: string[] = [];
  assert.deepEqual(schedulePlatforms(["linux/amd64", "linux/s390x"], [only], {}, (p, n) => told.push(`${p} ${n}`)), [{ node: "only", platforms: ["linux/amd64", "linux/s390x"] }]);
  assert.deepEqual(told, ["linux/s390x only"]);
  // The first node, not the least loaded one, and not an excluded one.
  assert.deepEqual(schedulePlatforms(["linux/amd64", "linux/riscv64"], [other, only]), [
    { node: "other", platforms: ["linux/riscv64"] },
    { node: "only", platforms: ["linux/amd64"] },
  ]);
  assert.deepEqual(schedulePlatforms(["linux/riscv64"], [other, only], { exclude: new Set(["other"]) }), [{ node: "only", platforms: ["linux/riscv64"] }]);
  assert.throws(
    () => schedulePlatforms(["linux/arm64"], [amd, arm], { exclude: new Set(["amd", "arm"]) }),
    (e: unknown) => e instanceof BuilderError && e.code === "BUILDER" && /left out: amd, arm/.test(e.message),
  );
});

test("an emulating node's conversation goes first when others build natively", () => {
  const amdHost = ["linux/amd64", "linux/amd64/v2", "linux/386", "linux/arm64", "linux/arm/v7"];
  const armHost = ["linux/arm64", "linux/arm/v7", "linux/amd64"];
  const a: NodePlatforms = { name: "a", declared: ["linux/amd64"], workers: amdHost };
  const b: NodePlatforms = { name: "b", declared: ["linux/arm64"], workers: amdHost };
  const realArm: NodePlatforms = { name: "b", declared: ["linux/arm64"], workers: armHost };
  // Both on amd64 machines: b emulates arm64 and goes first.
  assert.deepEqual([...headStartNodes(schedulePlatforms(["linux/amd64", "linux/arm64"], [a, b]), [a, b])], ["b"]);
  // A real arm64 machine: nobody emulates, all start at once.
  assert.deepEqual([...headStartNodes(schedulePlatforms(["linux/amd64", "linux/arm64"], [a, realArm]), [a, realArm])], []);
  // Variants, 386 on amd64 and 32-bit arm on arm64 are the CPU's own.
  assert.equal(nodeEmulates(a, "linux/amd64/v2"), false);
  assert.equal(nodeEmulates(a, "linux/386"), false);
  assert.equal(nodeEmulates(realArm, "linux/arm/v7"), false);
  assert.equal(nodeEmulates(realArm, "linux/amd64"), true);
  // Every node emulates (or one node does it all): nobody waits.
  assert.deepEqual([...headStartNodes([{ node: "a", platforms: ["linux/amd64", "linux/arm64"] }], [a])], []);
  const c: NodePlatforms = { name: "c", declared: ["linux/riscv64"], workers: amdHost };
  assert.deepEqual([...headStartNodes([{ node: "b", platforms: ["linux/arm64"] }, { node: "c", platforms: ["linux/riscv64"] }], [b, c])], []);
  // Workers unknown: no guess.
  assert.equal(nodeEmulates({ name: "x", declared: ["linux/arm64"], workers: [] }, "linux/arm64"), false);
});

test("declared platforms decide the plan only when every node declares and every platform is declared", () => {
  const nodes = [{ declared: ["linux/amd64"] }, { declared: ["linux/arm64"] }];
  assert.equal(declaredPlatformsDecide(["linux/amd64", "linux/arm64"], nodes), true);
  assert.equal(declaredPlatformsDecide(["linux/amd64", "linux/arm/v7"], nodes), false);
  assert.equal(declaredPlatformsDecide(["linux/amd64"], [...nodes, { declared: [] }]), false);
  assert.equal(declaredPlatformsDecide([], nodes), false);
});
