import { test } from "node:test";
import assert from "node:assert/strict";

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { PatternMatcher } from "../../internal/go/patternmatcher.js";
import { buildFilter, containsWildcards, dedupePaths, patternWithoutTrailingGlob, resolveRoot, walk } from "./fs-walk.js";

test("patternWithoutTrailingGlob and dedupePaths", () => {
  const pm = new PatternMatcher(["a/b/**", "a/*", "a/**/*", "x"]);
  assert.deepEqual(
    pm.patterns.map((p) => patternWithoutTrailingGlob(p)),
    ["a/b", "a", "a/**", "x"],
  );
  assert.deepEqual(dedupePaths(["a", "a/b", "a/c", "ab", "b"]), ["a", "ab", "b"]);
  assert.equal(dedupePaths(["a", "."]), undefined);
  assert.deepEqual(dedupePaths([]), []);
});

test("containsWildcards: an unescaped * ? or [", () => {
  assert.equal(containsWildcards("a*"), true);
  assert.equal(containsWildcards("a\\*"), false);
  assert.equal(containsWildcards("[x"), true);
  assert.equal(containsWildcards("plain"), false);
});

test("batch and async walks list the same entries in the same order, yielding to the event loop between batches", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsf-walk-"));
  try {
    // Many small directories (a readdir each) and one large one: more synchronous calls than a batch.
    for (let d = 0; d < 40; d++) {
      const sub = join(dir, `d${String(d).padStart(2, "0")}`, "inner");
      mkdirSync(sub, { recursive: true });
      for (let f = 0; f < 3; f++) writeFileSync(join(sub, `f${f}`), `${d}.${f}`);
    }
    mkdirSync(join(dir, "big"));
    for (let f = 0; f < 300; f++) writeFileSync(join(dir, "big", `b${String(f).padStart(3, "0")}`), "");
    symlinkSync("big/b000", join(dir, "link"));
    // Names sorted by their UTF-8 bytes (U+E000 before U+1F600, unlike UTF-16), and a name that
    // is not UTF-8 (its directory is read again as bytes).
    mkdirSync(join(dir, "names"));
    for (const n of ["\u{1F600}", "\u{E000}", "z", "\u00e9"]) writeFileSync(join(dir, "names", n), "");
    writeFileSync(Buffer.concat([Buffer.from(join(dir, "names") + "/"), Buffer.from([0x61, 0xff])]), "");
    const root = await resolveRoot(dir);
    const filter = await buildFilter(root, { excludePatterns: ["d1*/inner/f1"] });
    const list = async (stat: "batch" | "async") => {
      const out: string[] = [];
      let turns = 0;
      const timer = setInterval(() => turns++, 0);
      try {
        await walk(root, filter, { stat, prefetch: 16 }, (e) => {
          out.push(`${e.stat.path} ${e.stat.mode.toString(8)} ${e.stat.linkname ?? ""}`);
        });
      } finally {
        clearInterval(timer);
      }
      return { out, turns };
    };
    const batch = await list("batch");
    const async = await list("async");
    assert.deepEqual(batch.out, async.out);
    assert.equal(batch.out.length, 1 + 300 + 1 + 1 + 5 + 40 * 2 + 40 * 3 - 10);
    assert.deepEqual(
      batch.out.filter((l) => l.startsWith("names/")).map((l) => l.split(" ")[0]),
      ["names/a\ufffd", "names/z", "names/\u00e9", "names/\u{E000}", "names/\u{1F600}"],
    );
    assert.ok(batch.out.indexOf("big 20000000755 ") < batch.out.findIndex((l) => l.startsWith("d00 ")));
    assert.ok(batch.turns > 0, "the batch walk never let the event loop run");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
