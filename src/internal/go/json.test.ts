import { test } from "node:test";
import assert from "node:assert/strict";
import { goJSONString, goJSONStringArray } from "./json.js";

test("goJSONStringArray is Go's json.Marshal of a []string (local source patterns)", () => {
  assert.equal(goJSONStringArray(["a<b>&c", "\u2028", "\b\f\u0001\u007f", "\ud800x"]), '["a\\u003cb\\u003e\\u0026c","\\u2028","\\b\\f\\u0001\u007f","\\ufffdx"]');
});

test("goJSONString escapes like Go (HTML-safe, U+2028/9, \\b \\f, invalid surrogates)", () => {
  assert.equal(goJSONString("<a&b>\u2028\u2029\b\f\x01\x7f\ud800x😀"), '"\\u003ca\\u0026b\\u003e\\u2028\\u2029\\b\\f\\u0001\x7f\\ufffdx😀"');
  assert.equal(goJSONString('"\\\n\r\t'), '"\\"\\\\\\n\\r\\t"');
  assert.equal(goJSONStringArray([]), "[]");
});

test("goJSONString agrees with JSON.stringify plus Go's extra escapes on random strings", () => {
  const alphabet = ["a", "<", ">", "&", '"', "\\", "\n", "\x00", "\x1f", "\x7f", "é", "\u2028", "\u2029", "😀", "\ud800", "\udc00", "\ufffd"];
  let seed = 42;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  for (let k = 0; k < 2000; k++) {
    let s = "";
    for (let n = rnd(12); n > 0; n--) s += alphabet[rnd(alphabet.length)];
    const wellFormed = s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
    const want = JSON.stringify(wellFormed)
      .replace(/</g, "\\u003c")
      .replace(/>/g, "\\u003e")
      .replace(/&/g, "\\u0026")
      .replace(/\u2028/g, "\\u2028")
      .replace(/\u2029/g, "\\u2029");
    const got = goJSONString(s).replace(/\\ufffd/g, "\ufffd"); // Go writes U+FFFD escaped for invalid UTF-8
    assert.equal(got, want, JSON.stringify(s));
  }
});
