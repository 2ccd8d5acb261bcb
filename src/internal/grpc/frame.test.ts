import { test } from "node:test";
import assert from "node:assert/strict";

import { CompressedFrameError, encodeFrame, FrameDecoder, frameHeader } from "./frame.js";

test("encodeFrame and frameHeader write the 5-byte prefix", () => {
  assert.deepEqual([...encodeFrame(Buffer.from("abc"))], [0, 0, 0, 0, 3, 0x61, 0x62, 0x63]);
  assert.deepEqual([...frameHeader(70000)], [0, 0, 1, 0x11, 0x70]);
  assert.deepEqual([...encodeFrame(new Uint8Array())], [0, 0, 0, 0, 0]);
});

test("FrameDecoder splits messages across and within chunks, in order", () => {
  const msgs = [Buffer.from("hello"), Buffer.alloc(0), Buffer.alloc(100_000, 7), Buffer.from("x")];
  const wire = Buffer.concat(msgs.map(encodeFrame));
  for (const size of [1, 3, 5, 7, 4096, wire.length]) {
    const d = new FrameDecoder();
    const out: Buffer[] = [];
    for (let i = 0; i < wire.length; i += size) d.push(wire.subarray(i, i + size), (m) => out.push(Buffer.from(m)));
    assert.deepEqual(out, msgs, `chunks of ${size}`);
    assert.equal(d.pendingBytes, 0);
  }
});

test("FrameDecoder refuses compressed messages", () => {
  const d = new FrameDecoder();
  assert.throws(() => d.push(Buffer.from([1, 0, 0, 0, 1, 9]), () => {}), CompressedFrameError);
});
