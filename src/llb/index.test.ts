import { test } from "node:test";
import assert from "node:assert/strict";
import * as llb from "./index.js";

test("tsfrontend/llb exports the public surface only", () => {
  const internals = [
    "finishOp",
    "MarshalCache",
    "VertexOutput",
    "AsyncOutput",
    "NeedsAsync",
    "StateKey",
    "pdqsortFunc",
    "sortFunc",
    "goIPString",
    "posixClean",
    "posixJoin",
    "addCap",
    "newConstraints",
    "applyConstraints",
    "constraintsOpts",
    "marshalConstraints",
    "mergeMetadata",
    "setLocationProvider",
    "SourceMapCollector",
    "fromPbDefinition",
    "shlexSplitGo",
    "goJSONStringArray",
    "parseGitURL",
    "normalizePath",
    "EMPTY_INPUT",
    "encodeOp",
    "SourceCap",
  ];
  assert.deepEqual(internals.filter((n) => n in llb), []);
  for (const n of ["image", "scratch", "local", "git", "http", "copy", "mkdir", "merge", "diff", "State", "Definition", "decodeDefinition", "parsePlatform", "Caps"]) {
    assert.ok(n in llb, n);
  }
});

test("cap names are typed constants matching solver/pb/caps.go", () => {
  assert.equal(llb.Caps.ExecMetaBase, "exec.meta.base");
  assert.equal(llb.Caps.SourceHTTPUIDGID, "soruce.http.uidgid"); // buildkit's typo
  assert.equal(llb.Caps.FileBase, "file.base");
  const id: llb.CapID = llb.Caps.MergeOp;
  assert.equal(id, "mergeop");
});
