// Fuzz test of the Dockerfile parser and the shell lexer: random, mutated and random-byte Dockerfiles
// and random words must give a result or a DockerfileError, never another exception and never a hang.
// Time-boxed (TSF_FUZZ_SECONDS, default 20); seeded (TSF_FUZZ_SEED); a failure prints seed and input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DockerfileError } from "../../errors.js";
import { envsFromSlice, Lex } from "../shell/lex.js";
import { parse, type Node } from "./parser.js";

const seconds = Number(process.env["TSF_FUZZ_SECONDS"] ?? 20);
const seed = Number(process.env["TSF_FUZZ_SEED"] ?? Date.now() % 1_000_000_007);

/** xorshift32: a small seeded generator so a failing run can be replayed. */
function rng(s: number): () => number {
  let x = s >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

const instructions = ["FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "LABEL", "CMD", "ENTRYPOINT", "SHELL", "WORKDIR", "USER", "EXPOSE", "VOLUME",
  "HEALTHCHECK", "ONBUILD", "STOPSIGNAL", "MAINTAINER", "from", "Run", "onbuild", "FOO", "MAİNTAINER", ""];
const atoms = ["a", "foo", "$V", "${V}", "${V:-w}", "${V-w}", "${V:+w}", "${V+w}", "${V:?m}", "${V?m}", "${V#*.}", "${V##*.}", "${V%.*}",
  "${V%%.*}", "${V/a/b}", "${V//a/b}", "${V/\\//x}", "${V:-${W:-x}}", "${V//?/$0}", "${V/[/x}", "${N#*a*b}", "${N//?/x}", "${N%%*.}", "${U/*/x}", "${U//?/-}", "${U%😀*}", "${L#*a*a*a*a*a*a*b}", "${L//*a*a*a*b/x}", "${V#\\*}", "${V#\\z}", "${V:x}", "${:}", "${}",
  "${", "}", "{", ":", "?", "*", "%", "/", "$", "$$", "$1", "$@", "\"", "'", "\\", "`", " ", "  ", "\t", "=", "--from=x", "--mount=type=cache,target=/x",
  "--", "-", "[", "]", '["a", "b"]', '["a", 1]', "[]", '["\\ud800"]', "[1e400]", ",", "<<EOF", "<<-EOF", "<<'EOF'", '<<"EOF"', "3<<EOF", "<< EOF",
  "<<E\\OF", "<", "<<", "#", "# c", "\\\n", "`\n", "\n", "\r\n", "\\ \n", "é", "\u00a0", "\u0085", "\u2028", "😀", "\ud800", "\ufeff", "\u0000",
  "AS", "NONE", "CMD"];
const lineKinds = ["# escape=`", "# escape=\\", "# escape=x", "# syntax=x", "# check=skip=all", "#", "# comment", "", "  ", "\\", "`", "EOF", "\tEOF", "-EOF"];

function pick<T>(r: () => number, a: readonly T[]): T {
  return a[Math.floor(r() * a.length)]!;
}

function genWord(r: () => number, n = 1 + Math.floor(r() * 8)): string {
  let s = "";
  for (let i = 0; i < n; i++) s += pick(r, atoms);
  return s;
}

function genDockerfile(r: () => number): string {
  const lines: string[] = [];
  const n = Math.floor(r() * 14);
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.15) lines.push(pick(r, lineKinds));
    else if (k < 0.2) lines.push(genWord(r, 3));
    else {
      let l = pick(r, instructions) + (r() < 0.9 ? " " : "") + genWord(r);
      if (r() < 0.3) l += pick(r, ["\\", "`", " \\ ", "\\\\"]);
      lines.push(l);
    }
  }
  const text = lines.join(r() < 0.1 ? "\r\n" : "\n");
  return r() < 0.5 ? text + "\n" : text;
}

function mutate(r: () => number, text: string): string {
  const chars = Array.from(text);
  const m = 1 + Math.floor(r() * 6);
  for (let i = 0; i < m; i++) {
    const p = Math.floor(r() * (chars.length + 1));
    const op = r();
    if (op < 0.3) chars.splice(p, 1 + Math.floor(r() * 4));
    else if (op < 0.7) chars.splice(p, 0, pick(r, atoms));
    else if (op < 0.85) chars.splice(p, 0, String.fromCharCode(Math.floor(r() * 256)));
    else chars.splice(p, 0, chars.slice(Math.floor(r() * chars.length), Math.floor(r() * chars.length)).join(""));
  }
  return chars.join("");
}

