import { test } from "node:test";
import assert from "node:assert/strict";
import { parseBool } from "./strconv.js";

test("parseBool accepts exactly Go's spellings", () => {
  for (const s of ["1", "t", "T", "TRUE", "true", "True"]) assert.equal(parseBool(s), true, s);
  for (const s of ["0", "f", "F", "FALSE", "false", "False"]) assert.equal(parseBool(s), false, s);
  for (const s of ["", "yes", "tRUE", " true", "2", "on"]) assert.equal(parseBool(s), undefined, s);
});
