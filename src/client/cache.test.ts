import { test, describe, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CacheStoreError, indexGet, indexPut, prepareCache, resetStore } from "./cache.js";

const sha = (b: string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "tsf-cache-"));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function putBlob(dir: string, data: string): { digest: string; size: number } {
  const d = sha(data);
  mkdirSync(path.join(dir, "blobs", "sha256"), { recursive: true });
  writeFileSync(path.join(dir, "blobs", "sha256", d.slice(7)), data);
  return { digest: d, size: Buffer.byteLength(data) };
}

function readIndex(dir: string): { schemaVersion: number; mediaType: string; manifests: { digest: string; annotations?: Record<string, string> }[] } {
  return JSON.parse(readFileSync(path.join(dir, "index.json"), "utf8"));
}

describe("prepareCache: local export", () => {
  test("creates dest, serves it as local:<dest>, sends the attrs unchanged", async () => {
    const dest = path.join(tmp, "a", "b");
    const c = await prepareCache([{ type: "local", attrs: { dest, mode: "max" } }], []);
    assert.ok(existsSync(dest));
    assert.deepEqual(c.exports, [{ type: "local", attrs: { dest, mode: "max" } }]);
    assert.deepEqual(c.contentStore?.ids, [`local:${dest}`]);
    assert.equal(c.sessionServices.length, 1);
    assert.equal(c.sessionServices[0]!.name, "containerd.services.content.v1.Content");
  });

  test("after the solve, cache.manifest goes into index.json under latest (or tag=), replacing the old entry", async () => {
    const dest = path.join(tmp, "cache");
    const c = await prepareCache([{ type: "local", attrs: { dest, mode: "min" } }], []);
    const d1 = { mediaType: "application/vnd.oci.image.index.v1+json", digest: sha("1"), size: 1 };
    await c.finish({ "cache.manifest": JSON.stringify(d1) });
    assert.deepEqual(JSON.parse(readFileSync(path.join(dest, "oci-layout"), "utf8")), { imageLayoutVersion: "1.0.0" });
    let idx = readIndex(dest);
    assert.equal(idx.schemaVersion, 2);
    assert.equal(idx.mediaType, "application/vnd.oci.image.index.v1+json");
    assert.deepEqual(idx.manifests, [{ ...d1, annotations: { "org.opencontainers.image.ref.name": "latest" } }]);

    const tagged = await prepareCache([{ type: "local", attrs: { dest, tag: "v2" } }], []);
    const d2 = { ...d1, digest: sha("2") };
    await tagged.finish({ "cache.manifest": JSON.stringify(d2) });
    const d3 = { ...d1, digest: sha("3") };
    await c.finish({ "cache.manifest": JSON.stringify(d3) });
    idx = readIndex(dest);
    assert.deepEqual(
      idx.manifests.map((m) => [m.digest, m.annotations?.["org.opencontainers.image.ref.name"]]),
      [
        [sha("2"), "v2"],
        [sha("3"), "latest"],
      ],
    );
    assert.deepEqual(readdirSync(dest).sort(), ["index.json", "oci-layout"], "no temporary or lock files left");
  });

  test("no cache.manifest in the response: index.json is left alone", async () => {
    const dest = path.join(tmp, "cache");
    const c = await prepareCache([{ type: "local", attrs: { dest } }], []);
    await c.finish({ "containerimage.digest": sha("x") });
    assert.equal(existsSync(path.join(dest, "index.json")), false);
  });

  test("reset=true deletes the blobs no index entry reaches", async () => {
    const dest = path.join(tmp, "cache");
    const layer = putBlob(dest, "layer");
    const config = putBlob(dest, "cfg");
    const stale = putBlob(dest, "stale layer of an older export");
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.buildkit.cacheconfig.v0", ...config },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }],
    });
    const m = putBlob(dest, manifest);
    const c = await prepareCache([{ type: "local", attrs: { dest, reset: "true" } }], []);
    await c.finish({ "cache.manifest": JSON.stringify({ mediaType: "application/vnd.oci.image.manifest.v1+json", ...m }) });
    const left = readdirSync(path.join(dest, "blobs", "sha256")).sort();
    assert.deepEqual(left, [layer.digest, config.digest, m.digest].map((d) => d.slice(7)).sort());
    assert.ok(!left.includes(stale.digest.slice(7)));
  });

  test("bad reset value and missing dest are errors", async () => {
    await assert.rejects(prepareCache([{ type: "local", attrs: { dest: path.join(tmp, "x"), reset: "maybe" } }], []), CacheStoreError);
    await assert.rejects(prepareCache([{ type: "local", attrs: {} }], []), /local cache exporter requires dest/);
    await assert.rejects(prepareCache([{ type: "registry", attrs: { mode: "max" } }], []), /registry cache exporter requires ref/);
  });
});

