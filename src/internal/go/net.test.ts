import { test } from "node:test";
import assert from "node:assert/strict";
import { ipString, parseAddrKind, parseIP } from "./net.js";

const goIPString = (s: string) => ipString(parseIP(s));

test("Go net.IP.String of net.ParseIP", () => {
  assert.equal(goIPString("::"), "::");
  assert.equal(goIPString("::1"), "::1");
  assert.equal(goIPString("1::"), "1::");
  assert.equal(goIPString("1:0:1:0:0:1:0:0"), "1:0:1::1:0:0");
  assert.equal(goIPString("FE80::ABCD"), "fe80::abcd");
  assert.equal(goIPString("fe80::1%eth0"), "<nil>");
  assert.equal(goIPString("1.2.3"), "<nil>");
  assert.equal(goIPString("256.1.1.1"), "<nil>");
  assert.equal(goIPString("1:2:3:4:5:6:7:8:9"), "<nil>");
  assert.equal(goIPString("1:2:3:4:5:6:1.2.3.4"), "1:2:3:4:5:6:102:304");
});

test("netip.ParseAddr validity and family", () => {
  assert.equal(parseAddrKind("1.2.3.4"), 4);
  assert.equal(parseAddrKind("01.2.3.4"), 0);
  assert.equal(parseAddrKind("::1"), 6);
  assert.equal(parseAddrKind("fe80::1%eth0"), 6);
  assert.equal(parseAddrKind("fe80::1%"), 0);
  assert.equal(parseAddrKind("::ffff:1.2.3.4"), 6);
  assert.equal(parseAddrKind("1:2:3:4:5:6:7:8:9"), 0);
  assert.equal(parseAddrKind("example.com"), 0);
  assert.equal(parseAddrKind(""), 0);
});
