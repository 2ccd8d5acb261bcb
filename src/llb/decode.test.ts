import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeDefinition } from "./decode.js";
import { SourceMap } from "./source-map.js";
import { image } from "./source.js";
import "./exec.js";

test("decodeDefinition keeps absent range positions and normalises nested definitions", async () => {
  const sm = new SourceMap("", { state: image("alpine") });
  const ranges = [{}, { start: { line: 0, character: 0 }, end: { line: 2, character: 1 } }];
  const def = await image("busybox").run({ args: ["true"], sourceLocations: [sm.at(ranges)] }).root().marshal({
    platform: { os: "linux", architecture: "amd64" },
  });
  const bytes = def.toBytes();
  const back = decodeDefinition(bytes);
  // Go's zero pb.Range{} (nil Start/End) is not the same bytes as zero positions.
  assert.deepEqual(Buffer.from(back.toBytes()), Buffer.from(bytes));
  assert.deepEqual(back.toPb(), def.toPb());
});
