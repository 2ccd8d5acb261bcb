// Tests of the parser port (buildkit v0.32.2 frontend/dockerfile/parser/parser_test.go,
// parser_heredoc_test.go, line_parsers_test.go; test files copied under test/dockerfile/fixtures/parser).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DockerfileError } from "../../errors.js";
import { chompHeredocContent, dump, mustParseHeredoc, nodeLocation, parse, parseHeredoc, type Heredoc, type Node } from "./parser.js";
import { Directives } from "./parser.js";
import { parseWords, splitWhitespace } from "./line-parsers.js";
import { extractBuilderFlags } from "./split-command.js";
import { setLocation, withLocation } from "./errors.js";

const fixtures = fileURLToPath(new URL("../../../../test/dockerfile/fixtures/parser/", import.meta.url));

function parseError(src: string | Uint8Array): DockerfileError {
  try {
    parse(src);
  } catch (err) {
    assert.ok(err instanceof DockerfileError, `not a DockerfileError: ${String(err)}`);
    return err;
  }
  assert.fail("parse did not throw");
}

function lines(err: DockerfileError): number[] {
  return err.ranges.map((r) => r.start.line);
}

test("parser test files: the AST dump equals Go's result file", () => {
  const dirs = readdirSync(fixtures + "testfiles");
  assert.ok(dirs.length >= 30);
  for (const dir of dirs) {
    const df = readFileSync(`${fixtures}testfiles/${dir}/Dockerfile`);
    const want = readFileSync(`${fixtures}testfiles/${dir}/result`, "utf8");
    assert.equal(dump(parse(new Uint8Array(df)).ast) + "\n", want, dir);
  }
});

test("negative test files throw a DockerfileError", () => {
  const dirs = readdirSync(fixtures + "testfiles-negative");
  assert.ok(dirs.length >= 4);
  for (const dir of dirs) parseError(new Uint8Array(readFileSync(`${fixtures}testfiles-negative/${dir}/Dockerfile`)));
});

test("line numbers of instructions (testfile-line)", () => {
  const { ast } = parse(new Uint8Array(readFileSync(fixtures + "testfile-line/Dockerfile")));
  assert.equal(ast.startLine, 5);
  assert.equal(ast.endLine, 31);
  assert.deepEqual(
    ast.children.map((c) => [c.startLine, c.endLine]),
    [
      [5, 5],
      [11, 12],
      [17, 31],
    ],
  );
  assert.deepEqual(nodeLocation(ast.children[1]!), [
    { start: { line: 11, character: 0 }, end: { line: 11, character: 0 } },
    { start: { line: 12, character: 0 }, end: { line: 12, character: 0 } },
  ]);
});

test("parseWords keeps quotes and escapes, splits on spaces, handles non-ASCII", () => {
  const d = new Directives();
  const cases: [string, string[]][] = [
    ["foo", ["foo"]],
    ["foo bar", ["foo", "bar"]],
    ["foo\\ bar", ["foo\\ bar"]],
    ["foo=bar", ["foo=bar"]],
    ["foo bar 'abc xyz'", ["foo", "bar", "'abc xyz'"]],
    ['foo bar "abc xyz"', ["foo", "bar", '"abc xyz"']],
    ["àöû", ["àöû"]],
    ['föo bàr "âbc xÿz"', ["föo", "bàr", '"âbc xÿz"']],
  ];
  for (const [input, want] of cases) assert.deepEqual(parseWords(input, d), want, input);
});

function chain(n: Node | undefined): string[] {
  const out: string[] = [];
  for (; n; n = n.next) out.push(n.value);
  return out;
}

