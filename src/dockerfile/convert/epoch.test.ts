import { test } from "node:test";
import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import { gzipSync } from "node:zlib";
import { archiveMaxTime, formatSourceDateEpochValue } from "./epoch.js";

test("formatSourceDateEpochValue: Unix seconds, empty for none", () => {
  assert.equal(formatSourceDateEpochValue(undefined), "");
  assert.equal(formatSourceDateEpochValue(new Date(1700000000_000)), "1700000000");
  assert.equal(formatSourceDateEpochValue(new Date(1700000000_999)), "1700000000");
  assert.equal(formatSourceDateEpochValue(new Date(-1500)), "-2");
});

function tarEntry(name: string, type: string, mtime: number, body = "", mode = 0o644, badSum = false): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write(mode.toString(8).padStart(7, "0") + "\0", 100);
  h.write(body.length.toString(8).padStart(11, "0") + "\0", 124);
  h.write(mtime.toString(8).padStart(11, "0") + "\0", 136);
  h.write(type, 156);
  h.write("ustar\0" + "00", 257);
  h.fill(" ", 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write((sum + (badSum ? 1 : 0)).toString(8).padStart(6, "0") + "\0 ", 148);
  const pad = Buffer.alloc(Math.ceil(body.length / 512) * 512);
  pad.write(body);
  return Buffer.concat([h, pad]);
}

test("archiveMaxTime: newest regular file of a tar or tar.gz, undefined for other data", () => {
  const tar = Buffer.concat([tarEntry("a", "0", 1000, "x"), tarEntry("d/", "5", 9000), tarEntry("b", "0", 2000, "yy"), Buffer.alloc(1024)]);
  assert.equal(archiveMaxTime(tar)?.getTime(), 2000_000);
  assert.equal(archiveMaxTime(gzipSync(tar))?.getTime(), 2000_000);
  assert.equal(archiveMaxTime(Buffer.from("not an archive")), undefined);
  assert.equal(archiveMaxTime(Buffer.alloc(1024)), undefined);
});

/** A zstd frame of raw (stored) blocks: what any zstd decoder reads back as `data`. */
function zstdStored(data: Buffer): Buffer {
  const blocks: Buffer[] = [];
  for (let off = 0; off === 0 || off < data.length; off += 1 << 17) {
    const chunk = data.subarray(off, off + (1 << 17));
    const last = off + (1 << 17) >= data.length ? 1 : 0;
    const header = last | (chunk.length << 3); // Last_Block, Block_Type 0 (raw), Block_Size
    blocks.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]), chunk);
  }
  // Magic, Frame_Header_Descriptor 0 (no content size, checksum or dictionary), Window_Descriptor 2^17.
  return Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3]), ...blocks]);
}

test("archiveMaxTime: a zstd tar where Node decodes zstd (the frontend image's Node 22), else none; bzip2 and xz none", () => {
  const tar = Buffer.concat([tarEntry("a", "0", 1000, "x"), tarEntry("b", "0", 3000, "yy"), Buffer.alloc(1024)]);
  const hasZstd = typeof (zlib as { zstdDecompressSync?: unknown }).zstdDecompressSync === "function";
  assert.equal(archiveMaxTime(zstdStored(tar))?.getTime(), hasZstd ? 3000_000 : undefined);
  assert.equal(archiveMaxTime(zstdStored(Buffer.from("not a tar"))), undefined);
  assert.equal(archiveMaxTime(Buffer.concat([Buffer.from("BZh91AY&SY"), tar])), undefined);
  assert.equal(archiveMaxTime(Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), tar])), undefined);
});

test("archiveMaxTime follows archive/tar as Go reads it (answers checked against Go 1.x's tar.Reader)", () => {
  const a = tarEntry("a", "0", 1000, "x");
  const end = Buffer.alloc(1024);
  const t = (...parts: Buffer[]) => archiveMaxTime(Buffer.concat(parts))?.getTime();
  // Hard links, contiguous files and volume headers are regular in FileInfo().Mode(); symlinks, fifos and dir mode bits are not.
  assert.equal(t(a, tarEntry("l", "1", 5000), end), 5000_000);
  assert.equal(t(a, tarEntry("c", "7", 5000, "z"), end), 5000_000);
  assert.equal(t(a, tarEntry("v", "V", 5000), end), 5000_000);
  assert.equal(t(a, tarEntry("s", "2", 5000), end), 1000_000);
  assert.equal(t(a, tarEntry("f", "6", 5000), end), 1000_000);
  assert.equal(t(a, tarEntry("d", "0", 5000, "", 0o40755), end), 1000_000);
  assert.equal(t(a, tarEntry("r", "0", 5000, "", 0o100644), end), 5000_000);
  // A PAX global header is returned by Next with Go's zero time.
  assert.equal(t(tarEntry("g", "g", 5000), end), -62135596800_000);
  // A bad header checksum, a body cut short, or data after one zero block: not an archive (no time at all).
  assert.equal(t(a, tarEntry("b", "0", 5000, "y", 0o644, true), end), undefined);
  assert.equal(t(a, tarEntry("b", "0", 5000, "y".repeat(100)).subarray(0, 515)), undefined);
  assert.equal(t(a, Buffer.alloc(512), tarEntry("b", "0", 5000, "y")), undefined);
  // No end blocks, one zero block, or padding cut short end it cleanly.
  assert.equal(t(a), 1000_000);
  assert.equal(t(a, Buffer.alloc(512)), 1000_000);
  assert.equal(t(a.subarray(0, 600)), 1000_000);
});
