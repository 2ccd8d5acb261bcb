import assert from "node:assert/strict";
import test from "node:test";
import { METADATA_COLDSTART_MS, METADATA_MAXRSS_BYTES, METADATA_TIMELINE_MS, timedTransport, withStats } from "./stats.js";

test("timedTransport notes each call's start and end, the first call's start, and forwards every call", async () => {
  const calls: string[] = [];
  const t = timedTransport({ unary: async (method) => (calls.push(method), new Uint8Array([1])) });
  assert.equal(t.firstCallMs(), undefined);
  const before = performance.now();
  assert.deepEqual(await t.unary("/a", new Uint8Array(), {}), new Uint8Array([1]));
  const first = t.firstCallMs()!;
  assert.ok(first >= before - 0.1 && first <= performance.now() + 0.1);
  await assert.rejects(timedTransport({ unary: () => Promise.reject(new Error("down")) }).unary("/x", new Uint8Array(), {}), /down/);
  await t.unary("/moby.buildkit.v1.frontend.LLBBridge/Solve", new Uint8Array(), {});
  assert.equal(t.firstCallMs(), first);
  assert.deepEqual(calls, ["/a", "/moby.buildkit.v1.frontend.LLBBridge/Solve"]);
  const timeline = t.timeline();
  assert.deepEqual(timeline.map((c) => c[0]), ["a", "Solve"]);
  for (const [, start, end] of timeline) assert.ok(end >= start, `${start} .. ${end}`);
  assert.ok(timeline[1]![1] >= timeline[0]![2]);
});

test("withStats adds the cold start and peak RSS to a result's metadata, leaves errors alone", () => {
  const keep = new Uint8Array([7]);
  const r = withStats({ ref: null, metadata: { "refs.platforms": keep } }, 123.5);
  assert.ok(!("error" in r));
  const dec = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
  assert.equal(r.metadata["refs.platforms"], keep);
  assert.equal(dec(r.metadata[METADATA_COLDSTART_MS]), "123.5");
  assert.ok(Number(dec(r.metadata[METADATA_MAXRSS_BYTES])) > 1_000_000);
  assert.ok(!(METADATA_COLDSTART_MS in (withStats({ metadata: {} }, undefined) as { metadata: object }).metadata));
  const timed = withStats({ metadata: {} }, 1, [["Ping", 1, 2.5]]) as { metadata: Record<string, Uint8Array> };
  assert.equal(dec(timed.metadata[METADATA_TIMELINE_MS]), '[["Ping",1,2.5]]');
  const error = { error: new Error("x") };
  assert.equal(withStats(error, 1), error);
});