test("ENV/LABEL name-value forms", () => {
  const { ast } = parse("FROM a\nLABEL foo bar\nLABEL foo=bar thing=star\nENV a=\"b c\" d=e\\ f\n");
  assert.deepEqual(chain(ast.children[1]!.next), ["foo", "bar", ""]);
  assert.deepEqual(chain(ast.children[2]!.next), ["foo", "bar", "=", "thing", "star", "="]);
  assert.deepEqual(chain(ast.children[3]!.next), ["a", '"b c"', "=", "d", "e\\ f", "="]);
  const err = parseError("FROM a\nENV foo\n");
  assert.equal(err.message, "ENV must have two arguments");
  assert.deepEqual(lines(err), [2]);
  assert.equal(parseError("FROM a\nLABEL a=b c\n").message, `Syntax error - can't find = in "c". Must be of the form: name=value`);
});

test("empty continuation lines warn with the instruction and the last line", () => {
  const df = `
FROM alpine:3.6

RUN valid \\
    continuation

RUN something \\

    following \\

    more

RUN another \\

    thing

RUN non-indented \\
# this is a comment
   after-comment

RUN indented \\
    # this is an indented comment
    comment
	`;
  const { warnings, ast } = parse(df);
  assert.equal(warnings.length, 2);
  assert.equal(warnings[0]!.short, "Empty continuation line found in: RUN something     following     more");
  assert.equal(warnings[1]!.short, "Empty continuation line found in: RUN another     thing");
  assert.deepEqual(warnings[0]!.detail, ["Empty continuation lines will become errors in a future release"]);
  assert.equal(warnings[0]!.url, "https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/");
  assert.deepEqual(warnings[0]!.location, { start: { line: 11, character: 0 }, end: { line: 11, character: 0 } });
  assert.deepEqual(chain(ast.children[4]!.next), ["non-indented    after-comment"]);
  assert.deepEqual(chain(ast.children[5]!.next), ["indented     comment"]);
});

test("a line longer than bufio's 64 KiB buffer fails as in Go", () => {
  const label = "a".repeat(65536);
  const err = parseError(`\n\t\tFROM image\n\t\tLABEL test=${label}\n`);
  assert.equal(err.message, "dockerfile line greater than max allowed size of 65535");
  assert.deepEqual(lines(err), [2]);
  // as bytes, and a line of exactly 65536 bytes with its newline still fits
  const ok = "FROM a\nRUN " + "b".repeat(65536 - 5) + "\n";
  assert.equal(parse(new TextEncoder().encode(ok)).ast.children.length, 2);
  assert.equal(parseError(new TextEncoder().encode(ok + "RUN " + "é".repeat(40000) + "\n")).message, err.message);
});

test("errors: no instructions, bad escape directive, repeated directive", () => {
  let err = parseError("");
  assert.equal(err.message, "file with no instructions");
  assert.deepEqual(lines(err), [0]);
  err = parseError("# comment\n\n");
  assert.deepEqual(lines(err), [2]);
  err = parseError("# escape=x\nFROM a\n");
  assert.equal(err.message, "invalid escape token 'x' does not match ` or \\");
  assert.deepEqual(lines(err), [0]);
  err = parseError("# escape=`\n# escape=\\\nFROM a\n");
  assert.equal(err.message, "only one escape parser directive can be used");
  assert.deepEqual(lines(err), [1]);
  err = parseError("FROM a\nCMD [\"a\", 1]\n");
  assert.equal(err.message, "when using JSON array syntax, arrays must be comprised of strings only");
  assert.deepEqual(lines(err), [2]);
});

test("escape directive, BOM, comments kept as PrevComment without directives", () => {
  const r = parse("\ufeff# escape=`\n# check=skip=all\n# about a\n\n# more\nFROM a `\n  AS b\nRUN echo \\\n");
  assert.equal(r.escapeToken, "`");
  assert.deepEqual(r.ast.children[0]!.prevComment, ["about a", "more"]);
  assert.deepEqual(chain(r.ast.children[0]!.next), ["a", "AS", "b"]);
  assert.deepEqual([r.ast.children[0]!.startLine, r.ast.children[0]!.endLine], [6, 7]);
  assert.deepEqual(chain(r.ast.children[1]!.next), ["echo \\"]);
  // an empty comment resets the collected comments; leading spaces keep Go's byte-slicing quirk
  const r2 = parse("# a\n#\n  # b\nFROM x\n");
  assert.deepEqual(r2.ast.children[0]!.prevComment, ["# b"]);
});

