import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { sortedDigestKeys } from "./pb.js";
import { sortedKeys } from "./wire.js";

const digest = (s: string) => "sha256:" + createHash("sha256").update(s).digest("hex");

test("op digests sort as sortedKeys sorts them, runs with equal first 32 bits included", () => {
  const keys = new Map<string, number>();
  for (let i = 0; i < 5000; i++) keys.set(digest(String(i)), i);
  // Same first 8 hex digits, different tails, inserted out of order.
  for (const tail of ["f", "0", "8", "a", "1"]) keys.set("sha256:0123abcd" + tail.repeat(56), 0);
  const got = sortedDigestKeys(keys);
  assert.deepEqual(got, sortedKeys(keys));
  assert.equal(sortedDigestKeys(new Map([...keys, ["not-a-digest", 0]])), undefined);
  assert.equal(sortedDigestKeys({ [digest("x")]: 1 }), undefined); // few keys: the plain sort
});
