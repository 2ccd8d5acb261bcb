import { test } from "node:test";
import assert from "node:assert/strict";
import { shlexSplitGo } from "./shlex.js";

test("google/shlex splitting", () => {
  assert.deepEqual(shlexSplitGo(`a "b\\c" 'd\\e' f\\ g # c\nh#i ''`), { words: ["a", "bc", "d\\e", "f g", "h#i", ""], error: undefined });
  assert.deepEqual(shlexSplitGo(`a b\\`), { words: ["a"], error: "EOF found after escape character" });
  assert.deepEqual(shlexSplitGo(""), { words: [], error: undefined });
});
