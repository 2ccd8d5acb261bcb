/** `tsfrontend debug dump-llb`: the same bytes as the real `buildctl debug dump-llb`, from a file or stdin, JSON or --dot. */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliPath } from "../lib/cli.js";
import { repoRoot } from "../lib/gobin.js";
import { buildctlPath, buildctlProblem } from "../lib/buildctl.js";

const cli = cliPath;

function tsfrontend(args: string[], input?: Uint8Array) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, input: input ?? new Uint8Array(), encoding: "buffer" });
  return { status: r.status, stdout: r.stdout.toString("utf8"), stderr: r.stderr.toString("utf8") };
}

function buildctl(args: string[], input?: Uint8Array) {
  const bin = buildctlPath();
  const problem = buildctlProblem(bin);
  if (problem) assert.fail(problem);
  const r = spawnSync(bin, args, { input: input ?? new Uint8Array(), encoding: "buffer" });
  return { status: r.status, stdout: r.stdout.toString("utf8"), stderr: r.stderr.toString("utf8") };
}

/** A Definition (image, exec with a custom name, terminal) written by `tsfrontend llb` for a CLI fixture. */
function definition(): Uint8Array {
  const r = spawnSync(process.execPath, [cli, "llb", join("test", "cli", "fixtures", "run-error.ts"), "--platform", "linux/arm64"], { cwd: repoRoot });
  assert.equal(r.status, 0, r.stderr.toString());
  return r.stdout;
}

test("dump-llb FILE, dump-llb -, and dump-llb with stdin print buildctl's JSON lines", () => {
  const def = definition();
  const dir = mkdtempSync(join(tmpdir(), "tsf-dump-"));
  try {
    const file = join(dir, "def.pb");
    writeFileSync(file, def);
    const want = buildctl(["debug", "dump-llb", file]);
    assert.equal(want.status, 0, want.stderr);
    assert.ok(want.stdout.length > 0);
    for (const [args, input] of [[["debug", "dump-llb", file]], [["debug", "dump-llb", "-"], def], [["debug", "dump-llb"], def]] as const) {
      const got = tsfrontend([...args], input);
      assert.equal(got.status, 0, got.stderr);
      assert.equal(got.stdout, want.stdout, args.join(" "));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("dump-llb --dot prints buildctl's dot graph", () => {
  const def = definition();
  const want = buildctl(["debug", "dump-llb", "--dot"], def);
  assert.equal(want.status, 0, want.stderr);
  const got = tsfrontend(["debug", "dump-llb", "--dot"], def);
  assert.equal(got.status, 0, got.stderr);
  assert.equal(got.stdout, want.stdout);
  assert.match(got.stdout, /^digraph \{\n[\s\S]* -> [\s\S]*\}\n$/);
});

test("an empty Definition: no lines, and an empty digraph with --dot, as buildctl", () => {
  for (const args of [["debug", "dump-llb"], ["debug", "dump-llb", "--dot"]]) {
    const want = buildctl(args);
    const got = tsfrontend(args);
    assert.equal(got.status, 0, got.stderr);
    assert.equal(got.stdout, want.stdout, args.join(" "));
  }
});

test("bytes that are not a Definition, and a missing file: one line, exit 1", () => {
  const bad = tsfrontend(["debug", "dump-llb"], new TextEncoder().encode("garbage\n"));
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^tsfrontend: not a pb\.Definition: [^\n]*\n$/);
  assert.equal(buildctl(["debug", "dump-llb"], new TextEncoder().encode("garbage\n")).status, 1, "buildctl refuses it too");
  const missing = tsfrontend(["debug", "dump-llb", "no-such.pb"]);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, "tsfrontend: no-such.pb: no such file\n");
});
