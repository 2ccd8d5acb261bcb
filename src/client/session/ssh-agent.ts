/**
 * An ssh-agent (draft-miller-ssh-agent) in process: keys parsed from private
 * key files, answering REQUEST_IDENTITIES and SIGN_REQUEST (ed25519, RSA with
 * rsa-sha2-256/512, ECDSA P-256/384/521) and FAILURE to everything else, as
 * buildctl's in-memory keyring does for `--ssh id=KEYFILE`. Also a read-only
 * proxy to another agent's socket (buildkit's `readOnlyAgent`) and
 * `serveAgent` to expose either on a unix socket.
 *
 * @example
 * const keyring = new Keyring([loadPrivateKeyFile("id_ed25519")]);
 * const served = await serveAgent("/tmp/agent.sock", () => keyringHandler(keyring));
 * // SSH_AUTH_SOCK=/tmp/agent.sock ssh-add -l
 */

import { createHash, createPrivateKey, sign, type JsonWebKey, type KeyObject } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import * as net from "node:net";
import { Duplex } from "node:stream";
import { InvalidArgumentError } from "../../errors.js";

/** Message numbers of the agent protocol used here. */
export const AgentMessage = {
  FAILURE: 5,
  SUCCESS: 6,
  REQUEST_IDENTITIES: 11,
  IDENTITIES_ANSWER: 12,
  SIGN_REQUEST: 13,
  SIGN_RESPONSE: 14,
  EXTENSION: 27,
} as const;

/** SIGN_REQUEST flags selecting the RSA signature hash. */
export const SignFlags = { RSA_SHA2_256: 2, RSA_SHA2_512: 4 } as const;

// OpenSSH's AGENT_MAX_LEN: a longer frame ends the connection.
const MAX_MESSAGE = 256 * 1024;

/** A private key the agent can list and sign with. */
export interface AgentKey {
  /** SSH key type, e.g. `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`. */
  readonly type: string;
  /** The SSH public key blob (what `ssh-add -L` prints in base64). */
  readonly publicKey: Buffer;
  readonly comment: string;
  /** An SSH signature blob (`string format, string signature`) over `data`. */
  sign(data: Buffer, flags: number): Buffer;
}

// ---------------------------------------------------------------------------
// SSH wire encoding (RFC 4251 §5)

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function sshString(data: Buffer | string): Buffer {
  const b = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  return Buffer.concat([u32(b.length), b]);
}

/** An mpint from unsigned big-endian bytes: leading zeros dropped, a 0 byte added when the top bit is set. */
function mpint(unsigned: Buffer): Buffer {
  let i = 0;
  while (i < unsigned.length && unsigned[i] === 0) i++;
  let b = unsigned.subarray(i);
  if (b.length > 0 && b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return sshString(b);
}

class WireReader {
  private pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error(`${this.what}: truncated`);
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  string(): Buffer {
    return this.bytes(this.uint32());
  }

  text(): string {
    return this.string().toString("utf8");
  }

  /** An mpint as unsigned big-endian bytes (no sign byte). */
  mpint(): Buffer {
    const b = this.string();
    if (b.length > 0 && b[0]! & 0x80) throw new Error(`${this.what}: negative mpint`);
    let i = 0;
    while (i < b.length && b[i] === 0) i++;
    return b.subarray(i);
  }
}

const b64u = (b: Buffer): string => b.toString("base64url");
const fromB64u = (s: string | undefined): Buffer => Buffer.from(s ?? "", "base64url");

function bigOf(b: Buffer): bigint {
  return b.length === 0 ? 0n : BigInt("0x" + b.toString("hex"));
}

function bytesOf(n: bigint, length?: number): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  const b = Buffer.from(hex, "hex");
  if (length === undefined || b.length >= length) return b;
  return Buffer.concat([Buffer.alloc(length - b.length), b]);
}

/** `SHA256:…` as `ssh-keygen -l` and `ssh-add -l` print it. */
export function fingerprint(publicKey: Buffer): string {
  return "SHA256:" + createHash("sha256").update(publicKey).digest("base64").replace(/=+$/, "");
}

/** The `authorized_keys` line of a key: `type base64 comment`. */
export function authorizedKey(key: Pick<AgentKey, "publicKey" | "comment">): string {
  const type = new WireReader(key.publicKey, "public key").text();
  return `${type} ${key.publicKey.toString("base64")}${key.comment ? " " + key.comment : ""}`;
}

// ---------------------------------------------------------------------------
// Keys

const curves = {
  "P-256": { ssh: "nistp256", hash: "sha256", size: 32 },
  "P-384": { ssh: "nistp384", hash: "sha384", size: 48 },
  "P-521": { ssh: "nistp521", hash: "sha512", size: 66 },
} as const;
type Curve = keyof typeof curves;
const curveOfSsh = (name: string): Curve | undefined => (Object.keys(curves) as Curve[]).find((c) => curves[c].ssh === name);

