import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../errors.js";
import { parseSecretFlag, parseSecretFlags } from "./secrets.js";

const dir = mkdtempSync(join(tmpdir(), "tsf-secret-flags-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, "token.txt");
writeFileSync(file, "t0ken");

test("--secret forms as buildctl v0.32.2 takes them", () => {
  const env = { TOKEN: "x", ID_AS_ENV: "y" };
  assert.deepEqual(parseSecretFlag(`id=a,src=${file}`, env), { id: "a", file });
  assert.deepEqual(parseSecretFlag(`id=a,source=${file}`, env), { id: "a", file });
  assert.deepEqual(parseSecretFlag(`ID=a,SRC=${file},Type=file`, env), { id: "a", file }, "keys are case-insensitive");
  assert.deepEqual(parseSecretFlag("id=a,env=TOKEN", env), { id: "a", env: "TOKEN" });
  assert.deepEqual(parseSecretFlag("id=a,src=TOKEN,type=env", env), { id: "a", env: "TOKEN" }, "type=env takes src as the variable");
  assert.deepEqual(parseSecretFlag("id=ID_AS_ENV", env), { id: "ID_AS_ENV", env: "ID_AS_ENV" }, "neither: the variable named like the id, when set");
  assert.deepEqual(parseSecretFlag(`id=${file}`, env), { id: file, file }, "neither: else the file named like the id");
  assert.deepEqual(parseSecretFlag(`id=a,src=${file},env=TOKEN`, env), { id: "a", env: "TOKEN" }, "both: the variable wins");
  assert.deepEqual(parseSecretFlag(`"id=a,b",env=TOKEN`, env), { id: "a,b", env: "TOKEN" }, "CSV quoting");
  assert.deepEqual(parseSecretFlags(["id=a,env=A", "id=b,env=B"], {}), [
    { id: "a", env: "A" },
    { id: "b", env: "B" },
  ]);
});

test("--secret errors name the flag and say what is wrong", () => {
  const bad = (v: string, re: RegExp) =>
    assert.throws(
      () => parseSecretFlag(v, {}),
      (err: unknown) => {
        assert.ok(err instanceof UsageError, String(err));
        assert.equal(err.flag, "--secret");
        assert.match(err.toOneLine(), /^--secret: /);
        assert.match(err.message, re);
        return true;
      },
    );
  bad(`src=${file}`, /secret missing ID/);
  bad("env=TOKEN", /secret missing ID/);
  bad("mysecret", /invalid field 'mysecret' must be a key=value pair/);
  bad("id=a,type=ssh", /unsupported secret type "ssh"/);
  bad("id=a,mode=0400", /unexpected key 'mode' in 'mode=0400'/);
  bad('id="a', /failed to parse csv secret: parse error on line 1/);
  bad("id=a,src=/nonexistent/secret/file", /failed to stat \/nonexistent\/secret\/file: no such file or directory/);
  bad("id=/nonexistent/secret/file", /failed to stat/);
  bad(`id=a,src=/nonexistent/x,env=TOKEN`, /failed to stat/);
});
