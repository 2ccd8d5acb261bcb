/**
 * Exports against the buildkitd named by BUILDKIT_HOST (start one with
 * `bash scripts/env/start.sh` and source the env.sh it prints): a small
 * scratch graph (dirs, files, a symlink, a 3 MiB file) solved with
 * `--output`-style exports parsed by src/client/exporters.ts and received by
 * the FileSend service (src/client/session/file-send.ts): local (new dir,
 * merge into an existing dir, mode=delete), tar, oci and docker tarballs,
 * tar to a stream, several exporters in one solve, and interrupted exports
 * that must leave no partial result.
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { gunzipSync } from "node:zlib";
import { BuildkitConnection } from "../../src/client/connection.js";
import { exportOutputs, type ExportOutputs, type ExportOutputsOptions, type ExportedOutput } from "../../src/client/exporters.js";
import { parseOutputs as parseOutputFlags, type ParseOutputOptions } from "../../src/cli/flags/outputs.js";
import type { CallContext, MessageStream, SessionService, StreamHandler } from "../../src/client/session/service.js";
import { solve } from "../../src/client/solve.js";
import { mkdir, scratch, type Definition } from "../../src/llb/index.js";
import { readTar } from "./lib/tar.js";

/** `--output` values as `tsfrontend build` takes them: parsed, then set up for export. */
function parseOutputs(values: readonly string[], options: ParseOutputOptions & ExportOutputsOptions = {}): ExportOutputs {
  return exportOutputs(parseOutputFlags(values, options), options);
}

const host = process.env["BUILDKIT_HOST"];
const big = randomBytes(3 * 1024 * 1024 + 123);
let conn: BuildkitConnection;
let def: Definition;
let work: string;

function needHost(): string {
  if (!host) {
    assert.fail("BUILDKIT_HOST is not set: start a test daemon with `bash scripts/env/start.sh`, source the env.sh it prints, and run again");
  }
  return host;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), "tsf-e2e-export-"));
  conn = new BuildkitConnection(needHost());
  await conn.waitReady(10_000);
  const st = scratch().file(
    mkdir("/app", 0o755)
      .mkdir("/app/etc", 0o750)
      .mkfile("/app/hello.txt", 0o644, "hello\n")
      .mkfile("/app/run.sh", 0o755, "#!/bin/sh\necho run\n")
      .mkfile("/app/etc/conf", 0o600, "k=v\n")
      .mkfile("/app/big.bin", 0o644, big)
      .symlink("hello.txt", "/app/link")
      .symlink("/etc/passwd", "/app/abs-link"),
  );
  def = await st.marshal();
});

after(() => {
  conn?.close();
  rmSync(work, { recursive: true, force: true });
});

function outDir(name: string): string {
  const d = join(work, name);
  mkdirSync(d, { recursive: true });
  return d;
}

async function build(outputs: ExportOutputs, extra: { signal?: AbortSignal; sessionServices?: SessionService[] } = {}) {
  needHost();
  return solve(conn, {
    definition: def,
    exports: outputs.exports,
    sessionServices: extra.sessionServices ?? outputs.sessionServices,
    ...(extra.signal ? { signal: extra.signal } : {}),
  });
}

function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.includes("tsfrontend-"));
}

function checkTree(root: string): void {
  assert.equal(readFileSync(join(root, "app/hello.txt"), "utf8"), "hello\n");
  assert.equal(readFileSync(join(root, "app/etc/conf"), "utf8"), "k=v\n");
  assert.ok(readFileSync(join(root, "app/big.bin")).equals(big));
  assert.equal(readlinkSync(join(root, "app/link")), "hello.txt");
  assert.equal(readlinkSync(join(root, "app/abs-link")), "/etc/passwd");
  assert.equal(statSync(join(root, "app/run.sh")).mode & 0o7777, 0o755);
  assert.equal(statSync(join(root, "app/etc/conf")).mode & 0o7777, 0o600);
  assert.equal(statSync(join(root, "app/etc")).mode & 0o7777, 0o750);
}

test("local export into a new directory", async () => {
  const base = outDir("local-new");
  const dest = join(base, "out", "nested");
  const seen: ExportedOutput[] = [];
  const outputs = parseOutputs([`type=local,dest=${dest}`], { stdoutIsTTY: false, onExported: (o) => seen.push(o) });
  await build(outputs);
  checkTree(dest);
  assert.deepEqual(readdirSync(dest), ["app"]);
  assert.equal(statSync(dest).mode & 0o7777, 0o700);
  assert.deepEqual(leftovers(join(base, "out")), []);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.bytes, big.length + 6 + 19 + 4);
});

