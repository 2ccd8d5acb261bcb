import { test } from "node:test";
import assert from "node:assert/strict";

import { DockerfileError } from "../errors.js";
import { isProgramStageName, parseExtensionDirective } from "./extensions.js";

test("the directive turns extensions on only among the first comment lines", () => {
  assert.deepEqual([...parseExtensionDirective("# syntax=x\n# tsfrontend=from-vars, program-stages\nFROM scratch\n")], ["from-vars", "program-stages"]);
  assert.deepEqual([...parseExtensionDirective("\n#TSFRONTEND = from-vars\r\nFROM scratch\n")], ["from-vars"]);
  // After the first instruction it is an ordinary comment.
  assert.equal(parseExtensionDirective("FROM scratch\n# tsfrontend=from-vars\n").size, 0);
  assert.equal(parseExtensionDirective("# just a comment\nFROM scratch\n").size, 0);
});

test("an unknown extension is a DockerfileError at its line", () => {
  assert.throws(
    () => parseExtensionDirective("# syntax=x\n# tsfrontend=from-vars,nope\nFROM scratch\n"),
    (e: unknown) => e instanceof DockerfileError && /unknown tsfrontend extension "nope"/.test(e.message) && e.ranges[0]?.start.line === 2,
  );
});

test("program stage names are relative .ts/.mts paths", () => {
  assert.equal(isProgramStageName("./stages/go.ts"), true);
  assert.equal(isProgramStageName("../x.mts"), true);
  assert.equal(isProgramStageName("stages/go.ts"), false);
  assert.equal(isProgramStageName("alpine"), false);
  assert.equal(isProgramStageName("./Dockerfile"), false);
});
