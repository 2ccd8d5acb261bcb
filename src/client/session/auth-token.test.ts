import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createPublicKey, verify } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { moby } from "../../proto/index.js";
import { authService, type AuthTlsConfig } from "./auth.js";
import { GrpcCode, GrpcStatusError, type CallContext, type UnaryHandler } from "./service.js";

const Auth = moby.filesync.v1;
const HOST = "registry.test:5000";
let dir: string;
let server: https.Server;
let realm: string;
const seen: { method: string; url: string; body: string; auth?: string; clientCert: boolean }[] = [];
let cert: string;
let key: string;

/** A self-signed certificate for 127.0.0.1, used as the token server's and as the client's. */
function selfSigned(name: string): { cert: string; key: string } {
  const c = join(dir, `${name}.pem`);
  const k = join(dir, `${name}-key.pem`);
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", `/CN=${name}`, "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", k, "-out", c], { stdio: "ignore" });
  return { cert: c, key: k };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "tsf-auth-token-"));
  ({ cert, key } = selfSigned("token-server"));
  const client = selfSigned("client");
  writeFileSync(join(dir, "client-pair.json"), JSON.stringify(client));
  // The token server wants a client certificate signed by "client" (itself).
  server = https.createServer({ cert: readFileSync(cert), key: readFileSync(key), ca: readFileSync(client.cert), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: req.method ?? "", url: req.url ?? "", body, ...(req.headers.authorization ? { auth: req.headers.authorization } : {}), clientCert: (req.socket as import("node:tls").TLSSocket).authorized });
      res.setHeader("Content-Type", "application/json");
      if (req.method === "POST" && new URLSearchParams(body).get("username") === "old-registry") {
        res.statusCode = 404;
        res.end("{}");
        return;
      }
      if (req.method === "POST") res.end(JSON.stringify({ access_token: "oauth-token", expires_in: 300, issued_at: "2026-01-02T03:04:05Z" }));
      else res.end(JSON.stringify({ token: "get-token" }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  realm = `https://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
});

after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

function ctx(): CallContext {
  return { method: "/moby.filesync.v1.Auth/FetchToken", metadata: new Map(), signal: new AbortController().signal };
}

function tlsFor(over: Partial<AuthTlsConfig> = {}): Map<string, AuthTlsConfig> {
  const client = JSON.parse(readFileSync(join(dir, "client-pair.json"), "utf8")) as { cert: string; key: string };
  return new Map([[HOST, { rootCAs: [cert], keyPairs: [{ certificate: client.cert, key: client.key }], insecure: false, ...over }]]);
}

function handler(svc: ReturnType<typeof authService>, name: string): UnaryHandler {
  return (svc.methods[name] as { handler: UnaryHandler }).handler;
}

async function fetchToken(svc: ReturnType<typeof authService>, host = HOST) {
  const res = await handler(svc, "FetchToken")(Auth.FetchTokenRequest.encode({ ClientID: "buildkit-client", Host: host, Realm: realm, Service: "registry", Scopes: ["repository:app:pull", "repository:app:push"] }).finish(), ctx());
  const r = Auth.FetchTokenResponse.decode(res);
  return { token: r.Token, expiresIn: Number(r.ExpiresIn), issuedAt: Number(r.IssuedAt) };
}

test("FetchToken with credentials: the OAuth POST over the host's TLS context (CA and client key pair)", async () => {
  const svc = authService({ auths: { [HOST]: { username: "u", password: "p" } } }, { tlsConfigs: tlsFor() });
  seen.length = 0;
  assert.deepEqual(await fetchToken(svc), { token: "oauth-token", expiresIn: 300, issuedAt: Date.parse("2026-01-02T03:04:05Z") / 1000 });
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.method, "POST");
  assert.ok(seen[0]!.clientCert, "the client certificate was presented");
  assert.deepEqual(Object.fromEntries(new URLSearchParams(seen[0]!.body)), { scope: "repository:app:pull repository:app:push", service: "registry", client_id: "buildkit-client", grant_type: "password", username: "u", password: "p" });
});

test("FetchToken falls back to GET with basic auth on 404; anonymous is a GET without it", async () => {
  let svc = authService({ auths: { [HOST]: { username: "old-registry", password: "p" } } }, { tlsConfigs: tlsFor() });
  seen.length = 0;
  assert.equal((await fetchToken(svc)).token, "get-token");
  assert.deepEqual(seen.map((s) => s.method), ["POST", "GET"]);
  assert.equal(seen[1]!.url, "/token?scope=repository%3Aapp%3Apull&scope=repository%3Aapp%3Apush&service=registry");
  assert.equal(seen[1]!.auth, `Basic ${Buffer.from("old-registry:p").toString("base64")}`);
  svc = authService({}, { tlsConfigs: tlsFor() });
  seen.length = 0;
  assert.deepEqual(await fetchToken(svc), { token: "get-token", expiresIn: 60, issuedAt: 0 });
  assert.equal(seen[0]!.auth, undefined);
});

test("without the CA the token server is not trusted; insecure=true skips verification", async () => {
  let svc = authService({}, { tlsConfigs: tlsFor({ rootCAs: [] }) });
  await assert.rejects(fetchToken(svc), (e: unknown) => e instanceof GrpcStatusError && /failed to fetch anonymous token: .*self.signed/i.test(e.message));
  svc = authService({}, { tlsConfigs: tlsFor({ rootCAs: [], insecure: true }) });
  assert.equal((await fetchToken(svc)).token, "get-token");
  svc = authService({}, { tlsConfigs: tlsFor({ keyPairs: [] }) });
  await assert.rejects(fetchToken(svc), GrpcStatusError, "no client certificate: the server refuses");
});

test("token authority: a public key per host, and payloads signed with it (nacl sign.Sign form); other hosts stay UNIMPLEMENTED", async () => {
  const svc = authService({ auths: { [HOST]: { username: "u", password: "p" } } }, { tlsConfigs: tlsFor() });
  const salt = Buffer.from("salt");
  const pub = Auth.GetTokenAuthorityResponse.decode(await handler(svc, "GetTokenAuthority")(Auth.GetTokenAuthorityRequest.encode({ Host: HOST, Salt: salt }).finish(), ctx())).PublicKey;
  assert.equal(pub.length, 32);
  const payload = Buffer.from("challenge");
  const signed = Buffer.from(Auth.VerifyTokenAuthorityResponse.decode(await handler(svc, "VerifyTokenAuthority")(Auth.VerifyTokenAuthorityRequest.encode({ Host: HOST, Payload: payload, Salt: salt }).finish(), ctx())).Signed);
  assert.deepEqual(signed.subarray(64), payload);
  const publicKey = createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), pub]), format: "der", type: "spki" });
  assert.ok(verify(null, payload, publicKey, signed.subarray(0, 64)));
  for (const name of ["GetTokenAuthority", "VerifyTokenAuthority", "FetchToken"]) {
    await assert.rejects(handler(svc, name)(Auth.GetTokenAuthorityRequest.encode({ Host: "other.test" }).finish(), ctx()), (e: unknown) => e instanceof GrpcStatusError && e.code === GrpcCode.UNIMPLEMENTED);
  }
});