describe("prepareCache: local import", () => {
  test("finds the digest of tag latest in index.json and sends it; serves the dir as local:<src>", async () => {
    const src = path.join(tmp, "cache");
    const m = putBlob(src, "{}");
    await indexPut(src, { mediaType: "application/vnd.oci.image.index.v1+json", ...m }, { tag: "latest" });
    const c = await prepareCache([], [{ type: "local", attrs: { src } }]);
    assert.deepEqual(c.imports, [{ type: "local", attrs: { src, digest: m.digest } }]);
    assert.deepEqual(c.contentStore?.ids, [`local:${src}`]);
  });

  test("tag= picks another entry; an explicit digest is kept", async () => {
    const src = path.join(tmp, "cache");
    const a = putBlob(src, "a");
    const b = putBlob(src, "b");
    await indexPut(src, { ...a }, { tag: "latest" });
    await indexPut(src, { ...b }, { tag: "main" });
    assert.equal((await prepareCache([], [{ type: "local", attrs: { src, tag: "main" } }])).imports[0]!.attrs.digest, b.digest);
    assert.equal((await prepareCache([], [{ type: "local", attrs: { src, digest: a.digest, tag: "main" } }])).imports[0]!.attrs.digest, a.digest);
  });

  test("a missing dir, index, tag or blob skips the import with a warning", async () => {
    const warnings: string[] = [];
    const onWarning = (m: string) => warnings.push(m);
    const noIndex = path.join(tmp, "empty");
    mkdirSync(noIndex);
    const noBlob = path.join(tmp, "noblob");
    mkdirSync(noBlob);
    await indexPut(noBlob, { digest: sha("absent"), size: 6 }, { tag: "latest" });
    const c = await prepareCache(
      [],
      [
        { type: "local", attrs: { src: path.join(tmp, "missing") } },
        { type: "local", attrs: { src: noIndex } },
        { type: "local", attrs: { src: noBlob, tag: "other" } },
        { type: "local", attrs: { src: noBlob } },
        { type: "registry", attrs: { ref: "example.com/cache:x" } },
      ],
      { onWarning },
    );
    assert.deepEqual(c.imports, [{ type: "registry", attrs: { ref: "example.com/cache:x" } }]);
    assert.equal(c.contentStore, undefined);
    assert.equal(warnings.length, 4);
    assert.match(warnings[0]!, /local cache import at .*missing not found/);
    assert.match(warnings[1]!, /skipped due to err: could not read .*index\.json/);
    assert.match(warnings[2]!, /no digest found for tag other/);
    assert.match(warnings[3]!, /digest sha256:[0-9a-f]+ unavailable/);
    assert.equal(existsSync(path.join(tmp, "missing")), false, "an import never creates its directory");
  });

  test("registry and inline entries pass through untouched", async () => {
    const c = await prepareCache([{ type: "inline", attrs: { mode: "min" } }, { type: "registry", attrs: { ref: "r/c:x", mode: "max" } }], [{ type: "registry", attrs: { ref: "r/i:y" } }]);
    assert.deepEqual(c.exports, [
      { type: "inline", attrs: { mode: "min" } },
      { type: "registry", attrs: { ref: "r/c:x", mode: "max" } },
    ]);
    assert.deepEqual(c.imports, [{ type: "registry", attrs: { ref: "r/i:y" } }]);
    assert.deepEqual(c.sessionServices, []);
  });
});

describe("index.json", () => {
  test("indexGet: containerd image name first, then the OCI ref name", async () => {
    const dir = path.join(tmp, "l");
    mkdirSync(dir);
    writeFileSync(
      path.join(dir, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          { digest: sha("1"), size: 1, annotations: { "org.opencontainers.image.ref.name": "v1" } },
          { digest: sha("2"), size: 1, annotations: { "io.containerd.image.name": "v1", "org.opencontainers.image.ref.name": "x" } },
        ],
      }),
    );
    assert.equal((await indexGet(dir, "v1"))?.digest, sha("2"));
    assert.equal((await indexGet(dir, "x"))?.digest, sha("2"));
    assert.equal(await indexGet(dir, "nope"), undefined);
  });

  test("indexPut keeps unknown fields and other entries, and refuses a corrupt index", async () => {
    const dir = path.join(tmp, "l");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, annotations: { keep: "me" }, manifests: [{ digest: sha("o"), size: 1 }] }));
    await indexPut(dir, { digest: sha("n"), size: 1 }, { tag: "latest" });
    const idx = JSON.parse(readFileSync(path.join(dir, "index.json"), "utf8"));
    assert.deepEqual(idx.annotations, { keep: "me" });
    assert.deepEqual(
      idx.manifests.map((m: { digest: string }) => m.digest),
      [sha("o"), sha("n")],
    );
    writeFileSync(path.join(dir, "index.json"), "{not json");
    await assert.rejects(indexPut(dir, { digest: sha("n"), size: 1 }, { tag: "latest" }), /could not unmarshal/);
  });

  test("resetStore without an index is an error", async () => {
    await assert.rejects(resetStore(tmp), /reset: failed to read/);
  });
});
