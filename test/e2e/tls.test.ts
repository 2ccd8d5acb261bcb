/**
 * Remote daemons: `tcp://` with mutual TLS and `ssh://` through the connection helper.
 *
 * A second buildkitd (test/e2e/lib/tls.ts) listens on 127.0.0.1:<free port> and requires a
 * client certificate signed by the test CA; it is stopped, and its state and mounts removed
 * by scripts/env/stop.sh, at the end. Over mTLS `tsfrontend workers` answers and a scratch +
 * mkfile graph builds and exports locally; `--tlsdir` works with both file-name sets; every
 * way of getting TLS wrong (no client certificate, one of another CA, a CA that did not sign
 * the daemon's certificate, the wrong server name, TLS spoken to a plain socket and plain
 * spoken to TLS, unreadable, mismatched or non-PEM files) is one line that says which.
 *
 * `ssh://` runs `ssh -l USER -p PORT -- HOST buildctl --addr unix://SOCKET dial-stdio` as
 * buildctl v0.32.2 does: once through a fake `ssh` that runs that buildctl command locally
 * (checks the exact arguments), and through a real sshd (openssh-server, which scripts/env/install.sh installs)
 * on a loopback port with a generated host key and an authorized key.
 *
 * Runs in the environment of scripts/env/start.sh (BUILDKIT_HOST), as root.
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectOptions, type ConnectionFlags } from "../../src/cli/connect.js";
import { connectDaemon } from "../../src/client/address.js";
import { TsfError } from "../../src/errors.js";
import { mkfile, scratch } from "../../src/llb/index.js";
import { ok, requireEnv, runCli, tempDir, type RunResult } from "./lib/env.js";
import { cacheBin, findSshd, makeCerts, removeDir, SERVER_DNS_NAME, startSshd, startTlsDaemon, type Certs, type Sshd, type TlsDaemon } from "./lib/tls.js";


let work: ReturnType<typeof tempDir>;
let certs: Certs;
let daemon: TlsDaemon | undefined;
let definition: Buffer;

const CONTENT = "built over a remote connection\n";

before(async () => {
  work = tempDir("tls");
  requireEnv();
  certs = await makeCerts(join(work.dir, "pki"));
  daemon = await startTlsDaemon(certs);
  const def = await scratch().file(mkfile("/remote.txt", 0o644, CONTENT)).marshal();
  definition = Buffer.from(def.toBytes());
});

after(async () => {
  try {
    await daemon?.stop();
  } finally {
    work?.remove();
  }
});

const tlsFlags = (c: { cert: string; key: string } | undefined, ca = certs.ca): string[] => ["--tlscacert", ca, ...(c ? ["--tlscert", c.cert, "--tlskey", c.key] : [])];

/** A one-line CLI error, exit 1, no stack, no Node warning. */
function assertOneLineError(r: RunResult, pattern: RegExp): void {
  assert.equal(r.status, 1, `expected exit 1, got ${r.status}; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
}

/** What the CLI prints (after `tsfrontend: `) when connecting with these global flags fails. */
async function connectError(flags: ConnectionFlags): Promise<string> {
  try {
    const conn = await connectDaemon({ ...connectOptions(flags), timeoutMs: 5000 });
    conn.close();
  } catch (err) {
    assert.ok(err instanceof TsfError, `not a TsfError: ${String(err)}`);
    return err.toOneLine();
  }
  assert.fail(`connecting with ${JSON.stringify(flags)} succeeded`);
}

// --- mutual TLS --------------------------------------------------------------------------------

test("mTLS: `workers` with the client certificate of the daemon's CA", async () => {
  const r = await runCli(["--addr", daemon!.address, ...tlsFlags(certs.client), "workers"], { timeout: 60_000 });
  const out = ok(r, "workers over mTLS");
  assert.match(out, /^ID\t+PLATFORMS\n[a-z0-9]+\t+linux\//);
  // An IP is not sent as SNI (RFC 6066; Node would warn, DEP0123), as Go sends none.
  assert.doesNotMatch(r.stderr, /Warning/);
});

test("mTLS: builds scratch + mkfile and exports type=local", async () => {
  const dest = join(work.dir, "out-mtls");
  const r = await runCli(["build", "--addr", daemon!.address, ...tlsFlags(certs.client), "--progress", "quiet", "-o", `type=local,dest=${dest}`], {
    input: definition,
    timeout: 120_000,
  });
  ok(r, "build over mTLS");
  assert.equal(readFileSync(join(dest, "remote.txt"), "utf8"), CONTENT);
});

test("mTLS: --tlsdir with ca.pem/cert.pem/key.pem and with ca.crt/tls.crt/tls.key; the DNS name via --tlsservername", async () => {
  const docker = join(work.dir, "tlsdir-docker");
  const kube = join(work.dir, "tlsdir-kube");
  mkdirSync(docker);
  mkdirSync(kube);
  copyFileSync(certs.ca, join(docker, "ca.pem"));
  copyFileSync(certs.client.cert, join(docker, "cert.pem"));
  copyFileSync(certs.client.key, join(docker, "key.pem"));
  copyFileSync(certs.ca, join(kube, "ca.crt"));
  copyFileSync(certs.client.cert, join(kube, "tls.crt"));
  copyFileSync(certs.client.key, join(kube, "tls.key"));
  for (const dir of [docker, kube]) {
    const conn = await connectDaemon(connectOptions({ addr: daemon!.address, tlsdir: dir }));
    conn.close();
  }
  ok(await runCli(["--addr", daemon!.address, "--tlsdir", docker, "--tlsservername", SERVER_DNS_NAME, "workers"], { timeout: 60_000 }), "workers with --tlsdir");
  // Incomplete or doubled TLS directories are flag errors.
  const empty = join(work.dir, "tlsdir-empty");
  mkdirSync(empty);
  assert.match(await connectError({ addr: daemon!.address, tlsdir: empty }), /^--tlsdir: directory .* did not contain one of the needed files: ca\.pem or ca\.crt$/);
  assert.match(await connectError({ addr: daemon!.address, tlsdir: docker, tlscacert: certs.ca }), /^--tlsdir: cannot specify --tlsdir and --tlscacert/);
});

test("mTLS: refused without a client certificate, or with one of another CA", async () => {
  const r = await runCli(["--addr", daemon!.address, ...tlsFlags(undefined), "workers"], { timeout: 60_000 });
  assertOneLineError(r, /^tsfrontend: cannot connect to buildkitd at tcp:\/\/127\.0\.0\.1:\d+ \(--addr\): the daemon requires a client certificate: pass --tlscert and --tlskey \(or --tlsdir\)$/);
  assert.match(
    await connectError({ addr: daemon!.address, tlscacert: certs.ca, tlscert: certs.rogue.cert, tlskey: certs.rogue.key }),
    /the daemon rejected the client certificate in \S+rogue\.pem \(--tlscert\): it is not signed by a CA the daemon trusts/,
  );
});

test("TLS: the daemon's certificate is checked against --tlscacert and the server name", async () => {
  assert.match(
    await connectError({ addr: daemon!.address, tlscacert: certs.otherCa, tlscert: certs.client.cert, tlskey: certs.client.key }),
    /the daemon's certificate \(issuer CN=tsfrontend test CA\) is not signed by the CA in \S+other-ca\.pem \(--tlscacert\): unknown authority$/,
  );
  assert.match(
    await connectError({ addr: daemon!.address, tlscacert: certs.ca, tlscert: certs.client.cert, tlskey: certs.client.key, tlsservername: "wrong.test" }),
    /the daemon's certificate is not valid for "wrong\.test" \(--tlsservername\): it is valid for IP Address:127\.0\.0\.1, DNS:buildkitd\.test; pass --tlsservername/,
  );
  // The same daemon by a host name the certificate does not name.
  const port = daemon!.address.split(":").pop();
  assert.match(
    await connectError({ addr: `tcp://localhost:${port}`, tlscacert: certs.ca, tlscert: certs.client.cert, tlskey: certs.client.key }),
    /not valid for "localhost" \(the host of the address\)/,
  );
});

