import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { helperSchemeProblem, parseSshAddress, sshArgs, startSshHelper } from "./connhelper.js";

test("parseSshAddress: buildctl's SpecFromURL", () => {
  assert.deepEqual(parseSshAddress("ssh://host"), { host: "host" });
  assert.deepEqual(parseSshAddress("ssh://me@host:2222"), { user: "me", host: "host", port: "2222" });
  assert.deepEqual(parseSshAddress("ssh://me@10.0.0.1/run/buildkit/buildkitd.sock"), { user: "me", host: "10.0.0.1", socket: "/run/buildkit/buildkitd.sock" });
  assert.deepEqual(parseSshAddress("ssh://[::1]:22/"), { host: "::1", port: "22" });
  assert.throws(() => parseSshAddress("ssh://me:pw@host"), /plain-text password is not supported/);
  assert.throws(() => parseSshAddress("ssh://host?a=b"), /extra query after the host: "a=b"/);
  assert.throws(() => parseSshAddress("ssh://host#frag"), /extra fragment after the host: "frag"/);
  assert.throws(() => parseSshAddress("ssh://"), /not a valid ssh:\/\/|no host specified/);
});

test("sshArgs: the exact command line buildctl v0.32.2 runs", () => {
  assert.deepEqual(sshArgs({ host: "h" }), ["--", "h", "buildctl", "dial-stdio"]);
  assert.deepEqual(sshArgs({ user: "u", host: "h", port: "2", socket: "/s.sock" }), ["-l", "u", "-p", "2", "--", "h", "buildctl", "--addr", "unix:///s.sock", "dial-stdio"]);
});

test("helperSchemeProblem: buildctl's other helpers are named unsupported", () => {
  assert.match(helperSchemeProblem("docker-container")!, /docker-container:\/\/ connection helper is not supported/);
  assert.match(helperSchemeProblem("kube-pod")!, /not supported/);
  assert.equal(helperSchemeProblem("http"), undefined);
});

function fakeSsh(body: string): { ssh: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "tsf-fake-ssh-"));
  const ssh = join(dir, "ssh");
  writeFileSync(ssh, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return { ssh, dir };
}

function roundTrip(path: string, data: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(path);
    const got: Buffer[] = [];
    s.on("connect", () => s.end(data));
    s.on("data", (b) => got.push(b));
    // The far side may close first (a failed ssh): what arrived is the answer.
    s.on("error", () => {});
    s.on("close", () => resolve(Buffer.concat(got).toString()));
  });
}

test("startSshHelper: each connection is piped to a fresh ssh process; close removes the socket directory", async () => {
  const fake = fakeSsh(`echo "$*" >&2\nexec cat`);
  try {
    const helper = await startSshHelper("ssh://u@h:7/s.sock", { ssh: fake.ssh });
    const path = helper.target.slice("unix://".length);
    assert.ok(existsSync(path));
    assert.equal(await roundTrip(path, "ping"), "ping");
    assert.equal(await roundTrip(path, "pong"), "pong");
    assert.equal(helper.lastError(), undefined);
    helper.close();
    assert.equal(existsSync(dirname(path)), false);
  } finally {
    rmSync(fake.dir, { recursive: true, force: true });
  }
});

test("startSshHelper: a failing ssh is reported with its status and stderr; a missing ssh is named", async () => {
  const fake = fakeSsh(`echo "ssh: connect to host h port 7: Connection refused" >&2\nexit 255`);
  const tmp = mkdtempSync(join(tmpdir(), "tsf-helper-tmp-"));
  try {
    const helper = await startSshHelper("ssh://h:7", { ssh: fake.ssh, tmpDir: tmp });
    assert.equal(await roundTrip(helper.target.slice("unix://".length), "x"), "");
    assert.equal(helper.lastError(), `\`${fake.ssh} -p 7 -- h buildctl dial-stdio\` exited with status 255: ssh: connect to host h port 7: Connection refused`);
    helper.close();
    assert.deepEqual(readdirSync(tmp), []);

    const missing = await startSshHelper("ssh://h", { ssh: join(fake.dir, "nope"), tmpDir: tmp });
    await roundTrip(missing.target.slice("unix://".length), "x");
    assert.match(missing.lastError()!, /nope is not installed or not on PATH/);
    missing.close();
  } finally {
    rmSync(fake.dir, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  }
});
