// Expected values computed with agext/levenshtein v1.2.3 (buildkit v0.32.2's util/suggest).

import { test } from "node:test";
import assert from "node:assert/strict";
import { levenshteinDistance, suggestMessage, suggestSearch } from "./suggest.js";

const distances: [string, string, number][] = [["", "", 0], ["abc", "abc", 0], ["kitten", "sitting", 3], ["cahce", "cache", 2], ["lockd", "locked", 1], ["\u00e4", "a", 1], ["flaw", "lawn", 2], ["", "abc", 3], ["h\u00e9llo", "hello", 1], ["ab", "ba", 2]];

test("levenshteinDistance counts code point edits as agext/levenshtein", () => {
  for (const [a, b, d] of distances) assert.equal(levenshteinDistance(a, b), d, `${a} ${b}`);
});

test("suggestSearch: closest option under distance 3, none on an exact match, case as the input's", () => {
  assert.equal(suggestSearch("cahce", ["bind", "cache", "tmpfs"], true), "cache");
  assert.equal(suggestSearch("foo", ["bind", "cache", "tmpfs"], true), undefined);
  assert.equal(suggestSearch("cache", ["cache", "cachf"], true), undefined);
  assert.equal(suggestSearch("RUNN", ["RUN", "COPY"], false), "RUN");
  assert.equal(suggestSearch("runn", ["RUN", "COPY"], false), "run");
  assert.equal(suggestSearch("Runn", ["RUN", "COPY"], false), "run");
  assert.equal(suggestSearch("Run", ["RUN"], false), undefined);
  assert.equal(suggestMessage("unknown flag: --frm", "frm", ["from", "chown"], true), "unknown flag: --frm (did you mean from?)");
  assert.equal(suggestMessage("unknown flag: --boo", "boo", ["from", "chown"], true), "unknown flag: --boo");
});
