import { test } from "node:test";
import assert from "node:assert/strict";
import { parseBuildArgs } from "./options.js";

test("--build-arg as buildx: K=V, a bare K from the environment (left out when unset), an empty key refused", () => {
  assert.deepEqual(parseBuildArgs(["A=1", "B", "C", "D="], { B: "from-env" }), { A: "1", B: "from-env", D: "" });
  assert.throws(() => parseBuildArgs(["=x"], {}), /--build-arg|empty key/);
});
