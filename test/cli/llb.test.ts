/** `tsfrontend llb`: output formats and one-line errors with file:line for bad programs and flags. */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeDefinition, inspectDefinition } from "../../src/llb/index.js";
import { cliPath } from "../lib/cli.js";
import { repoRoot } from "../lib/gobin.js";
import { buildctlPath, buildctlProblem } from "../lib/buildctl.js";

const cli = cliPath;
const fixture = (name: string) => join("test", "cli", "fixtures", name);

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: "buffer" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString("utf8") };
}

/** What the real `buildctl debug dump-llb` prints for Definition bytes (fails when buildctl is missing). */
function buildctlDump(definition: Uint8Array): string {
  const buildctl = buildctlPath();
  const problem = buildctlProblem(buildctl);
  if (problem) assert.fail(problem);
  const r = spawnSync(buildctl, ["debug", "dump-llb"], { input: definition, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function assertOneLineError(r: ReturnType<typeof run>, pattern: RegExp): void {
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
}

test("writes the Definition bytes for one platform", () => {
  const r = run(["llb", fixture("run-error.ts"), "--platform", "linux/arm64"]);
  assert.equal(r.status, 0, r.stderr);
  const def = decodeDefinition(r.stdout);
  const ops = inspectDefinition(def);
  const exec = ops.find((o) => o.kind === "exec")!;
  assert.deepEqual(exec.op.exec!.meta.args, ["uname", "-m"]);
  assert.deepEqual(exec.op.platform, { Architecture: "arm64", OS: "linux" });
  // The op records the program line that created it, so build errors can point there.
  const locs = def.source!.locations[exec.digest]!.locations;
  assert.equal(locs.length, 1);
  assert.equal(locs[0]!.ranges[0]!.start?.line, 6);
  assert.equal(def.source!.infos[0]!.filename, fixture("run-error.ts"));
});

test("--format json prints buildctl debug dump-llb's lines for the Definition", () => {
  const r = run(["llb", fixture("run-error.ts"), "--platform", "linux/arm/v7", "--format", "json"]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.toString("utf8").trim().split("\n").map((l) => JSON.parse(l) as { Op: { Op: Record<string, unknown>; platform?: unknown }; Digest: string; OpMetadata: unknown });
  assert.equal(lines.length, 3);
  assert.ok(lines[0]!.Op.Op["source"]);
  assert.ok(lines[1]!.Op.Op["exec"]);
  assert.deepEqual(lines[1]!.Op.platform, { Architecture: "arm", OS: "linux", Variant: "v7" });
  assert.deepEqual(lines[2]!.Op.Op, {}, "the terminal op has an empty Op");
  assert.match(lines[2]!.Digest, /^sha256:[0-9a-f]{64}$/);
  // Byte for byte what buildctl prints for the Definition bytes of the same run.
  const pb = run(["llb", fixture("run-error.ts"), "--platform", "linux/arm/v7"]);
  assert.equal(pb.status, 0, pb.stderr);
  assert.equal(r.stdout.toString("utf8"), buildctlDump(pb.stdout));
});

test("--format json with several platforms: each platform's lines in order, nothing in between", () => {
  const platforms = ["linux/amd64", "linux/arm64", "linux/arm/v7"];
  const r = run(["llb", fixture("run-error.ts"), "--platform", platforms.join(","), "--format", "json"]);
  assert.equal(r.status, 0, r.stderr);
  const dir = mkdtempSync(join(tmpdir(), "tsf-llb-"));
  try {
    const d = run(["llb", fixture("run-error.ts"), "--platform", platforms.join(","), "--output-dir", dir]);
    assert.equal(d.status, 0, d.stderr);
    const want = platforms.map((p) => buildctlDump(readFileSync(join(dir, `${p.replaceAll("/", "-")}.pb`)))).join("");
    assert.equal(r.stdout.toString("utf8"), want);
    for (const line of r.stdout.toString("utf8").trimEnd().split("\n")) assert.doesNotThrow(() => JSON.parse(line), line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--format json --output-dir writes one .json file per platform", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsf-llb-"));
  try {
    const r = run(["llb", fixture("run-error.ts"), "--platform", "linux/amd64,linux/arm64", "--format", "json", "--output-dir", dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(dir).sort(), ["linux-amd64.json", "linux-arm64.json"]);
    const pb = run(["llb", fixture("run-error.ts"), "--platform", "linux/arm64"]);
    assert.equal(readFileSync(join(dir, "linux-arm64.json"), "utf8"), buildctlDump(pb.stdout));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("several platforms write one file per platform into --output-dir", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsf-llb-"));
  try {
    const r = run(["llb", fixture("run-error.ts"), "--platform", "linux/amd64,linux/arm64", "--platform", "linux/arm/v7", "--output-dir", dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(dir).sort(), ["linux-amd64.pb", "linux-arm-v7.pb", "linux-arm64.pb"]);
    const def = decodeDefinition(readFileSync(join(dir, "linux-arm-v7.pb")));
    assert.ok(inspectDefinition(def).some((o) => o.op.platform?.Variant === "v7"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a syntax error names file:line:column", () => {
  assertOneLineError(run(["llb", fixture("syntax-error.ts"), "--platform", "linux/amd64"]), /^tsfrontend: test\/cli\/fixtures\/syntax-error\.ts:4:13: Unexpected ";"$/);
});

test("a throwing program names the line that threw", () => {
  assertOneLineError(run(["llb", fixture("throws.ts"), "--platform", "linux/amd64"]), /^tsfrontend: test\/cli\/fixtures\/throws\.ts:4:\d+: the program threw: no compiler for this platform$/);
});

test("a program that returns nothing is refused", () => {
  assertOneLineError(run(["llb", fixture("returns-nothing.ts"), "--platform", "linux/amd64"]), /^tsfrontend: test\/cli\/fixtures\/returns-nothing\.ts: .*returned nothing/);
});

test("a program without a default export is refused", () => {
  assertOneLineError(run(["llb", fixture("no-default.ts"), "--platform", "linux/amd64"]), /no default export function/);
});

test("an invalid platform inside the program names its line", () => {
  assertOneLineError(run(["llb", fixture("bad-platform-in-program.ts"), "--platform", "linux/amd64"]), /bad-platform-in-program\.ts:4:\d+: .*unknown architecture "nosucharch"/);
});

test("an invalid --platform names the flag and the accepted forms", () => {
  assertOneLineError(run(["llb", fixture("run-error.ts"), "--platform", "linux/sparc99"]), /^tsfrontend: --platform: .*unknown architecture .*expected os\/arch\[\/variant\]/);
});

test("a missing --platform is a usage error", () => {
  assertOneLineError(run(["llb", fixture("run-error.ts")]), /^tsfrontend: --platform: required/);
});

test("an unknown option is refused in one line", () => {
  assertOneLineError(run(["llb", fixture("run-error.ts"), "--platform", "linux/amd64", "--no-such-flag"]), /^tsfrontend: unknown option '--no-such-flag'/);
});

test("a missing program file is reported by name", () => {
  assertOneLineError(run(["llb", "nope.ts", "--platform", "linux/amd64"]), /^tsfrontend: nope\.ts: no such file$/);
});

test("--opt without = is refused", () => {
  assertOneLineError(run(["llb", fixture("run-error.ts"), "--platform", "linux/amd64", "--opt", "novalue"]), /^tsfrontend: --opt: "novalue" is not key=value$/);
});

test("an op that fails validation at marshal time names the program line that created it", () => {
  assertOneLineError(run(["llb", fixture("bad-reference.ts"), "--platform", "linux/amd64"]), /^tsfrontend: test\/cli\/fixtures\/bad-reference\.ts:5: invalid reference format$/);
});

test("a program whose promise never settles: one line naming the program, exit 1", () => {
  const r = run(["llb", fixture("never-settles.ts"), "--platform", "linux/amd64", "--format", "json"]);
  assertOneLineError(r, /^tsfrontend: test\/cli\/fixtures\/never-settles\.ts: the program never finished: its promise is still pending but nothing it started is/);
  assert.equal(r.stdout.length, 0);
});

test("a program that waits on a timer is not taken for a stuck one", () => {
  const r = run(["llb", fixture("slow-timer.ts"), "--platform", "linux/amd64", "--format", "json"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.toString("utf8"), /"\/done"/);
});

test("a program calling process.exit: one line with its file:line, exit 1, nothing written", () => {
  const r = run(["llb", fixture("calls-exit.ts"), "--platform", "linux/amd64", "--format", "json"]);
  assertOneLineError(r, /^tsfrontend: test\/cli\/fixtures\/calls-exit\.ts:6:\d+: the program called process\.exit\(0\): return a result or throw an error instead$/);
  assert.equal(r.stdout.length, 0);
});

test("a program throwing from its own callback: one line with its file:line, exit 1", () => {
  const r = run(["llb", fixture("throws-in-timer.ts"), "--platform", "linux/amd64", "--format", "json"]);
  assertOneLineError(r, /^tsfrontend: test\/cli\/fixtures\/throws-in-timer\.ts:7:\d+: the program threw: thrown from a timer callback$/);
});

test("check: type errors of a program, one line each with file:line:column and the TS code, exit 1", () => {
  const r = run(["check", fixture("type-error.ts")]);
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0]!, /^tsfrontend: test\/cli\/fixtures\/type-error\.ts:6:\d+: error TS2561: .*'shlexx' does not exist in type 'RunOptions'/);
  assert.match(lines[1]!, /^tsfrontend: test\/cli\/fixtures\/type-error\.ts:7:\d+: error TS2322: Type 'string' is not assignable to type 'string\[\]'/);
});

test("check: well-typed programs pass silently", () => {
  const r = run(["check", fixture("run-error.ts"), join("test", "e2e", "fixtures", "gateway-read.ts")]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
});

test("a program file named otherwise (Dockerfile.frontend) is TypeScript: the same ops as its .ts twin", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsf-cli-ext-"));
  try {
    const renamed = join(dir, "Build.frontend");
    writeFileSync(renamed, readFileSync(join(repoRoot, fixture("run-error.ts"))));
    const a = run(["llb", fixture("run-error.ts"), "--platform", "linux/arm64", "--format", "json"]);
    const b = run(["llb", renamed, "--platform", "linux/arm64", "--format", "json"]);
    assert.equal(b.status, 0, b.stderr);
    assert.equal(b.stdout.toString("utf8"), a.stdout.toString("utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // The repository's own frontend image program marshals for both of its platforms.
  const r = run(["llb", "Dockerfile.frontend", "--platform", "linux/amd64,linux/arm64", "--build-arg", "VERSION=0.0.0", "--format", "json"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.toString("utf8"), /local:\/\/runtime-arm64/);
});

test("a program named Dockerfile with a # syntax line and a relative import", () => {
  const r = run(["llb", fixture("program-dockerfile/Dockerfile"), "--platform", "linux/amd64", "--format", "json"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.toString("utf8"), /"path":"\/hello"/);
  assert.match(r.stdout.toString("utf8"), new RegExp(`"data":"${Buffer.from("from a module next to the build file\n").toString("base64")}"`));
});

test("a Dockerfile is converted; without a daemon one line says base image configs are not resolved", () => {
  const r = spawnSync(process.execPath, [cli, "llb", fixture("dockerfile/Dockerfile"), "--platform", "linux/amd64", "--format", "json"], {
    cwd: repoRoot,
    encoding: "utf8",
    env: { ...process.env, BUILDKIT_HOST: "unix:///nonexistent/buildkitd.sock" },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr.trimEnd(), /^tsfrontend llb: no buildkitd reachable \(.*\): base image configs are not resolved$/);
  const ops = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as { Op: { Op: { source?: { identifier: string }; exec?: { meta: { args: string[] } } } }; OpMetadata: { description?: Record<string, string> } });
  assert.equal(ops.find((o) => o.Op.Op.source)?.Op.Op.source?.identifier, "docker-image://docker.io/library/alpine:latest");
  const exec = ops.find((o) => o.Op.Op.exec);
  assert.deepEqual(exec?.Op.Op.exec?.meta.args, ["/bin/sh", "-c", "true"]);
  assert.equal(exec?.OpMetadata.description?.["llb.customname"], "[2/2] RUN true");
});

test("imports outside the policy fail with the import and its file:line", () => {
  assertOneLineError(run(["llb", fixture("forbidden-import.ts"), "--platform", "linux/amd64"]), /forbidden-import\.ts:2:\d+: import "node:child_process" is not allowed in a build program/);
  assertOneLineError(run(["llb", fixture("npm-import.ts"), "--platform", "linux/amd64"]), /npm-import\.ts:2:\d+: import "left-pad" is not allowed in a build program: programs may import only tsfrontend/);
});

test("check type-checks programs not named .ts, directive lines blanked, lines kept", () => {
  const good = run(["check", fixture("program-dockerfile/Dockerfile")]);
  assert.equal(good.status, 0, good.stderr);
  assertOneLineError(run(["check", fixture("program-dockerfile/Typo")]), /program-dockerfile\/Typo:5:\d+: error TS2561: .*'Usr'/);
});

test("a program's declared arg defaults and default target are used; an undeclared --target is one line", () => {
  const r = run(["llb", fixture("declared.ts"), "--platform", "linux/amd64", "--format", "json"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.toString("utf8"), /"path":"\/v-1\.0-app"/);
  const given = run(["llb", fixture("declared.ts"), "--platform", "linux/amd64", "--format", "json", "--build-arg", "VERSION=2", "--target", "test"]);
  assert.match(given.stdout.toString("utf8"), /"path":"\/v-2-test"/);
  assertOneLineError(run(["llb", fixture("declared.ts"), "--platform", "linux/amd64", "--target", "nope"]), /^tsfrontend: target "nope" could not be found: the program declares app, test$/);
});
