import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { UsageError } from "../../errors.js";
import { moby } from "../../proto/index.js";
import { GrpcCode, GrpcStatusError, type CallContext, type MessageStream } from "./service.js";
import { agentDuplex, Keyring, keyringHandler, parsePrivateKey, serveAgent, type ServedAgent } from "./ssh-agent.js";
import { parseSshSpecs } from "../../cli/flags/ssh.js";
import { resolveSshAgents, sshForwardService, SSH_ID_METADATA } from "./ssh.js";

const SSH = moby.sshforward.v1;

let dir: string;
const p = (name: string) => join(dir, name);
let upstream: ServedAgent;
let upstreamRing: Keyring;

/** A PEM key from node:crypto, written to `name` (no ssh-keygen needed). */
function writeKey(name: string, type: "ed25519" | "rsa" = "ed25519"): string {
  const { privateKey } = type === "rsa" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ed25519");
  writeFileSync(p(name), privateKey.export({ format: "pem", type: "pkcs8" }) as string);
  return p(name);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "tsf-ssh-"));
  writeKey("k1");
  writeKey("k2", "rsa");
  writeKey("k3");
  upstreamRing = new Keyring(parsePrivateKey(generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }) as string));
  upstream = await serveAgent(p("agent.sock"), () => agentDuplex(keyringHandler(upstreamRing)));
});

