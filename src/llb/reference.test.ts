/**
 * Reference normalisation. The table was produced by Go's
 * github.com/distribution/reference v0.6.0 (`ParseNormalizedNamed` then
 * `TagNameOnly`, error text on failure) over inputs taken from that module's
 * own tests plus edge cases; each row is [input, normalised, error].
 */

import { test } from "node:test";
import assert from "node:assert/strict";
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

const goTable: [string, string, string][] = [
  ["busybox", "docker.io/library/busybox:latest", ""],
  ["busybox:latest", "docker.io/library/busybox:latest", ""],
  ["busybox:1.36", "docker.io/library/busybox:1.36", ""],
  ["docker.io/library/busybox", "docker.io/library/busybox:latest", ""],
  ["docker.io/busybox", "docker.io/library/busybox:latest", ""],
  ["index.docker.io/busybox", "docker.io/library/busybox:latest", ""],
  ["index.docker.io/library/busybox:1", "docker.io/library/busybox:1", ""],
  ["library/busybox", "docker.io/library/busybox:latest", ""],
  ["ghcr.io/a/b", "ghcr.io/a/b:latest", ""],
  ["ghcr.io/a/b:v1", "ghcr.io/a/b:v1", ""],
  ["localhost:5000/x", "localhost:5000/x:latest", ""],
  ["localhost/x", "localhost/x:latest", ""],
  ["localhost", "docker.io/library/localhost:latest", ""],
  ["localhost:5000", "docker.io/library/localhost:5000", ""],
  ["busybox@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "docker.io/library/busybox@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ""],
  ["busybox:1.36@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "docker.io/library/busybox:1.36@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ""],
  ["Busybox", "", "invalid reference format: repository name (library/Busybox) must be lowercase"],
  ["docker/Docker", "", "invalid reference format: repository name (docker/Docker) must be lowercase"],
  ["Docker/docker", "Docker/docker:latest", ""],
  ["DOCKER/docker", "DOCKER/docker:latest", ""],
  ["LOCALDOMAIN/debian", "LOCALDOMAIN/debian:latest", ""],
  ["-docker", "", "invalid reference format"],
  ["docker///docker", "", "invalid reference format"],
  ["[fc00::1]:5000/docker", "[fc00::1]:5000/docker:latest", ""],
  ["[fc00::1]", "", "invalid reference format"],
  ["[fc00::1]:5000", "", "invalid reference format"],
  ["fc00::1:5000/debian", "", "invalid reference format"],
  ["[fe80::1%eth0]:5000/debian", "", "invalid reference format"],
  ["192.168.0.1", "docker.io/library/192.168.0.1:latest", ""],
  ["192.168.0.1:80", "docker.io/library/192.168.0.1:80", ""],
  ["127.0.0.1:5000/docker/docker", "127.0.0.1:5000/docker/docker:latest", ""],
  ["1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "", "invalid repository name (1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a), cannot specify 64-byte hexadecimal strings"],
  ["docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "docker.io/library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a:latest", ""],
  ["https://github.com/docker/docker", "", "invalid reference format"],
  ["", "", "invalid reference format"],
  ["a:b:c", "", "invalid reference format"],
  ["foo:", "", "invalid reference format"],
  ["foo@", "", "invalid reference format"],
  ["foo@sha256:abc", "", "invalid reference format"],
  ["foo@sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "", "invalid checksum digest format"],
  ["foo@md5:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "", "unsupported digest algorithm"],
  ["foo@sha512:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "", "invalid checksum digest length"],
  ["foo@sha384:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "", "invalid checksum digest length"],
  ["foo@SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "", "invalid reference format: repository name (library/foo@SHA256) must be lowercase"],
  ["foo@sha256+b64:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "", "unsupported digest algorithm"],
  ["a__b", "docker.io/library/a__b:latest", ""],
  ["a___b", "", "invalid reference format"],
  ["a--b", "docker.io/library/a--b:latest", ""],
  ["a.-b", "", "invalid reference format"],
  ["a._b", "", "invalid reference format"],
  ["a_.b", "", "invalid reference format"],
  ["foo/bar:Tag_1.0-x", "docker.io/foo/bar:Tag_1.0-x", ""],
  ["foo:-tag", "", "invalid reference format"],
  ["foo:.tag", "", "invalid reference format"],
  ["foo:TAG", "docker.io/library/foo:TAG", ""],
  ["foo:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "docker.io/library/foo:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ""],
  ["foo:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "docker.io/library/foo:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ""],
  ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "", "repository name must not be more than 255 characters"],
  ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "docker.io/library/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:latest", ""],
  ["sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com/bar/baz/quux:latest", ""],
  ["sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com/bar/baz/quux:some-long-tag", ""],
  ["b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io/test.example.com/my-app:test.example.com", ""],
  ["xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com/myimage:xn--n3h.com", ""],
  ["xn--7o8h.com/myimage:xn--7o8h.com@sha512:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "xn--7o8h.com/myimage:xn--7o8h.com@sha512:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ""],
  ["foo_bar.com:8080", "docker.io/library/foo_bar.com:8080", ""],
  ["foo/foo_bar.com:8080", "docker.io/foo/foo_bar.com:8080", ""],
  ["foo.com:8080/bar", "foo.com:8080/bar:latest", ""],
  ["foo.com:http/bar", "", "invalid reference format"],
  ["-foo.com/bar", "", "invalid reference format"],
  ["foo-.com/bar", "", "invalid reference format"],
  ["Uppercase:tag", "", "invalid reference format: repository name (library/Uppercase) must be lowercase"],
  ["upper/Case", "", "invalid reference format: repository name (upper/Case) must be lowercase"],
  ["\u00fcnicode", "", "invalid reference format"],
  ["a/\u00fc", "", "invalid reference format"],
  ["example.com/FOO", "", "invalid reference format: repository name (FOO) must be lowercase"],
  ["localhost:5000/Foo", "", "invalid reference format: repository name (Foo) must be lowercase"],
  ["ab@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:x", "", "invalid reference format"],
  [" busybox", "", "invalid reference format"],
  ["busybox ", "", "invalid reference format"],
  ["foo/", "", "invalid reference format"],
  ["/foo", "", "invalid reference format"],
  ["foo//bar", "", "invalid reference format"],
  ["foo/./bar", "", "invalid reference format"],
  ["[2001:db8::1]/foo", "[2001:db8::1]/foo:latest", ""],
  ["[2001:db8::1]:5000/foo:tag", "[2001:db8::1]:5000/foo:tag", ""],
  ["[2001:db8::1%eth0]/foo", "", "invalid reference format"],
  ["2001:db8::1/foo", "", "invalid reference format"],
];

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
