import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { InvalidArgumentError } from "../../errors.js";
import {
  AgentMessage,
  agentDuplex,
  authorizedKey,
  connectReadOnlyAgent,
  fingerprint,
  Keyring,
  keyringHandler,
  loadPrivateKeyFile,
  parsePrivateKey,
  serveAgent,
  SignFlags,
  type AgentKey,
} from "./ssh-agent.js";

/** Whether `cmd` is on PATH. */
function onPath(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

let dir: string;
const p = (name: string) => join(dir, name);

/** Key files made by ssh-keygen: name -> ssh-keygen arguments. */
const generated: Record<string, string[]> = {
  ed25519: ["-t", "ed25519", "-C", "ed25519@test"],
  rsa: ["-t", "rsa", "-b", "2048", "-C", "rsa@test"],
  ecdsa256: ["-t", "ecdsa", "-b", "256", "-C", "ecdsa256@test"],
  ecdsa384: ["-t", "ecdsa", "-b", "384", "-C", "ecdsa384@test"],
  ecdsa521: ["-t", "ecdsa", "-b", "521", "-C", "ecdsa521@test"],
  "rsa-pkcs1": ["-t", "rsa", "-b", "2048", "-m", "PEM"],
  "rsa-pkcs8": ["-t", "rsa", "-b", "2048", "-m", "PKCS8"],
  "ecdsa-sec1": ["-t", "ecdsa", "-b", "256", "-m", "PEM"],
  "ecdsa-pkcs8": ["-t", "ecdsa", "-b", "384", "-m", "PKCS8"],
};

before(() => {
  dir = mkdtempSync(join(tmpdir(), "tsf-ssh-agent-"));
  // openssh-client is part of the test environment (scripts/env/install.sh): missing, every test here fails.
  for (const cmd of ["ssh-keygen", "ssh-agent", "ssh-add"]) assert.ok(onPath(cmd), `${cmd} is not installed (apt-get install openssh-client)`);
  for (const [name, args] of Object.entries(generated)) execFileSync("ssh-keygen", ["-q", "-N", "", ...args, "-f", p(name)]);
  execFileSync("ssh-keygen", ["-q", "-N", "secret", "-t", "ed25519", "-f", p("encrypted")]);
  execFileSync("ssh-keygen", ["-q", "-N", "secret", "-t", "rsa", "-b", "2048", "-m", "PEM", "-f", p("encrypted-pem")]);
  execFileSync("ssh-keygen", ["-q", "-N", "secret", "-t", "rsa", "-b", "2048", "-m", "PKCS8", "-f", p("encrypted-pkcs8")]);
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** `ssh-keygen -y`: the public key ssh derives from the private key file (without comment). */
const sshPublic = (file: string) => execFileSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" }).trim().split(" ").slice(0, 2).join(" ");

test("every generated key parses to the public key and fingerprint ssh-keygen derives", () => {
  for (const name of Object.keys(generated)) {
    const keys = loadPrivateKeyFile(p(name));
    assert.equal(keys.length, 1, name);
    const key = keys[0]!;
    assert.equal(authorizedKey({ ...key, comment: "" }), sshPublic(p(name)), name);
    const fp = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", p(name)], { encoding: "utf8" }).split(" ")[1];
    assert.equal(fingerprint(key.publicKey), fp, name);
    const comment = generated[name]![generated[name]!.indexOf("-C") + 1];
    // OpenSSH files carry the comment; PEM files have none.
    if (generated[name]!.includes("-m")) assert.equal(key.comment, "", name);
    else assert.equal(key.comment, comment, name);
  }
});

test("an ed25519 PKCS#8 PEM key (node:crypto) parses", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const [key] = parsePrivateKey(privateKey.export({ format: "pem", type: "pkcs8" }) as string);
  assert.equal(key!.type, "ssh-ed25519");
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  assert.ok(key!.publicKey.subarray(-32).equals(raw));
});

test("encrypted keys fail with the file and --ssh in the message", () => {
  for (const name of ["encrypted", "encrypted-pem", "encrypted-pkcs8"]) {
    assert.throws(
      () => loadPrivateKeyFile(p(name)),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentError);
        assert.match(e.message, new RegExp(`^${p(name).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: the private key is passphrase-protected`));
        assert.match(e.message, /--ssh/);
        assert.equal(e.location?.file, p(name));
        return true;
      },
      name,
    );
  }
});

