import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { moby } from "../../proto/index.js";
import { authService, configKey, convertToHostname, credentialsFor, loadDockerConfig, parseDockerAuthConfig, type DockerConfig } from "./auth.js";
import { GrpcCode, GrpcStatusError, type CallContext, type UnaryHandler } from "./service.js";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const anon = { username: "", secret: "" };

let work: string;
let bin: string;
let helperLog: string;
let env: NodeJS.ProcessEnv;

/**
 * A fake `docker-credential-<name>` on PATH: logs "name arg url" per call and
 * answers from FAKE_<NAME>_<url with non-alphanumerics as _> (a JSON body), or
 * "credentials not found in native keychain" with exit 1.
 */
function writeHelper(name: string, body?: string): void {
  const script =
    body ??
    `#!/bin/sh
url=$(cat)
printf '%s %s %s\\n' "${name}" "$1" "$url" >> "$HELPER_LOG"
var="FAKE_${name.toUpperCase()}_$(printf '%s' "$url" | tr -c 'A-Za-z0-9' '_')"
eval "answer=\\\${$var:-}"
if [ -z "$answer" ]; then echo "credentials not found in native keychain"; exit 1; fi
printf '%s' "$answer"
`;
  const file = join(bin, `docker-credential-${name}`);
  writeFileSync(file, script);
  chmodSync(file, 0o755);
}

function helperCalls(): string[] {
  return existsSync(helperLog) ? readFileSync(helperLog, "utf8").split("\n").filter(Boolean) : [];
}

before(() => {
  work = mkdtempSync(join(tmpdir(), "tsf-auth-test-"));
  bin = join(work, "bin");
  mkdirSync(bin);
  helperLog = join(work, "helper.log");
  env = { PATH: `${bin}:${process.env["PATH"] ?? "/usr/bin:/bin"}`, HELPER_LOG: helperLog };
  writeHelper("fake");
  writeHelper("store");
  writeHelper("broken", `#!/bin/sh\ncat >/dev/null\necho "keychain locked" >&2\necho "something went wrong"\nexit 3\n`);
  writeHelper("leaky", `#!/bin/sh\ncat >/dev/null\necho '{"Username":"u","Secret":"leaked-secret"}'\nexit 1\n`);
  writeHelper("garbage", `#!/bin/sh\ncat >/dev/null\necho 'not json'\n`);
  writeHelper("slow", `#!/bin/sh\nsleep 10\n`);
});

after(() => rmSync(work, { recursive: true, force: true }));

function configDir(name: string, json: unknown): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), typeof json === "string" ? json : JSON.stringify(json));
  return dir;
}

describe("keys and host names", () => {
  test("Docker Hub hosts map to docker's index key; others are used as they are", () => {
    assert.equal(configKey("registry-1.docker.io"), "https://index.docker.io/v1/");
    assert.equal(configKey("docker.io"), "https://index.docker.io/v1/");
    assert.equal(configKey("index.docker.io"), "https://index.docker.io/v1/");
    assert.equal(configKey("ghcr.io"), "ghcr.io");
    assert.equal(configKey("127.0.0.1:5000"), "127.0.0.1:5000");
  });

  test("convertToHostname strips scheme and path as docker/cli does", () => {
    assert.equal(convertToHostname("https://127.0.0.1:5000/v2/"), "127.0.0.1:5000");
    assert.equal(convertToHostname("http://reg.example"), "reg.example");
    assert.equal(convertToHostname("reg.example:443/some/path"), "reg.example:443");
    assert.equal(convertToHostname("https://[::1]:5000/"), "[::1]:5000");
    assert.equal(convertToHostname("https://index.docker.io/v1/"), "index.docker.io");
  });
});

