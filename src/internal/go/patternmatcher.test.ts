import { test } from "node:test";
import assert from "node:assert/strict";

import { dirPath } from "./path.js";
import { emptyMatchInfo, goTrimSpace, parseIgnoreFile, PatternMatcher, type MatchInfo } from "./patternmatcher.js";

/** MatchesOrParentMatches for one pattern list; "err" when Go returns an error. */
function matches(patterns: string[], path: string): boolean | "err" {
  try {
    return new PatternMatcher(patterns).matchesOrParentMatches(path);
  } catch {
    return "err";
  }
}

/** MatchesUsingParentResults, fed with the results of each parent directory in turn. */
function matchesWalking(patterns: string[], path: string): boolean | "err" {
  try {
    const pm = new PatternMatcher(patterns);
    const parent = dirPath(path);
    let info: MatchInfo = emptyMatchInfo;
    if (parent !== ".") {
      const dirs = parent.split("/");
      for (let i = 0; i < dirs.length; i++) info = pm.matchesUsingParentResults(dirs.slice(0, i + 1).join("/"), info)[1];
    }
    return pm.matchesUsingParentResults(path, info)[0];
  } catch {
    return "err";
  }
}

test("Go strings.TrimSpace", () => {
  assert.equal(goTrimSpace("\u0085 a \t"), "a");
  assert.equal(goTrimSpace("\ufeffa"), "\ufeffa"); // not a space in Go
});

