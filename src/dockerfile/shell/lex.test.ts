// Tests of the lexer port (buildkit v0.32.2 frontend/dockerfile/shell/lex_test.go; its envVarTest and
// wordsTest tables copied under test/dockerfile/fixtures/shell).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DockerfileError } from "../../errors.js";
import { convertShellPatternToRegex, envsFromSlice, Lex, reversePattern, reverseString, type EnvGetter } from "./lex.js";

const fixtures = fileURLToPath(new URL("../../../../test/dockerfile/fixtures/shell/", import.meta.url));

function envsFromMap(m: Record<string, string>): EnvGetter {
  return envsFromSlice(Object.entries(m).map(([k, v]) => `${k}=${v}`));
}

function lexError(fn: () => unknown): DockerfileError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DockerfileError, `not a DockerfileError: ${String(err)}`);
    return err;
  }
  assert.fail("did not throw");
}

test("shell patterns: Go's regular expression text, matching, bad escapes", () => {
  const re = (p: string) => convertShellPatternToRegex(p, true, true);
  assert.equal(re("*").source, "^.*");
  assert.equal(re("?").source, "^.");
  assert.equal(re("\\*").source, "^\\*");
  assert.equal(re("(()[]{\\}^$.\\*\\?|\\\\").source, "^\\(\\(\\)\\[\\]\\{\\}\\^\\$\\.\\*\\?\\|\\\\");
  assert.equal(convertShellPatternToRegex("a*", false, false).source, "a.*?");
  for (const p of ["\\", "\\x", "\\\\\\"]) lexError(() => re(p));
  assert.equal(lexError(() => re("\\")).message, "invalid escape '\\\ufffd'");
  // leftmost-first: greedy and lazy stars, `?` is one code point, `.` stops at \n
  assert.deepEqual(convertShellPatternToRegex("a*b", true, false).find("xxaxbxb"), [2, 7]);
  assert.deepEqual(convertShellPatternToRegex("a*b", false, false).find("xxaxbxb"), [2, 5]);
  assert.deepEqual(convertShellPatternToRegex("?b", true, true).find("😀b"), [0, 3]);
  assert.deepEqual(convertShellPatternToRegex("*", true, true).find("ab\ncd"), [0, 2]);
  assert.equal(convertShellPatternToRegex("a*c", true, false).find("ab\nc"), undefined);
});

test("patterns that make a backtracking regex engine explode stay fast", () => {
  const lex = new Lex("\\");
  const env = envsFromSlice(["V=" + "a".repeat(3000)]);
  const started = Date.now();
  assert.equal(lex.processWord("${V#*a*a*a*a*a*a*a*a*a*a*b}", env).result, "a".repeat(3000));
  assert.equal(lex.processWord("${V//*a*a*a*a*a*a*b/x}", env).result, "a".repeat(3000));
  assert.equal(lex.processWord("${V%%a*a*a*a*a*a*a*a*a*a*c}", env).result, "a".repeat(3000));
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
});

test("reverseString and reversePattern", () => {
  assert.equal(reverseString("54321"), "12345");
  assert.equal(reverseString("🖖🚀👽"), "👽🚀🖖");
  const cases: [string, string][] = [
    ["a\\*c", "c\\*a"],
    ["\\\\\\ab", "b\\a\\\\"],
    ["ab\\", "\\ba"],
    ["👽\\🚀🖖", "🖖\\🚀👽"],
    ["\\\\b", "b\\\\"],
  ];
  for (const [p, want] of cases) assert.equal(reversePattern(p), want, p);
});

test("${VAR:?msg} and ${VAR?msg}", () => {
  const lex = new Lex("\\");
  const set = envsFromSlice(["VAR=plain", "ARG=x"]);
  const empty = envsFromSlice(["VAR=", "ARG=x"]);
  const unset = envsFromSlice(["ARG=x"]);
  const noEmpty = "${VAR:?message here$ARG}";
  const noUnset = "${VAR?message here$ARG}";
  assert.equal(lex.processWord(noEmpty, set).result, "plain");
  assert.equal(lexError(() => lex.processWord(noEmpty, empty)).message, `failed to process "${noEmpty}": VAR: message herex`);
  assert.match(lexError(() => lex.processWord(noEmpty, unset)).message, /message herex/);
  assert.equal(lex.processWord(noUnset, set).result, "plain");
  assert.equal(lex.processWord(noUnset, empty).result, "");
  assert.match(lexError(() => lex.processWord(noUnset, unset)).message, /message herex/);
  assert.equal(lexError(() => lex.processWord("${X:?}", unset)).message, `failed to process "\${X:?}": X: is not allowed to be unset`);
  assert.equal(lexError(() => lex.processWord("${VAR:?}", empty)).message, `failed to process "\${VAR:?}": VAR: is not allowed to be empty`);
});

