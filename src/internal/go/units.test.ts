import { test } from "node:test";
import assert from "node:assert/strict";
import { bytesSize, formatBytes, formatBytesG, humanDuration, ramInBytes } from "./units.js";

// Expected values printed by Go 1.26 with tonistiigi/units v0.0.0-20180711220420-6950e57a87ea
// (fmt "%.2f" and "%g" of units.Bytes) and docker/go-units v0.5.0 (HumanDuration).
// fmt "%.2f" ties are covered by test/progress's fmtGolden (src/progress/format.test.ts).

test("formatBytes and formatBytesG equal fmt's %.2f and %g of units.Bytes", () => {
  const cases: [bigint | number, string, string][] = [
    [0, "0B", "0B"],
    [999, "999B", "999B"],
    [1000, "1.00kB", "1kB"],
    [1500, "1.50kB", "1.5kB"],
    [-1500, "-1.50kB", "-1.5kB"],
    [10_000_000_000n, "10.00GB", "10GB"],
    [51_200_000_000n, "51.20GB", "51.2GB"],
    [1_234_567, "1.23MB", "1.234567MB"],
    [5_000_000_000_000n, "5.00TB", "5TB"],
  ];
  for (const [n, f, g] of cases) {
    assert.equal(formatBytes(n), f, String(n));
    assert.equal(formatBytesG(n), g, String(n));
  }
});

test("humanDuration equals go-units HumanDuration", () => {
  const cases: [number, string][] = [
    [500, "Less than a second"],
    [1000, "1 second"],
    [1999, "1 second"],
    [45_000, "45 seconds"],
    [90_000, "About a minute"],
    [59 * 60_000 + 59_000, "59 minutes"],
    [90 * 60_000, "2 hours"],
    [47 * 3_600_000, "47 hours"],
    [3 * 86_400_000, "3 days"],
    [20 * 86_400_000, "2 weeks"],
    [100 * 86_400_000, "3 months"],
    [800 * 86_400_000, "2 years"],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, String(ms));
});


// docker/go-units v0.5.0 RAMInBytes, computed with Go.
const ramSizes: [string, number, string][] = [["64m", 67108864, ""], ["1.5GiB", 1610612736, ""], ["100", 100, ""], ["512 kb", 524288, ""], ["1kb", 1024, ""], ["1KiB", 1024, ""], ["10g", 10737418240, ""], ["1t", 1099511627776, ""], ["1p", 1125899906842624, ""], ["64x", -1, "invalid suffix: 'x'"], ["abc", -1, "invalid size: 'abc'"], ["", -1, "invalid size: ''"], ["-5", -1, "invalid size: '-5'"], ["1mib", 1048576, ""], ["1mb", 1048576, ""], ["1m b", -1, "strconv.ParseFloat: parsing \"1m\": invalid syntax"], ["5b", 5, ""], ["5bb", -1, "invalid suffix: 'bb'"], ["1.5", 1, ""], ["0.5k", 512, ""], ["1e3", 1000, ""], ["64 m", 67108864, ""], ["1kbb", -1, "invalid suffix: 'kbb'"], ["1kib", 1024, ""], ["1 ", 1, ""]];

test("ramInBytes: sizes and errors as go-units' RAMInBytes", () => {
  for (const [s, v, err] of ramSizes) {
    if (err) assert.throws(() => ramInBytes(s), { message: err }, s);
    else assert.equal(ramInBytes(s), v, s);
  }
});

test("bytesSize equals go-units BytesSize (binary units, %.4g)", () => {
  const cases: [number, string][] = [
    [0, "0B"],
    [512, "512B"],
    [1024, "1KiB"],
    [1536, "1.5KiB"],
    [512e6, "488.3MiB"],
    [2 ** 31, "2GiB"],
    [1e12, "931.3GiB"],
    [1024 * 1024 - 1, "1024KiB"],
  ];
  for (const [n, want] of cases) assert.equal(bytesSize(n), want, String(n));
});
