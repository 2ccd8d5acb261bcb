import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { archiveMaxTime, formatSourceDateEpochValue } from "./epoch.js";

test("formatSourceDateEpochValue: Unix seconds, empty for none", () => {
  assert.equal(formatSourceDateEpochValue(undefined), "");
  assert.equal(formatSourceDateEpochValue(new Date(1700000000_000)), "1700000000");
  assert.equal(formatSourceDateEpochValue(new Date(1700000000_999)), "1700000000");
  assert.equal(formatSourceDateEpochValue(new Date(-1500)), "-2");
});

function tarEntry(name: string, type: string, mtime: number, body = ""): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write("0000644\0", 100);
  h.write(body.length.toString(8).padStart(11, "0") + "\0", 124);
  h.write(mtime.toString(8).padStart(11, "0") + "\0", 136);
  h.write(type, 156);
  h.write("ustar\0" + "00", 257);
  h.fill(" ", 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
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