describe("config file lookups", () => {
  const config: DockerConfig = {
    auths: {
      "127.0.0.1:5000": { auth: b64("alice:pw-5000") },
      "https://reg.example/v2/": { auth: b64("bob:pw:with:colons") },
      "tok.example": { identitytoken: "refresh-token" },
      "plain.example": { username: "carol", password: "pw-plain" },
      "https://index.docker.io/v1/": { auth: b64("hub:pw-hub") },
      "bad.example": { auth: "%%%not-base64%%%" },
    },
  };

  test("exact key: user and password from auth", async () => {
    assert.deepEqual(await credentialsFor(config, "127.0.0.1:5000"), { username: "alice", secret: "pw-5000" });
  });

  test("a key with scheme and path matches its host name only", async () => {
    assert.deepEqual(await credentialsFor(config, "reg.example"), { username: "bob", secret: "pw:with:colons" });
    assert.deepEqual(await credentialsFor(config, "reg.example:5000"), anon);
  });

  test("never another host's entry: other ports, hosts, prefixes and suffixes are anonymous", async () => {
    for (const host of ["127.0.0.1:5001", "127.0.0.1", "127.0.0.1:50000", "evil.example", "reg.example.evil.com", "sub.reg.example", ""]) {
      assert.deepEqual(await credentialsFor(config, host), anon, host);
    }
  });

  test("identity token: empty user name, token as the secret", async () => {
    assert.deepEqual(await credentialsFor(config, "tok.example"), { username: "", secret: "refresh-token" });
  });

  test("plain username/password fields", async () => {
    assert.deepEqual(await credentialsFor(config, "plain.example"), { username: "carol", secret: "pw-plain" });
  });

  test("Docker Hub: registry-1.docker.io uses the https://index.docker.io/v1/ entry", async () => {
    assert.deepEqual(await credentialsFor(config, "registry-1.docker.io"), { username: "hub", secret: "pw-hub" });
    assert.deepEqual(await credentialsFor(config, "index.docker.io"), { username: "hub", secret: "pw-hub" });
  });

  test("a malformed auth fails with a message naming the entry, not its value", async () => {
    await assert.rejects(credentialsFor(config, "bad.example"), (e: Error) => {
      assert.match(e.message, /bad\.example.*"auth" is not base64/);
      assert.ok(!e.message.includes("%%%not-base64%%%"));
      return true;
    });
  });
});

describe("loadDockerConfig", () => {
  test("reads $DOCKER_CONFIG/config.json with auths, credsStore and credHelpers", () => {
    const dir = configDir("load1", { auths: { "a.example": { auth: b64("u:p") } }, credsStore: "store", credHelpers: { "b.example": "fake" }, psFormat: "x" });
    const c = loadDockerConfig({ DOCKER_CONFIG: dir });
    assert.deepEqual(c.auths, { "a.example": { auth: b64("u:p") } });
    assert.equal(c.credsStore, "store");
    assert.deepEqual(c.credHelpers, { "b.example": "fake" });
    assert.equal(c.filename, join(dir, "config.json"));
    assert.deepEqual(c.warnings, []);
  });

  test("without DOCKER_CONFIG: ~/.docker/config.json", () => {
    const home = join(work, "home");
    configDir("home/.docker", { auths: { "h.example": { auth: b64("hu:hp") } } });
    const c = loadDockerConfig({ HOME: home });
    assert.equal(c.filename, join(home, ".docker", "config.json"));
    assert.ok(c.auths?.["h.example"]);
  });

  test("no file: anonymous, no warning", async () => {
    const c = loadDockerConfig({ DOCKER_CONFIG: join(work, "does-not-exist") });
    assert.deepEqual(c.warnings, []);
    assert.deepEqual(await credentialsFor(c, "a.example"), anon);
  });

  test("invalid JSON: a warning that does not quote the file", () => {
    const dir = configDir("badjson", `{"auths": {"a.example": {"auth": "${b64("u:very-secret")}"}`);
    const c = loadDockerConfig({ DOCKER_CONFIG: dir });
    assert.equal(c.warnings?.length, 1);
    assert.match(c.warnings![0]!, /config\.json is not valid JSON/);
    assert.ok(!c.warnings![0]!.includes(b64("u:very-secret")));
    assert.deepEqual(c.auths, {});
  });

  test("DOCKER_AUTH_CONFIG wins over the file and the helpers; other hosts still use them", async () => {
    const dir = configDir("envwins", { auths: { "a.example": { auth: b64("file:file-pw") }, "c.example": { auth: b64("cu:cp") } }, credHelpers: { "a.example": "fake" } });
    const c = loadDockerConfig({ DOCKER_CONFIG: dir, DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { "a.example": { auth: b64("env:env-pw") } } }) });
    const before = helperCalls().length;
    assert.deepEqual(await credentialsFor(c, "a.example", { env }), { username: "env", secret: "env-pw" });
    assert.equal(helperCalls().length, before, "the helper is not asked");
    assert.deepEqual(await credentialsFor(c, "c.example", { env }), { username: "cu", secret: "cp" });
  });

  test("a bad DOCKER_AUTH_CONFIG is ignored with a warning that never quotes it", () => {
    const secret = b64("u:env-secret");
    for (const bad of [`{"auths":{"a.example":{"auth":"${secret}"}}`, `{"auths":{"a.example":{"auth":"${secret}","password":"x"}}}`, `{"auths":{"a.example":{}}}`, `{"other":1}`]) {
      const c = loadDockerConfig({ DOCKER_CONFIG: join(work, "none"), DOCKER_AUTH_CONFIG: bad });
      assert.equal(c.envAuths, undefined, bad);
      assert.equal(c.warnings?.length, 1, bad);
      assert.match(c.warnings![0]!, /DOCKER_AUTH_CONFIG/);
      assert.ok(!c.warnings![0]!.includes(secret) && !c.warnings![0]!.includes("env-secret"), c.warnings![0]);
    }
    assert.throws(() => parseDockerAuthConfig(`{"auths":{"a":{"auth":"${b64("nocolon")}"}}}`), /not base64 of "user:password"/);
  });
});

