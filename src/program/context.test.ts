import { test } from "node:test";
import assert from "node:assert/strict";
import { imageConfigProblem } from "./context.js";

test("imageConfigProblem names the field of a returned config the exporter would refuse", () => {
  assert.equal(imageConfigProblem({ Env: ["A=1"], Cmd: ["sh"], User: "1000", Labels: { a: "b" }, ExposedPorts: { "80/tcp": {} } }), undefined);
  assert.equal(imageConfigProblem(undefined), undefined);
  assert.match(imageConfigProblem({ Env: { A: "1" } })!, /^config\.Env must be an array of strings \("KEY=value"\), not an object$/);
  assert.match(imageConfigProblem({ Cmd: "/bin/sh" })!, /^config\.Cmd must be an array of strings, not a string$/);
  assert.match(imageConfigProblem({ User: 1000 })!, /^config\.User must be a string, not a number$/);
  assert.match(imageConfigProblem({ Labels: ["a=b"] })!, /^config\.Labels must be an object of string values/);
  assert.match(imageConfigProblem({ ExposedPorts: ["80/tcp"] })!, /^config\.ExposedPorts must be an object of empty objects \(\{ "80\/tcp": \{\} \}\), not an array$/);
});
