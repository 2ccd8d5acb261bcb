import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { closeSync, lstatSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Digest } from "../llb/digest.js";
import { scanTar } from "../client/oci-archive.js";
import { MediaType } from "../client/image-inspect.js";
import { ociLayoutEntries, tarHeader, writeMergedOciTar } from "./oci-tar.js";

/** A tar of `files` made with tarHeader (the writer's own format). */
function tarOf(files: Record<string, Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, data] of Object.entries(files)) {
    parts.push(tarHeader(name, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

function members(file: string): Map<string, Buffer> {
  const fd = openSync(file, "r");
  try {
    const out = new Map<string, Buffer>();
    const data = readFileSync(file);
    for (const [name, m] of scanTar(fd, statSync(file).size)) out.set(name, data.subarray(m.offset, m.offset + m.size));
    return out;
  } finally {
    closeSync(fd);
  }
}

test("tarHeader: a ustar header with a valid checksum that scanTar reads back", () => {
  const h = tarHeader("blobs/sha256/" + "a".repeat(64), 1234);
  assert.equal(h.length, 512);
  assert.equal(h.subarray(257, 262).toString(), "ustar");
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  assert.equal(parseInt(h.subarray(148, 155).toString(), 8), sum);
  assert.throws(() => tarHeader("x".repeat(100), 1), /too long/);
});

test("writeMergedOciTar: oci-layout, index.json naming the index blob, the index, every input blob once", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsf-oci-tar-"));
  try {
    const blobA = Buffer.from("layer a");
    const blobB = Buffer.from("layer b");
    const shared = Buffer.from("shared config");
    const name = (b: Buffer) => `blobs/${sha256Digest(b).replace(":", "/")}`;
    writeFileSync(join(dir, "a.tar"), tarOf({ "oci-layout": Buffer.from("{}"), "index.json": Buffer.from("{}"), [name(blobA)]: blobA, [name(shared)]: shared }));
    writeFileSync(join(dir, "b.tar"), tarOf({ "index.json": Buffer.from("{}"), [name(blobB)]: blobB, [name(shared)]: shared }));
    const index = Buffer.from('{"schemaVersion":2}');
    const desc = { mediaType: MediaType.ociIndex, digest: sha256Digest(index), size: index.length };
    const entries = ociLayoutEntries(desc, { names: ["r.example/app:1"], created: "2026-12-07T10:00:00Z" });
    writeMergedOciTar(join(dir, "out.tar"), [join(dir, "a.tar"), join(dir, "b.tar")], { bytes: index, descriptor: desc }, entries);
    const m = members(join(dir, "out.tar"));
    assert.deepEqual([...m.keys()], ["oci-layout", "index.json", name(index), name(blobA), name(shared), name(blobB)]);
    assert.deepEqual(JSON.parse(m.get("oci-layout")!.toString()), { imageLayoutVersion: "1.0.0" });
    assert.deepEqual(JSON.parse(m.get("index.json")!.toString()), {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [{ ...desc, annotations: { "io.containerd.image.name": "r.example/app:1", "org.opencontainers.image.created": "2026-12-07T10:00:00Z", "org.opencontainers.image.ref.name": "1" } }],
    });
    assert.deepEqual(m.get(name(blobB)), blobB);
    // Nothing else is left beside it (the temporary file was renamed).
    assert.deepEqual(readdirSync(dir).sort(), ["a.tar", "b.tar", "out.tar"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("writeMergedOciTar into a FIFO (as into /dev/null or /dev/stdout): written into it, nothing made beside, the FIFO kept", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsf-oci-tar-"));
  try {
    const blob = Buffer.from("layer");
    writeFileSync(join(dir, "a.tar"), tarOf({ [`blobs/${sha256Digest(blob).replace(":", "/")}`]: blob }));
    const fifo = join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    // The reader is another process: the write's open waits for it (and blocks this thread).
    const reader = spawn("sh", ["-c", 'exec cat "$1" > "$2"', "sh", fifo, join(dir, "read.tar")]);
    const exited = new Promise((resolve) => reader.on("close", resolve));
    const index = Buffer.from('{"schemaVersion":2}');
    try {
      const desc = { mediaType: MediaType.ociIndex, digest: sha256Digest(index), size: index.length };
      writeMergedOciTar(fifo, [join(dir, "a.tar")], { bytes: index, descriptor: desc }, ociLayoutEntries(desc, { names: [], created: "2026-12-07T10:00:00Z" }));
      assert.ok(lstatSync(fifo).isFIFO(), "the FIFO was replaced");
      await exited;
    } finally {
      reader.kill();
    }
    assert.deepEqual(readdirSync(dir).sort(), ["a.tar", "pipe", "read.tar"]);
    const got = members(join(dir, "read.tar"));
    assert.deepEqual([...got.keys()], ["oci-layout", "index.json", `blobs/${sha256Digest(index).replace(":", "/")}`, `blobs/${sha256Digest(blob).replace(":", "/")}`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("ociLayoutEntries: one entry per name as buildkit's oci exporter writes them (normalised, default tag), else one unnamed", () => {
  const desc = { mediaType: MediaType.ociIndex, digest: `sha256:${"a".repeat(64)}`, size: 10 };
  const created = "2026-12-07T10:00:00Z";
  assert.deepEqual(ociLayoutEntries(desc, { names: ["app", "r.example:5000/team/app:2", `r.example/app:3@sha256:${"b".repeat(64)}`], created, annotations: { "x.k": "v" } }), [
    { ...desc, annotations: { "io.containerd.image.name": "docker.io/library/app:latest", "org.opencontainers.image.created": created, "org.opencontainers.image.ref.name": "latest", "x.k": "v" } },
    { ...desc, annotations: { "io.containerd.image.name": "r.example:5000/team/app:2", "org.opencontainers.image.created": created, "org.opencontainers.image.ref.name": "2", "x.k": "v" } },
    {
      ...desc,
      annotations: {
        "io.containerd.image.name": `r.example/app:3@sha256:${"b".repeat(64)}`,
        "org.opencontainers.image.created": created,
        "org.opencontainers.image.ref.name": `3@sha256:${"b".repeat(64)}`,
        "x.k": "v",
      },
    },
  ]);
  assert.deepEqual(ociLayoutEntries(desc, { names: [], created }), [{ ...desc, annotations: { "org.opencontainers.image.created": created } }]);
});