test("JSON and shell forms, flags, ONBUILD, HEALTHCHECK, unknown instructions", () => {
  const r = parse(
    'FROM --platform=$BUILDPLATFORM a AS b\nCOPY --from=b --chown="x y" ["a b", "c", "/d"]\nRUN ["echo", "x"]\nRUN echo [\nONBUILD RUN <<EOF\nhi\nEOF\nHEALTHCHECK --interval=5s CMD ["true"]\nFOO bar baz\nMAINTAINER\n',
  );
  const [from, copy, run1, run2, onbuild, hc, foo, maint] = r.ast.children;
  assert.deepEqual(from!.flags, ["--platform=$BUILDPLATFORM"]);
  assert.deepEqual(chain(from!.next), ["a", "AS", "b"]);
  assert.deepEqual(copy!.flags, ["--from=b", "--chown=x y"]);
  assert.deepEqual(chain(copy!.next), ["a b", "c", "/d"]);
  assert.deepEqual(copy!.attributes, { json: true });
  assert.deepEqual(run1!.attributes, { json: true });
  assert.deepEqual(chain(run2!.next), ["echo ["]);
  assert.deepEqual(run2!.attributes, {});
  assert.equal(dump(onbuild!), 'onbuild (run "<<EOF")');
  assert.deepEqual(onbuild!.heredocs, [hd("EOF", "hi\n")]);
  assert.deepEqual([onbuild!.startLine, onbuild!.endLine], [5, 7]);
  assert.deepEqual(hc!.flags, ["--interval=5s"]);
  assert.deepEqual(chain(hc!.next), ["CMD", "true"]);
  assert.deepEqual(hc!.attributes, { json: true });
  assert.equal(foo!.value, "FOO");
  assert.deepEqual(chain(foo!.next), [""]);
  assert.equal(maint!.next, undefined);
});

test("non-ASCII flags come out byte-wise as in Go", () => {
  const d = new Directives();
  assert.deepEqual(extractBuilderFlags("--chown=é a", d), ["a", ["--chown=\u00c3\u00a9"]]);
  assert.deepEqual(extractBuilderFlags("--a b\u00e9", d), ["b\u00e9", ["--a"]]);
});

test("regexp.Split semantics of the whitespace splitter", () => {
  assert.deepEqual(splitWhitespace("", -1), [""]);
  assert.deepEqual(splitWhitespace(" a  b ", -1), ["", "a", "b", ""]);
  assert.deepEqual(splitWhitespace("a b c", 2), ["a", "b c"]);
  assert.deepEqual(splitWhitespace("a", 2), ["a"]);
});

const heredocFile = `
FROM alpine:3.6

ENV NAME=me

RUN ls

USER <<INVALID
INVALID

RUN <<EMPTY
EMPTY

RUN 3<<EMPTY2
EMPTY2

RUN "<<NOHEREDOC"

RUN <<INDENT
	foo
	bar
INDENT

RUN <<-UNINDENT
	baz
	quux
UNINDENT

RUN <<-UNINDENT2
	baz
	quux
	UNINDENT2

RUN <<-EXPAND
	expand $NAME
EXPAND

RUN <<-'NOEXPAND'
	don't expand $NAME
NOEXPAND

RUN <<COPY
echo hello world
echo foo bar
COPY

RUN <<COMMENT
# internal comment
echo hello world
echo foo bar # trailing comment
COMMENT

RUN --mount=type=cache,target=/foo <<MOUNT
echo hello
MOUNT

COPY <<FILE1 <<FILE2 /dest
content 1
FILE1
content 2
FILE2

COPY <<EOF /quotes
"foo"
'bar'
EOF

COPY <<X <<Y /dest
Y
X
X
Y

RUN <<COMPLEX python3
print('hello world')
COMPLEX

COPY <<file.txt /dest
hello world
file.txt

RUN <<eo'f'
echo foo
eof

RUN <<eo\\'f
echo foo
eo'f

RUN <<'e'o\\'f
echo foo
eo'f

RUN <<'one two'
echo bar
one two

RUN <<$EOF
$EOF

RUN <<  EOF
EOF

RUN <<  EOF  > foo
EOF
	`;

