// Parser and lexer against Go's own results for 400 seeded random and mutated inputs
// (test/dockerfile/fixtures/parser-lex-go.jsonl, made by buildkit v0.32.2's parser and lexer).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DockerfileError } from "../../errors.js";
import { envsFromSlice, Lex } from "../shell/lex.js";
import { parse, type Node } from "./parser.js";

interface GoldenCase {
  kind: "parse" | "lex";
  input: string;
  env: string[];
  escape: string;
  mode: "word" | "words";
  rawQuotes: boolean;
  rawEscapes: boolean;
  skipProcessQuotes: boolean;
  skipUnsetEnv: boolean;
}

const file = fileURLToPath(new URL("../../../../test/dockerfile/fixtures/parser-lex-go.jsonl", import.meta.url));
const rows = readFileSync(file, "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as { case: GoldenCase; go: Record<string, unknown> });

/** The AST as the fixture stores it: zero-valued fields left out. */
function compact(n: Node): Record<string, unknown> {
  const o: Record<string, unknown> = { value: n.value };
  if (n.next) o["next"] = compact(n.next);
  if (n.children.length) o["children"] = n.children.map(compact);
  if (n.heredocs.length) o["heredocs"] = n.heredocs;
  if (Object.keys(n.attributes).length) o["attributes"] = n.attributes;
  if (n.original) o["original"] = n.original;
  if (n.flags.length) o["flags"] = n.flags;
  if (n.startLine) o["startLine"] = n.startLine;
  if (n.endLine) o["endLine"] = n.endLine;
  if (n.prevComment.length) o["prevComment"] = n.prevComment;
  return o;
}

function run(c: GoldenCase): Record<string, unknown> {
  try {
    if (c.kind === "parse") {
      const r = parse(c.input);
      return {
        ast: compact(r.ast),
        escape: r.escapeToken,
        warnings: r.warnings.map((w) => ({ short: w.short, detail: w.detail, url: w.url, line: w.location?.start.line })),
      };
    }
    const lex = new Lex(c.escape);
    lex.rawQuotes = c.rawQuotes;
    lex.rawEscapes = c.rawEscapes;
    lex.skipProcessQuotes = c.skipProcessQuotes;
    lex.skipUnsetEnv = c.skipUnsetEnv;
    const env = envsFromSlice(c.env);
    if (c.mode === "words") return { words: lex.processWords(c.input, env) };
    const r = lex.processWordWithMatches(c.input, env);
    return { result: r.result, matched: [...r.matched].sort(), unmatched: [...r.unmatched].sort() };
  } catch (err) {
    assert.ok(err instanceof DockerfileError, String(err));
    return c.kind === "parse" ? { error: err.message, lines: [err.ranges.map((r) => r.start.line)] } : { error: err.message };
  }
}

test("parser and lexer give Go's results on the golden inputs", () => {
  assert.equal(rows.length, 400);
  let parses = 0;
  for (const [i, row] of rows.entries()) {
    assert.deepEqual(run(row.case), row.go, `case ${i}: ${JSON.stringify(row.case)}`);
    if (row.case.kind === "parse") parses++;
  }
  assert.ok(parses > 100);
});