test("TLS: plain gRPC to the TLS daemon, and TLS to a plain socket, each say so", async () => {
  const r = await runCli(["--addr", daemon!.address, "workers"], { timeout: 60_000 });
  assertOneLineError(r, /\(--addr\): the daemon speaks TLS and this connection did not: pass --tlscacert/);
  assert.match(await connectError({ addr: daemon!.unixAddress, tlscacert: certs.ca, tlscert: certs.client.cert, tlskey: certs.client.key }), /the daemon does not speak TLS/);
});

test("TLS files: missing, unreadable, not PEM, half a key pair, or a key of another certificate name the flag", async () => {
  const addr = daemon!.address;
  const missing = join(work.dir, "nope.pem");
  assert.equal(await connectError({ addr, tlscacert: missing }), `--tlscacert: cannot read ${missing}: no such file`);
  assert.equal(await connectError({ addr, tlscacert: certs.ca, tlscert: work.dir, tlskey: certs.client.key }), `--tlscert: cannot read ${work.dir}: is a directory`);
  const notPem = join(work.dir, "not.pem");
  writeFileSync(notPem, "hello\n");
  assert.equal(await connectError({ addr, tlscacert: notPem }), `--tlscacert: ${notPem} holds no PEM certificate`);
  assert.equal(await connectError({ addr, tlscacert: certs.ca, tlscert: certs.client.cert, tlskey: notPem }), `--tlskey: ${notPem} holds no PEM private key`);
  assert.equal(await connectError({ addr, tlscacert: certs.ca, tlscert: certs.client.key, tlskey: certs.client.key }), `--tlscert: ${certs.client.key} holds no PEM certificate`);
  assert.equal(await connectError({ addr, tlscacert: certs.ca, tlscert: certs.client.cert }), "--tlskey: --tlscert needs --tlskey (the client key)");
  assert.equal(await connectError({ addr, tlscacert: certs.ca, tlskey: certs.client.key }), "--tlscert: --tlskey needs --tlscert (the client certificate)");
  assert.equal(
    await connectError({ addr, tlscacert: certs.ca, tlscert: certs.client.cert, tlskey: certs.rogue.key }),
    `--tlskey: ${certs.rogue.key} is not the private key of the client certificate`,
  );
});