function hd(name: string, content: string, expand = true, chomp = false, fileDescriptor = 0): Heredoc {
  return { name, content, expand, chomp, fileDescriptor };
}

test("heredocs: names, quoting, chomp, fd, several per line (parser_heredoc_test.go)", () => {
  const want: Heredoc[][] = [
    [],
    [],
    [],
    [],
    [hd("EMPTY", "")],
    [hd("EMPTY2", "", true, false, 3)],
    [],
    [hd("INDENT", "\tfoo\n\tbar\n")],
    [hd("UNINDENT", "\tbaz\n\tquux\n", true, true)],
    [hd("UNINDENT2", "\tbaz\n\tquux\n", true, true)],
    [hd("EXPAND", "\texpand $NAME\n", true, true)],
    [hd("NOEXPAND", "\tdon't expand $NAME\n", false, true)],
    [hd("COPY", "echo hello world\necho foo bar\n")],
    [hd("COMMENT", "# internal comment\necho hello world\necho foo bar # trailing comment\n")],
    [hd("MOUNT", "echo hello\n")],
    [hd("FILE1", "content 1\n"), hd("FILE2", "content 2\n")],
    [hd("EOF", "\"foo\"\n'bar'\n")],
    [hd("X", "Y\n"), hd("Y", "X\n")],
    [hd("COMPLEX", "print('hello world')\n")],
    [hd("file.txt", "hello world\n")],
    [hd("eof", "echo foo\n", false)],
    [hd("eo'f", "echo foo\n")],
    [hd("eo'f", "echo foo\n", false)],
    [hd("one two", "echo bar\n", false)],
    [hd("$EOF", "")],
    [hd("EOF", "")],
    [hd("EOF", "")],
  ];
  const { ast } = parse(heredocFile);
  assert.equal(ast.children.length, want.length + 1);
  want.forEach((w, i) => assert.deepEqual(ast.children[i + 1]!.heredocs, w, `instruction ${i + 1}`));
  // the heredoc body belongs to the instruction's line range
  assert.deepEqual([ast.children[8]!.startLine, ast.children[8]!.endLine], [19, 22]);
});

test("JSON-form RUN has no heredocs", () => {
  const { ast } = parse('\nFROM alpine:3.6\n\nRUN ["whoami"]\nRUN ["<<EOF"]\nRUN ["<<\'EOF\'"]\n\t');
  for (let i = 1; i <= 3; i++) assert.deepEqual(ast.children[i]!.heredocs, []);
});

test("heredoc helpers", () => {
  assert.equal(chompHeredocContent("\thello\n\tworld\n"), "hello\nworld\n");
  assert.equal(chompHeredocContent("a\r\tb\n\t\tc"), "a\r\tb\nc");
  for (const src of ["<<EOF", "<<'EOF'", '<<"EOF"', "<<-EOF", "<<-'EOF'", '<<-"EOF"', '<<EO"F"', "<< EOF", "<<- EOF"]) {
    assert.equal(parseHeredoc(src)?.name, "EOF", src);
  }
  for (const src of ["<<'EOF", '<<"EOF', "<<EOF'", '<<EOF"']) {
    assert.throws(() => parseHeredoc(src), DockerfileError, src);
    assert.equal(mustParseHeredoc(src), undefined);
  }
  for (const src of ["", "EOF", "<<", "<<-", "<EOF", "<<<EOF", "<<EOF sh"]) assert.equal(parseHeredoc(src), undefined, src);
  assert.deepEqual(parseHeredoc("12<<-'X'"), hd("X", "", false, true, 12));
});

