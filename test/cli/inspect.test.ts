/**
 * `tsfrontend inspect` on a fixture OCI layout (test/cli/fixtures/inspect-layout, written by
 * make-inspect-layout.mjs: two platforms and an attestation manifest): the text and JSON outputs
 * are the checked-in ones, a tarball of the layout reads the same, and bad input gives one line.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliPath } from "../lib/cli.js";
import { repoRoot } from "../lib/gobin.js";

const cli = cliPath;
const layoutRel = join("test", "cli", "fixtures", "inspect-layout");
const layout = join(repoRoot, layoutRel);

function tsfrontend(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(args: string[]): string {
  const r = tsfrontend(args);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  return r.stdout;
}

function withTemp(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "tsf-inspect-"));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function tar(args: string[]): void {
  const r = spawnSync("tar", args, { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
}

test("text output of an OCI layout: index with the attestation marked, each platform's config, layers, size, history", () => {
  const got = ok(["inspect", `oci:${layoutRel}`]);
  assert.equal(got, readFileSync(join(repoRoot, "test", "cli", "fixtures", "inspect-layout.txt"), "utf8"));
  assert.match(got, /^  Platform: +unknown\/unknown\n  Size: +\d+B\n  Attestation: for sha256:/m);
  assert.doesNotMatch(got, /^Image unknown/m);
  assert.doesNotMatch(got, / +$/m, "no trailing spaces");
});

test("--format json: the documented document, keys in a fixed order", () => {
  const got = ok(["inspect", `oci:${layoutRel}`, "--format", "json"]);
  assert.equal(got, readFileSync(join(repoRoot, "test", "cli", "fixtures", "inspect-layout.json"), "utf8"));
  const doc = JSON.parse(got) as { manifests: { attestation: boolean; platform: string }[]; images: Record<string, unknown>[] };
  assert.deepEqual(Object.keys(doc), ["name", "mediaType", "digest", "size", "manifests", "images"]);
  assert.deepEqual(
    doc.manifests.map((m) => [m.platform, m.attestation]),
    [
      ["linux/amd64", false],
      ["linux/arm/v7", false],
      ["unknown/unknown", true],
    ],
  );
  assert.deepEqual(Object.keys(doc.images[0]!), [
    "platform", "manifest", "config", "created", "architecture", "os", "variant", "user", "env", "entrypoint", "cmd", "workingDir",
    "exposedPorts", "volumes", "labels", "stopSignal", "healthcheck", "layers", "layersSize", "totalSize", "history",
  ]);
});

test("a tarball of the layout (oci-archive:PATH, PATH.tar, ./-prefixed names) reads the same", () => {
  const want = JSON.parse(readFileSync(join(repoRoot, "test", "cli", "fixtures", "inspect-layout.json"), "utf8")) as Record<string, unknown>;
  withTemp((dir) => {
    const plain = join(dir, "plain.tar");
    tar(["-C", layout, "-cf", plain, ...readdirSync(layout)]);
    const dotted = join(dir, "dotted.tar");
    tar(["-C", layout, "-cf", dotted, "."]);
    for (const [ref, name] of [
      [`oci-archive:${plain}`, `oci-archive:${plain}`],
      [plain, `oci-archive:${plain}`],
      [dotted, `oci-archive:${dotted}`],
    ] as const) {
      assert.deepEqual(JSON.parse(ok(["inspect", ref, "--format", "json"])), { ...want, name }, ref);
    }
  });
});

test("--platform shows one image (variants normalised), and says which platforms there are when none matches", () => {
  const one = JSON.parse(ok(["inspect", `oci:${layoutRel}`, "--platform", "linux/armhf", "--format", "json"])) as { images: { platform: string }[]; manifests: unknown[] };
  assert.deepEqual(
    one.images.map((i) => i.platform),
    ["linux/arm/v7"],
  );
  assert.equal(one.manifests.length, 3);
  const text = ok(["inspect", `oci:${layoutRel}`, "--platform", "linux/amd64"]);
  assert.match(text, /^Image linux\/amd64:$/m);
  assert.doesNotMatch(text, /^Manifests:$|^Image linux\/arm/m);
  const none = tsfrontend(["inspect", `oci:${layoutRel}`, "--platform", "linux/arm64"]);
  assert.equal(none.status, 1);
  assert.equal(none.stderr, `tsfrontend: oci:${layoutRel}: no manifest for platform linux/arm64 in the index (it has linux/amd64, linux/arm/v7)\n`);
});

test("one-line errors: bad flags, not an archive, a blob with other content, a missing layer", () => {
  const fmt = tsfrontend(["inspect", `oci:${layoutRel}`, "--format", "yaml"]);
  assert.equal(fmt.status, 1);
  assert.match(fmt.stderr, /^tsfrontend: --format: .*yaml.*\n$/);
  const plat = tsfrontend(["inspect", `oci:${layoutRel}`, "--platform", "linux"]);
  assert.equal(plat.status, 1);
  assert.match(plat.stderr, /^tsfrontend: --platform: .*\n$/);
  withTemp((dir) => {
    const junk = join(dir, "junk.tar");
    writeFileSync(junk, "x".repeat(2048));
    const r = tsfrontend(["inspect", junk]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `tsfrontend: ${junk} is not an OCI archive: not a tar archive\n`);

    const empty = join(dir, "empty");
    cpSync(layout, empty, { recursive: true });
    rmSync(join(empty, "index.json"));
    const noIndex = tsfrontend(["inspect", `oci:${empty}`]);
    assert.equal(noIndex.stderr, `tsfrontend: ${empty} is not an OCI layout directory (no index.json)\n`);

    const idx = JSON.parse(readFileSync(join(repoRoot, "test", "cli", "fixtures", "inspect-layout.json"), "utf8")) as {
      images: { config: { digest: string }; layers: { digest: string }[] }[];
    };
    const bad = join(dir, "bad");
    cpSync(layout, bad, { recursive: true });
    const cfg = idx.images[0]!.config.digest;
    writeFileSync(join(bad, "blobs", "sha256", cfg.slice(7)), "{}");
    const tampered = tsfrontend(["inspect", `oci:${bad}`]);
    assert.equal(tampered.status, 1);
    assert.match(tampered.stderr, new RegExp(`^tsfrontend: oci:${bad}: blob: content has digest sha256:[0-9a-f]{64}, expected ${cfg}\\n$`));

    const gone = join(dir, "gone");
    cpSync(layout, gone, { recursive: true });
    const layer = idx.images[0]!.layers[1]!.digest;
    rmSync(join(gone, "blobs", "sha256", layer.slice(7)));
    const missing = tsfrontend(["inspect", `oci:${gone}`]);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, `tsfrontend: oci:${gone}: layer ${layer} is missing\n`);
  });
});
