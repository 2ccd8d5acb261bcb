import { test } from "node:test";
import assert from "node:assert/strict";
import { emptyGitRef, fragmentFormat, parseGitRef, type GitRef } from "./git-ref.js";

function ref(p: Partial<GitRef>): GitRef {
  return { ...emptyGitRef(), ...p };
}

// The cases of buildkit v0.32.2 dfgitutil/git_ref_test.go TestParseGitRef.
const cases: [string, Partial<GitRef> | undefined, string?][] = [
  ["https://example.com/", undefined],
  ["https://example.com/foo", undefined],
  ["https://example.com/foo.git", { remote: "https://example.com/foo.git", shortName: "foo" }],
  ["https://example.com/foo.git#deadbeef", { remote: "https://example.com/foo.git", shortName: "foo", ref: "deadbeef" }],
  ["https://example.com/foo.git#release/1.2", { remote: "https://example.com/foo.git", shortName: "foo", ref: "release/1.2" }],
  ["https://example.com/foo.git/", undefined],
  ["https://example.com/foo.git.bar", undefined],
  ["git://example.com/foo", { remote: "git://example.com/foo", shortName: "foo", unencryptedTCP: true }],
  ["github.com/moby/buildkit", { remote: "github.com/moby/buildkit", shortName: "buildkit", indistinguishableFromLocal: true }],
  ["github.com/moby/buildkit#master", { remote: "github.com/moby/buildkit", shortName: "buildkit", indistinguishableFromLocal: true, ref: "master" }],
  ["custom.xyz/moby/buildkit.git", undefined],
  ["https://github.com/moby/buildkit", undefined],
  ["https://github.com/moby/buildkit.git", { remote: "https://github.com/moby/buildkit.git", shortName: "buildkit" }],
  ["https://foo:bar@github.com/moby/buildkit.git", { remote: "https://foo:bar@github.com/moby/buildkit.git", shortName: "buildkit" }],
  ["git@github.com:moby/buildkit", { remote: "git@github.com:moby/buildkit", shortName: "buildkit" }],
  ["git@github.com:moby/buildkit.git", { remote: "git@github.com:moby/buildkit.git", shortName: "buildkit" }],
  ["git@bitbucket.org:atlassianlabs/atlassian-docker.git", { remote: "git@bitbucket.org:atlassianlabs/atlassian-docker.git", shortName: "atlassian-docker" }],
  ["https://github.com/foo/bar.git#baz/qux:quux/quuz", { remote: "https://github.com/foo/bar.git", shortName: "bar", ref: "baz/qux", subDir: "quux/quuz" }],
  ["http://github.com/docker/docker.git:#branch", undefined],
  ["https://github.com/docker/docker.git#:myfolder", { remote: "https://github.com/docker/docker.git", shortName: "docker", subDir: "myfolder" }],
  ["./.git", undefined],
  [".git", undefined],
  ["https://github.com/docker/docker.git?ref=v1.0.0&subdir=/subdir", { remote: "https://github.com/docker/docker.git", shortName: "docker", ref: "v1.0.0", subDir: "/subdir" }],
  ["https://github.com/moby/buildkit.git?subdir=/subdir#v1.0.0", { remote: "https://github.com/moby/buildkit.git", shortName: "buildkit", ref: "v1.0.0", subDir: "/subdir" }],
  ["https://github.com/moby/buildkit.git?tag=v1.0.0", { remote: "https://github.com/moby/buildkit.git", shortName: "buildkit", ref: "refs/tags/v1.0.0" }],
  ["github.com/moby/buildkit?tag=v1.0.0", { remote: "github.com/moby/buildkit", shortName: "buildkit", ref: "refs/tags/v1.0.0", indistinguishableFromLocal: true }],
  ["https://github.com/moby/buildkit.git?branch=v1.0", { remote: "https://github.com/moby/buildkit.git", shortName: "buildkit", ref: "refs/heads/v1.0" }],
  ["https://github.com/moby/buildkit.git?ref=v1.0.0#v1.2.3", undefined, 'ref conflicts: "v1.2.3" vs "v1.0.0"'],
  ["https://github.com/moby/buildkit.git?ref=v1.0.0&tag=v1.2.3", undefined, 'ref conflicts: "v1.0.0" vs "refs/tags/v1.2.3"'],
  ["https://github.com/moby/buildkit.git?tag=v1.0.0&branch=v1.0", undefined, "branch conflicts with tag"],
  ["git@github.com:moby/buildkit.git?subdir=/subdir#v1.0.0", { remote: "git@github.com:moby/buildkit.git", shortName: "buildkit", ref: "v1.0.0", subDir: "/subdir" }],
  ["https://github.com/moby/buildkit.git?mtime=commit", { remote: "https://github.com/moby/buildkit.git", shortName: "buildkit", mtime: "commit" }],
  ["https://github.com/moby/buildkit.git?mtime=checkout", { remote: "https://github.com/moby/buildkit.git", shortName: "buildkit", mtime: "checkout" }],
  ["https://github.com/moby/buildkit.git?mtime=invalid", undefined, 'invalid mtime value: "invalid" (must be "checkout" or "commit")'],
  [
    "https://github.com/moby/buildkit.git?fetch-by-commit=true&checksum=deadbeef#refs/heads/branch",
    { remote: "https://github.com/moby/buildkit.git", shortName: "buildkit", ref: "refs/heads/branch", checksum: "deadbeef", fetchByCommit: true },
  ],
  ["https://github.com/moby/buildkit.git?fetch-by-commit&checksum=deadbeef", { remote: "https://github.com/moby/buildkit.git", shortName: "buildkit", checksum: "deadbeef", fetchByCommit: true }],
  ["https://github.com/moby/buildkit.git?fetch-by-commit=false", { remote: "https://github.com/moby/buildkit.git", shortName: "buildkit" }],
  ["https://github.com/moby/buildkit.git?fetch-by-commit=invalid", undefined, 'invalid fetch-by-commit value: "invalid"'],
  ["https://github.com/moby/buildkit.git?invalid=123", undefined, 'unexpected query "invalid"'],
  // beyond the Go test: the other query keys
  ["https://x.test/r.git?keep-git-dir", { remote: "https://x.test/r.git", shortName: "r", keepGitDir: true }],
  ["https://x.test/r.git?keep-git-dir=0&submodules=false", { remote: "https://x.test/r.git", shortName: "r", keepGitDir: false, submodules: false }],
  ["https://x.test/r.git?commit=abc", { remote: "https://x.test/r.git", shortName: "r", checksum: "abc" }],
  ["https://x.test/r.git?ref=", undefined, 'query "ref" has no value'],
  ["https://x.test/r.git?ref=a&ref=b", undefined, 'query "ref" has multiple values'],
  ["https://x.test/r.git?submodules=maybe", undefined, 'invalid submodules value: "maybe"'],
  ["http://x.test/r.git", { remote: "http://x.test/r.git", shortName: "r", unencryptedTCP: true }],
];

