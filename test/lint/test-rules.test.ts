/**
 * Tests must not pass by accident: scripts/test-all.sh counts skipped tests and fails on one
 * that test/skip-allowlist.txt does not name (checked here on fake TAP logs), the allow-list
 * stays short and names real tests, and e2e files that prune the shared daemon or compare its
 * `du` are marked to run alone.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../lib/gobin.js";

const summaryScript = join(repoRoot, "scripts", "suite-summary.mjs");
const allowListFile = join(repoRoot, "test", "skip-allowlist.txt");

interface Summary {
  passed: number;
  failed: number;
  skipped: number;
  unlisted: number;
  lines: string[];
}

/** Runs scripts/suite-summary.mjs as test-all.sh does, on a log and an allow-list given as text. */
function summarize(log: string, status: number, allowList: string): Summary {
  const dir = mkdtempSync(join(tmpdir(), "tsf-suite-summary-"));
  try {
    writeFileSync(join(dir, "allow.txt"), allowList);
    writeFileSync(join(dir, "suite.log"), log);
    const out = execFileSync(process.execPath, [summaryScript, join(dir, "allow.txt"), join(dir, "suite.log"), String(status)], { encoding: "utf8" });
    const lines = out.trimEnd().split("\n");
    const m = /^counts (\d+) (\d+) (\d+) (\d+)$/.exec(lines.at(-1)!);
    assert.ok(m, `last line: ${lines.at(-1)}`);
    return { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3]), unlisted: Number(m[4]), lines: lines.slice(0, -1) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// What `node --test --test-reporter=tap` printed for a file with a skip, a todo, a nested skip and two passes.
const fakeTap = `TAP version 13
# Subtest: plain
ok 1 - plain
  ---
  duration_ms: 0.5
  ...
# Subtest: needs \\# a tool
ok 2 - needs \\# a tool # SKIP ssh-agent is not installed
  ---
  duration_ms: 0.1
  ...
# Subtest: group
    # Subtest: inner
    ok 1 - inner # SKIP
    # Subtest: later
    ok 2 - later # TODO not written
ok 3 - group
1..3
# tests 4
# suites 1
# pass 2
# fail 0
# cancelled 0
# skipped 2
# todo 1
# duration_ms 12.5
`;

test("an unlisted skip fails the suite and is printed by name; skips are not passes", () => {
  const r = summarize(fakeTap, 0, "");
  assert.deepEqual([r.passed, r.failed, r.skipped, r.unlisted], [2, 3, 3, 3]);
  assert.deepEqual(r.lines, [
    "UNLISTED SKIP (counted as a failure): needs # a tool # ssh-agent is not installed",
    "UNLISTED SKIP (counted as a failure): inner",
    "UNLISTED TODO (counted as a failure): later # not written",
  ]);
});

test("allow-listed skips pass the suite and are printed with their reason", () => {
  const allow = "# comment\n\nneeds # a tool # harmless here\ninner # root only\nlater # written next week\n";
  const r = summarize(fakeTap, 0, allow);
  assert.deepEqual([r.passed, r.failed, r.skipped, r.unlisted], [2, 0, 3, 0]);
  assert.match(r.lines[0]!, /^allowed SKIP: needs # a tool \(ssh-agent is not installed; allowed: harmless here\)$/);
});

test("skips the summary counts but no test point names are failures; a failing exit is at least one failure", () => {
  const cut = fakeTap.replace(/^ok 2 - needs.*\n/m, "");
  const r = summarize(cut, 0, "inner # x\nlater # y\n");
  assert.deepEqual([r.failed, r.unlisted], [1, 1]);
  assert.match(r.lines.at(-1)!, /^UNLISTED: 1 skipped or todo test\(s\) reported by the summary but not named/);
  assert.equal(summarize("no summary at all\n", 1, "").failed, 1);
  // Our own runners (golden) end with `N passed, M failed`.
  assert.deepEqual(Object.values(summarize("x\n146 passed, 0 failed\n", 0, "")).slice(0, 4), [146, 0, 0, 0]);
});

test("a malformed allow-list stops the run (exit 2)", () => {
  assert.throws(() => summarize(fakeTap, 0, "a test name without a reason\n"), (e: Error & { status?: number }) => e.status === 2);
});

/** Every string literal in the tests' sources: test names are among them. */
function testSources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== "fixtures" && name !== "generated" && name !== "go") out.push(...testSources(p));
    } else if (name.endsWith(".test.ts")) out.push(readFileSync(p, "utf8"));
  }
  return out;
}

test("test/skip-allowlist.txt is short, gives reasons, and names tests that exist", () => {
  const text = readFileSync(allowListFile, "utf8");
  const entries = text.split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#"));
  assert.ok(entries.length <= 5, `${entries.length} allowed skips: keep the list short (fix the environment or the test instead)`);
  // The real allow-list parses (summarize exits 2 otherwise).
  summarize("", 0, text);
  const sources = [...testSources(join(repoRoot, "src")), ...testSources(join(repoRoot, "test"))].join("\n");
  for (const line of entries) {
    const name = line.slice(0, line.lastIndexOf(" # ")).trim();
    assert.ok(sources.includes(JSON.stringify(name)), `allow-listed test ${JSON.stringify(name)} does not exist`);
  }
});

test("e2e files that prune the shared daemon or read its du are marked to run alone", () => {
  const dir = join(repoRoot, "test", "e2e");
  const marked: string[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".test.ts"))) {
    const text = readFileSync(join(dir, name), "utf8");
    const alone = text.split("\n").slice(0, 20).some((l) => l.startsWith("// e2e: runs alone"));
    if (alone) marked.push(name);
    // CLI or buildctl arguments (["prune", ...], ["du"]) and the library's calls.
    if (/\[\s*"(?:prune|du)"|\b(?:prune|diskUsage)\s*\(/.test(text)) {
      assert.ok(alone, `${name} prunes or reads du: mark it "// e2e: runs alone (...)" in its first lines (scripts/test-all.sh)`);
    }
  }
  assert.ok(marked.includes("daemon.test.ts"), "daemon.test.ts prunes the shared daemon");
});