/** An agent key from a node:crypto private key (ed25519, RSA or ECDSA P-256/384/521). */
export function agentKeyFromKeyObject(key: KeyObject, comment = ""): AgentKey {
  const jwk = key.export({ format: "jwk" }) as JsonWebKey;
  if (key.asymmetricKeyType === "ed25519") {
    const type = "ssh-ed25519";
    return {
      type,
      publicKey: Buffer.concat([sshString(type), sshString(fromB64u(jwk.x))]),
      comment,
      sign: (data) => Buffer.concat([sshString(type), sshString(sign(null, data, key))]),
    };
  }
  if (key.asymmetricKeyType === "rsa") {
    return {
      type: "ssh-rsa",
      publicKey: Buffer.concat([sshString("ssh-rsa"), mpint(fromB64u(jwk.e)), mpint(fromB64u(jwk.n))]),
      comment,
      sign: (data, flags) => {
        // The flags pick the algorithm; plain ssh-rsa (SHA-1) only when neither is asked for.
        const [format, hash] =
          flags & SignFlags.RSA_SHA2_512 ? ["rsa-sha2-512", "sha512"] : flags & SignFlags.RSA_SHA2_256 ? ["rsa-sha2-256", "sha256"] : ["ssh-rsa", "sha1"];
        return Buffer.concat([sshString(format), sshString(sign(hash, data, key))]);
      },
    };
  }
  if (key.asymmetricKeyType === "ec" && jwk.crv && jwk.crv in curves) {
    const c = curves[jwk.crv as Curve];
    const type = `ecdsa-sha2-${c.ssh}`;
    const point = Buffer.concat([Buffer.from([4]), fromB64u(jwk.x), fromB64u(jwk.y)]);
    return {
      type,
      publicKey: Buffer.concat([sshString(type), sshString(c.ssh), sshString(point)]),
      comment,
      sign: (data) => {
        const rs = sign(c.hash, data, { key, dsaEncoding: "ieee-p1363" });
        const half = rs.length / 2;
        const inner = Buffer.concat([mpint(rs.subarray(0, half)), mpint(rs.subarray(half))]);
        return Buffer.concat([sshString(type), sshString(inner)]);
      },
    };
  }
  throw new Error(`unsupported key type ${key.asymmetricKeyType}${jwk.crv ? " " + jwk.crv : ""} (supported: ed25519, rsa, ecdsa P-256/P-384/P-521)`);
}

const OPENSSH_MAGIC = Buffer.from("openssh-key-v1\0", "latin1");

/** Keys of an `-----BEGIN OPENSSH PRIVATE KEY-----` body (openssh-key-v1, unencrypted). */
function parseOpenSSH(body: Buffer): AgentKey[] {
  if (!body.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC)) throw new Error("not an openssh-key-v1 key");
  const r = new WireReader(body.subarray(OPENSSH_MAGIC.length), "openssh private key");
  const cipher = r.text();
  const kdf = r.text();
  r.string(); // kdf options
  if (cipher !== "none" || kdf !== "none") throw new EncryptedKeyError(`encrypted with ${cipher}/${kdf}`);
  const n = r.uint32();
  for (let i = 0; i < n; i++) r.string(); // public keys, repeated in the private section
  const p = new WireReader(r.string(), "openssh private section");
  if (p.uint32() !== p.uint32()) throw new Error("corrupt private section (check bytes differ)");
  const keys: AgentKey[] = [];
  for (let i = 0; i < n; i++) {
    const type = p.text();
    let key: KeyObject;
    if (type === "ssh-ed25519") {
      const pub = p.string();
      const priv = p.string();
      if (pub.length !== 32 || priv.length !== 64) throw new Error("bad ed25519 key lengths");
      key = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", x: b64u(pub), d: b64u(priv.subarray(0, 32)) }, format: "jwk" });
    } else if (type === "ssh-rsa") {
      const [nn, e, d, iqmp, pp, q] = [p.mpint(), p.mpint(), p.mpint(), p.mpint(), p.mpint(), p.mpint()];
      const dB = bigOf(d);
      const jwk: JsonWebKey = {
        kty: "RSA",
        n: b64u(nn),
        e: b64u(e),
        d: b64u(d),
        p: b64u(pp),
        q: b64u(q),
        dp: b64u(bytesOf(dB % (bigOf(pp) - 1n))),
        dq: b64u(bytesOf(dB % (bigOf(q) - 1n))),
        qi: b64u(iqmp),
      };
      key = createPrivateKey({ key: jwk, format: "jwk" });
    } else if (type.startsWith("ecdsa-sha2-")) {
      const curve = curveOfSsh(p.text());
      if (!curve || `ecdsa-sha2-${curves[curve].ssh}` !== type) throw new Error(`unsupported key type ${type}`);
      const size = curves[curve].size;
      const point = p.string();
      if (point.length !== 1 + 2 * size || point[0] !== 4) throw new Error(`bad ${type} public point`);
      const d = bytesOf(bigOf(p.mpint()), size);
      const jwk: JsonWebKey = { kty: "EC", crv: curve, x: b64u(point.subarray(1, 1 + size)), y: b64u(point.subarray(1 + size)), d: b64u(d) };
      key = createPrivateKey({ key: jwk, format: "jwk" });
    } else {
      throw new Error(`unsupported key type ${type} (supported: ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521)`);
    }
    keys.push(agentKeyFromKeyObject(key, p.text()));
  }
  return keys;
}

