import { test } from "node:test";
import assert from "node:assert/strict";
import { goJSONMarshalIndent } from "../internal/go/json.js";
import { alignColumns, describeResult, outlineResult, printLintWarnings, targetsResult } from "./subrequests.js";

const text = (b: Uint8Array | undefined) => Buffer.from(b!).toString("utf8");

test("describe lists outline, targets and describe as dockerui does (Go's MarshalIndent of subrequests.Request)", () => {
  const r = describeResult();
  const json = JSON.parse(text(r.metadata["result.json"])) as { name: string; opts: unknown; inputs: unknown; refs: unknown }[];
  assert.deepEqual(json.map((x) => x.name), ["frontend.outline", "frontend.targets", "frontend.subrequests.describe"]);
  assert.deepEqual(json[1]!.opts, []);
  assert.equal(json[2]!.opts, null);
  assert.equal(json[0]!.inputs, null);
  assert.equal(text(r.metadata["version"]), "1.0.0");
  assert.equal(
    text(r.metadata["result.txt"]),
    "NAME                 VERSION DESCRIPTION\n" +
      "outline              1.0.0   List all parameters current build target supports\n" +
      "targets              1.0.0   List all targets current build supports\n" +
      "subrequests.describe 1.0.0   List available subrequest types\n",
  );
  assert.equal(r.ref, undefined);
  assert.match(text(r.metadata["result.json"]), /^\[\n  \{\n    "name": "frontend.outline",\n    "version": "1.0.0",\n    "type": "rpc",/);
});

test("targets from the program's declarations; one unnamed default when none", () => {
  const r = targetsResult({ targets: { app: { description: "the server", default: true }, test: "run the tests" } }, "src");
  const json = JSON.parse(text(r.metadata["result.json"]));
  assert.deepEqual(json, { targets: [{ name: "app", default: true, description: "the server" }, { name: "test", description: "run the tests" }], sources: [Buffer.from("src").toString("base64")] });
  assert.equal(text(r.metadata["result.txt"]), "TARGET        DESCRIPTION\napp (default) the server\ntest          run the tests\n");
  assert.deepEqual(JSON.parse(text(targetsResult({}, "").metadata["result.json"])).targets, [{ default: true }]);
});

test("outline: the target and declared args with defaults", () => {
  const r = outlineResult({ targets: { app: "the server" }, args: { VERSION: { description: "release", default: "1.0" }, DEBUG: "debug build" } }, "s", "app");
  const json = JSON.parse(text(r.metadata["result.json"]));
  assert.deepEqual(json, { name: "app", description: "the server", args: [{ name: "VERSION", description: "release", value: "1.0" }, { name: "DEBUG", description: "debug build" }], sources: ["cw=="] });
  assert.equal(text(r.metadata["result.txt"]), "TARGET:      app\nDESCRIPTION: the server\n\nBUILD ARG   VALUE   DESCRIPTION\nVERSION     1.0     release\nDEBUG               debug build\n\n");
});

test("Go's HTML-safe JSON escapes and tabwriter padding", () => {
  assert.equal(goJSONMarshalIndent({ a: "<&>", b: [], c: {}, d: [1, { e: null }], u: undefined }), '{\n  "a": "\\u003c\\u0026\\u003e",\n  "b": [],\n  "c": {},\n  "d": [\n    1,\n    {\n      "e": null\n    }\n  ]\n}');
  assert.equal(alignColumns([["a", "bb", "c"], ["ccc", "d", ""]], 1), "a   bb c\nccc d  \n");
});

test("printLintWarnings orders as Go's sort.Slice in lint.go PrintTo (not stable): warnings on one line where buildx puts them", () => {
  // The warnings of a 23-line Dockerfile in the order the converter reports them (as Go's), and the order
  // buildx v0.38.2 printed for them (`--call check`): by line, ties where pdqsort leaves them (line 15).
  const emitted: [string, number][] = [
    ["NoEmptyContinuation", 14], ["StageNameCasing", 3], ["FromAsCasing", 3], ["MaintainerDeprecated", 4], ["ReservedStageName", 18],
    ["DuplicateStageName", 21], ["InvalidDefaultArgInFrom", 3], ["InvalidDefaultArgInFrom", 18], ["InvalidDefaultArgInFrom", 19],
    ["InvalidDefaultArgInFrom", 20], ["InvalidDefaultArgInFrom", 21], ["FromPlatformFlagConstDisallowed", 18], ["RedundantTargetPlatform", 19],
    ["UndefinedArgInFrom", 20], ["LegacyKeyValueFormat", 5], ["SecretsUsedInArgOrEnv", 6], ["SecretsUsedInArgOrEnv", 7], ["WorkdirRelativePath", 8],
    ["ExposeProtoCasing", 9], ["ExposeInvalidFormat", 10], ["CopyIgnoredFile", 11], ["JSONArgsRecommended", 15], ["MultipleInstructionsDisallowed", 15],
    ["JSONArgsRecommended", 16], ["JSONArgsRecommended", 17], ["MultipleInstructionsDisallowed", 22],
  ];
  const printed = [
    "StageNameCasing", "FromAsCasing", "InvalidDefaultArgInFrom", "MaintainerDeprecated", "LegacyKeyValueFormat", "SecretsUsedInArgOrEnv",
    "SecretsUsedInArgOrEnv", "WorkdirRelativePath", "ExposeProtoCasing", "ExposeInvalidFormat", "CopyIgnoredFile", "NoEmptyContinuation",
    "MultipleInstructionsDisallowed", "JSONArgsRecommended", "JSONArgsRecommended", "JSONArgsRecommended", "ReservedStageName",
    "InvalidDefaultArgInFrom", "FromPlatformFlagConstDisallowed", "InvalidDefaultArgInFrom", "RedundantTargetPlatform", "InvalidDefaultArgInFrom",
    "UndefinedArgInFrom", "DuplicateStageName", "InvalidDefaultArgInFrom", "MultipleInstructionsDisallowed",
  ];
  const text = printLintWarnings({
    warnings: emitted.map(([ruleName, line]) => ({ ruleName, url: "", detail: `${ruleName} at ${line}`, location: { sourceIndex: 0, ranges: [{ start: { line, character: 0 }, end: { line, character: 0 } }] } })),
    sources: [{ filename: "Dockerfile", data: new TextEncoder().encode("x\n".repeat(23)) }],
  });
  assert.deepEqual([...text.matchAll(/^WARNING: (\S+)/gm)].map((m) => m[1]), printed);
});
