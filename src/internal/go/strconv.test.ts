import { test } from "node:test";
import assert from "node:assert/strict";
import { parseBool, parseFloat, parseInt, parseUint } from "./strconv.js";

test("parseBool accepts exactly Go's spellings", () => {
  for (const s of ["1", "t", "T", "TRUE", "true", "True"]) assert.equal(parseBool(s), true, s);
  for (const s of ["0", "f", "F", "FALSE", "false", "False"]) assert.equal(parseBool(s), false, s);
  for (const s of ["", "yes", "tRUE", " true", "2", "on"]) assert.equal(parseBool(s), undefined, s);
});


// Expected values computed with Go 1.26's strconv.
const parseInts: [string, number, number, string, string][] = [["0", 10, 32, "0", ""], ["123", 10, 32, "123", ""], ["-123", 10, 32, "-123", ""], ["+7", 10, 32, "7", ""], ["2147483647", 10, 32, "2147483647", ""], ["2147483648", 10, 32, "2147483647", "strconv.ParseInt: parsing \"2147483648\": value out of range"], ["-2147483648", 10, 32, "-2147483648", ""], ["-2147483649", 10, 32, "-2147483648", "strconv.ParseInt: parsing \"-2147483649\": value out of range"], ["", 10, 32, "0", "strconv.ParseInt: parsing \"\": invalid syntax"], ["abc", 10, 32, "0", "strconv.ParseInt: parsing \"abc\": invalid syntax"], ["1_000", 10, 32, "0", "strconv.ParseInt: parsing \"1_000\": invalid syntax"], ["99999999999999999999999x", 10, 32, "2147483647", "strconv.ParseInt: parsing \"99999999999999999999999x\": value out of range"], ["-", 10, 32, "0", "strconv.ParseInt: parsing \"-\": invalid syntax"], ["0755", 8, 32, "493", ""], ["9", 8, 32, "0", "strconv.ParseInt: parsing \"9\": invalid syntax"], ["9223372036854775807", 10, 64, "9223372036854775807", ""], ["9223372036854775808", 10, 64, "9223372036854775807", "strconv.ParseInt: parsing \"9223372036854775808\": value out of range"]];
const parseUints: [string, number, number, string, string][] = [["0", 10, 32, "0", ""], ["123", 10, 32, "123", ""], ["-123", 10, 32, "0", "strconv.ParseUint: parsing \"-123\": invalid syntax"], ["+7", 10, 32, "0", "strconv.ParseUint: parsing \"+7\": invalid syntax"], ["2147483647", 10, 32, "2147483647", ""], ["2147483648", 10, 32, "2147483648", ""], ["-2147483648", 10, 32, "0", "strconv.ParseUint: parsing \"-2147483648\": invalid syntax"], ["-2147483649", 10, 32, "0", "strconv.ParseUint: parsing \"-2147483649\": invalid syntax"], ["", 10, 32, "0", "strconv.ParseUint: parsing \"\": invalid syntax"], ["abc", 10, 32, "0", "strconv.ParseUint: parsing \"abc\": invalid syntax"], ["1_000", 10, 32, "0", "strconv.ParseUint: parsing \"1_000\": invalid syntax"], ["99999999999999999999999x", 10, 32, "4294967295", "strconv.ParseUint: parsing \"99999999999999999999999x\": value out of range"], ["-", 10, 32, "0", "strconv.ParseUint: parsing \"-\": invalid syntax"], ["0755", 8, 32, "493", ""], ["9", 8, 32, "0", "strconv.ParseUint: parsing \"9\": invalid syntax"], ["9223372036854775807", 10, 64, "9223372036854775807", ""], ["9223372036854775808", 10, 64, "9223372036854775808", ""]];
const parseFloats: [string, string, string][] = [["1", "1", ""], ["1.5", "1.5", ""], [".5", "0.5", ""], ["5.", "5", ""], [".", "0", "strconv.ParseFloat: parsing \".\": invalid syntax"], ["1e3", "1000", ""], ["1E-2", "0.01", ""], ["+1", "1", ""], ["-1", "-1", ""], ["0x1p4", "16", ""], ["0x1.8p1", "3", ""], ["0x10", "0", "strconv.ParseFloat: parsing \"0x10\": invalid syntax"], ["0x_1p0", "1", ""], ["0x1__0p0", "0", "strconv.ParseFloat: parsing \"0x1__0p0\": invalid syntax"], ["1_0", "10", ""], ["inf", "+Inf", ""], ["+Inf", "+Inf", ""], ["-infinity", "-Inf", ""], ["nan", "NaN", ""], ["+nan", "0", "strconv.ParseFloat: parsing \"+nan\": invalid syntax"], ["1e400", "+Inf", "strconv.ParseFloat: parsing \"1e400\": value out of range"], ["1e-400", "0", ""], ["abc", "0", "strconv.ParseFloat: parsing \"abc\": invalid syntax"], ["", "0", "strconv.ParseFloat: parsing \"\": invalid syntax"], [" 1", "0", "strconv.ParseFloat: parsing \" 1\": invalid syntax"], ["0x.8p1", "1", ""], ["0x1.p1", "2", ""]];

test("parseInt and parseUint: values and NumError messages as Go's", () => {
  for (const [s, base, bits, v, err] of parseInts) {
    if (err) assert.throws(() => parseInt(s, base, bits), { message: err }, s);
    else assert.equal(parseInt(s, base, bits).toString(), v, s);
  }
  for (const [s, base, bits, v, err] of parseUints) {
    if (err) assert.throws(() => parseUint(s, base, bits), { message: err }, s);
    else assert.equal(parseUint(s, base, bits).toString(), v, s);
  }
});

test("parseFloat accepts what Go's ParseFloat accepts", () => {
  const goFormat = (f: number) => (Number.isNaN(f) ? "NaN" : f === Infinity ? "+Inf" : f === -Infinity ? "-Inf" : String(f));
  for (const [s, v, err] of parseFloats) {
    const got = parseFloat(s);
    if (err) assert.equal(got, undefined, s);
    else assert.equal(goFormat(got!), v, s);
  }
});