/** A private key file is passphrase-protected. */
export class EncryptedKeyError extends Error {
  override readonly name = "EncryptedKeyError";
}

/**
 * Parses a private key file: OpenSSH (`BEGIN OPENSSH PRIVATE KEY`) or PEM
 * (PKCS#1 `BEGIN RSA PRIVATE KEY`, SEC1 `BEGIN EC PRIVATE KEY`, PKCS#8
 * `BEGIN PRIVATE KEY`). Encrypted keys are refused: there is no one to ask
 * for the passphrase. Throws InvalidArgumentError naming `file`.
 */
export function parsePrivateKey(data: Buffer | string, file = "<key>"): AgentKey[] {
  const text = typeof data === "string" ? data : data.toString("utf8");
  try {
    const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
    if (!m) throw new Error("no PEM block (expected -----BEGIN OPENSSH PRIVATE KEY----- or a PEM private key)");
    const label = m[1]!;
    if (label === "OPENSSH PRIVATE KEY") return parseOpenSSH(Buffer.from(m[2]!.replace(/\s+/g, ""), "base64"));
    if (label === "ENCRYPTED PRIVATE KEY" || /^Proc-Type:\s*4,ENCRYPTED/m.test(m[2]!)) throw new EncryptedKeyError("encrypted PEM");
    if (!["RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY"].includes(label)) throw new Error(`unsupported PEM block ${label}`);
    return [agentKeyFromKeyObject(createPrivateKey({ key: m[0], format: "pem" }))];
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (err instanceof EncryptedKeyError) {
      throw new InvalidArgumentError(`${file}: the private key is passphrase-protected (${why}); --ssh needs an unencrypted key file, or load the key into ssh-agent (ssh-add) and use --ssh default`, {
        location: { file },
        cause: err,
      });
    }
    throw new InvalidArgumentError(`${file}: cannot parse the private key: ${why}`, { location: { file }, cause: err });
  }
}

/** Reads and parses a private key file (100 KiB at most, as buildkit reads). */
export function loadPrivateKeyFile(file: string): AgentKey[] {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    throw new InvalidArgumentError(`${file}: ${(err as Error).message}`, { location: { file }, cause: err });
  }
  return parsePrivateKey(data.subarray(0, 100 * 1024), file);
}

// ---------------------------------------------------------------------------
// The agent

/** Answers one request (message type + contents, no length prefix) with one response. */
export type AgentHandler = (request: Buffer) => Buffer | Promise<Buffer>;

const failure = (): Buffer => Buffer.from([AgentMessage.FAILURE]);

/** A fixed set of keys: lists them and signs with them; everything else is FAILURE. */
export class Keyring {
  readonly keys: readonly AgentKey[];

  constructor(keys: readonly AgentKey[]) {
    // Like an agent's keyring, the same public key is listed once.
    const seen = new Set<string>();
    this.keys = keys.filter((k) => {
      const id = k.publicKey.toString("base64");
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
  }

  handle(request: Buffer): Buffer {
    try {
      const r = new WireReader(request, "agent request");
      const type = r.byte();
      if (type === AgentMessage.REQUEST_IDENTITIES) {
        return Buffer.concat([Buffer.from([AgentMessage.IDENTITIES_ANSWER]), u32(this.keys.length), ...this.keys.flatMap((k) => [sshString(k.publicKey), sshString(k.comment)])]);
      }
      if (type === AgentMessage.SIGN_REQUEST) {
        const blob = r.string();
        const data = r.string();
        const flags = r.remaining >= 4 ? r.uint32() : 0;
        const key = this.keys.find((k) => k.publicKey.equals(blob));
        if (!key) return failure();
        return Buffer.concat([Buffer.from([AgentMessage.SIGN_RESPONSE]), sshString(key.sign(data, flags))]);
      }
    } catch {
      // A malformed request is answered like an unsupported one.
    }
    return failure();
  }
}

export function keyringHandler(keyring: Keyring): AgentHandler {
  return (request) => keyring.handle(request);
}

/** Collects length-prefixed frames from a byte stream. */
class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  /** Adds bytes; returns the frames now complete. Throws on an oversized frame. */
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (len > MAX_MESSAGE) throw new Error(`agent message of ${len} bytes exceeds ${MAX_MESSAGE}`);
      if (this.buf.length < 4 + len) break;
      out.push(this.buf.subarray(4, 4 + len));
      this.buf = this.buf.subarray(4 + len);
    }
    return out;
  }

  get pending(): number {
    return this.buf.length;
  }
}

