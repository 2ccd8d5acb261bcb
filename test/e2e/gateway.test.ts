/** Programs use the gateway during a build: solve, read files, list dirs, stat files of results. */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, requireEnv, runCli, tempDir } from "./lib/env.js";

test("a program reads results of its own solves through the gateway", async () => {
  requireEnv();
  const tmp = tempDir("gw-");
  const out = join(tmp.dir, "out");
  const r = await runCli(["build", "-f", join(repoRoot, "test/e2e/fixtures/gateway-read.ts"), "--progress", "plain", "-o", `type=local,dest=${out}`]);
  assert.equal(r.status, 0, r.stderr);
  const report = readFileSync(join(out, "report.txt"), "utf8");
  assert.equal(report, "name=from-the-first-solve\npart=234\nentries=b.bin,name.txt\nsize=10\nmode=600\n");
  assert.equal(readFileSync(join(out, "copied.txt"), "utf8"), "from-the-first-solve\n");
  tmp.remove();
});
