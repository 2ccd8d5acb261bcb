import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeDefinition, image, mkfile, parsePlatform, scratch } from "./index.js";

const platform = parsePlatform("linux/amd64");

test("a 100,000-op chain marshals without recursion", () => {
  let st = scratch();
  for (let i = 0; i < 100_000; i++) st = st.file(mkfile(`/f${i % 10}`, 0o644, "x"));
  const def = st.marshalSync({ platform });
  assert.equal(def.def.length, 100_001);
  const back = decodeDefinition(def.toBytes());
  assert.equal(back.def.length, 100_001);
});

test("a 20,000-op exec chain with env reads each op's values without deep recursion", () => {
  let st = image("busybox").dir("/work");
  for (let i = 0; i < 20_000; i++) st = st.addEnv(`K${i % 7}`, String(i)).dir(i % 2 ? "/w" : `d${i % 3}`).run({ shlex: `echo ${i}` }).root();
  const def = st.marshalSync({ platform });
  assert.equal(def.def.length, 20_002);
});

test("state values follow Go: relative dirs join, env keeps last position, reset takes the other's values", () => {
  const s = scratch().dir("/a").dir("b").dir("../c").addEnv("A", "1").addEnv("B", "2").addEnv("A", "3").user("app");
  assert.equal(s.getDir(), "/a/c");
  assert.deepEqual(s.env().toArray(), ["B=2", "A=3"]);
  assert.equal(s.getUser(), "app");
  const other = scratch().dir("/other").user("root");
  const r = s.reset(other);
  assert.equal(r.getUser(), "root");
  assert.equal(r.getDir(), "/");
  assert.equal(scratch().dir("/x//y/./").getDir(), "/x//y/./");
});

test("marshal without any platform for an op that needs one is a clear error", async () => {
  await assert.rejects(image("busybox").marshal(), /needs a platform/);
});

test("values are read through async states, including keys first set after the reading state was built", async () => {
  const base = scratch().dir("/a").withValue("custom", 1).addEnv("A", "1");
  const top = base
    .async(async (prev) => prev.dir("b").withValue("set-only-when-resolved", "x"))
    .addEnv("B", "2")
    .dir("c");
  assert.equal(await top.resolveValue((s) => s.getDir()), "/a/b/c");
  assert.deepEqual(top.env().toArray(), ["A=1", "B=2"]);
  assert.equal(top.value("custom"), 1);
  assert.equal(top.value("set-only-when-resolved"), "x");
  assert.equal(top.value("never-set"), undefined);
  assert.equal(base.value("set-only-when-resolved"), undefined);
});
