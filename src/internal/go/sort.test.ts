import { test } from "node:test";
import assert from "node:assert/strict";
import { sortFunc } from "./sort.js";

test("pdqsort keeps Go's order for equal keys", () => {
  const a = [{ t: "/", i: -1 }];
  for (let i = 0; i < 25; i++) a.push({ t: `/m${(i * 7) % 4}`, i });
  sortFunc(a, (x, y) => (x.t < y.t ? -1 : x.t > y.t ? 1 : 0));
  assert.deepEqual(
    a.map((x) => x.i),
    [-1, 8, 0, 24, 20, 16, 4, 12, 23, 7, 19, 11, 15, 3, 10, 6, 22, 14, 2, 18, 5, 17, 21, 13, 9, 1],
  );
});
