import assert from "node:assert/strict";
import { test } from "node:test";
import { withResolveCache } from "./resolve-cache.js";
import type { GatewayClient } from "./types.js";

function fakeGateway(calls: string[]): GatewayClient {
  return {
    workerPlatforms: [{ os: "linux", architecture: "amd64" }],
    caps: new Set(["x"]),
    solve: async () => ({ metadata: {} }),
    readFile: async () => new Uint8Array([1]),
    readDir: async () => [],
    statFile: async () => ({ path: "x", mode: 0, uid: 0, gid: 0, size: 0, modTime: 0n, linkname: "", devmajor: 0, devminor: 0, xattrs: {} }) as never,
    inputs: async () => ({}),
    return: async () => {},
    async resolveImageConfig(ref, o) {
      calls.push(`${ref} ${o.platform?.architecture ?? "-"} ${o.logName ?? "-"}`);
      await new Promise((r) => setTimeout(r, 5));
      if (ref === "missing") throw new Error("not found");
      return { ref, digest: `sha256:${calls.length}`, config: new Uint8Array() };
    },
  };
}

test("withResolveCache: one daemon lookup per reference and options, in flight or done, errors too; the rest passes through", async () => {
  const calls: string[] = [];
  const g = withResolveCache(fakeGateway(calls));
  const amd = { platform: { os: "linux", architecture: "amd64" }, resolveMode: "default" as const, logName: "[internal] load metadata for alpine" };
  const arm = { ...amd, platform: { os: "linux", architecture: "arm64" } };
  const [a, b] = await Promise.all([g.resolveImageConfig("alpine", amd), g.resolveImageConfig("alpine", { ...amd })]);
  assert.equal(a, b);
  const c = await g.resolveImageConfig("alpine", arm);
  assert.notEqual(c.digest, a.digest);
  await g.resolveImageConfig("alpine", { ...amd, logName: "[stage-1] load metadata" });
  await g.resolveImageConfig("alpine", amd);
  assert.deepEqual(calls, ["alpine amd64 [internal] load metadata for alpine", "alpine arm64 [internal] load metadata for alpine", "alpine amd64 [stage-1] load metadata"]);
  await assert.rejects(g.resolveImageConfig("missing", amd), /not found/);
  await assert.rejects(g.resolveImageConfig("missing", amd), /not found/);
  assert.equal(calls.filter((x) => x.startsWith("missing")).length, 1);
  assert.deepEqual(g.workerPlatforms, [{ os: "linux", architecture: "amd64" }]);
  assert.deepEqual([...(g.caps ?? [])], ["x"]);
  assert.deepEqual(await g.readFile({ id: "r" }, "f"), new Uint8Array([1]));
  assert.equal(g.warn, undefined);
});
