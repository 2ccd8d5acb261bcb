import { test } from "node:test";
import assert from "node:assert/strict";
import { isAscii, isDigit, isLetter, isSpace, toLower, trimLeftSpace, trimRightSpace, trimSpace } from "./unicode.js";

test("isSpace is Go's unicode.IsSpace", () => {
  for (const c of [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]) assert.ok(isSpace(c), c.toString(16));
  for (const c of [0x00, 0x08, 0x0e, 0x1c, 0x41, 0x180e, 0x200b, 0xfeff]) assert.ok(!isSpace(c), c.toString(16));
});

test("isLetter and isDigit (Unicode L and Nd)", () => {
  assert.ok(isLetter(0x61) && isLetter(0x5a) && isLetter(0xe9) && isLetter(0xd55c));
  assert.ok(!isLetter(0x5f) && !isLetter(0x31) && !isLetter(0x1f600));
  assert.ok(isDigit(0x30) && isDigit(0x39) && isDigit(0x0663));
  assert.ok(!isDigit(0xbd) && !isDigit(0x61));
});

test("trims and toLower as Go's strings package", () => {
  assert.equal(trimSpace("\u00a0\t a b \u3000\n"), "a b");
  assert.equal(trimLeftSpace("  x "), "x ");
  assert.equal(trimRightSpace("  x \v"), "  x");
  assert.equal(toLower("WORKDIR"), "workdir");
  assert.equal(toLower("MAİNTAINER"), "maintainer");
  assert.equal(toLower("ΑΣ"), "ασ");
  assert.ok(isAscii("FROM a") && !isAscii("é"));
});