// patternmatcher_test.go TestMatches: every case through MatchesOrParentMatches
// and MatchesUsingParentResults (with and without parent context).
test("patternmatcher: TestMatches table", () => {
  const single: Array<[string, string, boolean]> = [
    ["**", "file", true],
    ["**", "file/", true],
    ["**/", "file", true],
    ["**/", "file/", true],
    ["**", "/", true],
    ["**/", "/", true],
    ["**", "dir/file", true],
    ["**/", "dir/file", true],
    ["**", "dir/file/", true],
    ["**/", "dir/file/", true],
    ["**/**", "dir/file", true],
    ["**/**", "dir/file/", true],
    ["dir/**", "dir/file", true],
    ["dir/**", "dir/file/", true],
    ["dir/**", "dir/dir2/file", true],
    ["dir/**", "dir/dir2/file/", true],
    ["**/dir", "dir", true],
    ["**/dir", "dir/file", true],
    ["**/dir2/*", "dir/dir2/file", true],
    ["**/dir2/*", "dir/dir2/file/", true],
    ["**/dir2/**", "dir/dir2/dir3/file", true],
    ["**/dir2/**", "dir/dir2/dir3/file/", true],
    ["**file", "file", true],
    ["**file", "dir/file", true],
    ["**/file", "dir/file", true],
    ["**file", "dir/dir/file", true],
    ["**/file", "dir/dir/file", true],
    ["**/file*", "dir/dir/file", true],
    ["**/file*", "dir/dir/file.txt", true],
    ["**/file*txt", "dir/dir/file.txt", true],
    ["**/file*.txt", "dir/dir/file.txt", true],
    ["**/file*.txt*", "dir/dir/file.txt", true],
    ["**/**/*.txt", "dir/dir/file.txt", true],
    ["**/**/*.txt2", "dir/dir/file.txt", false],
    ["**/*.txt", "file.txt", true],
    ["**/**/*.txt", "file.txt", true],
    ["a**/*.txt", "a/file.txt", true],
    ["a**/*.txt", "a/dir/file.txt", true],
    ["a**/*.txt", "a/dir/dir/file.txt", true],
    ["a/*.txt", "a/dir/file.txt", false],
    ["a/*.txt", "a/file.txt", true],
    ["a/*.txt**", "a/file.txt", true],
    ["a[b-d]e", "ae", false],
    ["a[b-d]e", "ace", true],
    ["a[b-d]e", "aae", false],
    ["a[^b-d]e", "aze", true],
    [".*", ".foo", true],
    [".*", "foo", false],
    ["abc.def", "abcdef", false],
    ["abc.def", "abc.def", true],
    ["abc.def", "abcZdef", false],
    ["abc?def", "abcZdef", true],
    ["abc?def", "abcdef", false],
    ["a\\\\", "a\\", true],
    ["**/foo/bar", "foo/bar", true],
    ["**/foo/bar", "dir/foo/bar", true],
    ["**/foo/bar", "dir/dir2/foo/bar", true],
    ["abc/**", "abc", false],
    ["abc/**", "abc/def", true],
    ["abc/**", "abc/def/ghi", true],
    ["**/.foo", ".foo", true],
    ["**/.foo", "bar.foo", false],
    ["a(b)c/def", "a(b)c/def", true],
    ["a(b)c/def", "a(b)c/xyz", false],
    ["a.|)$(}+{bc", "a.|)$(}+{bc", true],
    ["dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true],
    ["dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true],
    ["a\\*b", "a*b", true],
  ];
  const multi: Array<[string[], string, boolean]> = [
    [["**", "!util/docker/web"], "util/docker/web/foo", false],
    [["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", true],
    [["**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false],
    [["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false],
  ];
  const all: Array<[string[], string, boolean]> = [...single.map(([p, t, r]): [string[], string, boolean] => [[p], t, r]), ...multi];
  for (const [patterns, text, want] of all) {
    const desc = `patterns=${JSON.stringify(patterns)} text=${JSON.stringify(text)}`;
    assert.equal(matches(patterns, text), want, `MatchesOrParentMatches ${desc}`);
    assert.equal(matchesWalking(patterns, text), want, `MatchesUsingParentResults ${desc}`);
    const pm = new PatternMatcher(patterns);
    assert.equal(pm.matchesUsingParentResults(text, emptyMatchInfo)[0], want, `no context ${desc}`);
  }
});

test("patternmatcher: exclusions, folders, errors", () => {
  assert.equal(matches(["*"], "fileutils.go"), true);
  assert.equal(matches(["*.go"], "fileutils.go"), true);
  assert.equal(matches(["!fileutils.go", "*.go"], "fileutils.go"), true);
  assert.equal(matches(["docs", "!docs/README.md"], "docs/README.md"), false);
  assert.equal(matches(["docs/", "!docs/README.md"], "docs/README.md"), false);
  assert.equal(matches(["docs/*", "!docs/README.md"], "docs/README.md"), false);
  assert.equal(matches(["*.go", "!fileutils.go"], "fileutils.go"), false);
  assert.equal(matches(["!"], "fileutils.go"), "err");
  assert.equal(matches(["["], "/any/path/there"), "err");
  assert.equal(matches([], "x"), false);
  // passes New's filepath.Match check, fails when compiled (l-O is a reversed range)
  const pm = new PatternMatcher(["[Local-Only]/"]);
  assert.throws(() => pm.matchesOrParentMatches("x"));
  assert.throws(() => pm.matchesOrParentMatches("x"));
  // cleaning: trims, drops empty patterns, keeps the exception flag
  const cleaned = new PatternMatcher(["  docs  ", "", " ", "!config/", "./a/../b/"]);
  assert.deepEqual(
    cleaned.patterns.map((p) => [p.cleaned, p.exclusion]),
    [
      ["docs", false],
      ["config", true],
      ["b", false],
    ],
  );
  assert.equal(cleaned.exclusions, true);
});

test("patternmatcher quirks kept from Go", () => {
  // `|` is not escaped (patternmatcher's escape bitmap overflows for bytes >= 64): an alternation
  assert.equal(matches(["*|x"], "anything"), true);
  assert.equal(matches(["a|b"], "a"), false); // exact match type: no regexp at all
  assert.equal(matches(["a?|b"], "b"), true);
  // `{n}` is a repeat, other braces are literal
  assert.equal(matches(["a?{2}"], "abb"), true);
  assert.equal(matches(["a?{2}"], "ab"), false);
  assert.equal(matches(["?{x}"], "a{x}"), true);
  // RE2 escapes: \d is a digit class, \a a bell character
  assert.equal(matches(["f\\d"], "f1"), true);
  assert.equal(matches(["f\\d"], "fd"), false);
  assert.equal(matches(["\\a"], "a"), false);
  // POSIX classes inside brackets
  assert.equal(matches(["[[:digit:]]x"], "1x"), true);
  // ? and * count code points, not UTF-16 units
  assert.equal(matches(["?"], "😀"), true);
  assert.equal(matches(["a?b"], "a😀b"), true);
  // a leading ** is a suffix match; a trailing ** a prefix match
  assert.equal(matches(["**.log"], "dir/x.log"), true);
  assert.equal(matches(["foo**"], "foobar/x"), true);
});

test("ignorefile.ReadAll", () => {
  const content = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ";
  assert.deepEqual(parseIgnoreFile(content), ["test1", "test2", "a/file/here", "lastfile", "!inverted/abs/path", "!", "!"]);
  // BOM, CRLF, comments only at column 0, cleaning
  assert.deepEqual(parseIgnoreFile("\ufeff# c\r\n  # not a comment\r\nfoo/../bar/\r\n/\r\n*.log\n"), ["# not a comment", "bar", "/", "*.log"]);
  assert.deepEqual(parseIgnoreFile(Buffer.from("a\nb")), ["a", "b"]);
  assert.deepEqual(parseIgnoreFile(""), []);
});