// --- ssh:// --------------------------------------------------------------------------------

test("unsupported connection helpers (docker-container://, kube-pod://) are one-line --addr errors", async () => {
  const r = await runCli(["--addr", "docker-container://buildkitd", "workers"], { timeout: 60_000 });
  assertOneLineError(r, /^tsfrontend: --addr: unsupported address scheme "docker-container:\/\/" in "docker-container:\/\/buildkitd": the docker-container:\/\/ connection helper is not supported by tsfrontend \(only ssh:\/\/ is\)/);
  assert.match(await connectError({ addr: "kube-pod://buildkitd-0" }), /^--addr: unsupported address scheme "kube-pod:\/\/"/);
  assert.match(await connectError({ addr: "ssh://root:secret@127.0.0.1" }), /^--addr: "ssh:\/\/root:secret@127\.0\.0\.1": plain-text password is not supported/);
  assert.match(await connectError({ addr: "ssh://127.0.0.1?x=1" }), /^--addr: "ssh:\/\/127\.0\.0\.1\?x=1": extra query after the host/);
});

test("ssh://: runs `ssh -l USER -p PORT -- HOST buildctl --addr unix://SOCKET dial-stdio` (fake ssh running buildctl locally)", async () => {
  const bin = join(work.dir, "fake-ssh-bin");
  const tmp = join(work.dir, "fake-ssh-tmp");
  mkdirSync(bin);
  mkdirSync(tmp);
  const argsLog = join(work.dir, "fake-ssh-args");
  // Logs its arguments, drops everything up to the host, runs the rest with buildctl on PATH.
  writeFileSync(
    join(bin, "ssh"),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argsLog}'\nwhile [ "$#" -gt 0 ] && [ "$1" != "--" ]; do shift; done\nshift 2\nPATH='${cacheBin()}':"$PATH" exec "$@"\n`,
    { mode: 0o755 },
  );
  const socket = daemon!.unixAddress.slice("unix://".length);
  const env = { ...process.env, PATH: `${bin}:${process.env["PATH"]}`, TMPDIR: tmp };
  const out = ok(await runCli(["--addr", `ssh://builder@127.0.0.1:2222${socket}`, "workers"], { env, timeout: 60_000 }), "workers over fake ssh");
  assert.match(out, /^ID\t+PLATFORMS\n/);
  const args = readFileSync(argsLog, "utf8").trim().split("\n");
  assert.ok(args.length >= 1);
  for (const a of args) assert.equal(a, `-l builder -p 2222 -- 127.0.0.1 buildctl --addr unix://${socket} dial-stdio`);
  // The private socket directory is gone once the CLI exits.
  assert.deepEqual(readdirSync(tmp), []);
  // A failing remote command is reported with ssh's exit status and buildctl's message.
  const r = await runCli(["--addr", `ssh://127.0.0.1${socket}.missing`, "workers"], { env, timeout: 60_000 });
  assertOneLineError(
    r,
    new RegExp(`^tsfrontend: cannot connect to buildkitd at ssh://127\\.0\\.0\\.1${socket.replace(/[.]/g, "\\.")}\\.missing \\(--addr\\): \`ssh -- 127\\.0\\.0\\.1 buildctl --addr unix://\\S+\\.missing dial-stdio\` exited with status 1: .*no such file or directory`),
  );
  assert.deepEqual(readdirSync(tmp), []);
});

