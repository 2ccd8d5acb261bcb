import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { helperSchemeProblem, parseSshAddress, sshArgs, sshHelper, type ConnectionHelper } from "./connhelper.js";

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

/** Writes `data` to a new connection of the helper, ends it, and resolves with all that came back. */
function roundTrip(helper: ConnectionHelper, data: string): Promise<string> {
  return new Promise((resolve) => {
    const conn = helper.dial();
    const got: Buffer[] = [];
    conn.on("data", (b: Buffer) => got.push(b));
    // The far side may close first (a failed ssh): what arrived is the answer.
    conn.on("error", () => {});
    conn.on("close", () => resolve(Buffer.concat(got).toString()));
    conn.end(data);
  });
}

test("sshHelper: each connection is a fresh ssh process's stdio, with buildctl's arguments", async () => {
  const fake = fakeSsh(`echo "$*" >> "$(dirname "$0")/calls"\nexec cat`);
  try {
    const helper = sshHelper("ssh://u@h:7/s.sock", { ssh: fake.ssh });
    assert.equal(await roundTrip(helper, "ping"), "ping");
    assert.equal(await roundTrip(helper, "pong"), "pong");
    assert.equal(helper.lastError(), undefined);
    assert.deepEqual(readFileSync(join(fake.dir, "calls"), "utf8").trim().split("\n"), ["-l u -p 7 -- h buildctl --addr unix:///s.sock dial-stdio", "-l u -p 7 -- h buildctl --addr unix:///s.sock dial-stdio"]);
    helper.close();
  } finally {
    rmSync(fake.dir, { recursive: true, force: true });
  }
});

test("sshHelper: a failing ssh is reported with its status and stderr; a missing ssh is named", async () => {
  const fake = fakeSsh(`echo "ssh: connect to host h port 7: Connection refused" >&2\nexit 255`);
  try {
    const helper = sshHelper("ssh://h:7", { ssh: fake.ssh });
    assert.equal(await roundTrip(helper, "x"), "");
    assert.equal(helper.lastError(), `\`${fake.ssh} -p 7 -- h buildctl dial-stdio\` exited with status 255: ssh: connect to host h port 7: Connection refused`);
    helper.close();

    const missing = sshHelper("ssh://h", { ssh: join(fake.dir, "nope") });
    await roundTrip(missing, "x");
    assert.match(missing.lastError()!, /nope is not installed or not on PATH/);
    missing.close();
  } finally {
    rmSync(fake.dir, { recursive: true, force: true });
  }
});

test("sshHelper: close ends the ssh processes of open connections", async () => {
  const fake = fakeSsh(`exec sleep 60`);
  try {
    const helper = sshHelper("ssh://h", { ssh: fake.ssh });
    const conn = helper.dial();
    conn.on("error", () => {});
    conn.resume();
    const closed = new Promise((resolve) => conn.on("close", resolve));
    await new Promise((r) => setTimeout(r, 100));
    helper.close();
    await closed;
  } finally {
    rmSync(fake.dir, { recursive: true, force: true });
  }
});
