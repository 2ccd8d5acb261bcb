import { test } from "node:test";
import assert from "node:assert/strict";
import { DockerfileError } from "../../errors.js";
import { containsWildcards, isGitSource, isHTTPSource, parseChmod } from "./convert-copy.js";

test("parseChmod: octal modes as numbers, symbolic modes as strings", () => {
  assert.equal(parseChmod(""), undefined);
  assert.equal(parseChmod("755"), 0o755);
  assert.equal(parseChmod("0644"), 0o644);
  assert.equal(parseChmod("7777"), 0o7777);
  assert.equal(parseChmod("0"), 0);
  assert.equal(parseChmod("u+x"), "u+x");
  assert.equal(parseChmod("a=rX,u+w"), "a=rX,u+w");
});

test("parseChmod: dockerfile.v0's errors", () => {
  const nonOctal = (s: string) => `invalid chmod parameter: '${s}'. it should be octal string and between 0 and 07777`;
  for (const s of ["10000", "0o755", "999", "8", "77777777777", "1e3"]) {
    assert.throws(() => parseChmod(s), (e: unknown) => e instanceof DockerfileError && e.message === nonOctal(s), s);
  }
  for (const s of ["u", "x+u", "u+x,", "+7", "rwx"]) {
    assert.throws(() => parseChmod(s), (e: unknown) => e instanceof DockerfileError && e.message === "invalid syntax", s);
  }
});

test("containsWildcards: *, ? and [ unless escaped", () => {
  assert.equal(containsWildcards("a/*.txt"), true);
  assert.equal(containsWildcards("a?"), true);
  assert.equal(containsWildcards("[ab]"), true);
  assert.equal(containsWildcards("plain/path"), false);
  assert.equal(containsWildcards("a\\*b"), false);
  assert.equal(containsWildcards("a\\\\*"), true);
});

test("isHTTPSource / isGitSource", () => {
  assert.equal(isHTTPSource("https://example.com/a.tar.gz"), true);
  assert.equal(isHTTPSource("http://example.com/"), true);
  assert.equal(isHTTPSource("https://example.com/r.git"), false);
  assert.equal(isGitSource("https://example.com/r.git"), true);
  assert.equal(isGitSource("https://example.com/r.git?bad=1"), false);
  assert.equal(isGitSource("git@github.com:moby/buildkit.git"), true);
  assert.equal(isGitSource("github.com/moby/buildkit"), true);
  assert.equal(isHTTPSource("./local"), false);
  assert.equal(isGitSource("./local"), false);
});