const frame = (payload: Buffer): Buffer => Buffer.concat([u32(payload.length), payload]);

/**
 * One agent connection as a Duplex: write the client's bytes, read the
 * agent's answers. Requests are answered one at a time, in order; after the
 * writable side ends, the readable side ends once the last answer is out.
 */
export function agentDuplex(handler: AgentHandler, onClose?: () => void): Duplex {
  const frames = new FrameReader();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    onClose?.();
  };
  let chain: Promise<void> = Promise.resolve();
  const duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      let requests: Buffer[];
      try {
        requests = frames.push(chunk);
      } catch (err) {
        cb(err as Error);
        return;
      }
      for (const req of requests) {
        chain = chain.then(async () => {
          if (duplex.destroyed) return;
          duplex.push(frame(await handler(req)));
        });
      }
      chain = chain.catch((err: unknown) => {
        duplex.destroy(err as Error);
      });
      cb();
    },
    final(cb) {
      void chain.then(() => {
        duplex.push(null);
        cb();
      });
    },
    destroy(err, cb) {
      close();
      cb(err);
    },
  });
  duplex.once("end", close);
  return duplex;
}

/** The message types a read-only view of another agent passes on; everything else is refused. */
const READ_ONLY_ALLOWED = new Set<number>([AgentMessage.REQUEST_IDENTITIES, AgentMessage.SIGN_REQUEST]);

/**
 * Connects to the agent at `socketPath` and returns a handler that forwards
 * listing and signing to it and refuses adding, removing, locking and
 * extensions (buildkit's `readOnlyAgent` over `$SSH_AUTH_SOCK`). One
 * upstream connection; `close` ends it.
 */
export async function connectReadOnlyAgent(socketPath: string): Promise<{ handler: AgentHandler; close: () => void }> {
  const frames = new FrameReader();
  const waiting: Array<{ resolve: (b: Buffer) => void; reject: (e: Error) => void }> = [];
  let broken: Error | undefined;
  const fail = (err: Error) => {
    broken ??= err;
    for (const w of waiting.splice(0)) w.reject(broken);
  };
  const s = await new Promise<net.Socket>((resolve, reject) => {
    const sock = net.connect(socketPath);
    sock.once("connect", () => {
      sock.off("error", reject);
      resolve(sock);
    });
    sock.once("error", reject);
  });
  s.on("error", (err) => fail(err));
  s.on("close", () => fail(new Error(`agent ${socketPath} closed the connection`)));
  s.on("data", (chunk: Buffer) => {
    let got: Buffer[];
    try {
      got = frames.push(chunk);
    } catch (err) {
      s.destroy(err as Error);
      return;
    }
    for (const f of got) waiting.shift()?.resolve(f);
  });
  const handler: AgentHandler = (request) => {
    if (request.length === 0 || !READ_ONLY_ALLOWED.has(request[0]!)) return failure();
    if (broken) return Promise.reject(broken);
    const answer = new Promise<Buffer>((resolve, reject) => waiting.push({ resolve, reject }));
    s.write(frame(request));
    return answer;
  };
  return { handler, close: () => s.destroy() };
}

/** A served agent socket; `close` stops listening and removes the socket file. */
export interface ServedAgent {
  readonly path: string;
  close(): Promise<void>;
}

/**
 * Serves an agent on a unix socket: `connection` makes (or opens) the agent for each
 * client (e.g. `() => agentDuplex(keyringHandler(k))`). For tests and for
 * debugging what `--ssh` forwards (`SSH_AUTH_SOCK=path ssh-add -l`).
 */
export async function serveAgent(socketPath: string, connection: () => Duplex | Promise<Duplex>): Promise<ServedAgent> {
  const sockets = new Set<net.Socket>();
  // Half-open: a client that half-closes still gets its pending answers.
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    Promise.resolve()
      .then(connection)
      .then(
        (agent) => {
          if (socket.destroyed) {
            agent.destroy();
            return;
          }
          socket.on("close", () => agent.destroy());
          agent.on("error", () => socket.destroy());
          socket.pipe(agent).pipe(socket);
        },
        () => socket.destroy(),
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    path: socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          rmSync(socketPath, { force: true });
          resolve();
        });
      }),
  };
}