test("local export merges into an existing directory; mode=delete replaces it", async () => {
  const base = outDir("local-existing");
  const dest = join(base, "out");
  mkdirSync(join(dest, "app"), { recursive: true });
  writeFileSync(join(dest, "keep.txt"), "mine");
  writeFileSync(join(dest, "app/hello.txt"), "old");
  await build(parseOutputs([`type=local,dest=${dest}`], { stdoutIsTTY: false }));
  checkTree(dest);
  assert.equal(readFileSync(join(dest, "keep.txt"), "utf8"), "mine");

  await build(parseOutputs([`type=local,dest=${dest},mode=delete`], { stdoutIsTTY: false }));
  checkTree(dest);
  assert.deepEqual(readdirSync(dest), ["app"]);
  assert.deepEqual(leftovers(base), []);
});

test("tar export to a file", async () => {
  const base = outDir("tar");
  const dest = join(base, "out.tar");
  writeFileSync(dest, "previous");
  await build(parseOutputs([`type=tar,dest=${dest}`], { stdoutIsTTY: false }));
  const entries = readTar(readFileSync(dest));
  const byName = new Map(entries.map((e) => [e.name.replace(/\/$/, ""), e]));
  assert.equal(byName.get("app")?.type, "5");
  assert.equal(byName.get("app/hello.txt")?.data.toString(), "hello\n");
  assert.ok(byName.get("app/big.bin")?.data.equals(big));
  assert.equal(byName.get("app/link")?.type, "2");
  assert.equal(byName.get("app/link")?.linkname, "hello.txt");
  assert.equal((byName.get("app/run.sh")?.mode ?? 0) & 0o777, 0o755);
  assert.deepEqual(readdirSync(base), ["out.tar"]);
});

test("tar export into a FIFO (as into /dev/null or /dev/stdout): written into it, the FIFO stays a FIFO", async () => {
  const base = outDir("tar-fifo");
  const fifo = join(base, "pipe");
  const got = join(outDir("tar-fifo-read"), "read.tar");
  execFileSync("mkfifo", [fifo]);
  // The reader is another process (a writer's open waits for one), killed if the FIFO is not written.
  const reader = spawn("sh", ["-c", 'exec cat "$1" > "$2"', "sh", fifo, got]);
  const exited = new Promise((resolve) => reader.on("close", resolve));
  try {
    await build(parseOutputs([`type=tar,dest=${fifo}`], { stdoutIsTTY: false }));
    assert.ok(lstatSync(fifo).isFIFO(), "the FIFO was replaced");
    await exited;
  } finally {
    reader.kill();
  }
  const entries = readTar(readFileSync(got));
  assert.equal(entries.find((e) => e.name === "app/hello.txt")?.data.toString(), "hello\n");
  assert.deepEqual(readdirSync(base), ["pipe"]);
});

function sha256(b: Buffer): string {
  return "sha256:" + createHash("sha256").update(b).digest("hex");
}

test("oci export: index.json, oci-layout, blobs; metadata from exporter-md-*", async () => {
  const base = outDir("oci");
  const dest = join(base, "img.tar");
  const seen: ExportedOutput[] = [];
  const res = await build(parseOutputs([`type=oci,dest=${dest},name=example.com/tsf/export:1`], { stdoutIsTTY: false, onExported: (o) => seen.push(o) }));
  const entries = readTar(readFileSync(dest));
  const files = new Map(entries.filter((e) => e.type === "0").map((e) => [e.name, e.data]));
  assert.ok(files.has("oci-layout"), [...files.keys()].join(" "));
  assert.equal(JSON.parse(files.get("oci-layout")!.toString()).imageLayoutVersion, "1.0.0");
  assert.ok(files.has("index.json"));
  const blobs = [...files.keys()].filter((n) => n.startsWith("blobs/sha256/"));
  assert.ok(blobs.length >= 3, blobs.join(" "));
  for (const b of blobs) assert.equal(sha256(files.get(b)!), "sha256:" + b.slice("blobs/sha256/".length), b);

  const index = JSON.parse(files.get("index.json")!.toString());
  const desc = index.manifests[0];
  assert.equal(res.exporterResponse["containerimage.digest"], desc.digest);
  let manifest = JSON.parse(files.get(`blobs/sha256/${desc.digest.slice(7)}`)!.toString());
  if (manifest.manifests) manifest = JSON.parse(files.get(`blobs/sha256/${manifest.manifests[0].digest.slice(7)}`)!.toString());
  assert.ok(files.has(`blobs/sha256/${manifest.config.digest.slice(7)}`));
  const layer = files.get(`blobs/sha256/${manifest.layers[0].digest.slice(7)}`)!;
  const layerEntries = readTar(manifest.layers[0].mediaType.endsWith("gzip") ? gunzipSync(layer) : layer);
  assert.equal(layerEntries.find((e) => e.name === "app/hello.txt")?.data.toString(), "hello\n");

  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.metadata["containerimage.digest"], desc.digest);
  assert.equal(seen[0]!.metadata["image.name"], "example.com/tsf/export:1");
  assert.deepEqual(readdirSync(base), ["img.tar"]);
});