test("envVarTest table (Unix rows)", () => {
  const lex = new Lex("\\");
  const envs = envsFromSlice(["PWD=/home", "SHELL=bash", "KOREAN=한국어", "NULL="]);
  let rows = 0;
  for (const raw of readFileSync(fixtures + "envVarTest", "utf8").split("\n")) {
    if (raw.startsWith("#")) continue;
    const line = raw.trim();
    if (line === "") continue;
    const parts = line.split("|");
    assert.equal(parts.length, 3, line);
    const [platform, source, expected] = parts.map((p) => p.trim()) as [string, string, string];
    if (platform === "W") continue;
    rows++;
    if (expected === "error") lexError(() => lex.processWord(source, envs));
    else assert.equal(lex.processWord(source, envs).result, expected, source);
  }
  assert.ok(rows > 200);
});

test("wordsTest table", () => {
  const lex = new Lex("\\");
  const envs: string[] = [];
  let rows = 0;
  for (const line of readFileSync(fixtures + "wordsTest", "utf8").split("\n")) {
    if (line.startsWith("#") || line === "") continue;
    if (line.startsWith("ENV ")) {
      envs.push(line.slice(3).replace(/^ +/, ""));
      continue;
    }
    const parts = line.split("|");
    assert.equal(parts.length, 2, line);
    const input = parts[0]!.trim();
    const expected = parts[1]!.replace(/^ +/, "").split(",");
    let result: string[];
    try {
      result = lex.processWords(input, envsFromSlice(envs));
    } catch (err) {
      assert.ok(err instanceof DockerfileError);
      result = ["error"];
    }
    assert.deepEqual(result, expected, input);
    rows++;
  }
  assert.ok(rows > 20);
});

test("envsFromSlice: last value wins, a key without = is empty, keys keep their order", () => {
  assert.equal(envsFromSlice([]).get("foo"), undefined);
  assert.equal(envsFromSlice(["foo"]).get("foo"), "");
  assert.equal(envsFromSlice(["foo="]).get("foo"), "");
  assert.equal(envsFromSlice(["foo=bar"]).get("foo"), "bar");
  const e = envsFromSlice(["foo=bar", "car=hat", "car=bike"]);
  assert.equal(e.get("car"), "bike");
  assert.deepEqual(e.keys(), ["foo", "car", "car"]);
  assert.equal(envsFromSlice(["Foo=1"]).get("FOO"), undefined, "case-sensitive on Unix");
});

interface MatchCase {
  input: string;
  envs: Record<string, string>;
  expected?: string;
  err?: true;
  matches?: string[];
  unmatched?: string[];
}

