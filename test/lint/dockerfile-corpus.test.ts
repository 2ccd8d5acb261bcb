/**
 * The differential Dockerfile corpus stays well-formed without a daemon: every case loads (known case.json keys,
 * its Dockerfile present), there are at least 120, failing cases are named `fail-*` and say what must fail,
 * placeholders are known; and the harness's pure parts (error parsing, tree comparison, base rewriting) behave.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { corpusDir, diffSnapshots, loadCorpus, parseFailure, withBaseRef, type Snapshot, type TreeEntry } from "../e2e/lib/dockerfile-corpus.js";

test("the corpus has at least 120 well-formed cases", () => {
  const cases = loadCorpus();
  assert.ok(cases.length >= 120, `${cases.length} cases`);
  for (const c of cases) {
    assert.equal(c.name.startsWith("fail-"), c.fail !== undefined, `${c.name}: a case that must fail is named fail-* and sets "fail"`);
    if (c.fail !== undefined) assert.ok(c.fail.length > 0, `${c.name}: "fail" names the expected message`);
    const text = readFileSync(join(c.dir, c.dockerfile), "utf8") + JSON.stringify(c.opts);
    for (const m of text.matchAll(/\{\{([A-Z_]+)\}\}/g)) assert.ok(["HTTP", "GIT", "BUSYBOX", "BUSYBOX_DIGEST", "REGISTRY"].includes(m[1]!) || (m[1]!.startsWith("GITREV_") && existsSync(join(corpusDir, "_git", m[1]!.slice(7).toLowerCase()))), `${c.name}: unknown placeholder ${m[0]}`);
    for (const rel of Object.values(c.locals)) assert.ok(existsSync(join(c.dir, rel)), `${c.name}: local ${rel} is missing`);
    for (const spec of Object.values(c.files)) {
      const [kind, arg] = [spec.slice(0, spec.indexOf(":")), spec.slice(spec.indexOf(":") + 1)];
      if (kind === "minirootfs") assert.ok(["amd64", "arm64"].includes(arg), `${c.name}: ${spec}`);
      else assert.ok(existsSync(join(c.dir, arg)), `${c.name}: ${spec}: no ${arg}`);
    }
  }
  const multi = cases.filter((c) => c.platforms.length > 1).length;
  assert.ok(multi >= 10, `${multi} multi-platform cases`);
  assert.ok(existsSync(join(corpusDir, "_http", "hello.txt")) && existsSync(join(corpusDir, "_git", "repo")));
});

test("parseFailure reads buildctl's and the CLI's errors alike", () => {
  const buildctl = [
    "#1 [internal] load build definition from Dockerfile",
    "Dockerfile:3",
    "--------------------",
    "   2 |     COPY a /a",
    "   3 | >>> FOOBAR x",
    "--------------------",
    "error: failed to solve: dockerfile parse error on line 3: unknown instruction: FOOBAR",
  ].join("\n");
  const cli = buildctl.replace("error: failed to solve: ", "error: ");
  const want = { message: "dockerfile parse error on line 3: unknown instruction: FOOBAR", lines: ["Dockerfile:3"] };
  assert.deepEqual(parseFailure(buildctl), want);
  assert.deepEqual(parseFailure(cli), want);
  assert.deepEqual(parseFailure("error: failed to solve: failed to run Build function: x: ref abcdefghijklmnopqrstuvwxy::abcdefghijklmnopqrstuvwxy: not found\n"), {
    message: "x: ref <ref>: not found",
    lines: [],
  });
  assert.equal(parseFailure("error: lint violation found for rules: b, a\n").message, "lint violation found for rules: a, b");
  assert.equal(parseFailure("tsfrontend: something went wrong\n").message, "something went wrong");
});

test("diffSnapshots names every difference of config, history and tree", () => {
  const entry = (e: Partial<TreeEntry>): TreeEntry => ({ type: "file", mode: "0644", uid: 0, gid: 0, sha256: "00", ...e });
  const snap = (tree: [string, TreeEntry][], config: Record<string, unknown> = {}): Snapshot =>
    new Map([["linux/amd64", { config: { history: [{ created_by: "x" }], ...config }, tree: new Map(tree) }]]);
  const a = snap([["/f", entry({})], ["/d", entry({ type: "dir", sha256: undefined })]]);
  assert.deepEqual(diffSnapshots(a, snap([["/f", entry({})], ["/d", entry({ type: "dir", sha256: undefined })]])), []);
  assert.equal(diffSnapshots(a, snap([["/f", entry({ uid: 1 })], ["/d", entry({ type: "dir", sha256: undefined })]])).length, 1);
  assert.equal(diffSnapshots(a, snap([["/f", entry({})]])).length, 1);
  assert.equal(diffSnapshots(a, snap([["/f", entry({})], ["/d", entry({ type: "dir", sha256: undefined })]], { history: [] })).length, 1);
  assert.equal(diffSnapshots(a, snap([["/f", entry({})], ["/d", entry({ type: "dir", sha256: undefined })]], { config: { User: "app" } })).length, 1);
});

test("withBaseRef rewrites only the busybox base", () => {
  const df = "ARG B=busybox\nFROM busybox AS x\nFROM --platform=$BUILDPLATFORM busybox\nCOPY --from=busybox /a /b\nRUN --mount=type=bind,from=busybox,target=/m true\nRUN echo busybox\n";
  assert.equal(
    withBaseRef(df, "r/shell:latest"),
    "ARG B=r/shell:latest\nFROM r/shell:latest AS x\nFROM --platform=$BUILDPLATFORM r/shell:latest\nCOPY --from=r/shell:latest /a /b\nRUN --mount=type=bind,from=r/shell:latest,target=/m true\nRUN echo busybox\n",
  );
});
