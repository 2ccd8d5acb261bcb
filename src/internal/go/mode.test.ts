import { test } from "node:test";
import assert from "node:assert/strict";
import { ModeError, parseMode } from "./mode.js";

test("parseMode: valid symbolic and octal modes", () => {
  for (const s of ["u+x", "go-w", "a=rX", "u=rwx,g=rx,o=", "=", "+t", "u+s", "g=u", "ug+rw,o-rwx", "0755", "7777", "0"]) {
    assert.doesNotThrow(() => parseMode(s), s);
  }
});

test("parseMode: errors as dchapes-mode reports them", () => {
  const syntax = ["", "u", "x", "u+x,", ",u+x", "u+7", "+7", "a+z", "u+x g-w", "10000"];
  for (const s of syntax) {
    assert.throws(() => parseMode(s), (e: unknown) => e instanceof ModeError && !e.numeric && e.message === "invalid syntax", s);
  }
  assert.throws(() => parseMode("0o755"), (e: unknown) => e instanceof ModeError && e.numeric && e.message === 'strconv.ParseInt: parsing "0o755": invalid syntax');
  assert.throws(() => parseMode("777777"), (e: unknown) => e instanceof ModeError && e.numeric && /value out of range/.test(e.message));
  assert.throws(() => parseMode("9"), (e: unknown) => e instanceof ModeError && e.numeric);
});