test("docker export to a file", async () => {
  const base = outDir("docker");
  const dest = join(base, "img.tar");
  await build(parseOutputs([`type=docker,dest=${dest},name=example.com/tsf/export:2`], { stdoutIsTTY: false }));
  const files = new Map(readTar(readFileSync(dest)).map((e) => [e.name, e.data]));
  const manifest = JSON.parse(files.get("manifest.json")!.toString());
  assert.deepEqual(manifest[0].RepoTags, ["example.com/tsf/export:2"]);
  assert.ok(files.has(manifest[0].Config), manifest[0].Config);
});

test("several exporters in one solve, tar to a stream (dest=-)", async () => {
  const base = outDir("multi");
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (b: Buffer) => chunks.push(b));
  const outputs = parseOutputs([`type=local,dest=${join(base, "dir")}`, "type=tar,dest=-", `type=tar,dest=${join(base, "b.tar")}`], { stdoutIsTTY: false, stdout: stream });
  await build(outputs);
  checkTree(join(base, "dir"));
  const fromStream = readTar(Buffer.concat(chunks));
  assert.ok(fromStream.find((e) => e.name === "app/big.bin")?.data.equals(big));
  assert.ok(readFileSync(join(base, "b.tar")).equals(Buffer.concat(chunks)));
  assert.deepEqual(
    outputs.fileSend!.exported.map((e) => e.id).sort(),
    [0, 1, 2],
  );
});

/** Wraps FileSend so the stream stalls after `n` messages and the build is cancelled: an interrupted export. */
function interrupting(svc: SessionService, n: number, ac: AbortController): SessionService {
  const inner = svc.methods["DiffCopy"] as { kind: "stream"; handler: StreamHandler };
  const handler: StreamHandler = (stream: MessageStream, ctx: CallContext) => {
    const proxy: MessageStream = {
      async *[Symbol.asyncIterator]() {
        let count = 0;
        for await (const m of stream) {
          yield m;
          if (++count === n) {
            ac.abort();
            await new Promise<void>((r) => (ctx.signal.aborted ? r() : ctx.signal.addEventListener("abort", () => r(), { once: true })));
            return;
          }
        }
      },
      write: (m) => stream.write(m),
    };
    return inner.handler(proxy, ctx);
  };
  return { name: svc.name, methods: { DiffCopy: { kind: "stream", handler } } };
}

test("an interrupted local export leaves no partial result", async () => {
  const base = outDir("interrupted-local");
  const fresh = join(base, "fresh");
  const existing = join(base, "existing");
  mkdirSync(existing);
  writeFileSync(join(existing, "mine"), "mine");
  for (const dest of [fresh, existing]) {
    const ac = new AbortController();
    const outputs = parseOutputs([`type=local,dest=${dest}`], { stdoutIsTTY: false });
    await assert.rejects(build(outputs, { signal: ac.signal, sessionServices: [interrupting(outputs.fileSend!, 12, ac)] }), /cancel/i);
    await outputs.fileSend!.settled();
    assert.deepEqual(outputs.fileSend!.exported, []);
  }
  assert.equal(existsSync(fresh), false);
  assert.deepEqual(readdirSync(existing), ["mine"]);
  assert.deepEqual(readdirSync(base), ["existing"]);
});

test("an interrupted tar export keeps the previous file", async () => {
  const base = outDir("interrupted-tar");
  const dest = join(base, "out.tar");
  writeFileSync(dest, "previous");
  const ac = new AbortController();
  const outputs = parseOutputs([`type=tar,dest=${dest}`], { stdoutIsTTY: false });
  await assert.rejects(build(outputs, { signal: ac.signal, sessionServices: [interrupting(outputs.fileSend!, 1, ac)] }), /cancel/i);
  await outputs.fileSend!.settled();
  assert.equal(readFileSync(dest, "utf8"), "previous");
  assert.deepEqual(readdirSync(base), ["out.tar"]);
  assert.ok(lstatSync(dest).isFile());
});
