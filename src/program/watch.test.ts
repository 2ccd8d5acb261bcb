import { test } from "node:test";
import assert from "node:assert/strict";
import { trackCalls, watchRun, type RunFault } from "./watch.js";

const faultError = (f: RunFault) => Object.assign(new Error(f.kind), { fault: f });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a program that finishes resolves with its value", async () => {
  const v = await watchRun(async () => {
    await sleep(20);
    return 42;
  }, faultError, { idleMs: 50, intervalMs: 10 });
  assert.equal(v, 42);
});

test("a program awaiting a promise nothing will settle is reported as stuck", async () => {
  const started = Date.now();
  await assert.rejects(watchRun(() => new Promise<never>(() => {}), faultError, { idleMs: 100, intervalMs: 10 }), /stuck/);
  assert.ok(Date.now() - started >= 100);
});

test("a pending timer of the program is not stuck", async () => {
  const v = await watchRun(async () => {
    await sleep(300);
    return "late";
  }, faultError, { idleMs: 50, intervalMs: 10 });
  assert.equal(v, "late");
});

test("a tracked call (e.g. the gateway) counts as pending, even though its resources are not the program's", async () => {
  const slowService = { call: () => sleep(300).then(() => "answer") };
  const v = await watchRun(async (scope) => trackCalls(slowService, scope).call(), faultError, { idleMs: 50, intervalMs: 10 });
  assert.equal(v, "answer");
});

test("process.exit in the program rejects the run and leaves the process alive", async () => {
  const realExit = process.exit;
  const err = (await watchRun(async () => {
    await sleep(5);
    process.exit(3);
  }, faultError, { idleMs: 1000 }).catch((e: unknown) => e)) as Error & { fault: RunFault };
  assert.equal(err.fault.kind, "exit");
  assert.equal(err.fault.kind === "exit" && err.fault.code, 3);
  assert.equal(process.exit, realExit, "process.exit is restored after the run");
});

// An exception from a program callback is tested through the CLI (test/cli/llb.test.ts): the test
// runner has an uncaughtException listener of its own.

test("a synchronous throw rejects with that error", async () => {
  await assert.rejects(watchRun(() => {
    throw new Error("sync");
  }, faultError), /sync/);
});
