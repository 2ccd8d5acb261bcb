import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { UsageError } from "../../errors.js";
import { parseExportCache, parseImportCache } from "./cache.js";

function usageError(re: RegExp, flag: string) {
  return (err: unknown) => {
    assert.ok(err instanceof UsageError, String(err));
    assert.equal(err.flag, flag);
    assert.match(err.message, re);
    const line = err.toOneLine();
    assert.ok(line.startsWith(`${flag}: `), line);
    assert.ok(!line.includes("\n"), line);
    assert.match(line, /accepted: /);
    return true;
  };
}

describe("--export-cache / --import-cache", () => {
  test("registry, inline, local", () => {
    assert.deepEqual(parseExportCache(["type=registry,ref=reg/x:cache,mode=max", "type=inline", "type=local,dest=cachedir"]), [
      { type: "registry", attrs: { ref: "reg/x:cache", mode: "max" } },
      { type: "inline", attrs: { mode: "min" } },
      { type: "local", attrs: { dest: "cachedir", mode: "min" } },
    ]);
    assert.deepEqual(parseImportCache(["type=registry,ref=reg/x:cache", "type=local,src=cachedir,digest=sha256:abc"]), [
      { type: "registry", attrs: { ref: "reg/x:cache" } },
      { type: "local", attrs: { src: "cachedir", digest: "sha256:abc" } },
    ]);
  });

  test("deprecated bare references", () => {
    const warnings: string[] = [];
    assert.deepEqual(parseExportCache(["reg/x:cache"], { onWarning: (w) => warnings.push(w) }), [{ type: "registry", attrs: { mode: "min", ref: "reg/x:cache" } }]);
    assert.deepEqual(parseImportCache(["reg/x:cache"]), [{ type: "registry", attrs: { ref: "reg/x:cache" } }]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /deprecated/);
  });

  test("gha takes url and token from the environment", () => {
    const env = { ACTIONS_CACHE_URL: "https://cache/", ACTIONS_RUNTIME_TOKEN: "tok" };
    assert.deepEqual(parseImportCache(["type=gha,scope=s"], { env }), [{ type: "gha", attrs: { scope: "s", url: "https://cache/", token: "tok" } }]);
    assert.deepEqual(parseExportCache(["type=gha"], { env: { ACTIONS_CACHE_SERVICE_V2: "true", ACTIONS_RESULTS_URL: "https://r/", ACTIONS_RUNTIME_TOKEN: "t" } }), [
      { type: "gha", attrs: { mode: "min", url_v2: "https://r/", url: "https://r/", token: "t" } },
    ]);
    assert.throws(() => parseImportCache(["type=gha"], { env: {} }), usageError(/requires url/, "--import-cache"));
    assert.throws(() => parseImportCache(["type=gha,url=u"], { env: {} }), usageError(/requires token/, "--import-cache"));
  });

  test("bad values", () => {
    const ex: [string, RegExp][] = [
      ["type=registry", /registry cache exporter requires ref/],
      ["type=local", /local cache exporter requires dest/],
      ["type=registry,ref=x,mode=maximum", /invalid cache export mode "maximum"/],
      ["type=local,dest=d,reset=maybe", /reset/],
      ["type=inline,ignore-error=perhaps", /ignore-error/],
      ["type=,ref=x", /--export-cache requires type=<type>/],
      ["type=registry,ref", /invalid value "ref"/],
      ["", /empty value/],
    ];
    for (const [v, re] of ex) assert.throws(() => parseExportCache([v]), usageError(re, "--export-cache"), v);
    const im: [string, RegExp][] = [
      ["type=registry", /registry cache importer requires ref/],
      ["type=local", /local cache importer requires src/],
      ['type=registry,ref="x', /quoted-field/],
    ];
    for (const [v, re] of im) assert.throws(() => parseImportCache([v]), usageError(re, "--import-cache"), v);
  });
});
