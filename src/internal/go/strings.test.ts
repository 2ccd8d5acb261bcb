// Expected values computed with Go 1.26's strings package.

import { test } from "node:test";
import assert from "node:assert/strict";
import { equalFold, goTrimSpace } from "./strings.js";

const folds: [string, string, boolean][] = [["as", "AS", true], ["a\u017f", "as", true], ["\u212a", "k", true], ["Go", "GO", true], ["\u00df", "SS", false], ["\u00e9", "\u00c9", true], ["a", "b", false], ["", "", true], ["stage", "Stage1", false]];

test("equalFold matches strings.EqualFold", () => {
  for (const [a, b, want] of folds) assert.equal(equalFold(a, b), want, `${a} ${b}`);
});

test("goTrimSpace trims Unicode White_Space only", () => {
  assert.equal(goTrimSpace("\u0085 a b\t\n"), "a b");
  assert.equal(goTrimSpace("\ufeffa"), "\ufeffa");
});
