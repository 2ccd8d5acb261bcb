import { test } from "node:test";
import assert from "node:assert/strict";

import { basePath, cleanPath, dirPath, joinPath, matchPath } from "./path.js";

test("Go path.Clean, Join, Dir, Base", () => {
  const clean: Array<[string, string]> = [
    ["", "."],
    [".", "."],
    ["a/b/", "a/b"],
    ["a//b", "a/b"],
    ["./a/./b/.", "a/b"],
    ["a/../b", "b"],
    ["a/../..", ".."],
    ["../../a", "../../a"],
    ["/../a", "/a"],
    ["/", "/"],
    ["//a//", "/a"],
    ["abc/def/../../..", ".."],
    ["a/./b", "a/b"],
    ["../a", "../a"],
    ["./a", "a"],
    ["..", ".."],
    ["/a/b/c.txt", "/a/b/c.txt"],
    ["/a/b/", "/a/b"],
    ["/./a", "/a"],
    ["/a/..", "/"],
    ["/..a/.b/...", "/..a/.b/..."],
    ["x/.", "x"],
    ["x/..", "."],
    ["//", "/"],
  ];
  for (const [i, o] of clean) assert.equal(cleanPath(i), o, i);
  assert.equal(joinPath(".", "/a/b"), "a/b");
  assert.equal(joinPath(".", "../x"), "../x");
  assert.equal(joinPath(".", ""), ".");
  assert.equal(joinPath("", ""), "");
  assert.equal(joinPath("/", "a/../../b"), "/b");
  assert.equal(dirPath("a/b"), "a");
  assert.equal(dirPath("a"), ".");
  assert.equal(dirPath("/a"), "/");
  assert.equal(basePath("a/b/"), "b");
  assert.equal(basePath("/"), "/");
  assert.equal(basePath(""), ".");
});

test("path.Match (Go's match tests)", () => {
  const cases: Array<[string, string, boolean | "err"]> = [
    ["abc", "abc", true],
    ["*", "abc", true],
    ["*c", "abc", true],
    ["a*", "a", true],
    ["a*", "abc", true],
    ["a*", "ab/c", false],
    ["a*/b", "abc/b", true],
    ["a*/b", "a/c/b", false],
    ["a*b*c*d*e*/f", "axbxcxdxe/f", true],
    ["a*b*c*d*e*/f", "axbxcxdxexxx/f", true],
    ["a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false],
    ["a*b*c*d*e*/f", "axbxcxdxexxx/fff", false],
    ["a*b?c*x", "abxbbxdbxebxczzx", true],
    ["a*b?c*x", "abxbbxdbxebxczzy", false],
    ["ab[c]", "abc", true],
    ["ab[b-d]", "abc", true],
    ["ab[e-g]", "abc", false],
    ["ab[^c]", "abc", false],
    ["ab[^b-d]", "abc", false],
    ["ab[^e-g]", "abc", true],
    ["a\\*b", "a*b", true],
    ["a\\*b", "ab", false],
    ["a?b", "a☺b", true],
    ["a[^a]b", "a☺b", true],
    ["a???b", "a☺b", false],
    ["a[^a][^a][^a]b", "a☺b", false],
    ["[a-ζ]*", "α", true],
    ["*[a-ζ]", "A", false],
    ["a?b", "a/b", false],
    ["a*b", "a/b", false],
    ["[\\]a]", "]", true],
    ["[\\-]", "-", true],
    ["[x\\-]", "x", true],
    ["[x\\-]", "-", true],
    ["[x\\-]", "z", false],
    ["[\\-x]", "x", true],
    ["[\\-x]", "-", true],
    ["[\\-x]", "a", false],
    ["[]a]", "]", "err"],
    ["[-]", "-", "err"],
    ["[x-]", "x", "err"],
    ["[x-]", "-", "err"],
    ["[x-]", "z", "err"],
    ["[-x]", "x", "err"],
    ["[-x]", "-", "err"],
    ["[-x]", "a", "err"],
    ["\\", "a", "err"],
    ["[a-b-c]", "a", "err"],
    ["[", "a", "err"],
    ["[^", "a", "err"],
    ["[^bc", "a", "err"],
    ["a[", "a", "err"],
    ["a[", "ab", "err"],
    ["a[", "x", "err"],
    ["a/b[", "x", "err"],
    ["a*b[", "x", false], // Go does not check the chunks after a failed one
    ["*x", "xxx", true],
  ];
  for (const [p, s, want] of cases) {
    let got: boolean | "err";
    try {
      got = matchPath(p, s);
    } catch {
      got = "err";
    }
    assert.equal(got, want, `Match(${JSON.stringify(p)}, ${JSON.stringify(s)})`);
  }
});