test("heredocs from a line: names, quoted words are not heredocs", () => {
  const cases: [string, string[]][] = [
    ["RUN <<EOF", ["EOF"]],
    ["RUN <<-EOF", ["EOF"]],
    // the lexer splits "<<-" from "EOF" (Go's own test passes without checking this case)
    ["RUN <<- EOF", []],
    ["RUN << -EOF", ["-EOF"]],
    ["RUN <<'EOF'", ["EOF"]],
    ["RUN 4<<EOF", ["EOF"]],
    ["RUN <<EOF <<EOF2", ["EOF", "EOF2"]],
    ["RUN '<<EOF'", []],
    ['RUN "<<EOF"', []],
  ];
  for (const [line, names] of cases) {
    const body = names.map((n) => `x\n${n}\n`).join("");
    const { ast } = parse(`FROM a\n${line}\n${body}`);
    assert.deepEqual(
      ast.children[1]!.heredocs.map((h) => h.name),
      names,
      line,
    );
  }
});

test("unterminated heredoc: the error spans the instruction to the end of the file", () => {
  const err = parseError("FROM a\nRUN <<EOF\nabc\n\n");
  assert.equal(err.message, "unterminated heredoc");
  assert.deepEqual(lines(err), [2, 3, 4]);
  // a line the lexer rejects has no heredocs; ONBUILD looks one level deep only
  assert.deepEqual(parse("FROM a\nRUN <<'EOF x\n").ast.children[1]!.heredocs, []);
  assert.equal(parse("FROM a\nONBUILD ONBUILD RUN <<EOF\nhi\nEOF\n").ast.children.length, 4);
});

test("withLocation keeps the first location; setLocation replaces it; other errors are wrapped", () => {
  const r1 = [{ start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }];
  const r2 = [{ start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }];
  const e = withLocation(new DockerfileError("boom"), r1);
  assert.deepEqual(withLocation(e, r2).ranges, r1);
  assert.deepEqual(setLocation(e, r2).ranges, r2);
  const w = withLocation(new Error("plain"), r2);
  assert.ok(w instanceof DockerfileError);
  assert.equal(w.message, "plain");
  assert.equal(w.location?.line, 2);
});

test("a long chain of ONBUILDs does not exhaust the stack", () => {
  const { ast } = parse("FROM a\n" + "ONBUILD ".repeat(8000) + "RUN x\n");
  let n: Node = ast.children[1]!;
  let depth = 0;
  while (n.value.toLowerCase() === "onbuild") {
    n = n.next!.children[0]!;
    depth++;
  }
  assert.equal(depth, 8000);
  assert.deepEqual(chain(n.next), ["x"]);
});

test("invalid UTF-8 bytes decode one U+FFFD per bad byte, as Go reads them", () => {
  const bytes = new Uint8Array([...new TextEncoder().encode("FROM a\nRUN x"), 0xe2, 0x82, 0x41, 0xff, 0x0a]);
  assert.deepEqual(chain(parse(bytes).ast.children[1]!.next), ["x\ufffd\ufffdA\ufffd"]);
});

test("JSON nested deeper than Go's decoder allows (10000) is the shell form", () => {
  const mk = (d: number) => "FROM a\nCMD " + "[".repeat(d) + "]".repeat(d) + "\n";
  assert.equal(parseError(mk(10000)).message, "when using JSON array syntax, arrays must be comprised of strings only");
  const cmd = parse(mk(10001)).ast.children[1]!;
  assert.deepEqual(cmd.attributes, {});
  assert.equal(cmd.next!.value.length, 20002);
});
