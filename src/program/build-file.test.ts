import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { isArchive } from "./build-file.js";

/** One ustar header block for a file `name` of `size` bytes, checksum filled in. */
function tarHeader(name: string, size: number): Uint8Array {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write("0000644\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write(size.toString(8).padStart(11, "0") + "\0", 124);
  h.write("00000000000\0", 136);
  h.write("        ", 148);
  h.write("0", 156);
  h.write("ustar\0", 257);
  h.write("00", 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return h;
}

test("isArchive: compressed magic numbers and tar headers, as dockerui's isArchive", () => {
  assert.equal(isArchive(gzipSync(Buffer.from("x")).subarray(0, 1024)), true);
  assert.equal(isArchive(Buffer.from([0x42, 0x5a, 0x68, 0x39])), true);
  assert.equal(isArchive(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1])), true);
  assert.equal(isArchive(tarHeader("Dockerfile", 10)), true);
  const bad = Buffer.from(tarHeader("Dockerfile", 10));
  bad[0] = 0x41; // checksum no longer matches
  assert.equal(isArchive(bad), false);
  assert.equal(isArchive(Buffer.from("# syntax=x\nexport default () => {}\n")), false);
  assert.equal(isArchive(Buffer.alloc(600)), false);
});
