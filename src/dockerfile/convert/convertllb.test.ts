import { test } from "node:test";
import assert from "node:assert/strict";
import { image, parsePlatform } from "../../llb/index.js";
import { Stage } from "../instructions/commands.js";
import { convertLLB, convertLLBResultJSON } from "./convertllb.js";
import { DispatchState } from "./dispatch-state.js";

test("convertLLB: ops by digest, protojson ops, encoding/json metadata", async () => {
  const ds = new DispatchState(new Stage());
  ds.state = image("busybox", { platform: parsePlatform("linux/arm64") })
    .run({ args: ["sh", "-c", "true"], mounts: [{ target: "/c", cache: { id: "x", sharing: "locked" } }], customName: "RUN <x>" })
    .root();
  const r = await convertLLB(ds);
  assert.equal(r.def.size, r.definition.def.length);
  const json = JSON.parse(convertLLBResultJSON(r)) as { def: Record<string, Record<string, unknown>>; metadata: Record<string, Record<string, unknown>>; source: unknown };
  const ops = Object.values(json.def);
  const exec = ops.find((o) => o["exec"]) as { exec: { meta: Record<string, unknown>; mounts: Record<string, unknown>[] }; platform: Record<string, unknown> };
  assert.deepEqual(exec.exec.meta["args"], ["sh", "-c", "true"]);
  assert.equal(exec.exec.meta["removeMountStubsRecursive"], true);
  assert.deepEqual(exec.platform, { Architecture: "arm64", OS: "linux" });
  const cache = exec.exec.mounts.find((m) => m["dest"] === "/c")!;
  assert.deepEqual(cache["cacheOpt"], { ID: "x", sharing: "LOCKED" }); // enums by name
  assert.equal(cache["output"], "-1"); // int64 as a string
  assert.equal(cache["mountType"], "CACHE");
  const md = Object.values(json.metadata).find((m) => (m["description"] as Record<string, string> | undefined)?.["llb.customname"]);
  assert.deepEqual(md?.["description"], { "llb.customname": "RUN <x>" });
  // As Go's source map collector: an (empty) locations entry for every op.
  const locations = Object.entries((json.source as { locations: Record<string, unknown> }).locations);
  assert.deepEqual(locations.map(([, v]) => v), [{}, {}]); // the image and the exec, not the terminal op
  for (const [d] of locations) assert.ok(d in json.def);
  assert.match(convertLLBResultJSON(r), /"RUN \\u003cx\\u003e"/); // encoding/json escapes HTML
});