test("garbage, public keys and missing files fail naming the file", () => {
  assert.throws(() => parsePrivateKey("hello", "k"), /^InvalidArgumentError: k: cannot parse the private key: no PEM block/);
  assert.throws(() => loadPrivateKeyFile(p("ed25519.pub")), /ed25519\.pub: cannot parse the private key/);
  assert.throws(() => loadPrivateKeyFile(p("missing")), /missing: ENOENT/);
  assert.throws(() => parsePrivateKey("-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n", "d"), /unsupported PEM block DSA PRIVATE KEY/);
});

// ---------------------------------------------------------------------------
// Protocol

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const str = (b: Buffer | string) => Buffer.concat([u32(Buffer.byteLength(b)), Buffer.from(b)]);
const frame = (payload: Buffer) => Buffer.concat([u32(payload.length), payload]);
const signRequest = (key: AgentKey, data: Buffer, flags = 0) => Buffer.concat([Buffer.from([AgentMessage.SIGN_REQUEST]), str(key.publicKey), str(data), u32(flags)]);

function readStr(b: Buffer, at: number): [Buffer, number] {
  const n = b.readUInt32BE(at);
  return [b.subarray(at + 4, at + 4 + n), at + 4 + n];
}

/** The node:crypto public key of ssh-keygen's `KEYFILE.pub`, decoded here independently of the agent code. */
function publicKeyOf(keyFile: string) {
  const blob = Buffer.from(readFileSync(`${keyFile}.pub`, "utf8").split(" ")[1]!, "base64");
  const [type, at] = readStr(blob, 0);
  const [a, at2] = readStr(blob, at);
  const [b] = at2 < blob.length ? readStr(blob, at2) : [Buffer.alloc(0)];
  const u = (x: Buffer) => x.subarray(x[0] === 0 ? 1 : 0).toString("base64url");
  const t = type.toString();
  // An Ed25519 key is 32 raw bytes, not an mpint: a leading zero byte is part of it (1 key in 256).
  if (t === "ssh-ed25519") return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: a.toString("base64url") }, format: "jwk" });
  if (t === "ssh-rsa") return createPublicKey({ key: { kty: "RSA", e: u(a), n: u(b) }, format: "jwk" });
  const crv = { nistp256: "P-256", nistp384: "P-384", nistp521: "P-521" }[a.toString()]!;
  const half = (b.length - 1) / 2;
  return createPublicKey({ key: { kty: "EC", crv, x: b.subarray(1, 1 + half).toString("base64url"), y: b.subarray(1 + half).toString("base64url") }, format: "jwk" });
}

/** Checks an SSH signature blob over `data` with node:crypto and the key file's public key. */
function verifySsh(keyFile: string, data: Buffer, blob: Buffer): string {
  const [format, at] = readStr(blob, 0);
  const [sig] = readStr(blob, at);
  const pub = publicKeyOf(keyFile);
  const f = format.toString();
  if (f === "ssh-ed25519") assert.ok(verify(null, data, pub, sig), f);
  else if (f.startsWith("rsa-sha2-") || f === "ssh-rsa") assert.ok(verify({ "ssh-rsa": "sha1", "rsa-sha2-256": "sha256", "rsa-sha2-512": "sha512" }[f]!, data, pub, sig), f);
  else {
    const [r, at2] = readStr(sig, 0);
    const [s] = readStr(sig, at2);
    const size = { "ecdsa-sha2-nistp256": 32, "ecdsa-sha2-nistp384": 48, "ecdsa-sha2-nistp521": 66 }[f]!;
    const pad = (x: Buffer) => Buffer.concat([Buffer.alloc(size), x.subarray(x[0] === 0 ? 1 : 0)]).subarray(-size);
    const hash = { 32: "sha256", 48: "sha384", 66: "sha512" }[size]!;
    assert.ok(verify(hash, data, { key: pub, dsaEncoding: "ieee-p1363" }, Buffer.concat([pad(r), pad(s)])), f);
  }
  return f;
}

