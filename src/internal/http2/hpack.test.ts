import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeHeaders, HpackDecoder, HpackError, huffmanDecode } from "./hpack.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

test("RFC 7541 C.4: three requests with Huffman-coded strings share one dynamic table", () => {
  const d = new HpackDecoder();
  assert.deepEqual(d.decode(hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff")), [
    [":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "www.example.com"],
  ]);
  assert.deepEqual(d.decode(hex("8286 84be 5886 a8eb 1064 9cbf")), [
    [":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "www.example.com"], ["cache-control", "no-cache"],
  ]);
  assert.deepEqual(d.decode(hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf")), [
    [":method", "GET"], [":scheme", "https"], [":path", "/index.html"], [":authority", "www.example.com"], ["custom-key", "custom-value"],
  ]);
});

test("a table size update evicts; an index past the table, bad padding and EOS are errors", () => {
  const d = new HpackDecoder();
  d.decode(hex("4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf")); // custom-key: custom-value, indexed as 62
  assert.deepEqual(d.decode(hex("be")), [["custom-key", "custom-value"]]);
  assert.throws(() => d.decode(hex("20 be")), HpackError); // size 0 empties the table: 62 is gone
  assert.throws(() => d.decode(hex("3fe1 3f")), /above 4096/); // 8192
  assert.throws(() => d.decode(hex("82 20")), /after a header/);
  assert.throws(() => huffmanDecode(hex("00")), /padding/); // '0' (00000) then 000: not EOS's prefix
  assert.throws(() => huffmanDecode(hex("ffff ffff")), /EOS/);
});

test("the encoder's blocks decode to the same headers (static indexes, literal names, long values)", () => {
  const headers: [string, string][] = [
    [":method", "POST"], [":scheme", "http"], [":path", "/moby.buildkit.v1.frontend.LLBBridge/Solve"], [":authority", "localhost"],
    ["content-type", "application/grpc"], ["te", "trailers"], ["x-long", "v".repeat(70_000)], ["x-bytes", "\u00ff\u0001"],
  ];
  const block = encodeHeaders(headers);
  assert.equal(block[0], 0x83); // :method POST from the static table
  assert.deepEqual(new HpackDecoder().decode(block), headers);
});
