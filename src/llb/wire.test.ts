import { test } from "node:test";
import assert from "node:assert/strict";
import { ProtoWriter, sortedKeys } from "./wire.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

test("varints, negative int64 and zero skipping follow proto3 as Go writes it", () => {
  const w = new ProtoWriter(4);
  w.int(1, 0);
  w.int(1, 1);
  w.int(2, -1);
  w.int(3, 300);
  w.int(4, 1700000000000000000n);
  w.string(5, "");
  w.bool(6, false);
  w.intAlways(7, 0);
  assert.equal(hex(w.finish()), "0801" + "10ffffffffffffffffff01" + "18ac02" + "208080a8b1e39fe7cb17" + "3800");
});

test("nested messages longer than 127 bytes get a two-byte length", () => {
  const w = new ProtoWriter(1);
  w.begin(1);
  w.stringAlways(1, "x".repeat(200));
  w.end();
  const out = w.finish();
  // outer: tag 0a, len 203 = cb 01; inner: tag 0a, len 200 = c8 01
  assert.equal(hex(out.subarray(0, 6)), "0acb010ac801");
  assert.equal(out.length, 3 + 3 + 200);
});

test("empty sub-messages are written", () => {
  const w = new ProtoWriter();
  w.begin(11);
  w.end();
  assert.equal(hex(w.finish()), "5a00");
});

test("strings are UTF-8, surrogate pairs included; lone surrogates are refused", () => {
  const w = new ProtoWriter();
  w.stringAlways(1, "é中😀");
  assert.equal(hex(w.finish()), "0a09" + "c3a9" + "e4b8ad" + "f09f9880");
  assert.throws(() => new ProtoWriter().stringAlways(1, "\ud800x"));
});

test("map keys sort by UTF-8 bytes, not UTF-16 units or integer-likeness", () => {
  assert.deepEqual(sortedKeys({ "10": 1, "2": 1, b: 1, a: 1, "007": 1 }), ["007", "10", "2", "a", "b"]);
  // U+FF5E (3 UTF-8 bytes, ef..) sorts after U+1F600 (f0.. in UTF-8) is false: f0 > ef.
  assert.deepEqual(sortedKeys({ "😀": 1, "\uff5e": 1 }), ["\uff5e", "😀"]);
  assert.ok("\uff5e" > "😀"); // UTF-16 order disagrees
});

test("negative int32 values take the fast path and match the BigInt encoding", () => {
  for (const v of [-1, -2, -127, -128, -300, -65536, -2147483648]) {
    const a = new ProtoWriter();
    a.int(1, v);
    const b = new ProtoWriter();
    b.int(1, BigInt(v));
    assert.equal(hex(a.finish()), hex(b.finish()), String(v));
  }
});

test("a string under 128 UTF-16 units whose UTF-8 form reaches 128 bytes gets a two-byte length", () => {
  for (const s of ["é".repeat(64), "中".repeat(127), "x".repeat(127), "é".repeat(63) + "x"]) {
    const w = new ProtoWriter(1);
    w.stringAlways(1, s);
    const utf8 = Buffer.from(s, "utf8");
    const len = utf8.length < 128 ? [utf8.length] : [(utf8.length & 0x7f) | 0x80, utf8.length >> 7];
    assert.equal(hex(w.finish()), hex(Uint8Array.from([0x0a, ...len, ...utf8])), s.slice(0, 4));
  }
});

test("int64 bigints take the number path when they fit and give the same bytes as the BigInt path", () => {
  const slow = (v: bigint) => {
    let u = BigInt.asUintN(64, v);
    const out = [0x08];
    while (u > 0x7fn) {
      out.push(Number(u & 0x7fn) | 0x80);
      u >>= 7n;
    }
    out.push(Number(u));
    return hex(Uint8Array.from(out));
  };
  for (const v of [-1n, -2147483648n, -2147483649n, 1n, 2n ** 31n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n - 1n, -(2n ** 63n)]) {
    const w = new ProtoWriter();
    w.int(1, v);
    assert.equal(hex(w.finish()), slow(v), String(v));
  }
});

test("long strings (the TextEncoder path) give the loop's bytes and lengths, and still refuse lone surrogates", () => {
  for (const s of ["a".repeat(48), "é".repeat(60) + "x".repeat(100), "ü€😀".repeat(40), "y".repeat(50000)]) {
    const w = new ProtoWriter(4);
    w.stringAlways(3, s);
    const body = Buffer.from(s, "utf8");
    const len: number[] = [];
    for (let v = body.length; ; v = Math.floor(v / 128)) {
      if (v < 128) {
        len.push(v);
        break;
      }
      len.push((v % 128) | 0x80);
    }
    assert.equal(hex(w.finish()), "1a" + Buffer.from(len).toString("hex") + body.toString("hex"));
  }
  assert.throws(() => new ProtoWriter().stringAlways(1, "a".repeat(60) + "\ud800"), /lone surrogate/);
  assert.throws(() => new ProtoWriter().stringAlways(1, "\udc00" + "a".repeat(60)), /lone surrogate/);
});
