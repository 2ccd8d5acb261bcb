import { test } from "node:test";
import assert from "node:assert/strict";
import { ProgramError } from "../errors.js";
import { checkDeclarations, declaredBuild } from "./declarations.js";

test("declaredBuild: declared arg defaults fill what the build does not set; the declared default target; an undeclared target refused", () => {
  const decl = { args: { VERSION: { description: "v", default: "1.0" }, NOTE: "no default", GIVEN: { default: "d" } }, targets: { app: { default: true }, test: "tests" } };
  assert.deepEqual(declaredBuild(decl, { GIVEN: "g" }, undefined), { buildArgs: { GIVEN: "g", VERSION: "1.0" }, target: "app" });
  assert.deepEqual(declaredBuild(decl, {}, "test").target, "test");
  assert.throws(() => declaredBuild(decl, {}, "nope"), (e: unknown) => e instanceof ProgramError && /target "nope" could not be found: the program declares app, test/.test(e.message));
  // Nothing declared: the build's own values, any target.
  assert.deepEqual(declaredBuild({}, { A: "1" }, "x"), { buildArgs: { A: "1" }, target: "x" });
  assert.deepEqual(declaredBuild({ targets: { a: "x" } }, {}, undefined), { buildArgs: {} });
});

test("checkDeclarations: a record of descriptions or objects; anything else is a ProgramError naming the export", () => {
  assert.deepEqual(checkDeclarations({ args: { A: "a", B: { default: "1" } } }), { args: { A: "a", B: { default: "1" } } });
  for (const [decl, re] of [
    [{ args: ["VERSION"] }, /export const args must be an object .* not an array/],
    [{ targets: 5 }, /export const targets must be an object .* not number/],
    [{ args: { A: 1 } }, /export const args: A must be a description string or an object/],
    [{ args: { A: { default: 1 } } }, /A\.default must be a string/],
    [{ targets: { t: { default: "yes" } } }, /t\.default must be true or false/],
  ] as const) {
    assert.throws(() => checkDeclarations(decl), (e: unknown) => e instanceof ProgramError && re.test(e.message), JSON.stringify(decl));
  }
});