after(async () => {
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("resolveSshAgents: sockets, key files, SSH_AUTH_SOCK and the errors buildctl reports", () => {
  const agents = resolveSshAgents(parseSshSpecs(["default", `keys=${p("k1")},${p("k2")}`, `sock=${p("agent.sock")}`, `raw=${p("agent.sock")},raw=true`, `=${p("k3")}`.replace(/^=/, "x=")]), {
    SSH_AUTH_SOCK: p("agent.sock"),
  });
  assert.deepEqual([...agents.keys()], ["default", "keys", "sock", "raw", "x"]);
  assert.deepEqual(agents.get("default"), { kind: "socket", path: p("agent.sock"), raw: false });
  assert.deepEqual(agents.get("raw"), { kind: "socket", path: p("agent.sock"), raw: true });
  const keys = agents.get("keys");
  assert.ok(keys?.kind === "keys");
  assert.deepEqual(
    keys.keyring.keys.map((k) => k.type),
    ["ssh-ed25519", "ssh-rsa"],
  );
  // An empty id is the default agent.
  assert.deepEqual([...resolveSshAgents(parseSshSpecs([`=${p("k1")}`])).keys()], ["default"]);

  const err = (values: string[], re: RegExp, env: NodeJS.ProcessEnv = {}) =>
    assert.throws(
      () => resolveSshAgents(parseSshSpecs(values), env),
      (e: unknown) => e instanceof UsageError && e.flag === "--ssh" && re.test(e.message),
      values.join(" "),
    );
  err(["default"], /^default: SSH_AUTH_SOCK is not set/);
  err(["a=missing-key"], /^a: missing-key: no such file or socket/);
  err(["a=k", "a=k"].map((v) => v.replace("k", p("k1"))), /duplicate agent ID "a"/);
  err([`a=${p("agent.sock")},${p("k1")}`], /only a single socket is allowed/);
  err([`a=${p("k1")},${p("agent.sock")}`], /invalid combination of keys and sockets/);
  err([`a=${p("k1")},raw=true`], /raw mode only supported with socket paths/);
  writeFileSync(p("junk"), "not a key");
  err([`a=${p("junk")}`], /^a: .*junk: cannot parse the private key/);
});

// ssh-keygen (openssh-client) is part of the test environment (scripts/env/install.sh): missing, this test fails.
test("encrypted key files name the file and --ssh", () => {
  execFileSync("ssh-keygen", ["-q", "-N", "pw", "-t", "ed25519", "-f", p("enc")]);
  assert.throws(
    () => resolveSshAgents(parseSshSpecs([`deploy=${p("enc")}`])),
    (e: unknown) => e instanceof UsageError && e.toOneLine().startsWith(`--ssh: deploy: ${p("enc")}: the private key is passphrase-protected`),
  );
});

// ---------------------------------------------------------------------------
// The service, driven like the daemon drives it

function ctxFor(id?: string): CallContext {
  const md = new Map<string, string[]>();
  if (id !== undefined) md.set(SSH_ID_METADATA, [id]);
  return { method: "/moby.sshforward.v1.SSH/ForwardAgent", metadata: md, signal: new AbortController().signal };
}

/** A daemon-side ForwardAgent stream: sends `chunks` (as BytesMessages), half-closes, collects replies. */
function fakeStream(chunks: Buffer[]): { stream: MessageStream; received: () => Buffer } {
  const got: Buffer[] = [];
  const stream: MessageStream = {
    async *[Symbol.asyncIterator]() {
      for (const c of chunks) {
        await new Promise((r) => setImmediate(r));
        yield SSH.BytesMessage.encode({ data: c }).finish();
      }
    },
    async write(m) {
      got.push(Buffer.from(SSH.BytesMessage.decode(m).data));
    },
  };
  return { stream, received: () => Buffer.concat(got) };
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const frame = (payload: Buffer) => Buffer.concat([u32(payload.length), payload]);
const LIST = frame(Buffer.from([11]));

/** The public key blobs of an IDENTITIES_ANSWER frame. */
function identities(answer: Buffer): Buffer[] {
  assert.equal(answer.readUInt32BE(0), answer.length - 4, "one complete frame");
  assert.equal(answer[4], 12);
  const n = answer.readUInt32BE(5);
  const out: Buffer[] = [];
  let at = 9;
  for (let i = 0; i < n; i++) {
    const len = answer.readUInt32BE(at);
    out.push(answer.subarray(at + 4, at + 4 + len));
    at += 4 + len;
    at += 4 + answer.readUInt32BE(at);
  }
  return out;
}

test("CheckAgent: OK for configured ids (\"\" is default), Go's error otherwise", async () => {
  const svc = sshForwardService(resolveSshAgents(parseSshSpecs([`default=${p("k1")}`, `other=${p("k2")}`])));
  const check = svc.methods["CheckAgent"]!;
  assert.equal(check.kind, "unary");
  if (check.kind !== "unary") return;
  for (const ID of ["", "default", "other"]) assert.equal((await check.handler(SSH.CheckAgentRequest.encode({ ID }).finish(), ctxFor())).length, 0);
  await assert.rejects(check.handler(SSH.CheckAgentRequest.encode({ ID: "nope" }).finish(), ctxFor()), (e: unknown) => {
    assert.ok(e instanceof GrpcStatusError);
    assert.equal(e.code, GrpcCode.UNKNOWN);
    assert.equal(e.message, "unset ssh forward key nope");
    return true;
  });
});

test("ForwardAgent: key files, a socket (read-only) and raw, picked by buildkit.ssh.id", async () => {
  const agents = resolveSshAgents(parseSshSpecs([`keys=${p("k1")},${p("k2")}`, "default", `raw=${p("agent.sock")},raw=true`]), { SSH_AUTH_SOCK: p("agent.sock") });
  const svc = sshForwardService(agents);
  const fwd = svc.methods["ForwardAgent"]!;
  assert.ok(fwd.kind === "stream");
  const keyring = (agents.get("keys") as { keyring: Keyring }).keyring;

  // The request split across messages, as the container may write it.
  const s1 = fakeStream([LIST.subarray(0, 2), LIST.subarray(2)]);
  await fwd.handler(s1.stream, ctxFor("keys"));
  assert.deepEqual(identities(s1.received()), keyring.keys.map((k) => k.publicKey));

  // No metadata means default: here the socket agent, seen read-only.
  const add = frame(Buffer.from([17, 0, 0, 0, 0]));
  const s2 = fakeStream([Buffer.concat([LIST, add])]);
  await fwd.handler(s2.stream, ctxFor());
  const out = s2.received();
  const first = out.subarray(0, 4 + out.readUInt32BE(0));
  assert.deepEqual(identities(first), upstreamRing.keys.map((k) => k.publicKey));
  assert.deepEqual(out.subarray(first.length), frame(Buffer.from([5])), "adding a key is refused");

  const s3 = fakeStream([LIST]);
  await fwd.handler(s3.stream, ctxFor("raw"));
  assert.deepEqual(identities(s3.received()), upstreamRing.keys.map((k) => k.publicKey));

  await assert.rejects(fwd.handler(fakeStream([LIST]).stream, ctxFor("nope")), /unset ssh forward key nope/);
});

test("ForwardAgent: a socket that went away fails with the agent's path", async () => {
  const sock = p("gone.sock");
  const tmp = await serveAgent(sock, () => agentDuplex(() => Buffer.from([5])));
  const svc = sshForwardService(resolveSshAgents(parseSshSpecs([`a=${sock}`])));
  await tmp.close();
  const fwd = svc.methods["ForwardAgent"]!;
  assert.ok(fwd.kind === "stream");
  await assert.rejects(fwd.handler(fakeStream([LIST]).stream, ctxFor("a")), (e: unknown) => e instanceof GrpcStatusError && e.message.startsWith(`failed to dial agent a: failed to connect to ${sock}`));
});
