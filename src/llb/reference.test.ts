/**
 * Reference normalisation. The table (test/golden/tables/reference.json) is
 * produced by Go's github.com/distribution/reference v0.6.0 (`ParseNormalizedNamed`
 * then `TagNameOnly`, error text on failure) over inputs taken from that module's
 * own tests plus edge cases; each row is [input, normalised, error].
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  ImageReference,
  normalizeImageRef,
  parseDigest,
  parseDockerRef,
  parseNamed,
  parseNormalizedNamed,
  parseReference,
  tagNameOnly,
  trimNamed,
  withDigest,
  withName,
  withTag,
} from "./reference.js";
import { InvalidArgumentError } from "../errors.js";

// Rows [input, normalised, error] from Go: `golden table reference` (test/golden/go/tables.go)
// recomputes them in every golden run (node dist/test/golden/run.js), which fails on a difference.
const goTable = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../test/golden/tables/reference.json", import.meta.url)), "utf8"),
) as [string, string, string][];

test("ParseNormalizedNamed + TagNameOnly match Go over the table", () => {
  for (const [input, want, wantErr] of goTable) {
    let got = "";
    let err = "";
    try {
      got = normalizeImageRef(input);
    } catch (e) {
      assert.ok(e instanceof InvalidArgumentError, `${input}: error type`);
      err = (e as Error).message;
    }
    assert.deepEqual({ got, err }, { got: want, err: wantErr }, JSON.stringify(input));
  }
});

test("the brief's examples", () => {
  assert.equal(normalizeImageRef("busybox"), "docker.io/library/busybox:latest");
  assert.equal(normalizeImageRef("ghcr.io/a/b"), "ghcr.io/a/b:latest");
  assert.equal(normalizeImageRef("localhost:5000/x"), "localhost:5000/x:latest");
  const d = "sha256:" + "a".repeat(64);
  assert.equal(normalizeImageRef("name@" + d), "docker.io/library/name@" + d);
  assert.equal(normalizeImageRef("name:tag@" + d), "docker.io/library/name:tag@" + d);
  assert.throws(() => normalizeImageRef("Name"), /must be lowercase/);
});

test("parts of a parsed reference", () => {
  const d = "sha256:" + "b".repeat(64);
  const r = parseNormalizedNamed("localhost:5000/org/app:v1@" + d);
  assert.equal(r.domain, "localhost:5000");
  assert.equal(r.path, "org/app");
  assert.equal(r.tag, "v1");
  assert.equal(r.digest, d);
  assert.equal(r.name(), "localhost:5000/org/app");
  assert.ok(r.isTagged() && r.isDigested() && !r.isNameOnly());
  assert.equal(trimNamed(r).toString(), "localhost:5000/org/app");
});

test("familiar forms", () => {
  assert.equal(parseNormalizedNamed("docker.io/library/ubuntu:22.04").familiarString(), "ubuntu:22.04");
  assert.equal(parseNormalizedNamed("docker.io/library/foo/bar").familiarName(), "library/foo/bar");
  assert.equal(parseNormalizedNamed("docker.io/org/app").familiarName(), "org/app");
  assert.equal(parseNormalizedNamed("ghcr.io/org/app").familiarName(), "ghcr.io/org/app");
});

test("WithTag / WithDigest / TagNameOnly", () => {
  const d = "sha256:" + "c".repeat(64);
  const named = parseNormalizedNamed("alpine");
  assert.equal(tagNameOnly(named).toString(), "docker.io/library/alpine:latest");
  assert.equal(withDigest(withTag(named, "3.20"), d).toString(), "docker.io/library/alpine:3.20@" + d);
  assert.equal(tagNameOnly(withDigest(named, d)).toString(), "docker.io/library/alpine@" + d);
  assert.throws(() => withTag(named, "-bad"), /invalid tag format/);
  assert.throws(() => withDigest(named, "sha256:short"), /invalid digest format/);
});

test("ParseDockerRef drops the tag when a digest is present", () => {
  const d = "sha256:" + "a".repeat(64);
  assert.equal(parseDockerRef("busybox:1@" + d).toString(), "docker.io/library/busybox@" + d);
  assert.equal(parseDockerRef("busybox").toString(), "docker.io/library/busybox:latest");
});

test("ParseNamed requires the canonical form; Parse does not normalise", () => {
  assert.throws(() => parseNamed("busybox"), /must be canonical/);
  assert.equal(parseNamed("docker.io/library/busybox").toString(), "docker.io/library/busybox");
  const r = parseReference("busybox:1");
  assert.equal(r.domain, "");
  assert.equal(r.toString(), "busybox:1");
  assert.equal(withName("example.com:5000/x").domain, "example.com:5000");
  assert.throws(() => withName("UP/x/Y"), /invalid reference format/);
  assert.ok(r instanceof ImageReference);
});

test("digest validation is go-digest's", () => {
  const hex64 = "a".repeat(64);
  assert.equal(parseDigest("sha256:" + hex64), "sha256:" + hex64);
  assert.equal(parseDigest("sha512:" + "a".repeat(128)), "sha512:" + "a".repeat(128));
  assert.throws(() => parseDigest("sha256:" + "a".repeat(63)), /invalid checksum digest length/);
  assert.throws(() => parseDigest("sha256:" + "A".repeat(64)), /invalid checksum digest format/);
  assert.throws(() => parseDigest("md5:" + "a".repeat(32)), /unsupported digest algorithm/);
  assert.throws(() => parseDigest("MD5:" + "a".repeat(32)), /invalid checksum digest format/);
  assert.throws(() => parseDigest(":abc"), /invalid checksum digest format/);
  assert.throws(() => parseDigest("sha256:"), /invalid checksum digest format/);
});
