import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspectImage, MediaType } from "./image-inspect.js";
import { isLoopbackHost, parseRegistryRef, RegistryRepository, parseWwwAuthenticate, registryEndpoint, registryErrorMessage, registrySource } from "./registry.js";
import { sha256Digest } from "../llb/digest.js";

test("parseWwwAuthenticate: Bearer with quoted parameters, several challenges, escapes, bare tokens", () => {
  assert.deepEqual(parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"'), [
    { scheme: "bearer", params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/alpine:pull" } },
  ]);
  assert.deepEqual(parseWwwAuthenticate('Basic realm="tsfrontend-registry"'), [{ scheme: "basic", params: { realm: "tsfrontend-registry" } }]);
  assert.deepEqual(parseWwwAuthenticate('Basic realm="a, b", Bearer realm="https://x/t", scope="repository:a:pull,push", error=insufficient_scope'), [
    { scheme: "basic", params: { realm: "a, b" } },
    { scheme: "bearer", params: { realm: "https://x/t", scope: "repository:a:pull,push", error: "insufficient_scope" } },
  ]);
  assert.deepEqual(parseWwwAuthenticate('Bearer Realm = "q\\"x"'), [{ scheme: "bearer", params: { realm: 'q"x' } }]);
  assert.deepEqual(parseWwwAuthenticate(""), []);
});

test("loopback hosts use plain http, others https unless plainHttp; docker.io is registry-1.docker.io", () => {
  for (const h of ["localhost", "localhost:5000", "127.0.0.1", "127.0.0.1:36271", "127.1.2.3:80", "[::1]:5000", "::1"]) assert.ok(isLoopbackHost(h), h);
  for (const h of ["example.com", "10.0.0.1:5000", "[fe80::1]:5000", "localhost.example.com"]) assert.ok(!isLoopbackHost(h), h);
  assert.equal(registryEndpoint("docker.io"), "https://registry-1.docker.io");
  assert.equal(registryEndpoint("127.0.0.1:5000"), "http://127.0.0.1:5000");
  assert.equal(registryEndpoint("reg.example:5000"), "https://reg.example:5000");
  assert.equal(registryEndpoint("reg.example:5000", true), "http://reg.example:5000");
});

test("references are normalised as docker does", () => {
  assert.equal(parseRegistryRef("busybox").toString(), "docker.io/library/busybox:latest");
  assert.equal(parseRegistryRef("docker://127.0.0.1:5000/a/b").toString(), "127.0.0.1:5000/a/b:latest");
  const d = "sha256:" + "a".repeat(64);
  assert.equal(parseRegistryRef(`localhost:5000/x@${d}`).digest, d);
  assert.throws(() => parseRegistryRef("Foo/Bar"), /must be lowercase/);
});

test("registry error bodies become one line", () => {
  assert.equal(registryErrorMessage('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]}'), "manifest unknown (MANIFEST_UNKNOWN)");
  assert.equal(registryErrorMessage("<html>\n  oops\n</html>"), "<html> oops </html>");
});

