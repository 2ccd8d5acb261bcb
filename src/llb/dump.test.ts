import { test } from "node:test";
import assert from "node:assert/strict";
import { dumpDefinitionDot, dumpDefinitionJson } from "./dump.js";
import { Definition } from "./definition.js";
import { mkdir, symlink } from "./file-op.js";
import { image } from "./source.js";
import { scratch } from "./state.js";
import "./exec.js";

// The shapes of buildctl debug dump-llb (solver/pb/json.go); test/golden/run.ts compares every
// golden vector with the real buildctl byte for byte.
test("dumpDefinitionJson: json.go's Op, FileAction and UserOpt shapes, zero indexes kept, HTML escaped", async () => {
  const def = await scratch()
    .file(mkdir("/a<&>", 0o755, { chown: { user: 0, group: "staff" } }).symlink("/a", "/b"))
    .marshal({ platform: { os: "linux", architecture: "amd64" } });
  const [file, terminal] = dumpDefinitionJson(def);
  assert.match(file!, /^\{"Op":\{"Op":\{"file":\{"actions":\[\{"input":-1,"secondaryInput":-1,"output":-1,"Action":\{"mkdir":\{"path":"\/a\\u003c\\u0026\\u003e","mode":493,"owner":\{"user":\{"User":\{\}\},"group":\{"User":\{"byName":\{"name":"staff","input":-1\}\}\}\},"timestamp":-1\}\}\},\{"input":0,"secondaryInput":-1,"output":0,"Action":\{\}\}\]\}\},"constraints":\{\}\},"Digest":"sha256:[0-9a-f]{64}","OpMetadata":\{"caps":\{"file.base":true\}\}\}$/);
  assert.match(terminal!, /^\{"Op":\{"inputs":\[\{"digest":"sha256:[0-9a-f]{64}"\}\],"Op":\{\}\},"Digest":"sha256:[0-9a-f]{64}","OpMetadata":\{"caps":\{/);
});

test("dumpDefinitionJson: an op without metadata has OpMetadata {}", async () => {
  const def = await image("busybox").marshal({ platform: { os: "linux", architecture: "amd64" } });
  const bare = new Definition([def.def[0]!], new Map(), undefined);
  assert.match(dumpDefinitionJson(bare)[0]!, /,"OpMetadata":\{\}\}$/);
});

test("dumpDefinitionDot: fmt %q labels, mount destinations on edges", async () => {
  const def = await image("busybox")
    .run({ args: ["echo", "tab\there", "\x01", "é"], mounts: [{ target: "/src", source: image("alpine"), readonly: true }] })
    .root()
    .marshal({ platform: { os: "linux", architecture: "amd64" } });
  const dot = dumpDefinitionDot(def);
  assert.match(dot, /^digraph \{\n/);
  assert.match(dot, / \[label="echo tab\\there \\x01 é" shape="box"\];\n/);
  assert.match(dot, / -> "sha256:[0-9a-f]{64}" \[label="\/src"\];\n/);
  assert.match(dot, / -> "sha256:[0-9a-f]{64}" \[label=""\];\n\}\n$/);
});
