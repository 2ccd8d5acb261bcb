/**
 * Registry credentials end to end: `tsfrontend build -o type=image,push=true`
 * to the shared registry (TSF_REGISTRY, htpasswd auth) with docker configs
 * written here (DOCKER_CONFIG):
 *
 * - a wrong password in `auths`: exit 1, the registry's 401 in one error
 *   block, and neither that password nor the right one anywhere in the output;
 * - the right password from a credential helper (`credHelpers`, a
 *   docker-credential-* script on PATH) while `auths` holds a wrong one for
 *   the same registry: the push succeeds (the helper wins, as in docker), the
 *   helper is asked for this registry only, the image is in the registry, and
 *   the password never shows in the progress output;
 * - a failing helper: exit 1 with the helper's name and message.
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mkdir, scratch } from "../../src/llb/index.js";
import { ok, requireEnv, runCli, skopeo, skopeoCreds, tempDir, type E2eEnv, type RunResult } from "./lib/env.js";

let env: E2eEnv;
let work: ReturnType<typeof tempDir>;
let defBytes: Buffer;
const wrongPassword = `wrong-${randomBytes(9).toString("hex")}`;
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

before(async () => {
  work = tempDir("auth");
  env = requireEnv();
  const def = await scratch()
    .file(mkdir("/auth", 0o755).mkfile("/auth/hello", 0o644, `pushed by the auth e2e test ${process.pid} ${Date.now()}\n`))
    .marshal();
  defBytes = Buffer.from(def.toBytes());
});

after(() => work?.remove());

/** A docker config dir with `config`, and a bin dir holding `helpers` (name -> sh script body). */
function dockerSetup(name: string, config: unknown, helpers: Record<string, string> = {}): { dir: string; bin: string } {
  const dir = join(work.dir, name, "docker");
  const bin = join(work.dir, name, "bin");
  mkdirSync(dir, { recursive: true });
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify(config), { mode: 0o600 });
  for (const [helper, body] of Object.entries(helpers)) {
    const file = join(bin, `docker-credential-${helper}`);
    writeFileSync(file, `#!/bin/sh\n${body}`);
    chmodSync(file, 0o755);
  }
  return { dir, bin };
}

function push(setup: { dir: string; bin: string }, ref: string, extra: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: setup.dir, PATH: `${setup.bin}:${process.env["PATH"] ?? ""}`, ...extraEnv };
  delete childEnv["DOCKER_AUTH_CONFIG"];
  return runCli(["build", "-o", `type=image,name=${ref},push=true`, ...extra], { input: defBytes, env: childEnv, timeout: 120_000 });
}

/** Fails if a secret (as is, or inside base64 user:secret) shows anywhere in the output. */
function assertNoSecrets(r: RunResult, user: string, secrets: string[]): void {
  const all = r.stdout + r.stderr;
  for (const s of secrets) {
    assert.ok(!all.includes(s), `the output contains a password:\n${all}`);
    assert.ok(!all.includes(b64(`${user}:${s}`)), "the output contains base64 credentials");
  }
}

test("wrong password: exit 1, the registry's 401 in one error block, no credentials in the output", async () => {
  const setup = dockerSetup("wrong", { auths: { [env.registry]: { auth: b64(`${env.registryUser}:${wrongPassword}`) } } });
  const r = await push(setup, `${env.registry}/tsfrontend-test/auth:wrong-${process.pid}`, ["--progress", "plain"]);
  assert.equal(r.status, 1, `exit ${r.status}\n${r.stderr}`);
  const errors = r.stderr.split("\n").filter((l) => l.startsWith("error: "));
  assert.equal(errors.length, 1, `one error line:\n${r.stderr}`);
  assert.match(errors[0]!, /failed to push .*(401 Unauthorized|authentication required)/);
  // The block: the failing step's name between dashes, then the error line, at the end of the output.
  assert.match(r.stderr, /------\n > exporting to image:\n------\nerror: failed to push [^\n]*\n$/);
  assertNoSecrets(r, env.registryUser, [wrongPassword, env.registryPassword]);
});

test("right password from a credHelpers helper (auths has a wrong one): the push succeeds, the password stays out of the output", async () => {
  const log = join(work.dir, "helper.log");
  const helper = [
    'url=$(cat)',
    `printf '%s %s\\n' "$1" "$url" >> '${log}'`,
    `if [ "$url" = "${env.registry}" ]; then`,
    `  printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$url" "$TSF_REGISTRY_USER" "$TSF_REGISTRY_PASSWORD"`,
    "else",
    "  echo 'credentials not found in native keychain'; exit 1",
    "fi",
    "",
  ].join("\n");
  const setup = dockerSetup(
    "helper",
    { auths: { [env.registry]: { auth: b64(`${env.registryUser}:${wrongPassword}`) } }, credHelpers: { [env.registry]: "tsfe2e" } },
    { tsfe2e: helper },
  );
  const ref = `${env.registry}/tsfrontend-test/auth:helper-${process.pid}`;
  const md = join(work.dir, "helper-metadata.json");
  const r = await push(setup, ref, ["--progress", "rawjson", "--metadata-file", md]);
  ok(r, "push with the helper's credentials");
  assertNoSecrets(r, env.registryUser, [env.registryPassword, wrongPassword]);
  const calls = readFileSync(log, "utf8").split("\n").filter(Boolean);
  assert.ok(calls.length >= 1, "the helper was asked");
  assert.deepEqual([...new Set(calls)], [`get ${env.registry}`], "asked with `get` and this registry only");
  const digest = (JSON.parse(readFileSync(md, "utf8")) as Record<string, string>)["containerimage.digest"];
  assert.match(digest ?? "", /^sha256:[0-9a-f]{64}$/);
  const inspect = JSON.parse(await skopeo(env, ["inspect", "--tls-verify=false", ...skopeoCreds(env), `docker://${ref}`])) as { Digest?: string };
  assert.equal(inspect.Digest, digest, "the registry serves the pushed manifest");
});

test("a failing credential helper: exit 1 naming the helper and its message", async () => {
  const setup = dockerSetup("broken", { credHelpers: { [env.registry]: "tsfbroken" } }, { tsfbroken: "cat >/dev/null\necho 'keychain is locked'\nexit 1\n" });
  const r = await push(setup, `${env.registry}/tsfrontend-test/auth:broken-${process.pid}`, ["--progress", "plain"]);
  assert.equal(r.status, 1, r.stderr);
  const errors = r.stderr.split("\n").filter((l) => l.startsWith("error: "));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0]!, new RegExp(`registry credentials for ${env.registry.replace(/\./g, "\\.")}: credential helper docker-credential-tsfbroken failed \\(exit 1\\): keychain is locked`));
});