/** A registry on 127.0.0.1 with Bearer token auth (user `u`, password `p`) serving one index, one manifest and one config. */
async function fakeRegistry(opts: { tamper?: boolean; wrongHeaderDigest?: boolean } = {}) {
  const config = Buffer.from(JSON.stringify({ architecture: "arm64", os: "linux", created: "2026-01-01T00:00:00Z", config: { User: "1" }, history: [{ created_by: "x" }] }));
  const layer = { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: "sha256:" + "b".repeat(64), size: 1234 };
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256Digest(config), size: config.length }, layers: [layer] }));
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ mediaType: MediaType.ociManifest, digest: sha256Digest(manifest), size: manifest.length, platform: { os: "linux", architecture: "arm64" } }] }),
  );
  const requests: string[] = [];
  let base = "";
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url!, base);
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname === "/token") {
      if (req.headers.authorization !== `Basic ${Buffer.from("u:p").toString("base64")}`) {
        res.writeHead(401, { "Content-Type": "application/json" }).end('{"errors":[{"code":"UNAUTHORIZED","message":"bad user or password"}]}');
        return;
      }
      assert.equal(url.searchParams.get("scope"), "repository:team/app:pull");
      assert.equal(url.searchParams.get("service"), "fake");
      res.writeHead(200, { "Content-Type": "application/json" }).end('{"token":"T0K"}');
      return;
    }
    if (req.headers.authorization !== "Bearer T0K") {
      res
        .writeHead(401, { "WWW-Authenticate": `Bearer realm="${base}/token",service="fake",scope="repository:team/app:pull"`, "Content-Type": "application/json" })
        .end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    assert.match(String(req.headers.accept ?? "") + url.pathname, /blobs|application\/vnd\.oci\.image\.index\.v1\+json/);
    const send = (b: Buffer, type: string, digest = sha256Digest(b)) => res.writeHead(200, { "Content-Type": type, "Docker-Content-Digest": digest }).end(b);
    if (url.pathname === "/v2/team/app/manifests/v1") return send(index, MediaType.ociIndex, opts.wrongHeaderDigest ? "sha256:" + "0".repeat(64) : undefined);
    if (url.pathname === `/v2/team/app/manifests/${sha256Digest(manifest)}`) return send(opts.tamper ? Buffer.concat([manifest, Buffer.from(" ")]) : manifest, MediaType.ociManifest);
    if (url.pathname === `/v2/team/app/blobs/${sha256Digest(config)}`) return send(config, "application/octet-stream");
    res.writeHead(404, { "Content-Type": "application/json" }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `http://${host}`;
  return { host, requests, index, manifest, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const creds = (host: string, user = "u", pass = "p") => ({ auths: { [host]: { auth: Buffer.from(`${user}:${pass}`).toString("base64") } } });

test("a registry with Bearer tokens: one token request, digests verified, the image read", async () => {
  const reg = await fakeRegistry();
  try {
    const ins = await inspectImage(registrySource(`${reg.host}/team/app:v1`, { dockerConfig: creds(reg.host) }));
    assert.equal(ins.digest, sha256Digest(reg.index));
    assert.equal(ins.size, reg.index.length);
    assert.deepEqual(
      ins.images.map((i) => [i.platform, i.user, i.layers.length, i.layersSize, i.history[0]!.createdBy]),
      [["linux/arm64", "1", 1, 1234, "x"]],
    );
    assert.equal(reg.requests.filter((r) => r.startsWith("GET /token")).length, 1, reg.requests.join("\n"));
  } finally {
    await reg.close();
  }
});

test("a registry's answers are checked: wrong content for a digest, a wrong Docker-Content-Digest, 401 and 404 messages", async () => {
  const tampered = await fakeRegistry({ tamper: true });
  try {
    await assert.rejects(inspectImage(registrySource(`${tampered.host}/team/app:v1`, { dockerConfig: creds(tampered.host) })), /content has digest sha256:[0-9a-f]{64}, expected sha256:/);
    await assert.rejects(inspectImage(registrySource(`${tampered.host}/team/app:v1`, { dockerConfig: creds(tampered.host, "u", "nope") })), {
      message: `${tampered.host}: token request to ${tampered.host} failed: 401 Unauthorized: bad user or password (UNAUTHORIZED)`,
    });
    await assert.rejects(inspectImage(registrySource(`${tampered.host}/team/app:v2`, { dockerConfig: creds(tampered.host) })), {
      message: `unknown image ${tampered.host}/team/app:v2: manifest unknown (MANIFEST_UNKNOWN)`,
    });
  } finally {
    await tampered.close();
  }
  const lying = await fakeRegistry({ wrongHeaderDigest: true });
  try {
    await assert.rejects(inspectImage(registrySource(`${lying.host}/team/app:v1`, { dockerConfig: creds(lying.host) })), /the registry says the digest is sha256:0{64}, the content has sha256:/);
  } finally {
    await lying.close();
  }
});

/** A registry taking manifest PUTs, with Basic auth or Bearer tokens (its /v2/ challenge names no scope, as registries' do). */
async function pushRegistry(scheme: "basic" | "bearer") {
  const requests: string[] = [];
  let base = "";
  const basic = `Basic ${Buffer.from("u:p").toString("base64")}`;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url!, base);
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname === "/token") {
      assert.equal(req.headers.authorization, basic);
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ token: `T:${url.searchParams.get("scope")}` }));
      return;
    }
    const ok = scheme === "basic" ? req.headers.authorization === basic : req.headers.authorization === "Bearer T:repository:team/app:pull,push";
    if (!ok) {
      const challenge = scheme === "basic" ? 'Basic realm="fake"' : `Bearer realm="${base}/token"${url.pathname === "/v2/" ? "" : ',scope="repository:team/app:pull,push"'}`;
      res.writeHead(401, { "WWW-Authenticate": challenge, "Content-Type": "application/json" }).end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    if (req.method === "PUT") req.resume().on("end", () => res.writeHead(201).end());
    else res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `http://${host}`;
  return { host, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test("prepareAuth answers the challenge ahead: the push that follows is one authorized request (Basic, and Bearer with push scope)", async () => {
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] }));
  for (const scheme of ["basic", "bearer"] as const) {
    const reg = await pushRegistry(scheme);
    try {
      const repo = new RegistryRepository(parseRegistryRef(`${reg.host}/team/app:v1`), { dockerConfig: creds(reg.host) });
      await repo.prepareAuth({ push: true });
      const before = reg.requests.length;
      assert.equal(await repo.putManifest("v1", index, MediaType.ociIndex), sha256Digest(index));
      assert.deepEqual(reg.requests.slice(before), ["PUT /v2/team/app/manifests/v1"], `${scheme}: ${reg.requests.join(", ")}`);
      assert.deepEqual(
        reg.requests.slice(0, before),
        scheme === "basic" ? ["GET /v2/"] : ["GET /v2/", "GET /token?scope=repository%3Ateam%2Fapp%3Apull%2Cpush"],
      );
    } finally {
      await reg.close();
    }
  }
});

test("prepareAuth never fails: an unreachable registry is reported by the request that needs it", async () => {
  const reg = await pushRegistry("basic");
  await reg.close();
  const repo = new RegistryRepository(parseRegistryRef(`${reg.host}/team/app:v1`), { dockerConfig: creds(reg.host), timeoutMs: 2000 });
  await repo.prepareAuth({ push: true });
  await assert.rejects(repo.putManifest("v1", new Uint8Array([123, 125]), MediaType.ociIndex), /cannot reach registry 127\.0\.0\.1:\d+: ECONNREFUSED/);
});
