import { test } from "node:test";
import assert from "node:assert/strict";
import { goJSONMarshalIndent } from "../../internal/go/json.js";
import { KeyValuePairOptional, Stage } from "../instructions/commands.js";
import { DispatchState } from "./dispatch-state.js";
import { outline, outlineJSONValue, toSourceLocation } from "./outline.js";

const at = (line: number) => [{ start: { line, character: 0 }, end: { line, character: 0 } }];

test("outline: args used through base and deps, secrets and ssh once each, ordered by line", () => {
  const base = new DispatchState(new Stage({ name: "base" }));
  base.outline.allArgs.set("B", { value: "b", definition: new KeyValuePairOptional("B", "b", "the b"), deps: undefined, location: at(2) });
  base.outline.usedArgs.add("B");
  base.outline.secrets.set("s2", { required: true, location: at(4) });
  const dep = new DispatchState(new Stage({ name: "dep" }));
  dep.outline.ssh.set("default", { required: false, location: at(6) });
  dep.outline.secrets.set("s1", { required: false, location: at(3) });
  const target = new DispatchState(new Stage({ name: "final", docComment: "the final stage" }));
  target.base = base;
  target.deps.set(dep, undefined as never);
  target.outline.allArgs.set("A", { value: "", definition: new KeyValuePairOptional("A"), deps: new Set(["C"]), location: at(1) });
  target.outline.allArgs.set("C", { value: "c", definition: new KeyValuePairOptional("C", "c"), deps: undefined, location: at(9) });
  target.outline.usedArgs.add("A");
  const o = outline(target, new TextEncoder().encode("FROM x"));
  assert.deepEqual(o.args.map((a) => a.name), ["A", "B", "C"]); // C through A's default
  assert.deepEqual(o.secrets.map((s) => [s.name, s.required]), [["s1", false], ["s2", true]]);
  assert.deepEqual(o.ssh.map((s) => s.name), ["default"]);
  const json = goJSONMarshalIndent(outlineJSONValue(o));
  assert.match(json, /^\{\n  "name": "final",\n  "description": "the final stage",\n  "args": \[\n    \{\n      "name": "A",\n      "location": \{\n        "ranges": \[\n          \{\n            "start": \{\n              "line": 1\n            \},/);
  assert.match(json, /"sources": \[\n    "RlJPTSB4"\n  \]\n\}$/);
  assert.ok(!json.includes('"cache"'));
});

test("toSourceLocation: none for no ranges", () => {
  assert.equal(toSourceLocation([]), undefined);
  assert.deepEqual(toSourceLocation(at(3)), { sourceIndex: 0, ranges: [{ start: { line: 3, character: 0 }, end: { line: 3, character: 0 } }] });
});
