import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { moby } from "../proto/index.js";
import { pbGolden, rawjsonGolden } from "../../test/progress/golden.js";
import { marshalSolveStatus } from "./rawjson.js";
import { goJSONString } from "../internal/go/json.js";
import { MemOut, at, runScenario, scenarios, vtx } from "../../test/progress/testdata.js";
import { epochNanos, formatRFC3339Nano, fromStatusResponse } from "./types.js";
import { createProgressWriter } from "./writer.js";

describe("rawjson", () => {
  it("marshals every scenario update exactly like Go's json.Encoder of client.SolveStatus", () => {
    const got = scenarios.flatMap((s) => s.updates.map(marshalSolveStatus));
    assert.deepEqual(got, rawjsonGolden);
  });

  it("writer emits one JSON document per write and nothing else", async () => {
    const out = new MemOut();
    const s = scenarios[0]!;
    const w = await runScenario(s, "rawjson", out);
    const lines = out.text().split("\n");
    assert.equal(lines.pop(), "");
    assert.deepEqual(lines, rawjsonGolden.slice(0, s.updates.length));
    const first = JSON.parse(lines[1]!);
    assert.deepEqual(Object.keys(first.vertexes[0]), ["digest", "name", "started"]);
    assert.equal(first.vertexes[0].started, "2024-05-01T10:00:00Z");
    assert.equal(w.mode, "rawjson");
  });

  it("field names and shapes", () => {
    const line = rawjsonGolden.find((l) => l.includes('"logs"'))!;
    const obj = JSON.parse(line);
    assert.deepEqual(Object.keys(obj.logs[0]), ["vertex", "stream", "data", "timestamp"]);
    const sline = rawjsonGolden.find((l) => l.includes('"statuses"'))!;
    assert.deepEqual(Object.keys(JSON.parse(sline).statuses[0]), ["id", "vertex", "current", "timestamp", "started"]);
  });

  for (const [i, g] of pbGolden.entries()) {
    it(`fromStatusResponse + marshal equals Go's NewSolveStatus JSON (message ${i + 1})`, () => {
      const msg = moby.buildkit.v1.StatusResponse.decode(Buffer.from(g.pb, "base64"));
      assert.equal(marshalSolveStatus(fromStatusResponse(msg)), g.json);
    });
  }

  it("fromStatusResponse converts Long and keeps nanoseconds", () => {
    const msg = moby.buildkit.v1.StatusResponse.decode(Buffer.from(pbGolden[0]!.pb, "base64"));
    const s = fromStatusResponse(msg);
    assert.equal(s.statuses![0]!.current, 5000000000);
    assert.equal(typeof s.logs![0]!.stream, "number");
    assert.equal(epochNanos(s.vertexes![0]!.started!), 1714557600123456789n);
    assert.equal(formatRFC3339Nano(s.vertexes![0]!.started!), "2024-05-01T10:00:00.123456789Z");
    assert.equal(s.warnings![0]!.range!.length, 2);
    assert.deepEqual(s.vertexes![0]!.progressGroup, { id: "pg", name: "group", weak: false });
  });

  it("escapes strings like Go (HTML-safe, U+2028, \\b \\f, invalid surrogates)", () => {
    assert.equal(goJSONString("<a&b>\u2028\u2029\b\f\x01\x7f\ud800x😀"), '"\\u003ca\\u0026b\\u003e\\u2028\\u2029\\b\\f\\u0001\x7f\\ufffdx😀"');
  });

  it("resetTime shifts times so the first started vertex is now (buildctl's ResetTime)", async () => {
    const out = new MemOut();
    const now = Date.UTC(2030, 0, 1);
    const w = createProgressWriter("rawjson", out, { now: () => now, resetTime: true, env: {} });
    w.write({ vertexes: [vtx("sha256:x", "x", { started: at(0, 5), completed: at(1500) })] });
    await w.done();
    const v = JSON.parse(out.text()).vertexes[0];
    assert.equal(v.started, "2030-01-01T00:00:00Z");
    assert.equal(v.completed, "2030-01-01T00:00:01.499999995Z");
  });
});
