import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { moby } from "../../proto/index.js";
import { InvalidArgumentError } from "../../errors.js";
import { GrpcCode, GrpcStatusError, type CallContext } from "./service.js";
import { checkSecretSources, MAX_SECRET_SIZE, secretsService, type SecretSource } from "./secrets.js";

const S = moby.buildkit.secrets.v1;
const dir = mkdtempSync(join(tmpdir(), "tsf-secrets-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const ctx: CallContext = { method: "/moby.buildkit.secrets.v1.Secrets/GetSecret", metadata: new Map(), signal: new AbortController().signal };

async function get(sources: readonly SecretSource[], id: string, env: NodeJS.ProcessEnv = {}): Promise<Buffer> {
  const svc = secretsService(sources, { env });
  assert.equal(svc.name, "moby.buildkit.secrets.v1.Secrets");
  const m = svc.methods["GetSecret"];
  assert.ok(m && m.kind === "unary");
  const res = await m.handler(S.GetSecretRequest.encode({ ID: id, annotations: { a: "b" } }).finish(), ctx);
  return Buffer.from(S.GetSecretResponse.decode(res).data);
}

async function getError(sources: readonly SecretSource[], id: string, env: NodeJS.ProcessEnv = {}): Promise<GrpcStatusError> {
  try {
    await get(sources, id, env);
  } catch (err) {
    assert.ok(err instanceof GrpcStatusError, String(err));
    return err;
  }
  assert.fail("expected an error");
}

describe("secretsService", () => {
  test("serves data, env and file secrets", async () => {
    const file = join(dir, "f.txt");
    writeFileSync(file, "from-file\n");
    const sources: SecretSource[] = [
      { id: "d", data: "from-data" },
      { id: "b", data: new Uint8Array([0, 1, 255]) },
      { id: "e", env: "MY_TOKEN" },
      { id: "f", file },
    ];
    assert.equal((await get(sources, "d")).toString(), "from-data");
    assert.deepEqual([...(await get(sources, "b"))], [0, 1, 255]);
    assert.equal((await get(sources, "e", { MY_TOKEN: "from-env" })).toString(), "from-env");
    assert.equal((await get(sources, "e", {})).toString(), "", "an unset variable is an empty secret, as in Go");
    assert.equal((await get(sources, "f")).toString(), "from-file\n");
  });

  test("unknown ids answer NOT_FOUND (so optional mounts and git/http probes go on)", async () => {
    const e = await getError([{ id: "a", data: "x" }], "nope");
    assert.equal(e.code, GrpcCode.NOT_FOUND);
    assert.equal(e.message, "not found");
    assert.equal((await getError([], "")).code, GrpcCode.NOT_FOUND);
  });

  test("files are read when asked, every time", async () => {
    const file = join(dir, "lazy.txt");
    writeFileSync(file, "one");
    const svc: SecretSource[] = [{ id: "l", file }];
    const service = secretsService(svc);
    const m = service.methods["GetSecret"]!;
    assert.equal(m.kind, "unary");
    const call = async () => Buffer.from(S.GetSecretResponse.decode(await (m.kind === "unary" ? m.handler(S.GetSecretRequest.encode({ ID: "l" }).finish(), ctx) : Promise.reject())).data).toString();
    assert.equal(await call(), "one");
    writeFileSync(file, "two");
    assert.equal(await call(), "two");
    rmSync(file);
    await assert.rejects(call(), (err: unknown) => err instanceof GrpcStatusError && err.code === GrpcCode.UNKNOWN && /cannot open .*ENOENT/.test(err.message));
  });

  test("the 500 KiB cap: at the check and when served; messages never carry the value", async () => {
    assert.equal(MAX_SECRET_SIZE, 512000);
    const big = "S".repeat(MAX_SECRET_SIZE + 1);
    assert.throws(() => checkSecretSources([{ id: "big", data: big }]), (err: unknown) => err instanceof InvalidArgumentError && err.message === "secret big too big. max size 500KiB");
    const exact = "S".repeat(MAX_SECRET_SIZE);
    assert.equal((await get([{ id: "x", data: exact }], "x")).length, MAX_SECRET_SIZE);
    const file = join(dir, "big.txt");
    writeFileSync(file, big);
    assert.throws(() => checkSecretSources([{ id: "bf", file }]), /secret bf too big\. max size 500KiB/);
    // A file that grows after the check, and an env var over the cap.
    const grow = join(dir, "grow.txt");
    writeFileSync(grow, "small");
    const svc: SecretSource[] = [{ id: "g", file: grow }, { id: "e", env: "BIG" }];
    const service = secretsService(svc, { env: { BIG: big } });
    writeFileSync(grow, big);
    const m = service.methods["GetSecret"]!;
    for (const id of ["g", "e"]) {
      await assert.rejects(m.kind === "unary" ? m.handler(S.GetSecretRequest.encode({ ID: id }).finish(), ctx) : Promise.reject(), (err: unknown) => {
        assert.ok(err instanceof GrpcStatusError);
        assert.equal(err.message, `invalid secret size ${big.length}`);
        assert.ok(!err.message.includes("SSSS"));
        return true;
      });
    }
  });

  test("sources are checked strictly, naming the id", () => {
    const bad = (s: unknown, re: RegExp) => assert.throws(() => checkSecretSources([s as SecretSource]), (err: unknown) => err instanceof InvalidArgumentError && re.test(err.message));
    bad({ data: "x" }, /secrets\[0\]: secret missing ID/);
    bad({ id: "", data: "x" }, /secret missing ID/);
    bad({ id: "a" }, /secret a: give exactly one of data, file or env \(got none\)/);
    bad({ id: "a", data: "x", env: "Y" }, /got data, env/);
    bad({ id: "a", data: "x", extra: 1 }, /unknown key "extra"/);
    bad({ id: "a", data: 5 }, /data must be a string or bytes/);
    bad({ id: "a", env: "" }, /env must be a variable name/);
    bad({ id: "a", file: join(dir, "missing") }, /failed to stat .*missing: no such file or directory/);
    bad({ id: "a", file: dir }, /is a directory/);
    assert.deepEqual(checkSecretSources([{ id: "a", data: "1" }, { id: "b", env: "B" }, { id: "a", data: "2" }]), ["a", "b"]);
  });

  test("a repeated id: the last one wins; data is copied", async () => {
    const buf = Buffer.from("first");
    const svc: SecretSource[] = [{ id: "a", data: buf }, { id: "z", data: buf }, { id: "a", data: "second" }];
    const service = secretsService(svc);
    buf.write("XXXXX");
    const m = service.methods["GetSecret"]!;
    const read = async (id: string) => Buffer.from(S.GetSecretResponse.decode(await (m.kind === "unary" ? m.handler(S.GetSecretRequest.encode({ ID: id }).finish(), ctx) : Promise.reject())).data).toString();
    assert.equal(await read("a"), "second");
    assert.equal(await read("z"), "first");
  });
});
