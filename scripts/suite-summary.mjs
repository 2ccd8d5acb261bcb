#!/usr/bin/env node
// Counts one suite's results for scripts/test-all.sh, from the suite's log and exit status:
//
//   node scripts/suite-summary.mjs ALLOWLIST LOG EXIT_STATUS
//
// Passed and failed come from node --test's TAP summary (`# pass N`, `# fail N`) or, for our own
// runners, from their last `N passed, M failed` line. Skipped tests (TAP `ok N - name # SKIP reason`,
// `# TODO` likewise, at any depth) are named one by one and looked up in ALLOWLIST (test/skip-allowlist.txt):
// a skip not on it counts as a failure and is printed by name; a skip on it is printed with its
// allowed reason. A skip is never a pass. A non-zero exit with no failure counted is one failure.
//
// Prints the skips, then a last line `counts PASSED FAILED SKIPPED UNLISTED` (FAILED includes UNLISTED).
// Exits 2 on a bad allow-list or bad arguments.

import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/**
 * The allow-list: one test name per line, then ` # ` and why the skip is harmless (the last ` # `
 * separates them). Blank lines and lines starting with `#` are comments.
 */
export function parseAllowList(text) {
  const allowed = new Map();
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const at = line.lastIndexOf(" # ");
    const name = at < 0 ? "" : line.slice(0, at).trim();
    const reason = at < 0 ? "" : line.slice(at + 3).trim();
    if (!name || !reason) throw new Error(`line ${i + 1}: want "TEST NAME # REASON", got ${JSON.stringify(raw)}`);
    if (allowed.has(name)) throw new Error(`line ${i + 1}: ${JSON.stringify(name)} is listed twice`);
    allowed.set(name, reason);
  });
  return allowed;
}

// node's TAP reporter escapes `\` and `#` in names and reasons.
const unescapeTap = (s) => s.replace(/\\(.)/g, (_m, c) => ({ n: "\n", t: "\t", r: "\r" })[c] ?? c);

/** Every test point of a TAP log marked `# SKIP` or `# TODO`: { name, directive, reason }. */
export function parseTapSkips(log) {
  const skips = [];
  // The name is everything up to the first unescaped `#`, which starts the directive.
  const re = /^\s*(?:not )?ok \d+ - ((?:[^\\#]|\\.)*?) # (SKIP|TODO)\b ?(.*)$/i;
  for (const line of log.split("\n")) {
    const m = re.exec(line);
    if (m) skips.push({ name: unescapeTap(m[1]), directive: m[2].toUpperCase(), reason: unescapeTap(m[3] ?? "").trim() });
  }
  return skips;
}

/** The last value of a TAP summary counter (`# skipped N`, or `ℹ skipped N` of the spec reporter). */
function counter(log, name) {
  const all = [...log.matchAll(new RegExp(`^(?:#|ℹ) ${name} (\\d+)\\s*$`, "gm"))];
  return all.length ? Number(all.at(-1)[1]) : undefined;
}

/** The counts of one suite's log: { passed, failed, skipped, unlisted, lines }. */
export function summarize(log, status, allowed) {
  let passed = counter(log, "pass");
  let failed = counter(log, "fail");
  if (passed === undefined) {
    const all = [...log.matchAll(/^(\d+) passed, (\d+) failed/gm)];
    const last = all.at(-1);
    passed = last ? Number(last[1]) : 0;
    failed = last ? Number(last[2]) : 0;
  }
  failed ??= 0;
  const lines = [];
  const skips = parseTapSkips(log);
  let unlisted = 0;
  for (const s of skips) {
    const why = allowed.get(s.name);
    if (why !== undefined) {
      lines.push(`allowed ${s.directive}: ${s.name} (${s.reason || "no reason given"}; allowed: ${why})`);
    } else {
      unlisted++;
      lines.push(`UNLISTED ${s.directive} (counted as a failure): ${s.name}${s.reason ? ` # ${s.reason}` : ""}`);
    }
  }
  // Skips the summary counts but no test point names (a log cut short, a reporter change): failures too.
  const reported = (counter(log, "skipped") ?? 0) + (counter(log, "todo") ?? 0);
  if (reported > skips.length) {
    const n = reported - skips.length;
    unlisted += n;
    lines.push(`UNLISTED: ${n} skipped or todo test(s) reported by the summary but not named in the log`);
  }
  const skipped = Math.max(skips.length, reported);
  failed += unlisted;
  if (status !== 0 && failed === 0) failed = 1;
  return { passed, failed, skipped, unlisted, lines };
}

function main(argv) {
  if (argv.length !== 3 || !/^\d+$/.test(argv[2])) {
    console.error("usage: node scripts/suite-summary.mjs ALLOWLIST LOG EXIT_STATUS");
    return 2;
  }
  let allowed;
  try {
    allowed = parseAllowList(readFileSync(argv[0], "utf8"));
  } catch (err) {
    console.error(`${argv[0]}: ${err.message}`);
    return 2;
  }
  const r = summarize(readFileSync(argv[1], "utf8"), Number(argv[2]), allowed);
  for (const l of r.lines) console.log(l);
  console.log(`counts ${r.passed} ${r.failed} ${r.skipped} ${r.unlisted}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main(process.argv.slice(2));
