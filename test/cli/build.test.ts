/**
 * `tsfrontend build` and the global flags, without a daemon: what is checked
 * before connecting (every run here points --addr at a socket that does not
 * exist, so getting past the checks shows as "cannot connect").
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliPath } from "../lib/cli.js";
import { repoRoot } from "../lib/gobin.js";

const cli = cliPath;
const program = join("test", "cli", "fixtures", "run-error.ts");
const noDaemon = "unix:///nonexistent/tsfrontend-test.sock";

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: "utf8", env: { ...process.env, BUILDKIT_HOST: "" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertOneLineError(r: ReturnType<typeof run>, pattern: RegExp): void {
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
}

function withTemp(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "tsf-cli-build-"));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("--output to a file that cannot be created fails before connecting (as buildctl opens it first)", () => {
  withTemp((dir) => {
    writeFileSync(join(dir, "plain-file"), "x");
    for (const spec of [`type=tar,dest=${join(dir, "plain-file", "out.tar")}`, "type=oci,dest=/proc/tsf-out.tar", "type=docker,dest=/proc/tsf-out.tar"]) {
      const r = run(["--addr", noDaemon, "build", "-f", program, "-o", spec]);
      assertOneLineError(r, /^tsfrontend: --output: /);
      assert.doesNotMatch(r.stderr, /cannot connect/);
    }
    // A writable destination passes the check and leaves nothing behind.
    const r = run(["--addr", noDaemon, "build", "-f", program, "-o", `type=tar,dest=${join(dir, "out.tar")}`]);
    assertOneLineError(r, /cannot connect to buildkitd/);
    assert.deepEqual(readdirSync(dir), ["plain-file"]);
  });
});

test("--output type=local to a directory that cannot be created fails before connecting", () => {
  withTemp((dir) => {
    writeFileSync(join(dir, "plain-file"), "x");
    let r = run(["--addr", noDaemon, "build", "-f", program, "-o", `type=local,dest=${join(dir, "plain-file", "sub", "out")}`]);
    assertOneLineError(r, /^tsfrontend: --output: cannot create directory .*plain-file\/sub\/out: /);
    r = run(["--addr", noDaemon, "build", "-f", program, "-o", "type=local,dest=/proc/tsf-new-dir/out"]);
    assertOneLineError(r, /^tsfrontend: --output: cannot create directory \/proc\/tsf-new-dir\/out/);
    // Missing parents are fine (created at export, as buildctl's MkdirAll); nothing is created by the check.
    r = run(["--addr", noDaemon, "build", "-f", program, "-o", `type=local,dest=${join(dir, "a", "b", "c")}`]);
    assertOneLineError(r, /cannot connect to buildkitd/);
    assert.deepEqual(readdirSync(dir), ["plain-file"]);
  });
});

test("result files: a folder that does not exist, and --iidfile with a local or tar export, are refused before connecting (as buildx)", () => {
  withTemp((dir) => {
    for (const flag of ["--metadata-file", "--iidfile", "--ref-file"]) {
      const r = run(["--addr", noDaemon, "build", "-f", program, flag, join(dir, "nodir", "f")]);
      assertOneLineError(r, new RegExp(`^tsfrontend: ${flag}: .*nodir/f: its directory .*nodir does not exist$`));
    }
    for (const out of [`type=local,dest=${join(dir, "out")}`, `type=tar,dest=${join(dir, "out.tar")}`]) {
      const r = run(["--addr", noDaemon, "build", "-f", program, "--iidfile", join(dir, "iid"), "-o", out]);
      assertOneLineError(r, /^tsfrontend: --iidfile: local and tar exporters are incompatible with image ID file$/);
    }
    assert.deepEqual(readdirSync(dir), []);
  });
});

test("--platform and --opt platform=... that differ are a usage error naming both", () => {
  let r = run(["--addr", noDaemon, "build", "-f", program, "--platform", "linux/amd64", "--opt", "platform=linux/arm64"]);
  assertOneLineError(r, /^tsfrontend: --platform: --platform linux\/amd64 and --opt platform=linux\/arm64 name different platforms/);
  // The same platforms both ways (normalised) are accepted.
  r = run(["--addr", noDaemon, "build", "-f", program, "--platform", "linux/arm64/v8", "--opt", "platform=linux/arm64"]);
  assertOneLineError(r, /cannot connect to buildkitd/);
  r = run(["llb", program, "--platform", "linux/amd64", "--opt", "platform=linux/arm64", "--format", "json"]);
  assertOneLineError(r, /--platform linux\/amd64 and --opt platform=linux\/arm64 name different platforms/);
});

test("help shows no empty-list defaults and one default for --platform", () => {
  for (const cmd of ["build", "llb", "du", "prune", "workers"]) {
    const r = run([cmd, "--help"]);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /default: \[\]/, `${cmd} --help:\n${r.stdout}`);
  }
  const help = run(["build", "--help"]).stdout.replace(/\s+/g, " ");
  const platform = /--platform <platforms> (.*?) --build-platform/.exec(help)![1]!;
  assert.equal(platform.match(/default/g)?.length, 1, platform);
  const top = run(["--help"]).stdout;
  for (const flag of ["--timeout <seconds>", "--wait", "--debug", "--log-format <format>"]) assert.ok(top.includes(flag), `${flag} in:\n${top}`);
  const build = run(["build", "--help"]).stdout;
  for (const flag of ["--oci-layout", "--source-policy-file", "--trace", "--registry-auth-tlscontext", "--proxy-network"]) assert.ok(build.includes(flag), `${flag} in:\n${build}`);
});

test("--attest, --sbom and --provenance: bad values and a differing --opt attest:* are one line naming the flag, before connecting", () => {
  let r = run(["--addr", noDaemon, "build", "-f", program, "--sbom", "generator"]);
  assertOneLineError(r, /^tsfrontend: --sbom: "generator": invalid value generator: want key=value/);
  r = run(["--addr", noDaemon, "build", "-f", program, "--provenance", "mode=medium"]);
  assertOneLineError(r, /^tsfrontend: --provenance: "mode=medium": invalid mode "medium"/);
  r = run(["--addr", noDaemon, "build", "-f", program, "--attest", "type=spdx"]);
  assertOneLineError(r, /^tsfrontend: --attest: "type=spdx": unknown attestation type "spdx"/);
  r = run(["--addr", noDaemon, "build", "-f", program, "--sbom", "generator=a", "--opt", "attest:sbom=generator=b"]);
  assertOneLineError(r, /^tsfrontend: --sbom: --opt attest:sbom=generator=b and the sbom attestation flags ask for different things/);
  r = run(["--addr", noDaemon, "build", "-f", program, "--provenance", "false", "--opt", "attest:provenance=mode=max"]);
  assertOneLineError(r, /^tsfrontend: --provenance: --opt attest:provenance=mode=max and the provenance attestation flags/);
  // Good values (and an --opt of the same value) pass the checks.
  for (const args of [["--sbom", "true", "--provenance", "mode=max"], ["--attest", "type=sbom,generator=reg/scan:1", "--attest", "type=provenance,disabled=true"], ["--sbom", "generator=a", "--opt", "attest:sbom=type=sbom,generator=a"]]) {
    r = run(["--addr", noDaemon, "build", "-f", program, ...args]);
    assertOneLineError(r, /cannot connect to buildkitd/);
  }
  const help = run(["build", "--help"]).stdout;
  for (const flag of ["--attest <spec>", "--sbom <spec>", "--provenance <spec>"]) assert.ok(help.includes(flag), `${flag} in:\n${help}`);
});

test("--source-policy-file: a bad file is one line naming it", () => {
  withTemp((dir) => {
    const bad = join(dir, "policy.json");
    writeFileSync(bad, '{"rules":[{"action":"BLOCK"}]}');
    let r = run(["--addr", noDaemon, "build", "-f", program, "--source-policy-file", bad]);
    assertOneLineError(r, /^tsfrontend: --source-policy-file: failed to unmarshal source-policy-file ".*policy\.json": rules\[0\]\.action: unrecognized enum PolicyAction value "BLOCK"/);
    r = run(["--addr", noDaemon, "build", "-f", program, "--source-policy-file", join(dir, "missing.json")]);
    assertOneLineError(r, /^tsfrontend: --source-policy-file: cannot read .*missing\.json: no such file/);
    writeFileSync(bad, '{"rules":[{"action":"DENY","selector":{"identifier":"docker-image://*"}}]}');
    r = run(["--addr", noDaemon, "build", "-f", program, "--source-policy-file", bad]);
    assertOneLineError(r, /cannot connect to buildkitd/);
  });
});

test("--oci-layout, --registry-auth-tlscontext and --trace are checked before connecting", () => {
  withTemp((dir) => {
    let r = run(["--addr", noDaemon, "build", "-f", program, "--oci-layout", "nodir"]);
    assertOneLineError(r, /^tsfrontend: --oci-layout: oci-layout option must be 'id=path\/to\/layout', instead had invalid nodir$/);
    r = run(["--addr", noDaemon, "build", "-f", program, "--oci-layout", `store=${join(dir, "missing")}`]);
    assertOneLineError(r, /^tsfrontend: --oci-layout: oci-layout context at .*missing failed to initialize/);
    mkdirSync(join(dir, "layout"));
    r = run(["--addr", noDaemon, "build", "-f", program, "--oci-layout", `store=${join(dir, "layout")}`]);
    assertOneLineError(r, /cannot connect to buildkitd/);
    r = run(["--addr", noDaemon, "build", "-f", program, "--registry-auth-tlscontext", "ca=/x"]);
    assertOneLineError(r, /^tsfrontend: --registry-auth-tlscontext: --registry-auth-tlscontext requires host=<host>$/);
    r = run(["--addr", noDaemon, "build", "-f", program, "--registry-auth-tlscontext", "host=https://r.example"]);
    assertOneLineError(r, /requires ca=<ca> or cert=<cert>,key=<key> or insecure=true$/);
    r = run(["--addr", noDaemon, "build", "-f", program, "--trace", join(dir, "no", "such", "trace.json")]);
    assertOneLineError(r, /^tsfrontend: --trace: cannot open .*trace\.json/);
  });
});

test("global --log-format, --timeout and --wait", () => {
  let r = run(["--log-format", "xml", "du"]);
  assertOneLineError(r, /^tsfrontend: --log-format: unsupported log type "xml"/);
  r = run(["--timeout", "soon", "--addr", noDaemon, "du"]);
  assertOneLineError(r, /^tsfrontend: --timeout: "soon" is not a whole number of seconds/);
  // --wait keeps trying until --timeout has passed.
  const t0 = Date.now();
  r = run(["--addr", noDaemon, "--wait", "--timeout", "2", "du"]);
  const took = Date.now() - t0;
  assertOneLineError(r, /cannot connect to buildkitd at .*does not exist \(waited 2 s\)/);
  assert.ok(took >= 1900, `waited ${took} ms`);
  // Without --wait: at once.
  const t1 = Date.now();
  r = run(["--addr", noDaemon, "du"]);
  assertOneLineError(r, /cannot connect to buildkitd/);
  assert.ok(Date.now() - t1 < 1900);
  // --log-format json: tsfrontend's own log lines are logrus-style JSON.
  withTemp((dir) => {
    r = run(["--log-format", "json", "--addr", noDaemon, "build", "-f", program, "--trace", join(dir, "t.json")]);
    const first = JSON.parse(r.stderr.split("\n")[0]!) as Record<string, string>;
    assert.equal(first["level"], "info");
    assert.match(first["msg"]!, /^tracing logs to /);
    assert.match(first["time"]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});

test("--call: a bad value, one given with --opt requestid, or asked of a Definition on stdin is a usage error naming the flag", () => {
  let r = run(["--addr", noDaemon, "build", "-f", program, "--call", "targets,colour=red"]);
  assertOneLineError(r, /^tsfrontend: --call: invalid print field: colour=red/);
  r = run(["--addr", noDaemon, "build", "-f", program, "--call", "targets", "--opt", "requestid=frontend.outline"]);
  assertOneLineError(r, /^tsfrontend: --call: --call targets and --opt requestid=frontend.outline both ask a subrequest/);
  const def = spawnSync(process.execPath, [cli, "--addr", noDaemon, "build", "--check"], { cwd: repoRoot, encoding: "utf8", input: Buffer.from([0x0a, 0x02, 0x08, 0x01]), env: { ...process.env, BUILDKIT_HOST: "" } });
  assert.equal(def.status, 1, def.stderr);
  assert.match(def.stderr, /^tsfrontend: --check: a subrequest \(--call, --check, --opt requestid\) is asked of a frontend/);
  // A valid one gets past the checks.
  r = run(["--addr", noDaemon, "build", "-f", program, "--call", "outline,format=json"]);
  assertOneLineError(r, /cannot connect to buildkitd/);
});

test("-f DIR of Definitions (llb --output-dir): an empty one, a file name that is no platform, a file that is no Definition, a platform it lacks are one line each", () => {
  withTemp((dir) => {
    const defs = join(dir, "defs");
    mkdirSync(defs);
    writeFileSync(join(defs, "README"), "not a Definition, and not named .pb: left alone\n");
    assertOneLineError(run(["--addr", noDaemon, "build", "-f", defs, "-o", `type=oci,dest=${join(dir, "o.tar")}`]), /^tsfrontend: -f: \S+defs holds no Definition: write one per platform with `tsfrontend llb FILE --platform \.\.\. --output-dir \S+defs`$/);
    // A directory with a Dockerfile: -f wants the file.
    writeFileSync(join(defs, "Dockerfile"), "FROM scratch\n");
    assertOneLineError(run(["--addr", noDaemon, "build", "-f", defs, "-o", `type=oci,dest=${join(dir, "o.tar")}`]), /^tsfrontend: -f: \S+defs is a directory: -f takes the Dockerfile itself \(\S+defs\/Dockerfile\), or a directory of Definitions$/);
    rmSync(join(defs, "Dockerfile"));
    const llb = spawnSync(process.execPath, [cli, "llb", join("test", "cli", "fixtures", "run-error.ts"), "--platform", "linux/amd64,linux/arm64", "--output-dir", defs], { cwd: repoRoot, encoding: "utf8" });
    assert.equal(llb.status, 0, llb.stderr);
    // Both Definitions read and checked: past the checks, the build tries to connect.
    assertOneLineError(run(["--addr", noDaemon, "build", "-f", defs, "-o", `type=oci,dest=${join(dir, "o.tar")}`]), /cannot connect to buildkitd/);
    assertOneLineError(run(["--addr", noDaemon, "build", "-f", defs, "--platform", "linux/arm/v7", "-o", `type=oci,dest=${join(dir, "o.tar")}`]), /^tsfrontend: --platform: \S+defs has no Definition for linux\/arm\/v7 \(it has linux\/amd64, linux\/arm64\)$/);
    writeFileSync(join(defs, "linux-s390x.pb"), "not protobuf");
    assertOneLineError(run(["--addr", noDaemon, "build", "-f", defs, "-o", `type=oci,dest=${join(dir, "o.tar")}`]), /^tsfrontend: -f: \S+linux-s390x\.pb: not an LLB Definition: /);
    rmSync(join(defs, "linux-s390x.pb"));
    writeFileSync(join(defs, "linux-x!y.pb"), "");
    assertOneLineError(run(["--addr", noDaemon, "build", "-f", defs, "-o", `type=oci,dest=${join(dir, "o.tar")}`]), /^tsfrontend: -f \S+linux-x!y\.pb: "x!y" is an invalid component of "linux\/x!y"/);
  });
});
