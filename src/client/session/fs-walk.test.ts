import { test } from "node:test";
import assert from "node:assert/strict";

import { PatternMatcher } from "../../internal/go/patternmatcher.js";
import { containsWildcards, dedupePaths, patternWithoutTrailingGlob } from "./fs-walk.js";

test("patternWithoutTrailingGlob and dedupePaths", () => {
  const pm = new PatternMatcher(["a/b/**", "a/*", "a/**/*", "x"]);
  assert.deepEqual(
    pm.patterns.map((p) => patternWithoutTrailingGlob(p)),
    ["a/b", "a", "a/**", "x"],
  );
  assert.deepEqual(dedupePaths(["a", "a/b", "a/c", "ab", "b"]), ["a", "ab", "b"]);
  assert.equal(dedupePaths(["a", "."]), undefined);
  assert.deepEqual(dedupePaths([]), []);
});

test("containsWildcards: an unescaped * ? or [", () => {
  assert.equal(containsWildcards("a*"), true);
  assert.equal(containsWildcards("a\\*"), false);
  assert.equal(containsWildcards("[x"), true);
  assert.equal(containsWildcards("plain"), false);
});
