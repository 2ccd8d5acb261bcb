import { test } from "node:test";
import assert from "node:assert/strict";
import { parseFilters } from "./filter.js";

test("--filter: each value is one filter (its commas are the daemon's 'and'), several values are 'or', as buildctl sends them", () => {
  assert.deepEqual(parseFilters(["id==x,type==regular", "type==source.local", ""]), ["id==x,type==regular", "type==source.local"]);
});