function randomBytes(r: () => number): Uint8Array {
  const n = Math.floor(r() * 300);
  const b = new Uint8Array(n);
  const common = [10, 13, 32, 9, 92, 96, 60, 35, 36, 34, 39, 123, 125, 65, 0xc3, 0xa9, 0xe2, 0x82, 0xff, 0x80, 0xef, 0xbb, 0xbf];
  for (let i = 0; i < n; i++) b[i] = r() < 0.6 ? pick(r, common) : Math.floor(r() * 256);
  return b;
}

function corpus(): string[] {
  const dir = fileURLToPath(new URL("../../../../test/dockerfile/fixtures/parser/testfiles/", import.meta.url));
  const out = readdirSync(dir).map((d) => readFileSync(`${dir}${d}/Dockerfile`, "utf8"));
  out.push("FROM a\nRUN <<EOF\necho $V\nEOF\nCOPY <<A <<-B /d\nx\nA\n\ty\n\tB\nRUN 3<<'X' cat\nX\n");
  out.push("# escape=`\nFROM a\nRUN echo `\n  b `\n\n  c\nONBUILD RUN <<EOF\nEOF\n");
  return out;
}

/** Node must be well formed: every instruction has lines in order, chains end. */
function checkAst(ast: Node): void {
  let prevEnd = 0;
  for (const c of ast.children) {
    assert.ok(c.startLine >= 1 && c.startLine <= c.endLine && c.startLine > prevEnd, `lines ${c.startLine}-${c.endLine} after ${prevEnd}`);
    prevEnd = c.endLine;
  }
}

function isTyped(err: unknown): boolean {
  return err instanceof DockerfileError && !(err.cause instanceof TypeError || err.cause instanceof RangeError || err.cause instanceof ReferenceError);
}

test(`fuzz: parser and lexer throw only DockerfileError (seed ${seed}, ${seconds} s)`, (t) => {
  const r = rng(seed);
  const docs = corpus();
  const lexers = [new Lex("\\"), new Lex("`")];
  const env = envsFromSlice(["V=a.b.c", "W=", "X=x y  z", "N=a\nb.c\nd.", "U=é😀.x😀b", "L=" + "a".repeat(2000)]);
  const deadline = Date.now() + seconds * 1000;
  let n = 0;
  let parsed = 0;
  for (; Date.now() < deadline; n++) {
    const k = r();
    let input: string | Uint8Array;
    let kind: string;
    if (k < 0.3) [kind, input] = ["generated", genDockerfile(r)];
    else if (k < 0.55) [kind, input] = ["mutated", mutate(r, pick(r, docs))];
    else if (k < 0.65) [kind, input] = ["bytes", randomBytes(r)];
    else [kind, input] = ["word", genWord(r)];
    const started = Date.now();
    try {
      if (kind === "word") {
        const lex = pick(r, lexers);
        lex.rawQuotes = r() < 0.2;
        lex.rawEscapes = r() < 0.2;
        lex.skipProcessQuotes = r() < 0.1;
        lex.skipUnsetEnv = r() < 0.2;
        if (r() < 0.5) assert.equal(typeof lex.processWordWithMatches(input as string, env).result, "string");
        else assert.ok(Array.isArray(lex.processWords(input as string, env)));
      } else {
        const res = parse(input);
        checkAst(res.ast);
        assert.ok(res.escapeToken === "\\" || res.escapeToken === "`");
        parsed++;
      }
    } catch (err) {
      if (!isTyped(err)) {
        const shown = typeof input === "string" ? JSON.stringify(input) : `bytes ${Buffer.from(input).toString("base64")}`;
        assert.fail(`fuzz seed ${seed}, case ${n} (${kind}): ${err instanceof Error ? err.stack : String(err)}\ninput: ${shown}`);
      }
    }
    const took = Date.now() - started;
    assert.ok(took < 2000, `fuzz seed ${seed}, case ${n} took ${took} ms`);
  }
  t.diagnostic(`${n} cases, ${parsed} parsed without error`);
  assert.ok(n > 1000, `only ${n} cases in ${seconds} s`);
  assert.ok(parsed > 0);
});
