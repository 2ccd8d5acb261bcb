import { test } from "node:test";
import assert from "node:assert/strict";
import { EnvList } from "./env.js";

test("EnvList keeps each key at its most recent set and drops deleted keys", () => {
  const e = EnvList.empty.addOrReplace("A", "1").addOrReplace("B", "2").addOrReplace("A", "3").addOrReplace("C", "4").delete("B");
  assert.deepEqual(e.toArray(), ["A=3", "C=4"]);
  assert.equal(e.get("B"), undefined);
  const again = e.addOrReplace("B", "5");
  assert.deepEqual(again.toArray(), ["A=3", "C=4", "B=5"]);
  assert.deepEqual(e.setDefault("A", "x").toArray(), ["A=3", "C=4"]);
  assert.deepEqual(e.setDefault("Z", "x").toArray(), ["A=3", "C=4", "Z=x"]);
});

test("EnvList handles very long chains without recursion", () => {
  let e = EnvList.empty;
  for (let i = 0; i < 200_000; i++) e = e.addOrReplace(`K${i % 100}`, String(i));
  assert.equal(e.keys().length, 100);
  assert.equal(e.get("K99"), "199999");
});
