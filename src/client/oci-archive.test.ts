import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArchiveRef, scanTar } from "./oci-archive.js";

test("archive references: oci-archive:, docker-archive:, oci:DIR and paths ending in .tar; anything else is a registry", () => {
  assert.deepEqual(parseArchiveRef("oci-archive:/x/y"), { kind: "tar", path: "/x/y" });
  assert.deepEqual(parseArchiveRef("docker-archive:img"), { kind: "tar", path: "img" });
  assert.deepEqual(parseArchiveRef("oci:dir"), { kind: "dir", path: "dir" });
  assert.deepEqual(parseArchiveRef("out/image.TAR"), { kind: "tar", path: "out/image.TAR" });
  assert.equal(parseArchiveRef("127.0.0.1:5000/a:tar"), undefined);
  assert.equal(parseArchiveRef("busybox"), undefined);
});

test("scanTar finds regular files with long names (GNU and PAX), ./ prefixes stripped, sizes right", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsf-scantar-"));
  try {
    const src = join(dir, "src");
    const long = "blobs/sha256/" + "a".repeat(64) + "/" + "b".repeat(60);
    mkdirSync(join(src, long, ".."), { recursive: true });
    writeFileSync(join(src, long), "x".repeat(700));
    writeFileSync(join(src, "index.json"), "{}");
    for (const format of ["gnu", "pax", "ustar"]) {
      const file = join(dir, `${format}.tar`);
      const args = format === "ustar" ? ["-C", src, "--format", format, "-cf", file, "./index.json"] : ["-C", src, "--format", format, "-cf", file, "."];
      const r = spawnSync("tar", args, { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      const fd = openSync(file, "r");
      try {
        const members = scanTar(fd, statSync(file).size);
        assert.equal(members.get("index.json")?.size, 2, format);
        if (format !== "ustar") assert.equal(members.get(long)?.size, 700, `${format}: ${[...members.keys()].join(", ")}`);
      } finally {
        closeSync(fd);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
