import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatBuildError, formatSource, formatWarningsSummary } from "./format.js";
import { fmtGolden, sourcePrintGolden } from "../../test/progress/golden.js";
import { formatBytes, goFixed } from "../internal/go/units.js";
import { MemOut, dockerfileText, runScenario, scenario } from "../../test/progress/testdata.js";

describe("formatting", () => {
  it("goFixed and formatBytes round like Go (ties to even)", () => {
    const vals = [0, 0.05, 0.0625, 0.125, 1.25, 1.35, 2.5, 0.45, 9.9999, 10.005, 99.995, 100.05, 1e6 + 0.25, 0.01, 123.456];
    const got = vals.map((v) => `${goFixed(v, 1)} ${goFixed(v, 2)} ${goFixed(v, 3)}`);
    const bytes = [0, 1, 999, 1000, 1125, 1135, 2250, 1048576, 10485760, 999999, 1000000, 1234567890, 5e12].map(formatBytes);
    assert.deepEqual([...got, ...bytes], fmtGolden);
  });

  it("formatSource equals errdefs.Source.Print", () => {
    for (const [key, want] of Object.entries(sourcePrintGolden)) {
      const ranges = key.includes(",")
        ? key.split(",").map((n) => ({ start: { line: Number(n), character: 0 }, end: { line: Number(n), character: 0 } }))
        : [{ start: { line: Number(key.split("-")[0]), character: 0 }, end: { line: Number(key.split("-")[1]), character: 0 } }];
      assert.equal(formatSource({ filename: "Dockerfile", data: dockerfileText, ranges }), want, key);
    }
  });

  it("formatBuildError: step, log tail, Dockerfile excerpt, error line", async () => {
    const out = new MemOut();
    const w = await runScenario(scenario("failure"), "quiet", out);
    assert.equal(out.text(), "");
    const dgst = "sha256:" + "10".repeat(32);
    const tail = w.logTail(dgst);
    assert.equal(tail.length, 10);
    assert.deepEqual(tail.slice(-3), ["0.100 line 11", "0.200 line 12 partial done", "0.300 line 13"]);
    assert.deepEqual(w.logTail(dgst, { lines: 2, raw: true }), ["line 12 partial done", "line 13"]);
    const text = formatBuildError({
      message: w.vertex(dgst)!.error,
      vertexName: w.vertex(dgst)!.name,
      logTail: w.logTail(dgst, { lines: 3 }),
      source: { filename: "Dockerfile", line: 6, lines: dockerfileText.split("\n") },
    });
    assert.equal(
      text,
      [
        "------",
        " > [2/3] RUN ./build.sh:",
        "0.100 line 11",
        "0.200 line 12 partial done",
        "0.300 line 13",
        "------",
        "Dockerfile:6",
        "--------------------",
        "   4 |     FROM base",
        "   5 |     COPY . .",
        "   6 | >>> RUN make",
        "   7 |     ",
        "--------------------",
        'error: process "/bin/sh -c ./build.sh" did not complete successfully: exit code: 2',
        "",
      ].join("\n"),
    );
    assert.equal(formatBuildError({ message: "x" }, { errorPrefix: "ERROR: " }), "ERROR: x\n");
    // A source with a range per line (an instruction continued over lines): every one marked, as errdefs.Source.Print.
    const cont = ["FROM a", "RUN true", "RUN echo a && \\", "    exit 3", ""];
    assert.equal(
      formatBuildError({ message: "x", source: { filename: "Dockerfile", line: 3, ranges: [{ start: 3, end: 3 }, { start: 4, end: 4 }], lines: cont } }),
      ["Dockerfile:3", "--------------------", "   2 |     RUN true", "   3 | >>> RUN echo a && \\", "   4 | >>>     exit 3", "   5 |     ", "--------------------", "error: x", ""].join("\n"),
    );
  });

  it("formatWarningsSummary like buildx", async () => {
    const out = new MemOut();
    const w = await runScenario(scenario("warnings"), "quiet", out);
    assert.equal(w.warnings().length, 2);
    assert.equal(
      formatWarningsSummary(w.warnings(), { color: false }),
      "\n 2 warnings found (use --debug to expand):\n - FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)\n - image uses the latest tag\n",
    );
    const dbg = formatWarningsSummary(w.warnings().slice(0, 1), { debug: true, color: false });
    assert.equal(
      dbg,
      [
        "",
        " 1 warning found:",
        " - FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)",
        "The 'as' keyword should match the case of the 'from' keyword",
        "More info: https://docs.docker.com/go/dockerfile/rule/from-as-casing/",
        "Dockerfile:1",
        "--------------------",
        "   1 | >>> from alpine AS base",
        "   2 |     RUN echo hi",
        "   3 |     ",
        "--------------------",
        "",
        "",
      ].join("\n"),
    );
    const plain = new MemOut();
    await runScenario(scenario("warnings"), "plain", plain, { warningsSummary: { hint: "use docker --debug to expand" } });
    assert.ok(plain.text().endsWith("\n \x1b[33m2 warnings found (use docker --debug to expand):\n\x1b[0m - FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)\n - image uses the latest tag\n"));
  });

  it("quiet prints nothing but still collects warnings and logs", async () => {
    const out = new MemOut();
    const w = await runScenario(scenario("basic"), "quiet", out);
    assert.equal(out.chunks.length, 0);
    assert.deepEqual(w.logTail("sha256:" + "04".repeat(32), { raw: true }), [
      "fetch https://dl-cdn.alpinelinux.org/alpine/v3.19/main/x86_64/APKINDEX.tar.gz",
      "(1/5) Installing ca-certificates (20240226-r0)",
      "(2/5) Installing brotli-libs (1.1.0-r1)",
      "OK: 13 MiB in 20 packages",
    ]);
    assert.deepEqual(w.logTail("sha256:unknown"), []);
  });
});
