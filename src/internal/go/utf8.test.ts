import { test } from "node:test";
import assert from "node:assert/strict";
import { codePoints, compareBytes, compareUtf8, decodeUtf8Go, fromUtf8BinaryString, utf8BinaryString, utf8Length } from "./utf8.js";

test("compareUtf8 orders by UTF-8 bytes, not UTF-16 units", () => {
  // U+FF5E is ef bd 9e in UTF-8, U+1F600 is f0 9f 98 80: the BMP char sorts first.
  assert.ok(compareUtf8("\uff5e", "😀") < 0);
  assert.ok("\uff5e" > "😀"); // UTF-16 order disagrees
  assert.ok(compareUtf8("a", "b") < 0);
  assert.ok(compareUtf8("ab", "a") > 0);
  assert.equal(compareUtf8("é", "é"), 0);
  assert.ok(compareUtf8("\ue000", "😀") < 0);
});

test("utf8Length and compareBytes", () => {
  assert.equal(utf8Length(""), 0);
  assert.equal(utf8Length("aé中😀"), 1 + 2 + 3 + 4);
  assert.ok(compareBytes(new Uint8Array([1, 2]), new Uint8Array([1, 3])) < 0);
  assert.ok(compareBytes(new Uint8Array([1, 2, 0]), new Uint8Array([1, 2])) > 0);
  assert.equal(compareBytes(new Uint8Array([]), new Uint8Array([])), 0);
  assert.deepEqual(codePoints("a😀"), [0x61, 0x1f600]);
});

test("decodeUtf8Go: valid UTF-8 as is (BOM kept), one U+FFFD per invalid byte", () => {
  const enc = new TextEncoder();
  assert.equal(decodeUtf8Go(enc.encode("\ufeffa é 😀")), "\ufeffa é 😀");
  assert.equal(decodeUtf8Go(new Uint8Array([0x61, 0xe2, 0x82, 0x62])), "a\ufffd\ufffdb");
  assert.equal(decodeUtf8Go(new Uint8Array([0xed, 0xa0, 0x80])), "\ufffd\ufffd\ufffd");
  assert.equal(decodeUtf8Go(new Uint8Array([0xc0, 0xaf, 0xf4, 0x90, 0x80, 0x80])), "\ufffd".repeat(6));
  assert.equal(decodeUtf8Go(new Uint8Array([0xf0, 0x9f, 0x98, 0x80, 0xff])), "😀\ufffd");
});

test("binary strings: one char per UTF-8 byte, and back", () => {
  assert.equal(utf8BinaryString("aé"), "a\u00c3\u00a9");
  assert.equal(fromUtf8BinaryString("a\u00c3\u00a9"), "aé");
  assert.equal(fromUtf8BinaryString("\u00a9x"), "\ufffdx");
});