describe("credential helpers", () => {
  test("credHelpers[host]: runs docker-credential-<name> get with the server URL on stdin; the file's entry is ignored", async () => {
    const c: DockerConfig = { auths: { "h.example:5000": { auth: b64("file:wrong") } }, credHelpers: { "h.example:5000": "fake" } };
    const e = { ...env, "FAKE_FAKE_h_example_5000": JSON.stringify({ ServerURL: "h.example:5000", Username: "helper-user", Secret: "helper-pw" }) };
    const n = helperCalls().length;
    assert.deepEqual(await credentialsFor(c, "h.example:5000", { env: e }), { username: "helper-user", secret: "helper-pw" });
    assert.deepEqual(helperCalls().slice(n), ["fake get h.example:5000"]);
  });

  test("a host without its own helper uses credsStore; credHelpers overrides it", async () => {
    const c: DockerConfig = { credsStore: "store", credHelpers: { "x.example": "fake" } };
    const e = {
      ...env,
      FAKE_STORE_y_example: JSON.stringify({ Username: "store-user", Secret: "store-pw" }),
      FAKE_FAKE_x_example: JSON.stringify({ Username: "fake-user", Secret: "fake-pw" }),
    };
    assert.deepEqual(await credentialsFor(c, "y.example", { env: e }), { username: "store-user", secret: "store-pw" });
    assert.deepEqual(await credentialsFor(c, "x.example", { env: e }), { username: "fake-user", secret: "fake-pw" });
  });

  test("Docker Hub asks the helper for https://index.docker.io/v1/", async () => {
    const c: DockerConfig = { credsStore: "store" };
    const e = { ...env, FAKE_STORE_https___index_docker_io_v1_: JSON.stringify({ Username: "hub", Secret: "hub-pw" }) };
    const n = helperCalls().length;
    assert.deepEqual(await credentialsFor(c, "registry-1.docker.io", { env: e }), { username: "hub", secret: "hub-pw" });
    assert.deepEqual(helperCalls().slice(n), ["store get https://index.docker.io/v1/"]);
  });

  test('"credentials not found in native keychain" is anonymous, not an error', async () => {
    assert.deepEqual(await credentialsFor({ credsStore: "store" }, "unknown.example", { env }), anon);
  });

  test("user <token> means the secret is an identity token", async () => {
    const e = { ...env, FAKE_STORE_t_example: JSON.stringify({ Username: "<token>", Secret: "id-token" }) };
    assert.deepEqual(await credentialsFor({ credsStore: "store" }, "t.example", { env: e }), { username: "", secret: "id-token" });
  });

  test("a failing helper rejects with its name and output; output that may hold a secret is withheld", async () => {
    await assert.rejects(credentialsFor({ credsStore: "broken" }, "a.example", { env }), /credential helper docker-credential-broken failed \(exit 3\): something went wrong/);
    await assert.rejects(credentialsFor({ credsStore: "leaky" }, "a.example", { env }), (e: Error) => {
      assert.match(e.message, /docker-credential-leaky failed \(exit 1\): \(output withheld\)/);
      assert.ok(!e.message.includes("leaked-secret"));
      return true;
    });
    await assert.rejects(credentialsFor({ credsStore: "garbage" }, "a.example", { env }), /docker-credential-garbage did not print a JSON object/);
    await assert.rejects(credentialsFor({ credsStore: "missing" }, "a.example", { env }), /credential helper docker-credential-missing not found in PATH/);
    await assert.rejects(credentialsFor({ credsStore: "slow" }, "a.example", { env, helperTimeoutMs: 200 }), /docker-credential-slow did not answer/);
  });
});

