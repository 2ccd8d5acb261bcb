/** buildkit v0.32.2 frontend/dockerfile/parser/directives_test.go as a table, plus the blanking of directive lines. */

import { test } from "node:test";
import assert from "node:assert/strict";
import { DockerfileError } from "../errors.js";
import { blankDirectiveLines, detectSyntaxDirective, DirectiveParser, parseDirective, parseDirectives } from "./syntax.js";

test("TestDirectives: a blank line ends the directives; keys are case-insensitive", () => {
  for (const dt of ["#escape=\\\n# key = FOO bar\n\n# smth\n", "# EScape=\\\n# KEY = FOO bar\n\n# smth\n"]) {
    const d = parseDirectives(dt);
    assert.equal(d.length, 1);
    assert.equal(d[0]!.name, "escape");
    assert.equal(d[0]!.value, "\\");
  }
});

const detect: [name: string, dt: string, want: { ref: string; cmdline?: string; line?: number; form?: string } | undefined][] = [
  ["# form with args", "# syntax = dockerfile:experimental // opts\nFROM busybox\n", { ref: "dockerfile:experimental", cmdline: "dockerfile:experimental // opts", line: 1, form: "#" }],
  ["after a shebang", "#!/bin/sh\n# syntax = dockerfile:experimental\nFROM busybox\n", { ref: "dockerfile:experimental", line: 2 }],
  ["a blank line before it", "#!/bin/sh\n\n# syntax = dockerfile:experimental\n", undefined],
  ["no directive", "FROM busybox\nRUN ls\n", undefined],
  ["// form, unknown key after", "//syntax=foo\n//key=value", { ref: "foo", line: 1, form: "//" }],
  ["// form after a shebang", "#!/bin/sh\n//syntax=x", { ref: "x", line: 2, form: "//" }],
  ["JSON form", '{"syntax": "foo", "bar": ["abc"]}', { ref: "foo", cmdline: "foo", line: 0, form: "json" }],
  ["broken JSON", '{"syntax": "foo"', undefined],
  ["JSON then a # line", '{"syntax": "foo"}\n# syntax=bar', undefined],
  ["BOM", "\ufeff# syntax = myfrontend\nFROM busybox\n", { ref: "myfrontend", cmdline: "myfrontend", line: 1 }],
  // Beyond Go's tests, following its code:
  ["unknown key first ends the directives", "# foo=bar\n# syntax=x\n", undefined],
  ["escape then syntax", "# escape=`\n# syntax=x\n", { ref: "x", line: 2 }],
  ["repeated key stops", "# syntax=a\n# syntax=b\n", { ref: "a", line: 1 }],
  ["CRLF", "# syntax=a b \r\nFROM x\r\n", { ref: "a", cmdline: "a b", line: 1 }],
  ["# form wins over //", "# check=skip=all\n// syntax=x\n", undefined],
  ["// with spaces", "// syntax = reg/tsf:1\nexport default () => {}\n", { ref: "reg/tsf:1", line: 1, form: "//" }],
  ["JSON array is not an object", '["syntax"]', undefined],
  ["JSON non-string value", '{"syntax": 1}', undefined],
  ["JSON after a shebang", '#!x\n{"syntax":"j"}', { ref: "j", line: 1, form: "json" }],
  ["empty value is no directive", "# syntax=\n", undefined],
];

for (const [name, dt, want] of detect) {
  test(`DetectSyntax: ${name}`, () => {
    const got = detectSyntaxDirective(dt);
    if (!want) return assert.equal(got, undefined);
    assert.ok(got, "expected a directive");
    assert.equal(got.ref, want.ref);
    if (want.cmdline !== undefined) assert.equal(got.cmdline, want.cmdline);
    if (want.line !== undefined) assert.equal(got.line, want.line);
    if (want.form !== undefined) assert.equal(got.form, want.form);
  });
}

test("TestParseDirective: # form only", () => {
  let d = parseDirective("check", "#check = skip=all // opts\nFROM busybox\n");
  assert.deepEqual([d?.ref, d?.cmdline, d?.line], ["skip=all", "skip=all // opts", 1]);
  d = parseDirective("check", "#!/bin/sh\n# check = skip=all\nFROM busybox\n");
  assert.deepEqual([d?.ref, d?.line], ["skip=all", 2]);
  assert.equal(parseDirective("check", "#!/bin/sh\n\n# check = skip=all\n"), undefined);
  assert.equal(parseDirective("check", "FROM busybox\nRUN ls\n"), undefined);
  assert.equal(parseDirective("check", "//check=skip=all\n//key=value"), undefined);
});

test("directive lines are blanked, other lines keep their numbers", () => {
  assert.equal(blankDirectiveLines("\ufeff# syntax=x\n# escape=`\nexport default 1\n"), "\n\nexport default 1\n");
  assert.equal(blankDirectiveLines("#!/usr/bin/env x\n# syntax=x\r\nlet a\n"), "#!/usr/bin/env x\n\r\nlet a\n");
  assert.equal(blankDirectiveLines("// syntax=x\n// not a directive\n"), "\n// not a directive\n");
  assert.equal(blankDirectiveLines("const a = 1\n"), "const a = 1\n");
});

test("DirectiveParser: line by line, a repeated key throws, the first other line ends the block", () => {
  const p = new DirectiveParser();
  assert.deepEqual(p.parseLine("# Escape = `"), { name: "escape", value: "`", line: 1 });
  assert.deepEqual(p.parseLine("#check=skip=all"), { name: "check", value: "skip=all", line: 2 });
  assert.throws(() => p.parseLine("# escape=\\"), (e: unknown) => e instanceof DockerfileError && e.message === "only one escape parser directive can be used");
  assert.equal(p.parseLine("FROM a"), undefined);
  assert.ok(p.isDone());
  assert.equal(p.parseLine("# syntax=x"), undefined);
  assert.equal(p.line, 5);
  assert.deepEqual(new DirectiveParser(0, "").parseLine("check=skip=all"), { name: "check", value: "skip=all", line: 1 });
  assert.deepEqual(parseDirectives("# escape=`\n# escape=\\\n# syntax=x\n"), [{ name: "escape", value: "`", line: 1 }]);
});
