import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { plainGolden, warningsGolden } from "../../test/progress/golden.js";
import { MemOut, at, log, runScenario, scenario, scenarios, vtx } from "../../test/progress/testdata.js";
import { createProgressWriter } from "./writer.js";

function golden(name: string): Buffer {
  const g = plainGolden[name]!;
  return Array.isArray(g) ? Buffer.from(g.join("\n")) : Buffer.from(g.base64, "base64");
}

describe("plain output matches buildctl (progressui v0.32.2) byte for byte", () => {
  for (const s of scenarios) {
    it(s.name, async () => {
      const out = new MemOut();
      const w = await runScenario(s, "plain", out);
      const got = out.bytes();
      const want = golden(s.name);
      if (!got.equals(want)) assert.equal(got.toString(), want.toString()); // readable diff
      assert.ok(got.equals(want));
      assert.equal(w.warnings().length, warningsGolden[s.name]);
    });
  }
});

describe("plain details", () => {
  it("numbers vertices on first print, prints #N ... when switching away, and a blank line between blocks", async () => {
    const out = new MemOut();
    await runScenario(scenario("switching"), "plain", out);
    assert.deepEqual(
      out.text().split("\n").filter((l) => /^#\d+ (\.\.\.|\[)/.test(l)),
      ["#1 [a 1/1] RUN long", "#1 ...", "#2 [b 1/1] RUN quick", "#1 [a 1/1] RUN long", "#1 ...", "#3 [c 1/1] RUN quick2", "#1 [a 1/1] RUN long"],
    );
  });

  it("prints the error log block when done", async () => {
    const out = new MemOut();
    await runScenario(scenario("failure"), "plain", out);
    const text = out.text();
    assert.match(text, /#1 ERROR: process "\/bin\/sh -c \.\/build\.sh" did not complete successfully: exit code: 2\n/);
    assert.match(text, /#2 CANCELED\n/);
    assert.ok(text.endsWith(" done\n0.300 line 13\n------\n"));
    assert.ok(text.includes("------\n > [2/3] RUN ./build.sh:\n0.100 line 4\n"));
  });

  it("errorLogs: false leaves the block out", async () => {
    const out = new MemOut();
    await runScenario(scenario("failure"), "plain", out, { errorLogs: false });
    assert.ok(!out.text().includes("------"));
  });

  it("textDesc prints #0 first; PROGRESS_NO_TRUNC=0 truncates names at 72", async () => {
    const out = new MemOut();
    await runScenario(scenario("basic"), "plain", out, { textDesc: "building app", env: { PROGRESS_NO_TRUNC: "0" } });
    const lines = out.text().split("\n");
    assert.equal(lines[0], "#0 building app");
    assert.equal(lines[1], "");
    assert.ok(lines.includes("#3 [1/2] FROM docker.io/library/alpine:3.19@sha256:c5b1261d6d3e43071626931f..."));
  });

  it("a warning that arrives after its step was printed as done prints the step again with it", async () => {
    const out = new MemOut();
    const t = 1714557600000;
    const w = createProgressWriter("plain", out, { now: () => t, env: {}, rateMs: 0, tickMs: 100000 });
    const a = "sha256:aa";
    const b = "sha256:bb";
    w.write({ vertexes: [vtx(a, "[internal] load build definition from Dockerfile", { started: at(0), completed: at(0), cached: true })] });
    w.write({ vertexes: [vtx(b, "[internal] load .dockerignore", { started: at(1), completed: at(1), cached: true })] });
    w.write({ warnings: [{ vertex: a, level: 1, short: Buffer.from("FromAsCasing: 'AS' and 'from' keywords' casing do not match (line 1)"), detail: [], url: "" }] });
    await w.done();
    assert.equal(
      out.text(),
      "#1 [internal] load build definition from Dockerfile\n#1 CACHED\n\n#2 [internal] load .dockerignore\n#2 CACHED\n\n" +
        "#1 [internal] load build definition from Dockerfile\n#1 WARN: FromAsCasing: 'AS' and 'from' keywords' casing do not match (line 1)\n#1 CACHED\n",
    );
  });

  it("rate limiting batches updates and done() flushes everything", async () => {
    const out = new MemOut();
    const t = 1714557600000;
    const w = createProgressWriter("plain", out, { now: () => t, env: {}, rateMs: 100, tickMs: 100000 });
    const a = "sha256:aa";
    w.write({ vertexes: [vtx(a, "step", { started: at(0) })] });
    w.write({ logs: [log(a, 10, "one\n")] });
    w.write({ logs: [log(a, 20, "two\n")] });
    assert.equal(out.text(), "#1 step\n");
    w.write({ vertexes: [vtx(a, "step", { started: at(0), completed: at(300) })] });
    await w.done();
    assert.equal(out.text(), "#1 step\n#1 0.010 one\n#1 0.020 two\n#1 DONE 0.3s\n");
  });

  it("the idle ticker prints pending updates without new writes", async () => {
    const out = new MemOut();
    const w = createProgressWriter("plain", out, { env: {}, rateMs: 1000, tickMs: 20 });
    const a = "sha256:bb";
    w.write({ vertexes: [vtx(a, "step", { started: at(0) })] });
    w.write({ logs: [log(a, 10, "later\n")] });
    assert.equal(out.text(), "#1 step\n");
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(out.text(), "#1 step\n#1 0.010 later\n");
    await w.done();
  });

  it("TTY_DISPLAY_RATE=0 style deterministic mode needs no timers; writes after done are ignored", async () => {
    const out = new MemOut();
    const w = createProgressWriter("plain", out, { env: {}, rateMs: 0 });
    w.write({ vertexes: [vtx("sha256:cc", "x", { started: at(0), completed: at(1) })] });
    await w.done();
    const before = out.text();
    w.write({ vertexes: [vtx("sha256:dd", "y", { started: at(0) })] });
    assert.equal(out.text(), before);
    assert.equal(before, "#1 x\n#1 DONE 0.0s\n");
  });
});
