import { test } from "node:test";
import assert from "node:assert/strict";
import { cpuPeriod, cpuShares, image, memoryLimit, mkfile, platforms, scratch, validExitCodes, withLinuxResources, inspectDefinition } from "./index.js";
import { integerProblem } from "./integers.js";

const base = () => image("docker.io/library/busybox:1.36");
const marshal = (s: ReturnType<typeof base>) => s.marshal({ platform: platforms.linuxAmd64 });

test("integerProblem: fractions, unsafe numbers, sign and range per field", () => {
  assert.equal(integerProblem("x", 2 ** 31, "int64"), undefined);
  assert.equal(integerProblem("x", 2n ** 63n - 1n, "int64"), undefined);
  assert.equal(integerProblem("x", 2n ** 64n - 1n, "uint64"), undefined);
  assert.match(integerProblem("x", 1.5, "int64")!, /^x: 1\.5 is not an integer/);
  assert.match(integerProblem("x", 2 ** 60, "int64")!, /beyond 2\^53.*pass a bigint \(e\.g\. 1152921504606846976n\)/);
  assert.match(integerProblem("x", -1, "uint64")!, /negative, but the field is unsigned \(uint64\)/);
  assert.match(integerProblem("x", 2n ** 63n, "int64")!, /out of range for int64/);
  assert.match(integerProblem("x", "5", "int64")!, /is not a number/);
});

test("linux resources: wrong integers are refused naming the option", () => {
  assert.throws(() => memoryLimit(1.5), /memoryLimit: 1\.5 is not an integer/);
  assert.throws(() => memoryLimit(2 ** 60), /memoryLimit: .* pass a bigint/);
  assert.throws(() => cpuShares(-1), /cpuShares: -1 is negative, but the field is unsigned/);
  assert.throws(() => cpuPeriod(2n ** 64n), /cpuPeriod: .* out of range for uint64/);
  assert.throws(() => withLinuxResources({ cpuShares: -5 }), /linuxResources\.cpuShares: -5 is negative/);
});

test("numbers past 2^31 and bigints encode as Go's int64", async () => {
  const viaNumber = await marshal(base().run({ shlex: "true", constraints: [memoryLimit(2 * 1024 ** 3)] }).root());
  const viaBigint = await marshal(base().run({ shlex: "true", constraints: [memoryLimit(2n * 1024n ** 3n)] }).root());
  assert.deepEqual(viaNumber.toBytes(), viaBigint.toBytes());
  const exec = inspectDefinition(viaNumber).find((o) => o.kind === "exec")!;
  assert.equal(BigInt(viaNumber.metadata.get(exec.digest)!.linux_resources!.memory!), 2n ** 31n);
});

test("exec integers are checked at marshal: ulimits, exit codes, tmpfs size, secret ids", async () => {
  await assert.rejects(marshal(base().run({ shlex: "true", ulimits: [{ name: "nofile", soft: 1.5, hard: 2 }] }).root()), /ulimit nofile soft: 1\.5 is not an integer/);
  await assert.rejects(marshal(base().run({ shlex: "true", with: [validExitCodes(0, 2 ** 60)] }).root()), /validExitCodes: .* pass a bigint/);
  await assert.rejects(marshal(base().run({ shlex: "true", mounts: [{ target: "/t", source: scratch(), tmpfs: { size: 0.5 } }] }).root()), /tmpfs size of \/t: 0\.5 is not an integer/);
  await assert.rejects(marshal(base().run({ shlex: "true", secrets: [{ id: "s", target: "/s", uid: 1.25 }] }).root()), /secret "s" uid: 1\.25 is not an integer/);
});

test("mkfile data must be a string or bytes", async () => {
  await assert.rejects(marshal(scratch().file(mkfile("/n", 0o644, 42 as unknown as string))), /mkfile \/n: data must be a string or a Uint8Array, got number/);
  await assert.rejects(marshal(scratch().file(mkfile("/o", 0o644, { a: 1 } as unknown as string))), /got object/);
  await assert.rejects(marshal(scratch().file(mkfile("/a", 0o644, [1, 2] as unknown as string))), /got an array/);
  const withBuffer = await marshal(scratch().file(mkfile("/b", 0o644, Buffer.from("hi"))));
  const withString = await marshal(scratch().file(mkfile("/b", 0o644, "hi")));
  assert.deepEqual(withBuffer.toBytes(), withString.toBytes());
});
