import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { parseCsvFields } from "./csv.js";

/** Inputs and what go-csvvalue v0.0.0-20240814133006 (buildctl's CSV parser) returns for them. */
const csvCases: [string, string[] | string][] = [
  ["type=local,dest=out", ["type=local", "dest=out"]],
  ["a,b", ["a", "b"]],
  ["", "EOF"],
  ["\n", "EOF"],
  ["a\n", ["a"]],
  ["a\r\n", ["a"]],
  [",", ["", ""]],
  ["a,", ["a", ""]],
  [",a", ["", "a"]],
  ['"a,b",c', ["a,b", "c"]],
  ['"a""b"', ['a"b']],
  ['"a"b', 'parse error on line 1, column 3: extraneous or missing " in quoted-field'],
  ['a"b', 'parse error on line 1, column 2: bare " in non-quoted-field'],
  ['"abc', 'parse error on line 1, column 2: extraneous or missing " in quoted-field'],
  ['"a","b"', ["a", "b"]],
  ['""', [""]],
  ['"",x', ["", "x"]],
  ['type=image,"name=a,b",push=true', ["type=image", "name=a,b", "push=true"]],
  ['x="y"', 'parse error on line 1, column 3: bare " in non-quoted-field'],
  ['é"', 'parse error on line 1, column 3: bare " in non-quoted-field'],
  ['éé,"é', 'parse error on line 1, column 7: extraneous or missing " in quoted-field'],
  ['"a""', 'parse error on line 1, column 5: extraneous or missing " in quoted-field'],
  ['"a\nb",c', ["a\nb", "c"]],
  ['type=tar,dest="o,ut.tar"', 'parse error on line 1, column 15: bare " in non-quoted-field'],
  ['"ab"""', ['ab"']],
  ["a,,b", ["a", "", "b"]],
  ['"a""""b"', ['a""b']],
  ['"x"y"', 'parse error on line 1, column 3: extraneous or missing " in quoted-field'],
  ['"x","', 'parse error on line 1, column 6: extraneous or missing " in quoted-field'],
  ["ab\r", ["ab\r"]],
  ["ab\n\n", ["ab\n"]],
];

describe("CSV (go-csvvalue)", () => {
  for (const [input, want] of csvCases) {
    test(JSON.stringify(input), () => {
      if (typeof want === "string") assert.throws(() => parseCsvFields(input), { message: want });
      else assert.deepEqual(parseCsvFields(input), want);
    });
  }
});
