/**
 * How `tsfrontend build` fails, against the daemon named by BUILDKIT_HOST:
 * a failing RUN step names the program's file:line with a source excerpt
 * (`>>>` on the line that created the step) after the step's log, and exits
 * 1; a program that throws or does not compile, and a bad `--output` value,
 * each print one line (file:line, or the flag's name) and exit 1.
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { requireEnv, runCli, tempDir, type RunResult } from "./lib/env.js";
import { ensureShellImage, type ShellImage } from "./lib/shell-image.js";

let work: ReturnType<typeof tempDir>;
let shell: ShellImage;

before(async () => {
  work = tempDir("errors");
  requireEnv();
  shell = await ensureShellImage();
});

after(() => work?.remove());

function assertOneLineError(r: RunResult, pattern: RegExp): void {
  assert.equal(r.status, 1, `expected exit 1, got ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  assert.equal(r.stdout, "");
}

test("a failing RUN prints its log, the program's file:line with a >>> excerpt, and exits 1", async () => {
  const dest = join(work.dir, "never");
  const r = await runCli([
    "build",
    "-f",
    "test/e2e/fixtures/run-fails.ts",
    "--build-arg",
    `SHELL_IMAGE=${shell.ref}`,
    "--platform",
    "linux/arm64",
    "--progress",
    "plain",
    "-o",
    `type=local,dest=${dest}`,
    "--ref-file",
    join(work.dir, "failed-ref"),
  ]);
  assert.equal(r.status, 1, `exit ${r.status}\n${r.stderr}`);
  // As buildctl: the failed build's ref is written too (what `debug logs` takes).
  assert.match(readFileSync(join(work.dir, "failed-ref"), "utf8"), /^[a-z0-9]{25}$/);
  const err = r.stderr;
  // The step's own output, from the emulated arm64 container.
  assert.match(err, /^#\d+ [\d.]+ about to fail on aarch64$/m);
  assert.match(err, /^------\n > the failing step:\n[\d.]+ about to fail on aarch64\n------$/m);
  // The program location of the failing op and the excerpt around it.
  assert.match(err, /^test\/e2e\/fixtures\/run-fails\.ts:10$/m);
  const marked = err.split("\n").filter((l) => l.includes(">>>"));
  assert.equal(marked.length, 1, err);
  assert.match(marked[0]!, /^ +10 \| >>> +const broken = ready\.run\(\{ args: \["\/bin\/sh", "-c", "echo about to fail on \$\(uname -m\); exit 3"\]/);
  assert.match(err, /^ +9 \| +const ready = image\(base/m);
  assert.match(err, /^ +11 \| +return \{ state: broken \};$/m);
  // The last line is the daemon's error.
  assert.equal(
    err.trimEnd().split("\n").at(-1),
    'error: process "/bin/sh -c echo about to fail on $(uname -m); exit 3" did not complete successfully: exit code: 3',
  );
  assert.doesNotMatch(err, /\n\s+at .*\.js:\d+/, "no stack trace");
  assert.equal(existsSync(dest), false, "nothing was exported");
});

test("a program that throws: one line with file:line:column, exit 1", async () => {
  const r = await runCli(["build", "-f", "test/e2e/fixtures/run-fails.ts", "--progress", "plain"]);
  assertOneLineError(r, /^tsfrontend: test\/e2e\/fixtures\/run-fails\.ts:7:\d+: the program threw: give --build-arg SHELL_IMAGE=REF$/);
});

test("a program with a syntax error: one line with file:line:column, exit 1", async () => {
  const r = await runCli(["build", "-f", "test/e2e/fixtures/syntax-error.ts", "--progress", "plain"]);
  assertOneLineError(r, /^tsfrontend: test\/e2e\/fixtures\/syntax-error\.ts:4:13: Unexpected ";"$/);
});

test("a bad --output value: one line naming the flag and the problem, exit 1, nothing built", async () => {
  const dest = join(work.dir, "out");
  const cases: [string, RegExp][] = [
    [`type=bogus,dest=${dest}`, /bogus exporter/],
    ["type=local", /output directory is required for local exporter/],
    ["type=local,dest=", /output directory is required for local exporter/],
    ["", /empty value/],
    [`type=tar,dest=${dest},nope`, /invalid value "nope": want key=value/],
    ['type=local,dest="unterminated', /bare " in non-quoted-field/],
  ];
  for (const [value, problem] of cases) {
    // The program does not even compile: the flags are checked first.
    const r = await runCli(["build", "-f", "test/e2e/fixtures/syntax-error.ts", "-o", value]);
    assertOneLineError(r, /^tsfrontend: --output: /);
    assert.match(r.stderr, problem, value);
  }
  assert.equal(existsSync(dest), false);
});

test("a build reading a local dir not given with --local says which --local NAME=DIR is missing", async () => {
  // A program's local("context") with no --local at all, and with another name only.
  let r = await runCli(["build", "-f", "test/cli/fixtures/needs-context.ts", "--progress", "plain"]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^error: no local sources enabled: add --local context=DIR \(the build reads the local directory "context"\)$/m);
  r = await runCli(["build", "-f", "test/cli/fixtures/needs-context.ts", "--local", `other=${work.dir}`, "--progress", "plain"]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /no access allowed to dir "context": add --local context=DIR/);
  // The dockerfile frontend reads "dockerfile" and "context".
  r = await runCli(["build", "--frontend", "dockerfile.v0", "--local", `context=${work.dir}`, "--progress", "plain"]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /no access allowed to dir "dockerfile": add --local dockerfile=DIR/);
  r = await runCli(["build", "--frontend", "dockerfile.v0", "--progress", "plain"]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /no local sources enabled: add --local context=DIR --local dockerfile=DIR/);
});

test("a Definition over the 16 MiB gRPC limit says its size, the limit and what to do (program and stdin)", async () => {
  const want = /^error: the build definition.* is 17\.0 MiB \(\d+ bytes\), over the 16\.0 MiB gRPC message limit of buildkitd: .*--local NAME=DIR/m;
  const r = await runCli(["build", "-f", "test/cli/fixtures/big-definition.ts", "--platform", "linux/amd64", "--progress", "plain"]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, want);
  const def = await runCli(["llb", "test/cli/fixtures/big-definition.ts", "--platform", "linux/amd64", "--output-dir", work.dir]);
  assert.equal(def.status, 0, def.stderr);
  const s = await runCli(["build", "--progress", "plain"], { input: readFileSync(join(work.dir, "linux-amd64.pb")) });
  assert.equal(s.status, 1, s.stderr);
  assert.match(s.stderr, want);
});

test("an --output that cannot be written fails before the build runs", async () => {
  const r = await runCli(["build", "-f", "test/e2e/fixtures/run-fails.ts", "--build-arg", `SHELL_IMAGE=${shell.ref}`, "--progress", "plain", "-o", "type=tar,dest=/proc/tsf-e2e.tar"]);
  assertOneLineError(r, /^tsfrontend: --output: cannot create file \/proc\/tsf-e2e\.tar/);
});