test("keyring lists keys and signs with each type; RSA hash follows the flags", () => {
  const names = ["ed25519", "rsa", "ecdsa256", "ecdsa384", "ecdsa521", "rsa-pkcs1", "ecdsa-pkcs8"];
  const keys = names.map((n) => loadPrivateKeyFile(p(n))[0]!);
  const ring = new Keyring([...keys, keys[0]!]);
  assert.equal(ring.keys.length, names.length, "the duplicate is listed once");

  const answer = ring.handle(Buffer.from([AgentMessage.REQUEST_IDENTITIES]));
  assert.equal(answer[0], AgentMessage.IDENTITIES_ANSWER);
  assert.equal(answer.readUInt32BE(1), names.length);
  let at = 5;
  for (const k of keys) {
    let blob: Buffer, comment: Buffer;
    [blob, at] = readStr(answer, at);
    [comment, at] = readStr(answer, at);
    assert.ok(blob.equals(k.publicKey));
    assert.equal(comment.toString(), k.comment);
  }
  assert.equal(at, answer.length);

  const data = Buffer.from("session id and userauth request");
  const formats = names.map((n, i) => {
    const resp = ring.handle(signRequest(keys[i]!, data, SignFlags.RSA_SHA2_256));
    assert.equal(resp[0], AgentMessage.SIGN_RESPONSE, n);
    return verifySsh(p(n), data, readStr(resp, 1)[0]);
  });
  assert.deepEqual(formats, ["ssh-ed25519", "rsa-sha2-256", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-256", "ecdsa-sha2-nistp384"]);
  const rsa = keys[1]!;
  assert.equal(verifySsh(p("rsa"), data, readStr(ring.handle(signRequest(rsa, data, SignFlags.RSA_SHA2_512)), 1)[0]), "rsa-sha2-512");
  assert.equal(verifySsh(p("rsa"), data, readStr(ring.handle(signRequest(rsa, data, 0)), 1)[0]), "ssh-rsa");
});

test("keyring answers FAILURE to unknown keys, other requests and malformed ones", () => {
  const [key] = loadPrivateKeyFile(p("ed25519"));
  const [other] = loadPrivateKeyFile(p("rsa"));
  const ring = new Keyring([key!]);
  const fail = Buffer.from([AgentMessage.FAILURE]);
  assert.deepEqual(ring.handle(signRequest(other!, Buffer.from("x"))), fail);
  for (const t of [17, 18, 19, 22, 23, 25, 27, 1, 99]) assert.deepEqual(ring.handle(Buffer.from([t, 0, 0, 0, 0])), fail, `type ${t}`);
  assert.deepEqual(ring.handle(Buffer.from([AgentMessage.SIGN_REQUEST, 0, 0, 1])), fail);
  assert.deepEqual(ring.handle(Buffer.alloc(0)), fail);
});

/** Writes `chunks` into a duplex, ends it, returns everything it reads. */
async function converse(d: ReturnType<typeof agentDuplex>, chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  d.on("data", (c: Buffer) => out.push(c));
  const ended = new Promise((r) => d.once("end", r));
  for (const c of chunks) d.write(c);
  d.end();
  await ended;
  return Buffer.concat(out);
}

test("agentDuplex: frames split byte by byte and batched are answered in order, after a half-close too", async () => {
  const ring = new Keyring(loadPrivateKeyFile(p("ed25519")));
  const list = frame(Buffer.from([AgentMessage.REQUEST_IDENTITIES]));
  const bogus = frame(Buffer.from([AgentMessage.EXTENSION, ...str("query")]));
  const bytes = Buffer.concat([list, bogus, list]);
  const expect = Buffer.concat([frame(ring.handle(Buffer.from([11]))), frame(Buffer.from([5])), frame(ring.handle(Buffer.from([11])))]);
  assert.deepEqual(await converse(agentDuplex(keyringHandler(ring)), [...bytes].map((b) => Buffer.from([b]))), expect);
  assert.deepEqual(await converse(agentDuplex(keyringHandler(ring)), [bytes]), expect);
  // A slow handler still answers in order.
  let n = 0;
  const slow = agentDuplex(async (req) => {
    await sleep(n++ === 0 ? 30 : 0);
    return req;
  });
  assert.deepEqual(await converse(slow, [Buffer.concat([frame(Buffer.from([1])), frame(Buffer.from([2]))])]), Buffer.concat([frame(Buffer.from([1])), frame(Buffer.from([2]))]));
});

test("agentDuplex: an oversized frame fails the connection", async () => {
  const d = agentDuplex(() => Buffer.from([5]));
  const err = new Promise<Error>((r) => d.once("error", r));
  d.write(u32(10 * 1024 * 1024));
  assert.match((await err).message, /exceeds/);
});

// ---------------------------------------------------------------------------
// Against OpenSSH's tools

/**
 * Runs an OpenSSH tool against the agent at `sock`, asynchronously: the agent
 * under test runs in this process, so a synchronous child would deadlock.
 * Rejects with the tool's stderr on a non-zero exit.
 */
function runTool(cmd: string, args: string[], sock: string, input?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: ["pipe", "pipe", "pipe"], timeout: 15_000 });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const stdout = Buffer.concat(out).toString("utf8");
      if (code === 0) resolve(stdout);
      else reject(new Error(`${cmd} ${args.join(" ")}: exit ${code ?? signal}: ${Buffer.concat(err).toString("utf8")}${stdout}`));
    });
    child.stdin.on("error", () => {});
    child.stdin.end(input ?? "");
  });
}

