/**
 * Programs that end without a result, built with `tsfrontend build` on the
 * daemon named by BUILDKIT_HOST: one whose promise can never settle (after a
 * gateway call) and one that calls process.exit(0) each fail with one line
 * naming the program, exit 1 and export nothing, instead of waiting forever or
 * exiting 0.
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { requireEnv, runCli, tempDir } from "./lib/env.js";

let work: ReturnType<typeof tempDir>;

before(() => {
  requireEnv();
  work = tempDir("program-faults");
});

after(() => work?.remove());

test("a program that never settles after a gateway call fails with one line, exit 1", async () => {
  const dest = join(work.dir, "hangs");
  const started = Date.now();
  const r = await runCli(["build", "-f", "test/e2e/fixtures/hangs-after-solve.ts", "--progress", "quiet", "-o", `type=local,dest=${dest}`], { timeout: 120_000 });
  assert.equal(r.status, 1, `exit ${r.status ?? r.signal}\n${r.stderr}`);
  assert.match(r.stderr.trimEnd().split("\n").at(-1)!, /^tsfrontend: test\/e2e\/fixtures\/hangs-after-solve\.ts: the program never finished: /);
  assert.ok(Date.now() - started < 60_000, "noticed within a minute");
  assert.equal(existsSync(dest), false, "nothing exported");
});

test("a program calling process.exit(0) fails with its file:line, exit 1, nothing exported", async () => {
  const dest = join(work.dir, "exits");
  const r = await runCli(["build", "-f", "test/e2e/fixtures/exits-after-solve.ts", "--progress", "quiet", "-o", `type=local,dest=${dest}`], { timeout: 120_000 });
  assert.equal(r.status, 1, `exit ${r.status ?? r.signal}\n${r.stderr}`);
  assert.match(r.stderr.trimEnd().split("\n").at(-1)!, /^tsfrontend: test\/e2e\/fixtures\/exits-after-solve\.ts:8:\d+: the program called process\.exit\(0\)/);
  assert.equal(existsSync(dest), false, "nothing exported");
});
