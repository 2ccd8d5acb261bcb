/**
 * Build secrets end to end: `tsfrontend build --secret id=token,src=FILE
 * --secret id=envtok,env=VAR` runs fixtures/secrets.ts on the busybox shell
 * base image; its RUN steps read one secret from a secret mount and the
 * other from $TOKEN and keep only derived values (sha256, length, mode) in
 * the image. The secrets are long random strings, so finding them anywhere
 * means a leak: we search every file of the exported OCI tarball (layers
 * also gunzipped, configs with their history, index, manifests), the
 * Definition (`tsfrontend llb`), and the progress output in plain and rawjson
 * (raw and base64 at every alignment, also for a RUN that fails after
 * reading the secrets). Plus: unknown ids in required and optional mounts,
 * the `secrets` option of `solve()`, and `--secret` usage errors.
 *
 * Every build uses --no-cache: the cache key of a RUN does not include its
 * secrets' values, so a cached step from an earlier run would hold the
 * derived values of that run's random secrets.
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { exportOutputs } from "../../src/client/exporters.js";
import { parseOutputs } from "../../src/cli/flags/outputs.js";
import { connectDaemon } from "../../src/client/address.js";
import { authService } from "../../src/client/session/auth.js";
import { solve } from "../../src/client/solve.js";
import { image, parsePlatform } from "../../src/llb/index.js";
import { ok, requireEnv, runCli, tempDir, type E2eEnv, type RunResult } from "./lib/env.js";
import { layerEntries, readOciTar, type OciLayout } from "./lib/oci.js";
import { readTar } from "./lib/tar.js";
import { ensureShellImage, type ShellImage } from "./lib/shell-image.js";

const FIXTURE = "test/e2e/fixtures/secrets.ts";
const ENV_VAR = "TSF_E2E_SECRET_VALUE";

let env: E2eEnv;
let shell: ShellImage;
let work: ReturnType<typeof tempDir>;
/** Served from a file (`--secret id=token,src=...`). */
const fileSecret = `tsf-file-secret-${randomBytes(24).toString("hex")}`;
/** Served from an env var of the CLI (`--secret id=envtok,env=...`). */
const envSecret = `tsf-env-secret-${randomBytes(24).toString("hex")}`;
const SECRETS = [fileSecret, envSecret];
const sha256hex = (s: string | Buffer) => createHash("sha256").update(s).digest("hex");

const builds: Record<string, RunResult> = {};
let oci: OciLayout;
let ociTar: Buffer;

/** The ways a secret could show up: as is, and in base64 at each of the three byte alignments. */
function forms(secret: string): { name: string; text: string }[] {
  const out = [{ name: "raw", text: secret }];
  const skip = [0, 2, 3];
  for (let k = 0; k < 3; k++) {
    const b64 = Buffer.concat([Buffer.alloc(k, 0x41), Buffer.from(secret)]).toString("base64");
    // Drop the characters mixed with the padding bytes around the secret.
    out.push({ name: `base64+${k}`, text: b64.slice(skip[k], b64.length - 4) });
  }
  return out;
}

/** Fails naming where and in which form a secret was found. */
function assertNoSecret(haystack: Buffer | string, where: string): void {
  const hay = typeof haystack === "string" ? haystack : haystack.toString("latin1");
  for (const s of SECRETS) {
    for (const f of forms(s)) assert.ok(!hay.includes(f.text), `${where} contains a secret (${f.name}${s === fileSecret ? ", file" : ", env"})`);
  }
}

function cliEnv(): NodeJS.ProcessEnv {
  return { ...process.env, [ENV_VAR]: envSecret };
}

function build(mode: string, progress: "plain" | "rawjson", extra: string[] = [], secrets = true): Promise<RunResult> {
  return runCli(
    [
      "build",
      "-f",
      FIXTURE,
      "--build-arg",
      `SHELL_IMAGE=${shell.ref}`,
      "--build-arg",
      `MODE=${mode}`,
      "--platform",
      "linux/amd64",
      "--progress",
      progress,
      "--no-cache",
      ...(secrets ? ["--secret", `id=token,src=${join(work.dir, "token.txt")}`, "--secret", `id=envtok,env=${ENV_VAR}`] : []),
      ...extra,
    ],
    { env: cliEnv(), timeout: 180_000 },
  );
}

/** The log text of rawjson progress (logs are base64 in `logs[].data`). */
function rawjsonLogs(stderr: string): string {
  let text = "";
  for (const line of stderr.split("\n")) {
    if (!line.startsWith("{")) continue;
    const m = JSON.parse(line) as { logs?: { data?: string }[] };
    for (const l of m.logs ?? []) if (l.data) text += Buffer.from(l.data, "base64").toString("utf8");
  }
  return text;
}

