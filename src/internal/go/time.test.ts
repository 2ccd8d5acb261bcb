// Expected values computed with Go 1.26 (time.ParseDuration, strconv) and the modules buildkit
// v0.32.2 pins (docker/go-units v0.5.0, agext/levenshtein v1.2.3).

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDuration } from "./time.js";

const durations: [string, string, string][] = [["0", "0", ""], ["-0", "0", ""], ["+0", "0", ""], ["", "0", "time: invalid duration \"\""], ["1s", "1000000000", ""], ["1.5h", "5400000000000", ""], ["2h45m30.5s", "9930500000000", ""], ["-1.5h", "-5400000000000", ""], ["300ms", "300000000", ""], ["1us", "1000", ""], ["1\u00b5s", "1000", ""], ["1\u03bcs", "1000", ""], ["1ns", "1", ""], [".5s", "500000000", ""], ["5.s", "5000000000", ""], [".s", "0", "time: invalid duration \".s\""], ["5", "0", "time: missing unit in duration \"5\""], ["5x", "0", "time: unknown unit \"x\" in duration \"5x\""], ["abc", "0", "time: invalid duration \"abc\""], ["1h2", "0", "time: missing unit in duration \"1h2\""], ["9223372036854775807ns", "9223372036854775807", ""], ["9223372036854775808ns", "0", "time: invalid duration \"9223372036854775808ns\""], ["-9223372036854775808ns", "-9223372036854775808", ""], ["2562047h", "9223369200000000000", ""], ["2562048h", "0", "time: invalid duration \"2562048h\""], ["1.0000000000000000000001s", "1000000000", ""], ["0.1ns", "0", ""], ["1e3s", "0", "time: unknown unit \"e\" in duration \"1e3s\""], ["+5m", "300000000000", ""], ["--5m", "0", "time: invalid duration \"--5m\""], ["1\u0000s", "0", "time: unknown unit \"\\x00s\" in duration \"1\\x00s\""], ["1 s", "0", "time: unknown unit \" s\" in duration \"1 s\""], ["3.999999999999999999999h", "14400000000000", ""]];

test("parseDuration: values and error messages as Go's time.ParseDuration", () => {
  for (const [s, ns, err] of durations) {
    if (err) assert.throws(() => parseDuration(s), { message: err }, s);
    else assert.equal(parseDuration(s).toString(), ns, s);
  }
});