test("ssh-add -l/-L and ssh-keygen -Y sign work against serveAgent", { timeout: 60_000 }, async () => {
  const names = ["ed25519", "rsa", "ecdsa256"];
  const ring = new Keyring(names.flatMap((n) => loadPrivateKeyFile(p(n))));
  const sock = p("served.sock");
  const served = await serveAgent(sock, () => agentDuplex(keyringHandler(ring)));
  try {
    const listed = (await runTool("ssh-add", ["-l"], sock)).trim().split("\n");
    assert.deepEqual(
      listed.map((l) => l.split(" ").slice(1, 3).join(" ")),
      names.map((n) => `${execFileSync("ssh-keygen", ["-l", "-f", p(n)], { encoding: "utf8" }).split(" ")[1]} ${n}@test`),
    );
    assert.deepEqual(
      (await runTool("ssh-add", ["-L"], sock)).trim().split("\n"),
      names.map((n) => readFileSync(p(`${n}.pub`), "utf8").trim()),
    );
    // ssh-keygen signs through the agent when given only the public key.
    const data = Buffer.from("signed through the agent\n");
    writeFileSync(p("data"), data);
    for (const n of names) {
      rmSync(p("data.sig"), { force: true });
      await runTool("ssh-keygen", ["-Y", "sign", "-n", "file", "-f", p(`${n}.pub`), p("data")], sock);
      writeFileSync(p("allowed"), `me ${readFileSync(p(`${n}.pub`), "utf8")}`);
      const ok = await runTool("ssh-keygen", ["-Y", "verify", "-f", p("allowed"), "-I", "me", "-n", "file", "-s", p("data.sig")], sock, data);
      assert.match(ok, /Good "file" signature for me/, n);
    }
    // Adding and removing keys are refused.
    await assert.rejects(runTool("ssh-add", [p("ecdsa384")], sock), /agent refused|Could not add/);
    await assert.rejects(runTool("ssh-add", ["-D"], sock), /Failed to remove|agent refused/i);
  } finally {
    await served.close();
  }
  assert.equal(existsSync(sock), false, "close removes the socket");
});

test("connectReadOnlyAgent: lists and signs through a real ssh-agent, refuses changes", { timeout: 60_000 }, async () => {
  const upstream = p("upstream.sock");
  const agent: ChildProcess = spawn("ssh-agent", ["-D", "-a", upstream], { stdio: "ignore" });
  try {
    for (let i = 0; i < 100 && !existsSync(upstream); i++) await sleep(20);
    await runTool("ssh-add", ["-q", p("ed25519")], upstream);
    const sock = p("proxy.sock");
    // Each client gets its own upstream connection.
    const served = await serveAgent(sock, async () => {
      const c = await connectReadOnlyAgent(upstream);
      return agentDuplex(c.handler, c.close);
    });
    try {
      assert.match(await runTool("ssh-add", ["-l"], sock), / ed25519@test \(ED25519\)/);
      const data = Buffer.from("through the proxy");
      writeFileSync(p("data2"), data);
      await runTool("ssh-keygen", ["-Y", "sign", "-n", "file", "-f", p("ed25519.pub"), p("data2")], sock);
      assert.ok(existsSync(p("data2.sig")));
      await assert.rejects(runTool("ssh-add", [p("ecdsa256")], sock));
      await assert.rejects(runTool("ssh-add", ["-D"], sock));
      // The upstream agent still has exactly its one key.
      assert.equal((await runTool("ssh-add", ["-l"], upstream)).trim().split("\n").length, 1);
    } finally {
      await served.close();
    }
  } finally {
    agent.kill();
  }
});

test("connectReadOnlyAgent: a missing socket fails to connect", async () => {
  await assert.rejects(connectReadOnlyAgent(join(tmpdir(), `no-such-agent-${process.pid}.sock`)), /ENOENT/);
});
