import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BuilderError, UsageError } from "../errors.js";
import { buildersFilePath, configDir, createBuilder, loadBuilders, removeBuilder, saveBuilders, selectBuilder, useBuilder, validateBuilders, type BuildersFile } from "./store.js";

test("configDir: TSFRONTEND_CONFIG_DIR, else XDG_CONFIG_HOME/tsfrontend, else ~/.config/tsfrontend", () => {
  assert.equal(configDir({ TSFRONTEND_CONFIG_DIR: "/x/y", XDG_CONFIG_HOME: "/a" }), "/x/y");
  assert.equal(configDir({ XDG_CONFIG_HOME: "/a" }), "/a/tsfrontend");
  assert.equal(configDir({ HOME: "/home/u" }), "/home/u/.config/tsfrontend");
  assert.equal(buildersFilePath({ HOME: "/home/u" }), "/home/u/.config/tsfrontend/builders.json");
});

test("create, append, use, rm: nodes named as buildx names them, platforms normalised", () => {
  let doc: BuildersFile = { builders: {} };
  let r = createBuilder(doc, { name: "pool", endpoint: "unix:///a.sock", platforms: ["linux/x86_64"], labels: { zone: "x" } });
  assert.equal(r.node, "pool0");
  doc = r.doc;
  r = createBuilder(doc, { name: "pool", append: true, endpoint: "tcp://h:1234", platforms: ["linux/aarch64,linux/arm/v7"], tls: { cacert: "/ca.pem" } });
  assert.equal(r.node, "pool1");
  doc = r.doc;
  assert.deepEqual(doc.builders["pool"]!.nodes, [
    { name: "pool0", endpoint: "unix:///a.sock", platforms: ["linux/amd64"], labels: { zone: "x" } },
    { name: "pool1", endpoint: "tcp://h:1234", platforms: ["linux/arm64", "linux/arm/v7"], labels: {}, tls: { cacert: "/ca.pem" } },
  ]);
  // Creating it again without --append is refused; appending the same endpoint twice too.
  assert.throws(() => createBuilder(doc, { name: "pool", endpoint: "unix:///b.sock" }), (e: unknown) => e instanceof BuilderError && /--append/.test(e.message));
  assert.throws(() => createBuilder(doc, { name: "pool", append: true, endpoint: "unix:///a.sock" }), /already has node "pool0"/);
  assert.throws(() => createBuilder(doc, { name: "nope", append: true, endpoint: "unix:///a.sock" }), /no builder "nope"/);
  assert.throws(() => createBuilder(doc, { name: "bad name", endpoint: "unix:///a.sock" }), (e: unknown) => e instanceof UsageError && e.flag === "--name");
  assert.throws(() => createBuilder(doc, { name: "p2", endpoint: "http://x" }), (e: unknown) => e instanceof UsageError && /unsupported address scheme/.test(e.message));
  assert.throws(() => createBuilder(doc, { name: "p2", endpoint: "unix:///x", platforms: ["linux/nope!"] }), (e: unknown) => e instanceof UsageError && e.flag === "--platform");
  // Replacing a node by name keeps its place.
  doc = createBuilder(doc, { name: "pool", append: true, node: "pool0", endpoint: "unix:///c.sock" }).doc;
  assert.deepEqual(doc.builders["pool"]!.nodes.map((n) => `${n.name}=${n.endpoint}`), ["pool0=unix:///c.sock", "pool1=tcp://h:1234"]);
  doc = useBuilder(doc, "pool");
  assert.equal(doc.current, "pool");
  assert.throws(() => useBuilder(doc, "other"), BuilderError);
  doc = removeBuilder(doc, "pool", "pool0");
  assert.deepEqual(doc.builders["pool"]!.nodes.map((n) => n.name), ["pool1"]);
  assert.throws(() => removeBuilder(doc, "pool", "pool0"), /has no node "pool0"/);
  doc = removeBuilder(doc, "pool", "pool1");
  assert.deepEqual(doc, { builders: {} });
});

test("selectBuilder: --builder, then TSFRONTEND_BUILDER, then (if asked) the current one", () => {
  let doc: BuildersFile = createBuilder({ builders: {} }, { name: "a", endpoint: "unix:///a" }).doc;
  doc = createBuilder(doc, { name: "b", endpoint: "unix:///b", use: true }).doc;
  assert.equal(selectBuilder(doc, "a", {})?.builder.name, "a");
  assert.equal(selectBuilder(doc, undefined, { TSFRONTEND_BUILDER: "a" })?.source, "TSFRONTEND_BUILDER");
  assert.equal(selectBuilder(doc, undefined, {}), undefined);
  assert.equal(selectBuilder(doc, undefined, {}, true)?.builder.name, "b");
  assert.throws(() => selectBuilder(doc, "zz", {}), (e: unknown) => e instanceof BuilderError && e.flag === "--builder" && /known: a, b/.test(e.message));
});

test("save writes atomically and sorted; load reads it back; a bad file names itself", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsf-store-"));
  try {
    const env = { TSFRONTEND_CONFIG_DIR: join(dir, "cfg") };
    assert.deepEqual(loadBuilders(env), { builders: {} });
    let doc = createBuilder({ builders: {} }, { name: "z", endpoint: "unix:///z" }).doc;
    doc = createBuilder(doc, { name: "a", endpoint: "unix:///a", use: true }).doc;
    saveBuilders(doc, env);
    assert.deepEqual(readdirSync(join(dir, "cfg")), ["builders.json"]);
    const text = readFileSync(join(dir, "cfg", "builders.json"), "utf8");
    assert.ok(text.indexOf('"a"') < text.indexOf('"z"'));
    assert.deepEqual(loadBuilders(env), doc);
    writeFileSync(join(dir, "cfg", "builders.json"), "{not json");
    assert.throws(() => loadBuilders(env), (e: unknown) => e instanceof BuilderError && e.location?.file === join(dir, "cfg", "builders.json") && /not JSON/.test(e.message));
    mkdirSync(join(dir, "x"));
    assert.throws(() => validateBuilders({ builders: { a: { name: "b", nodes: [] } } }, "f.json"), /f\.json: builder "a"/);
    assert.throws(() => validateBuilders({ builders: { a: { name: "a", nodes: [{ name: "n", endpoint: "unix:///x", platforms: "linux/amd64" }] } } }), /"platforms" is not a list/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