before(async () => {
  work = tempDir("secrets");
  env = requireEnv();
  shell = await ensureShellImage();
  writeFileSync(join(work.dir, "token.txt"), fileSecret, { mode: 0o600 });
  const tar = join(work.dir, "image.oci.tar");
  const results = await Promise.all([
    build("ok", "plain", ["-o", `type=oci,dest=${tar},name=example.com/tsf/secrets:1`]),
    build("ok", "rawjson"),
    build("fail", "plain"),
    build("fail", "rawjson"),
    build("missing-required", "plain"),
    build("missing-required", "plain", [], false),
    build("missing-optional", "plain", ["-o", `type=local,dest=${join(work.dir, "optional")}`]),
  ]);
  [builds["ok-plain"], builds["ok-rawjson"], builds["fail-plain"], builds["fail-rawjson"], builds["missing-required"], builds["missing-required-no-secrets"], builds["missing-optional"]] = results;
  ok(builds["ok-plain"]!, "build with secrets (plain)");
  ociTar = readFileSync(tar);
  oci = readOciTar(tar);
});

after(() => work?.remove());

test("the leak check finds a secret raw and in base64 at any offset (self-check)", () => {
  for (let k = 0; k < 6; k++) {
    const around = Buffer.concat([randomBytes(k), Buffer.from(fileSecret), randomBytes(k + 1)]);
    assert.throws(() => assertNoSecret(around.toString("base64"), "probe"), /probe contains a secret \(base64/);
    assert.throws(() => assertNoSecret(`{"x":"${around.toString("latin1")}"}`, "probe"), /probe contains a secret \(raw/);
  }
  assertNoSecret(Buffer.from(sha256hex(fileSecret) + sha256hex(envSecret)), "derived values");
});

test("RUN reads the file secret from a mount and the env secret from $TOKEN", () => {
  assert.equal(oci.images.length, 1);
  const files = new Map<string, string>();
  for (const layer of oci.images[0]!.manifest.layers) {
    for (const e of layerEntries(oci, layer)) if (e.type === "0") files.set(e.name.replace(/^\.?\//, ""), e.data.toString("utf8").trim());
  }
  assert.equal(files.get("out/mount.sha"), sha256hex(fileSecret), "sha256 of the mounted secret");
  assert.equal(files.get("out/mount.len"), String(fileSecret.length));
  assert.equal(files.get("out/mount.mode"), "400", "secret mounts default to mode 0400");
  assert.equal(files.get("out/env.sha"), sha256hex(envSecret), "sha256 of $TOKEN");
  // The mount point may be left in the layer, never its content.
  assert.ok(!files.get("run/secrets/token"), "the secret file's content is in a layer");
});

test("no exported blob holds a secret: layers (also gunzipped), configs and history, manifests, index", () => {
  const entries = readTar(ociTar).filter((e) => e.type === "0");
  assert.ok(entries.length >= 5, `only ${entries.length} files in the OCI tarball`);
  let gzipped = 0;
  for (const e of entries) {
    assertNoSecret(e.data, e.name);
    if (e.data[0] === 0x1f && e.data[1] === 0x8b) {
      gzipped++;
      assertNoSecret(gunzipSync(e.data), `${e.name} (gunzipped)`);
    }
  }
  assert.ok(gzipped >= 2, "the layers were searched decompressed");
  const config = oci.images[0]!.config;
  assert.ok((config.history ?? []).length > 0, "the config has history");
  assertNoSecret(JSON.stringify(config), "the image config");
});

test("the Definition holds only secret ids, never values", async () => {
  for (const mode of ["ok", "fail"]) {
    for (const format of ["pb", "json"]) {
      const r = await runCli(["llb", FIXTURE, "--build-arg", `SHELL_IMAGE=${shell.ref}`, "--build-arg", `MODE=${mode}`, "--platform", "linux/amd64", "--format", format], {
        env: cliEnv(),
      });
      const out = ok(r, `tsfrontend llb (${mode}, ${format})`);
      assert.ok(out.includes("token") && out.includes("envtok"), "the Definition names the secrets");
      assertNoSecret(out, `the Definition (${mode}, ${format})`);
      assertNoSecret(r.stderr, `tsfrontend llb stderr (${mode}, ${format})`);
    }
  }
});

test("progress output (plain and rawjson) holds no secret, with the RUN logs in it", () => {
  const plain = builds["ok-plain"]!;
  assert.ok(plain.stderr.includes(`mount sha ${sha256hex(fileSecret)}`), "plain progress has the RUN's log");
  assert.ok(plain.stderr.includes(`env sha ${sha256hex(envSecret)}`));
  assertNoSecret(plain.stdout + plain.stderr, "plain progress");

  const raw = builds["ok-rawjson"]!;
  ok(raw, "build with secrets (rawjson)");
  const logs = rawjsonLogs(raw.stderr);
  assert.ok(logs.includes(`mount sha ${sha256hex(fileSecret)}`), "rawjson progress has the RUN's log");
  assert.ok(logs.includes(`env sha ${sha256hex(envSecret)}`));
  assertNoSecret(raw.stdout + raw.stderr, "rawjson progress");
  assertNoSecret(logs, "rawjson progress logs (decoded)");
});

test("a RUN that fails after reading the secrets: the error and logs hold no secret", () => {
  const derived = `secret sha ${sha256hex(fileSecret)} len ${envSecret.length}`;
  for (const name of ["fail-plain", "fail-rawjson"]) {
    const r = builds[name]!;
    assert.notEqual(r.status, 0, `${name} should fail`);
    assert.match(r.stderr, /exit code: 3/, name);
    const text = name === "fail-rawjson" ? rawjsonLogs(r.stderr) + r.stderr : r.stderr;
    assert.ok(text.includes(derived), `${name}: the failing RUN read the secrets and its log is in the output`);
    assertNoSecret(r.stdout + r.stderr, name);
    if (name === "fail-rawjson") assertNoSecret(rawjsonLogs(r.stderr), `${name} (decoded logs)`);
  }
});

test("an unknown secret id in a required mount fails with a clear message", () => {
  for (const name of ["missing-required", "missing-required-no-secrets"]) {
    const r = builds[name]!;
    assert.notEqual(r.status, 0, `${name} should fail`);
    assert.match(r.stderr, /error: secret absent: not found/, name);
    assertNoSecret(r.stderr, name);
  }
});

test("an unknown secret id in an optional mount: the RUN goes on without the file", () => {
  ok(builds["missing-optional"]!, "optional unknown secret");
  assert.equal(readFileSync(join(work.dir, "optional", "out", "absent"), "utf8").trim(), "absent");
});

test("solve() with the secrets option ({id, data}) serves it to secret mounts and env", async () => {
  const apiSecret = `tsf-api-secret-${randomBytes(24).toString("hex")}`;
  const platform = parsePlatform("linux/amd64");
  const state = image(shell.ref, { platform })
    .run({
      args: ["/bin/sh", "-c", 'mkdir -p /out && sha256sum < /run/secrets/api | cut -d" " -f1 > /out/mount.sha && printf %s "$API" | sha256sum | cut -d" " -f1 > /out/env.sha'],
      secrets: [
        { id: "api", target: "/run/secrets/api" },
        { id: "api", env: "API" },
      ],
      ignoreCache: true,
    })
    .root();
  const definition = await state.marshal({ platform });
  assert.ok(!Buffer.from(definition.toBytes()).toString("latin1").includes(apiSecret));
  const dest = join(work.dir, "api");
  const outputs = exportOutputs(parseOutputs([`type=local,dest=${dest}`]));
  const conn = await connectDaemon({ addr: env.buildkitHost });
  const statusText: string[] = [];
  try {
    await solve(conn, {
      definition,
      exports: outputs.exports,
      sessionServices: [authService(), ...outputs.sessionServices],
      secrets: [{ id: "api", data: Buffer.from(apiSecret) }],
      // Bytes (logs) as their raw characters, so the secret is found in them as written.
      onStatus: (s) => statusText.push(JSON.stringify(s, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : v))),
    });
  } finally {
    conn.close();
  }
  assert.equal(readFileSync(join(dest, "out", "mount.sha"), "utf8").trim(), sha256hex(apiSecret));
  assert.equal(readFileSync(join(dest, "out", "env.sha"), "utf8").trim(), sha256hex(apiSecret));
  const status = statusText.join("\n");
  assert.ok(status.length > 0);
  assert.ok(!status.includes(apiSecret) && !status.includes(Buffer.from(apiSecret).toString("base64").slice(0, 40)), "the status stream carries the secret");
});

test("--secret usage errors name the flag, before connecting", async () => {
  const cases: [string, RegExp][] = [
    [`src=${join(work.dir, "token.txt")}`, /--secret: .*secret missing ID/],
    [`id=x,src=${join(work.dir, "nope.txt")}`, /--secret: .*failed to stat .*nope\.txt: no such file or directory/],
    ["id=x,type=ssh", /--secret: .*unsupported secret type "ssh"/],
    ["id", /--secret: .*invalid field 'id' must be a key=value pair/],
  ];
  for (const [value, re] of cases) {
    const r = await runCli(["build", "-f", FIXTURE, "--secret", value], { env: { ...cliEnv(), BUILDKIT_HOST: "unix:///nonexistent.sock" } });
    assert.notEqual(r.status, 0, value);
    assert.match(r.stderr, re, value);
    assert.doesNotMatch(r.stderr, /nonexistent\.sock/, "the flag is checked before connecting");
    assertNoSecret(r.stderr, `--secret ${value}`);
  }
});
