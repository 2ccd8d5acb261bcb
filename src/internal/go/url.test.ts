import { test } from "node:test";
import assert from "node:assert/strict";
import { fromByteString, parseURL, queryUnescape, queryValid, toByteString, UrlError, urlString } from "./url.js";

test("url.QueryUnescape", () => {
  assert.equal(queryUnescape("sub%2F%C3%A4.txt"), "sub/ä.txt");
  assert.equal(queryUnescape("a+b%20c"), "a b c");
  assert.throws(() => queryUnescape("bad%zz"), UrlError);
  assert.throws(() => queryUnescape("bad%2"), UrlError);
});

test("byte strings keep a leading U+FEFF (Go strings do) and flag invalid UTF-8", () => {
  assert.deepEqual(fromByteString(toByteString("\ufeffhost")), { text: "\ufeffhost", validUTF8: true });
  assert.deepEqual(fromByteString("\xff"), { text: "\ufffd", validUTF8: false });
});

test("url.Parse and URL.String for scheme:// URLs", () => {
  const u = parseURL(toByteString("https://user:p%40ss@example.com:8080/a%2Fb/c d?x=1#frag"));
  assert.equal(u.scheme, "https");
  assert.equal(u.host, "example.com:8080");
  assert.deepEqual(u.user, { username: "user", password: "p@ss" });
  assert.equal(u.path, "/a/b/c d");
  assert.equal(u.rawQuery, "x=1");
  assert.equal(u.fragment, "frag");
  assert.equal(urlString({ ...u, rawQuery: "" }), "https://user:p%40ss@example.com:8080/a/b/c%20d"); // RawPath has a raw space: not valid, so Go re-escapes Path
  assert.throws(() => parseURL(toByteString("http://[::1")), /missing ']' in host/);
  assert.throws(() => parseURL(toByteString("http://[1.2.3.4]/")), /invalid IP-literal/);
  assert.equal(queryValid("a=1&b=2"), true);
  assert.equal(queryValid("a=1;b=2"), false);
});
