// The linter of buildkit v0.32.2 frontend/dockerfile/linter/linter.go: check= options, skips,
// experimental rules, comment-level configuration and the error of error=true. The rules' texts
// are compared with Go's in src/dockerfile/instructions/parse-golden.test.ts.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { DockerfileRange } from "../../errors.js";
import { DockerfileError } from "../../errors.js";
import { Linter, lintFormatShort, parseLintOptions, type LinterConfig } from "./linter.js";
import {
  allRules,
  ruleInvalidBaseImagePlatform,
  ruleInvalidDefinitionDescription,
  ruleMaintainerDeprecated,
  ruleStageNameCasing,
  ruleUndefinedArgInFrom,
  ruleUndefinedVar,
} from "./ruleset.js";

const loc: DockerfileRange[] = [{ start: { line: 3, character: 0 }, end: { line: 3, character: 0 } }];

function collecting(cfg: LinterConfig): { lint: Linter; got: string[][] } {
  const got: string[][] = [];
  const lint = new Linter({ ...cfg, warn: (name, _desc, url, msg) => got.push([name, url, msg]) });
  return { lint, got };
}

test("parseLintOptions reads skip, error and experimental as Go does", () => {
  assert.deepEqual(parseLintOptions(""), {});
  assert.deepEqual(parseLintOptions("  "), {});
  assert.deepEqual(parseLintOptions("skip=A, B ;error=true;experimental=all"), {
    experimentalAll: true, experimentalRules: [], skipRules: ["A", "B"], skipAll: false, returnAsError: true,
  });
  assert.deepEqual(parseLintOptions("skip=all;experimental=X"), {
    experimentalAll: false, experimentalRules: ["X"], skipRules: [], skipAll: true, returnAsError: false,
  });
  // SplitN(.., 3): a fourth part stays in the third.
  assert.deepEqual(parseLintOptions("skip=a;error=false;experimental=b;x=y").experimentalRules, ["b;x=y"]);
  assert.throws(() => parseLintOptions("bad"), { message: 'invalid check option "bad"' });
  assert.throws(() => parseLintOptions("foo=bar"), { message: 'invalid check option "foo"' });
  assert.throws(() => parseLintOptions("error=maybe"), {
    message: 'failed to parse check option "error=maybe": strconv.ParseBool: parsing "maybe": invalid syntax',
  });
  assert.throws(() => parseLintOptions("error=maybe"), DockerfileError);
});

test("run honours skips, skip=all and experimental rules; deprecated and warn-less linters report nothing", () => {
  const { lint, got } = collecting({ skipRules: ["StageNameCasing"] });
  lint.run(ruleStageNameCasing, loc, ruleStageNameCasing.format("Foo"));
  lint.run(ruleMaintainerDeprecated, loc, ruleMaintainerDeprecated.format());
  lint.run(ruleInvalidDefinitionDescription, loc, "x");
  assert.deepEqual(got, [["MaintainerDeprecated", "https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/", "Maintainer instruction is deprecated in favor of using label"]]);

  const all = collecting({ skipAll: true, experimentalRules: ["InvalidDefinitionDescription"] });
  all.lint.run(ruleMaintainerDeprecated, loc);
  all.lint.run(ruleInvalidDefinitionDescription, loc, ruleInvalidDefinitionDescription.format("ARG", "x"));
  assert.deepEqual(all.got, [["InvalidDefinitionDescription", ruleInvalidDefinitionDescription.url, "Comment for ARG should follow the format: `# x <description>`"]]);

  new Linter({}).run(ruleMaintainerDeprecated, loc);
  const noMsg = collecting({});
  noMsg.lint.run(ruleUndefinedVar, loc);
  assert.deepEqual(noMsg.got, [["UndefinedVar", ruleUndefinedVar.url, "Variables should be defined before their use"]]);
});

test("withMergedConfig and comments: clones share the called rules; the first check= comment counts", () => {
  const { lint, got } = collecting({ returnAsError: true });
  const skipping = lint.withMergedConfigFromComments(["some comment", "check=skip=MaintainerDeprecated", "check=skip=all"]);
  skipping.run(ruleMaintainerDeprecated, loc);
  skipping.run(ruleStageNameCasing, loc, "x");
  assert.equal(got.length, 1);
  assert.equal(lint.skippedRules.size, 0);
  assert.equal(lint.withMergedConfigFromComments(["check=bad"]), lint);
  assert.equal(lint.withMergedConfigFromComments(undefined), lint);
  assert.equal(lint.withMergedConfigFromComments([" check = skip=all extra"]).skipAll, true);
  lint.run(ruleMaintainerDeprecated, loc);
  lint.run(ruleMaintainerDeprecated, loc);
  assert.equal(lint.error()?.message, "lint violation found for rules: StageNameCasing, MaintainerDeprecated");
  assert.equal(new Linter({}).error(), undefined);
  assert.equal(new Linter({ returnAsError: true, warn: () => {} }).error(), undefined);
});

test("rules: formats, URLs and the experimental flag", () => {
  assert.equal(allRules.length, 22);
  assert.equal(new Set(allRules.map((r) => r.name)).size, 22);
  assert.deepEqual(allRules.filter((r) => r.experimental).map((r) => r.name), ["InvalidDefinitionDescription"]);
  assert.deepEqual(allRules.filter((r) => r.url === "").map((r) => r.name), ["InvalidBaseImagePlatform"]);
  assert.equal(ruleUndefinedArgInFrom.format("FOO", "FO"), "FROM argument 'FOO' is not declared (did you mean FO?)");
  assert.equal(ruleUndefinedVar.format("a", ""), "Usage of undefined variable '$a'");
  assert.equal(ruleInvalidBaseImagePlatform.format("alpine", "linux/amd64", "linux/arm64"),
    'Base image alpine was pulled with platform "linux/arm64", expected "linux/amd64" for current build');
  assert.equal(lintFormatShort("A", "msg", 3), "A: msg (line 3)");
  assert.equal(lintFormatShort("A", "msg", 0), "A: msg");
});
