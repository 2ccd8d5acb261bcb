/**
 * The README's main job from a fresh clone: `git clone` of this work tree's
 * committed HEAD into a temporary dir, then `bash scripts/main.sh` there with
 * BUILDKIT_HOST set (so it builds on the shared test daemon instead of
 * starting one). It installs (warm: nothing to do), runs `npm ci` (npm's
 * cache), builds, and must leave out/busybox-shell.oci.tar: one image index
 * with the busybox shell for linux/amd64, linux/arm64 and linux/arm/v7.
 */

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { layerEntries, platformOf, readOciTar } from "./lib/oci.js";
import { ok, repoRoot, requireEnv, run, tempDir } from "./lib/env.js";
import { SHELL_PLATFORMS } from "./lib/shell-image.js";

let work: ReturnType<typeof tempDir> | undefined;
after(() => work?.remove());

const ELF_MACHINE: Record<string, number> = { amd64: 62, arm64: 183, arm: 40 };

test("scripts/main.sh from a fresh clone builds the 3-platform busybox shell image", { timeout: 15 * 60_000 }, async () => {
  const env = requireEnv();
  work = tempDir("main-job");
  const clone = join(work.dir, "repo");
  ok(await run("git", ["clone", "--quiet", repoRoot, clone], { timeout: 120_000 }), "git clone");
  const head = ok(await run("git", ["rev-parse", "HEAD"], { cwd: repoRoot })).trim();
  assert.equal(ok(await run("git", ["rev-parse", "HEAD"], { cwd: clone })).trim(), head);

  const r = await run("bash", ["scripts/main.sh"], {
    cwd: clone,
    // The shared daemon; npm ci from npm's cache where it can.
    env: { ...process.env, BUILDKIT_HOST: env.buildkitHost, PROGRESS: "plain", npm_config_prefer_offline: "true" },
    timeout: 14 * 60_000,
  });
  ok(r, "bash scripts/main.sh");
  const last = r.stdout.trimEnd().split("\n").at(-1) ?? "";
  const m = /^main: built out\/busybox-shell\.oci\.tar \([\d.]+[KMG]?\), image index (sha256:[0-9a-f]{64})$/.exec(last);
  assert.ok(m, `last line: ${last}`);

  const oci = readOciTar(join(clone, "out", "busybox-shell.oci.tar"));
  assert.equal(oci.indexDescriptor.digest, m[1]);
  assert.equal(oci.indexDescriptor.annotations?.["io.containerd.image.name"], "docker.io/tsfrontend/busybox-shell:latest");
  assert.equal(oci.index.manifests.length, 3);
  assert.deepEqual(oci.images.map((i) => platformOf(i.descriptor.platform)).sort(), [...SHELL_PLATFORMS].sort());
  const metadata = JSON.parse(readFileSync(join(clone, "out", "busybox-shell.metadata.json"), "utf8")) as Record<string, unknown>;
  assert.equal(metadata["containerimage.digest"], oci.indexDescriptor.digest);

  for (const img of oci.images) {
    const platform = platformOf(img.descriptor.platform);
    assert.equal(platformOf(img.config), platform);
    assert.deepEqual(img.config.config.Cmd, ["/bin/sh"], platform);
    // The layers hold the busybox binary for the platform's architecture and its applet links.
    const entries = img.manifest.layers.flatMap((l) => layerEntries(oci, l));
    const busybox = entries.find((e) => e.name === "bin/busybox" && e.type === "0");
    assert.ok(busybox, `${platform}: bin/busybox`);
    assert.equal(busybox.data.readUInt16LE(18), ELF_MACHINE[img.config.architecture], `${platform}: ELF machine`);
    const sh = entries.find((e) => e.name === "bin/sh");
    assert.equal(sh?.type, "2", `${platform}: bin/sh is a symlink`);
    assert.match(sh.linkname, /busybox$/);
  }
});
