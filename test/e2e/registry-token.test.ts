/**
 * `--registry-auth-tlscontext` end to end, on a private buildkitd (it must
 * talk plain http to a registry of this test's own): a fake registry answers
 * 401 with a Bearer challenge whose realm is an HTTPS token server with a CA
 * and a required client certificate the daemon does not have. With the flag,
 * tsfrontend is the token authority for that host: the daemon asks the
 * session for the token, tsfrontend fetches it over the given TLS (CA and
 * client key pair), and the daemon retries the registry with it. Without the
 * flag the daemon fetches the token itself and cannot (no client
 * certificate), so the registry never sees the token.
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { join } from "node:path";
import { image } from "../../src/llb/index.js";
import { requireEnv, runCli, tempDir } from "./lib/env.js";
import { startPrivateDaemon, type PrivateDaemon } from "./lib/private-daemon.js";
import { freePort, makeCerts, type Certs } from "./lib/tls.js";

let work: ReturnType<typeof tempDir>;
let certs: Certs;
let daemon: PrivateDaemon | undefined;
let tokenServer: https.Server;
let registry: http.Server;
let registryHost: string;
const tokenRequests: { method: string; clientCert: boolean; body: string }[] = [];
const registryAuth: string[] = [];
let def: Buffer;

before(async () => {
  requireEnv();
  work = tempDir("registry-token");
  certs = await makeCerts(join(work.dir, "pki"));
  tokenServer = https.createServer({ cert: readFileSync(certs.server.cert), key: readFileSync(certs.server.key), ca: readFileSync(certs.ca), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      tokenRequests.push({ method: req.method ?? "", clientCert: (req.socket as TLSSocket).authorized, body: Buffer.concat(chunks).toString("utf8") });
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ access_token: "token-from-tls-server", expires_in: 300 }));
    });
  });
  await new Promise<void>((r) => tokenServer.listen(0, "127.0.0.1", r));
  const realm = `https://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
  const port = await freePort();
  registryHost = `127.0.0.1:${port}`;
  registry = http.createServer((req, res) => {
    const auth = req.headers.authorization;
    if (auth) registryAuth.push(auth);
    if (auth === "Bearer token-from-tls-server") {
      res.statusCode = 404;
      res.setHeader("Content-Type", "application/json");
      res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
      return;
    }
    res.statusCode = 401;
    res.setHeader("WWW-Authenticate", `Bearer realm="${realm}",service="fake-registry",scope="repository:app:pull"`);
    res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
  });
  await new Promise<void>((r) => registry.listen(port, "127.0.0.1", r));
  daemon = await startPrivateDaemon({ httpRegistries: [registryHost] });
  def = Buffer.from((await image(`${registryHost}/app:1`).marshal({ platform: { os: "linux", architecture: "amd64" } })).toBytes());
  // Credentials for the fake registry, so the token is fetched with the OAuth POST; one config per test
  // (the daemon reuses a host's token fetcher for a later build with the same credentials).
  for (const [name, password] of [["docker", "tsf-pass"], ["docker-other", "other-pass"]] as const) {
    mkdirSync(join(work.dir, name));
    writeFileSync(join(work.dir, name, "config.json"), JSON.stringify({ auths: { [registryHost]: { auth: Buffer.from(`tsf-user:${password}`).toString("base64") } } }));
  }
});

after(async () => {
  await daemon?.stop();
  registry?.close();
  tokenServer?.close();
  work?.remove();
});

function build(extra: string[], config = "docker") {
  return runCli(["--addr", daemon!.address, "build", "--progress", "plain", ...extra], { input: def, env: { ...process.env, DOCKER_CONFIG: join(work.dir, config) } });
}

test("with --registry-auth-tlscontext tsfrontend fetches the token over the given TLS and the daemon uses it", async () => {
  tokenRequests.length = 0;
  registryAuth.length = 0;
  const r = await build(["--registry-auth-tlscontext", `host=${registryHost},ca=${certs.ca},cert=${certs.client.cert},key=${certs.client.key}`]);
  // The fake registry has no image: the build fails after authenticating.
  assert.equal(r.status, 1, r.stderr);
  assert.ok(registryAuth.includes("Bearer token-from-tls-server"), `registry saw: ${registryAuth.join(", ")}\n${r.stderr}`);
  assert.ok(tokenRequests.length >= 1, r.stderr);
  assert.equal(tokenRequests[0]!.method, "POST");
  assert.ok(tokenRequests[0]!.clientCert, "the client certificate was presented");
  const form = new URLSearchParams(tokenRequests[0]!.body);
  assert.equal(form.get("username"), "tsf-user");
  assert.equal(form.get("service"), "fake-registry");
  assert.match(r.stderr, /not found|manifest unknown/i);
});

test("without --registry-auth-tlscontext the daemon fetches the token itself, without the client certificate", async () => {
  tokenRequests.length = 0;
  registryAuth.length = 0;
  const r = await build([], "docker-other");
  assert.equal(r.status, 1, r.stderr);
  assert.ok(!registryAuth.includes("Bearer token-from-tls-server"), registryAuth.join("\n"));
  assert.equal(tokenRequests.length, 0, "no request got through the TLS handshake");
});
