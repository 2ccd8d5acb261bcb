// A port of buildkit v0.32.2 frontend/dockerfile/instructions/bflag_test.go, with the exact messages.

import { test } from "node:test";
import assert from "node:assert/strict";
import { DockerfileError } from "../../errors.js";
import { BFlags } from "./bflag.js";

function fails(bf: BFlags, message: string): void {
  assert.throws(() => bf.parse(), (err: unknown) => err instanceof DockerfileError && err.message === message);
}

test("BFlags: empty args and a lone -- parse", () => {
  new BFlags([]).parse();
  new BFlags(["--"]).parse();
  const bf = new BFlags(["--", "--unknown"]);
  bf.parse();
});

test("BFlags: defaults and use", () => {
  let bf = new BFlags([]);
  let flStr1 = bf.addString("str1", "");
  let flBool1 = bf.addBool("bool1", false);
  bf.parse();
  assert.equal(flStr1.isUsed(), false);
  assert.equal(flBool1.isUsed(), false);

  bf = new BFlags([]);
  flStr1 = bf.addString("str1", "HI");
  flBool1 = bf.addBool("bool1", false);
  bf.parse();
  assert.equal(flStr1.value, "HI");
  assert.equal(flBool1.isTrue(), false);

  bf = new BFlags(["--str1="]);
  flStr1 = bf.addString("str1", "HI");
  bf.parse();
  assert.equal(flStr1.value, "");

  bf = new BFlags(["--str1=BYE"]);
  flStr1 = bf.addString("str1", "HI");
  bf.parse();
  assert.equal(flStr1.value, "BYE");
  assert.equal(flStr1.isUsed(), true);

  for (const [arg, want] of [["--bool1", true], ["--bool1=true", true], ["--bool1=TRUE", true], ["--bool1=false", false], ["--bool1=False", false]] as const) {
    bf = new BFlags([arg]);
    flBool1 = bf.addBool("bool1", !want);
    bf.parse();
    assert.equal(flBool1.isTrue(), want, arg);
  }

  bf = new BFlags(["--bool1", "--str1=BYE"]);
  flStr1 = bf.addString("str1", "HI");
  flBool1 = bf.addBool("bool1", false);
  bf.parse();
  assert.equal(flStr1.value, "BYE");
  assert.equal(flBool1.isTrue(), true);
});

test("BFlags: errors worded as Go's", () => {
  let bf = new BFlags(["--str1"]);
  bf.addString("str1", "HI");
  fails(bf, "missing a value on flag: --str1");

  bf = new BFlags(["--bool1=false1"]);
  bf.addBool("bool1", false);
  fails(bf, "expecting boolean value for flag --bool1, not: false1");

  bf = new BFlags(["--bool1="]);
  bf.addBool("bool1", false);
  fails(bf, "missing a value on flag: --bool1");

  bf = new BFlags(["--bool2"]);
  bf.addBool("bool1", false);
  fails(bf, "unknown flag: --bool2 (did you mean bool1?)");

  bf = new BFlags(["--zzzzzz"]);
  bf.addBool("bool1", false);
  fails(bf, "unknown flag: --zzzzzz");

  bf = new BFlags(["-x"]);
  fails(bf, "arg should start with -- : -x");

  bf = new BFlags(["--s=1", "--s=2"]);
  bf.addString("s", "");
  fails(bf, "duplicate flag specified: --s");

  bf = new BFlags([]);
  bf.addString("s", "");
  bf.addBool("s", false);
  fails(bf, "error setting up flags: Duplicate flag defined: s");

  const b = new BFlags([]);
  const s = b.addString("s", "");
  assert.throws(() => s.isTrue(), /Trying to use IsTrue on a non-boolean: s/);
});

test("BFlags: strings flags repeat; used names in the order given", () => {
  const bf = new BFlags([`--bool2=false`, `--bool3`, `--bool4=true`, `--bool5`, `--str2= `, `--str3=def3`, `--str4=my-val`, `--many=a`, `--many=b`]);
  bf.addBool("bool1", false);
  bf.addBool("bool2", false);
  bf.addBool("bool3", false);
  bf.addBool("bool4", true);
  bf.addBool("bool5", true);
  bf.addString("str1", "");
  bf.addString("str2", "");
  bf.addString("str3", "def3");
  bf.addString("str4", "def4");
  const many = bf.addStrings("many");
  bf.parse();
  assert.deepEqual(bf.usedNames(), ["bool2", "bool3", "bool4", "bool5", "str2", "str3", "str4", "many"]);
  assert.deepEqual(many.stringValues, ["a", "b"]);
});
