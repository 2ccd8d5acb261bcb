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