function ctx(): CallContext {
  return { method: "/moby.filesync.v1.Auth/Credentials", metadata: new Map(), signal: new AbortController().signal };
}

async function ask(handler: UnaryHandler, host: string) {
  const res = await handler(moby.filesync.v1.CredentialsRequest.encode({ Host: host }).finish(), ctx());
  const r = moby.filesync.v1.CredentialsResponse.decode(res);
  return { username: r.Username ?? "", secret: r.Secret ?? "" };
}

describe("authService", () => {
  test("Credentials answers per host and caches each host's lookup", async () => {
    const svc = authService({ credHelpers: { "c.example": "fake" }, auths: { "f.example": { auth: b64("fu:fp") } } }, { env: { ...env, FAKE_FAKE_c_example: JSON.stringify({ Username: "cu", Secret: "cp" }) } });
    assert.equal(svc.name, "moby.filesync.v1.Auth");
    const m = svc.methods["Credentials"]!;
    assert.equal(m.kind, "unary");
    const h = (m as { handler: UnaryHandler }).handler;
    const n = helperCalls().length;
    const [a, b] = await Promise.all([ask(h, "c.example"), ask(h, "c.example")]);
    assert.deepEqual(a, { username: "cu", secret: "cp" });
    assert.deepEqual(b, a);
    assert.deepEqual(await ask(h, "c.example"), a);
    assert.equal(helperCalls().length - n, 1, "one helper run for three requests");
    assert.deepEqual(await ask(h, "f.example"), { username: "fu", secret: "fp" });
    assert.deepEqual(await ask(h, "other.example"), anon);
  });

  test("the cache expires", async () => {
    const svc = authService({ credsStore: "fake" }, { env: { ...env, FAKE_FAKE_e_example: JSON.stringify({ Username: "eu", Secret: "ep" }) }, cacheTtlMs: 0 });
    const h = (svc.methods["Credentials"] as { handler: UnaryHandler }).handler;
    const n = helperCalls().length;
    await ask(h, "e.example");
    await new Promise((r) => setTimeout(r, 5));
    await ask(h, "e.example");
    assert.equal(helperCalls().length - n, 2);
  });

  test("a helper failure is an error status naming the host (and is not cached)", async () => {
    const svc = authService({ credsStore: "broken" }, { env });
    const h = (svc.methods["Credentials"] as { handler: UnaryHandler }).handler;
    for (let i = 0; i < 2; i++) {
      await assert.rejects(ask(h, "x.example"), (e: unknown) => {
        assert.ok(e instanceof GrpcStatusError);
        assert.equal(e.code, GrpcCode.UNKNOWN);
        assert.match(e.message, /^registry credentials for x\.example: credential helper docker-credential-broken failed/);
        return true;
      });
    }
  });

  test("token authority methods answer UNIMPLEMENTED, so the daemon fetches tokens itself", async () => {
    const svc = authService({});
    for (const name of ["GetTokenAuthority", "VerifyTokenAuthority", "FetchToken"]) {
      const m = svc.methods[name] as { kind: string; handler: UnaryHandler };
      assert.equal(m.kind, "unary");
      await assert.rejects(m.handler(new Uint8Array(), ctx()), (e: unknown) => e instanceof GrpcStatusError && e.code === GrpcCode.UNIMPLEMENTED);
    }
  });

  test("loading warnings go to onWarning; the default config comes from options.env", () => {
    const dir = configDir("warn", "{nope");
    const warnings: string[] = [];
    authService(undefined, { env: { DOCKER_CONFIG: dir }, onWarning: (w) => warnings.push(w) });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /is not valid JSON/);
  });
});
