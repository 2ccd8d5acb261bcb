import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { sessionServices } from "./session-services.js";

test("sessionServices hosts what the request needs, in one order, and nothing else", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsf-services-"));
  try {
    const all = await sessionServices({
      locals: new Map([["context", { dir }]]),
      fileSend: { targets: [undefined, { kind: "dir", path: join(dir, "out"), mode: "copy", exporter: "local" }] },
      secrets: [{ id: "s", data: "v" }],
      sshAgents: new Map([["default", { kind: "socket", path: "/nonexistent.sock", raw: false }]]),
      cacheExports: [{ type: "local", attrs: { dest: join(dir, "cache") } }],
      cacheImports: [{ type: "registry", attrs: { ref: "r/cache" } }],
    });
    assert.deepEqual(
      all.services.map((s) => s.name),
      ["moby.filesync.v1.Auth", "moby.filesync.v1.FileSend", "moby.filesync.v1.FileSync", "moby.sshforward.v1.SSH", "moby.buildkit.secrets.v1.Secrets", "containerd.services.content.v1.Content"],
    );
    assert.ok(all.fileSend && all.services.includes(all.fileSend));
    assert.deepEqual(all.cache.imports, [{ type: "registry", attrs: { ref: "r/cache" } }]);

    const none = await sessionServices({ auth: false, fileSend: { targets: [undefined] } });
    assert.deepEqual(none.services, []);
    assert.equal(none.fileSend, undefined);
    assert.deepEqual((await sessionServices()).services.map((s) => s.name), ["moby.filesync.v1.Auth"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a bad secret fails the assembly", async () => {
  await assert.rejects(sessionServices({ secrets: [{ id: "", data: "v" }] }));
});