const matchCases: MatchCase[] = [
  { input: "x", envs: { DUMMY: "dummy" }, expected: "x" },
  { input: "x ${UNUSED}", envs: { DUMMY: "dummy" }, expected: "x ", unmatched: ["UNUSED"] },
  { input: "x ${FOO}", envs: { FOO: "y" }, expected: "x y", matches: ["FOO"] },
  { input: "${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", envs: { FOO: "xxx", BAR: "" }, expected: "xxx  ccc", matches: ["FOO", "BAR"], unmatched: ["BAZ"] },
  { input: "${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", envs: { FOO: "xxx", BAR: "" }, expected: "xxx bbb ccc", matches: ["FOO", "BAR"], unmatched: ["BAZ"] },
  { input: "${FOO:-}", envs: { FOO: "xxx", BAR: "" }, expected: "xxx", matches: ["FOO"] },
  { input: "${FOO:-}", envs: {}, expected: "", unmatched: ["FOO"] },
  { input: "${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", envs: { FOO: "xxx", BAR: "" }, expected: "aaa bbb ", matches: ["FOO", "BAR"], unmatched: ["BAZ"] },
  { input: "${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", envs: { FOO: "xxx", BAR: "" }, expected: "aaa  ", matches: ["FOO", "BAR"], unmatched: ["BAZ"] },
  { input: "${FOO?aaa}", envs: { FOO: "xxx", BAR: "" }, expected: "xxx", matches: ["FOO"] },
  { input: "${BAR?bbb}", envs: { FOO: "xxx", BAR: "" }, expected: "", matches: ["BAR"] },
  { input: "${BAZ?ccc}", envs: { FOO: "xxx", BAR: "" }, err: true },
  { input: "${FOO:?aaa}", envs: { FOO: "xxx", BAR: "" }, expected: "xxx", matches: ["FOO"] },
  { input: "${BAR:?bbb}", envs: { FOO: "xxx", BAR: "" }, err: true },
  { input: "${BAZ:?ccc}", envs: { FOO: "xxx", BAR: "" }, err: true },
  { input: "${BAZ:?}", envs: { FOO: "xxx", BAR: "" }, err: true },
  { input: "${FOO=aaa}", envs: { FOO: "xxx", BAR: "" }, err: true },
  { input: "${FOO=:aaa}", envs: { FOO: "xxx", BAR: "" }, err: true },
  { input: "${FOO=}", envs: {}, err: true },
  { input: "${FOO#()[]{\\}^$.\\*\\?|\\\\}", envs: { FOO: "()[]{}^$.*?|\\x" }, expected: "x", matches: ["FOO"] },
  { input: "${FOO%%\\**}", envs: { FOO: "xx**" }, expected: "xx", matches: ["FOO"] },
  { input: "${FOO#*x*y}", envs: { FOO: "xxyy" }, expected: "y", matches: ["FOO"] },
  { input: "${FOO#*}", envs: { FOO: "xxyy" }, expected: "xxyy", matches: ["FOO"] },
  { input: "${FOO#$BAR}", envs: { FOO: "xxyy", BAR: "x" }, expected: "xyy", matches: ["FOO", "BAR"] },
  { input: "${FOO#$BAR}", envs: { FOO: "xxyy", BAR: "" }, expected: "xxyy", matches: ["FOO", "BAR"] },
  { input: "${FOO#}", envs: { FOO: "xxyy" }, expected: "xxyy", matches: ["FOO"] },
  { input: "${FOO##*x}", envs: { FOO: "xxyy" }, expected: "yy", matches: ["FOO"] },
  { input: "${FOO##}", envs: { FOO: "xxyy" }, expected: "xxyy", matches: ["FOO"] },
  { input: "${FOO#?\\?}", envs: { FOO: "???y" }, expected: "?y", matches: ["FOO"] },
  { input: "${ABC:-.}${FOO%x}${ABC:-.}", envs: { FOO: "xxyy" }, expected: ".xxyy.", matches: ["FOO"], unmatched: ["ABC"] },
  { input: "${FOO%%\\**\\*}", envs: { FOO: "a***yy*" }, expected: "a", matches: ["FOO"] },
  { input: "${FOO%}", envs: { FOO: "xxyy" }, expected: "xxyy", matches: ["FOO"] },
  { input: "${FOO%%$BAR}", envs: { FOO: "xxyy", BAR: "" }, expected: "xxyy", matches: ["FOO", "BAR"] },
  { input: "${FOO:#}", envs: {}, err: true },
  { input: "${FOO:##}", envs: {}, err: true },
  { input: "${FOO:%}", envs: {}, err: true },
  { input: "${FOO:%%}", envs: {}, err: true },
  { input: "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}", envs: { FOO: "/foo*/*/*.txt", NEEDLE: "\\*/" }, expected: "/foo.*/*.txt - /foo..*.txt", matches: ["FOO", "NEEDLE"] },
  { input: "${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}", envs: { FOO: "/tmp/tmp/bar.txt", NEEDLE: "/tmp" }, expected: "/tmp/bar.txt - /bar.txt", matches: ["FOO", "NEEDLE"] },
  {
    input: "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
    envs: { FOO: "/a/foo/b/c.txt", NEEDLE: "/?/", REPLACEMENT: "/" },
    expected: "/foo/b/c.txt - /foo/c.txt",
    matches: ["FOO", "NEEDLE", "REPLACEMENT"],
  },
  { input: "${FOO/$NEEDLE/$REPLACEMENT}", envs: { FOO: "http://google.de", NEEDLE: "http://", REPLACEMENT: "https://" }, expected: "https://google.de", matches: ["FOO", "NEEDLE", "REPLACEMENT"] },
  { input: "${FOO//\\//\\/}", envs: { FOO: "/tmp/foo.txt" }, expected: "\\/tmp\\/foo.txt", matches: ["FOO"] },
  { input: "${FOO/$BAR/ww}", envs: { FOO: "xxyy", BAR: "" }, expected: "wwxxyy", matches: ["FOO", "BAR"] },
  { input: "${FOO//ww}", envs: { FOO: "xxyy" }, err: true },
  { input: "${FOO//}", envs: { FOO: "xxyy" }, err: true },
  { input: "${FOO///}", envs: { FOO: "xxyy" }, expected: "xxyy", matches: ["FOO"] },
  { input: "${FOO///}", envs: {}, expected: "", unmatched: ["FOO"] },
];

test("processWordWithMatches table (TestProcessWithMatches)", () => {
  const lex = new Lex("\\");
  for (const c of matchCases) {
    if (c.err) {
      lexError(() => lex.processWordWithMatches(c.input, envsFromMap(c.envs)));
      continue;
    }
    const r = lex.processWordWithMatches(c.input, envsFromMap(c.envs));
    assert.equal(r.result, c.expected, c.input);
    assert.deepEqual([...r.matched].sort(), (c.matches ?? []).sort(), c.input);
    assert.deepEqual([...r.unmatched].sort(), (c.unmatched ?? []).sort(), c.input);
  }
});