test("ssh://: a real sshd on a loopback port; `workers` and a build with a local export go through it", async () => {
  // openssh-server is part of the test environment (scripts/env/install.sh): no sshd is a failure.
  const sshdPath = findSshd();
  assert.ok(sshdPath, "openssh-server is not installed (/usr/sbin/sshd): apt-get install openssh-server (scripts/env/install.sh does)");
  let sshd: Sshd | undefined;
  const dir = join(work.dir, "sshd");
  try {
    sshd = await startSshd(sshdPath, dir, `${cacheBin()}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`);
    const socket = daemon!.unixAddress.slice("unix://".length);
    const addr = `ssh://root@127.0.0.1:${sshd.port}${socket}`;
    const env = { ...process.env, PATH: `${sshd.binDir}:${process.env["PATH"]}` };
    assert.match(ok(await runCli(["--addr", addr, "workers"], { env, timeout: 60_000 }), "workers over ssh"), /^ID\t+PLATFORMS\n/);
    const dest = join(work.dir, "out-ssh");
    ok(await runCli(["build", "--addr", addr, "--progress", "quiet", "-o", `type=local,dest=${dest}`], { env, input: definition, timeout: 120_000 }), "build over ssh");
    assert.equal(readFileSync(join(dest, "remote.txt"), "utf8"), CONTENT);
    // A user without an authorized key: ssh's own message, in one line.
    const r = await runCli(["--addr", `ssh://nobody@127.0.0.1:${sshd.port}${socket}`, "workers"], { env, timeout: 60_000 });
    assertOneLineError(r, /`ssh -l nobody -p \d+ -- 127\.0\.0\.1 buildctl --addr unix:\/\/\S+ dial-stdio` exited with status 255: .*Permission denied \(publickey\)/);
  } finally {
    await sshd?.stop();
    removeDir(dir);
  }
});