test("parseGitRef: buildkit's cases", () => {
  for (const [input, expected, err] of cases) {
    const got = parseGitRef(input);
    if (expected === undefined) {
      assert.equal(got.gitRef, undefined, input);
      assert.notEqual(got.err, undefined, input);
      if (err) assert.equal(got.err, err, input);
    } else {
      assert.equal(got.err, undefined, input);
      assert.equal(got.isGit, true, input);
      assert.deepEqual(got.gitRef, ref(expected), input);
    }
  }
});

test("parseGitRef: isGit tells a bad git URL from a non-git source", () => {
  assert.equal(parseGitRef("https://x.test/r.git?bad=1").isGit, true);
  assert.equal(parseGitRef("https://x.test/file.tar.gz").isGit, false);
  assert.equal(parseGitRef("foo/bar").isGit, false);
  assert.equal(parseGitRef("foo/bar").err, "unknown protocol");
  assert.equal(parseGitRef("./x").err, "invalid argument");
  assert.equal(parseGitRef("ftp://x/y.git").err, "ftp: invalid protocol");
});

test("fragmentFormat: buildkit's cases", () => {
  const noSub: [string, string, boolean][] = [
    ["https://example.com/", "https://example.com/", false],
    ["https://example.com/foo.git#deadbeef", "https://example.com/foo.git#deadbeef", true],
    ["github.com/moby/buildkit#master", "github.com/moby/buildkit#master", true],
    ["https://github.com/foo/bar.git#baz/qux:quux/quuz", "https://github.com/foo/bar.git#baz/qux", true],
    ["https://github.com/docker/docker.git#:myfolder", "https://github.com/docker/docker.git", true],
    ["https://github.com/moby/buildkit.git?tag=v1.0.0", "https://github.com/moby/buildkit.git#refs/tags/v1.0.0", true],
    ["https://github.com/moby/buildkit.git?ref=v1.0.0#v1.2.3", "https://github.com/moby/buildkit.git?ref=v1.0.0#v1.2.3", false],
    ["git@github.com:moby/buildkit.git?subdir=/subdir#v1.0.0", "git@github.com:moby/buildkit.git#v1.0.0", true],
  ];
  for (const [input, want, ok] of noSub) assert.deepEqual(fragmentFormat(input, false), [want, ok], input);
  const withSub: [string, string][] = [
    ["https://github.com/foo/bar.git#baz/qux:quux/quuz", "https://github.com/foo/bar.git#baz/qux:quux/quuz"],
    ["https://github.com/docker/docker.git#:myfolder", "https://github.com/docker/docker.git#:myfolder"],
    ["https://github.com/docker/docker.git?ref=v1.0.0&subdir=/subdir", "https://github.com/docker/docker.git#v1.0.0:subdir"],
    ["git@github.com:moby/buildkit.git?subdir=/subdir#v1.0.0", "git@github.com:moby/buildkit.git#v1.0.0:subdir"],
  ];
  for (const [input, want] of withSub) assert.deepEqual(fragmentFormat(input, true), [want, true], input);
});