test("release file name pattern with nested ${:+}", () => {
  const lex = new Lex("\\");
  const release = "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz";
  const base = { VERSION: "v1.2.3", TARGETOS: "linux" };
  assert.equal(lex.processWordWithMatches(release, envsFromMap({ ...base, TARGETARCH: "arm", TARGETVARIANT: "v7" })).result, "something-v1.2.3.linux-arm-v7.tar.gz");
  assert.equal(lex.processWordWithMatches(release, envsFromMap({ ...base, TARGETARCH: "arm64", TARGETVARIANT: "" })).result, "something-v1.2.3.linux-arm64.tar.gz");
  assert.equal(lex.processWordWithMatches(release, envsFromMap({ ...base, TARGETARCH: "arm64" })).result, "something-v1.2.3.linux-arm64.tar.gz");
});

test("Go's quirks kept: a nested modifier resets the words buffer; ReplaceAll skips adjacent empty matches; $0 in replacements", () => {
  const lex = new Lex("\\");
  assert.deepEqual(lex.processWords("foo${a:-b} c", envsFromSlice([])), ["b", "c"]);
  assert.equal(lex.processWord("${V//*/x}", envsFromSlice(["V=abc"])).result, "x");
  assert.equal(lex.processWord("${V//?/<\\$0>}", envsFromSlice(["V=ab"])).result, "<\\a><\\b>");
  assert.equal(lex.processWord("${V//b/\\$$}", envsFromSlice(["V=abc"])).result, "a\\$c");
  assert.equal(lex.processWord("${V%%.*}|${V%.*}|${V#*.}|${V##*.}", envsFromSlice(["V=a.b.c"])).result, "a|a.b|b.c|c");
});

test("raw quotes/escapes, skipped quotes, unset variables kept, backtick escape, heredoc words", () => {
  const lex = new Lex("\\");
  lex.rawQuotes = true;
  assert.deepEqual(lex.processWords(`'a b' "c" d`, envsFromSlice([])), [`'a b'`, `"c"`, "d"]);
  lex.rawQuotes = false;
  lex.rawEscapes = true;
  assert.equal(lex.processWord("a\\ b", envsFromSlice([])).result, "a\\ b");
  lex.rawEscapes = false;
  lex.skipProcessQuotes = true;
  assert.equal(lex.processWord(`'$A'`, envsFromSlice(["A=1"])).result, "'1'");
  lex.skipProcessQuotes = false;
  lex.skipUnsetEnv = true;
  assert.equal(lex.processWord("$A ${B} ${C:-x} ${D/a/b} $E", envsFromSlice(["E=e"])).result, "$A ${B} ${C:-x} ${D/a/b} e");
  lex.skipUnsetEnv = false;
  assert.deepEqual(lex.processWords("<< EOF <<-X cat", envsFromSlice([])), ["<< EOF", "<<-X", "cat"]);
  const tick = new Lex("`");
  assert.equal(tick.processWord("a`$b\\c", envsFromSlice([])).result, "a$b\\c");
});

test("errors carry Go's messages", () => {
  const lex = new Lex("\\");
  const env = envsFromSlice(["A=1"]);
  const msg = (w: string) => lexError(() => lex.processWord(w, env)).message;
  assert.equal(msg("${"), `failed to process "\${": syntax error: missing '}'`);
  assert.equal(msg("${}"), `failed to process "\${}": syntax error: bad substitution`);
  assert.equal(msg("${A"), `failed to process "\${A": unsupported modifier (\ufffd) in substitution`);
  assert.equal(msg("${A:x}"), `failed to process "\${A:x}": unsupported modifier (:x) in substitution`);
  assert.equal(msg("${A:-x"), `failed to process "\${A:-x": syntax error: missing '}'`);
  assert.equal(msg("${A/x"), `failed to process "\${A/x": syntax error: missing '/' in \${}`);
  assert.equal(msg("${A#\\x}"), `failed to process "\${A#\\\\x}": invalid pattern (\\x) in substitution: invalid escape '\\x'`);
  assert.equal(msg("${A:-'x"), `failed to process "\${A:-'x": syntax error: missing '}'`);
  assert.equal(msg(`"abc`), `failed to process "\\"abc": unexpected end of statement while looking for matching double-quote`);
});

test("deeply nested expansions fail with a DockerfileError, not a stack overflow", () => {
  const lex = new Lex("\\");
  const word = "${A:-".repeat(20000) + "x" + "}".repeat(20000);
  try {
    assert.equal(lex.processWord(word, envsFromSlice([])).result, "x");
  } catch (err) {
    assert.ok(err instanceof DockerfileError);
  }
});
