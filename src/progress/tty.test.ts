import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ttyFinalGolden } from "../../test/progress/golden.js";
import { MemOut, at, log, runScenario, scenario, stripAnsi, vtx } from "../../test/progress/testdata.js";
import { createProgressWriter, resolveProgressMode } from "./writer.js";

const HIDE = "\x1b[?25l";

function frames(text: string): string[] {
  return text.split(HIDE).slice(1).map((f) => stripAnsi(f));
}

describe("tty", () => {
  for (const name of Object.keys(ttyFinalGolden)) {
    it(`final frame and error logs equal buildctl's (${name}, 100x40)`, async () => {
      const out = new MemOut({ columns: 100, rows: 40 });
      await runScenario(scenario(name), "tty", out);
      const text = out.text();
      let last = text.slice(text.lastIndexOf(HIDE));
      last = last.replace(/^(\x1b\[\?25l\[\+\] Building )[0-9.]+s/, "$1X.Xs");
      assert.deepEqual(last.split("\n"), ttyFinalGolden[name]);
    });
  }

  it("redraws in place: cursor up over the previous frame", async () => {
    const out = new MemOut({ columns: 80, rows: 30 });
    await runScenario(scenario("interleave"), "tty", out);
    const raw = out.text();
    assert.ok(raw.startsWith("\x1b[1A\x1b[1B\x1b[0G" + HIDE + "[+] Building "));
    // the second frame moves up over header + 1 job line
    assert.ok(raw.includes("\x1b[1A\x1b[1A\x1b[0G" + HIDE));
  });

  it("shows header, running steps with timers, statuses and the log pane of a running step", async () => {
    const out = new MemOut({ columns: 100, rows: 40 });
    let t = 1714557600000 + 1000; // local clock 1s ahead of the daemon's
    const w = createProgressWriter("tty", out, { rateMs: 0, now: () => t, env: {} });
    const a = "sha256:run";
    w.write({ vertexes: [vtx("sha256:done", "[1/2] FROM alpine", { started: at(0), completed: at(100), cached: true })] });
    w.write({ vertexes: [vtx(a, "[2/2] RUN make", { started: at(200) })] });
    for (let i = 1; i <= 8; i++) w.write({ logs: [log(a, 200 + i * 10, `log line ${i}\n`)] });
    t += 3000;
    w.write({ statuses: [{ id: "downloading", vertex: a, name: "", current: 1500, total: 3000, timestamp: at(3000), started: at(2000) }] });
    const mid = frames(out.text()).at(-1)!;
    const lines = mid.split("\n");
    assert.match(lines[0]!, /^\[\+\] Building 3\.0s \(1\/2\) +$/);
    assert.match(lines[1]!, /^ => CACHED \[1\/2\] FROM alpine +0\.1s$/);
    assert.match(lines[2]!, /^ => \[2\/2\] RUN make +2\.8s$/);
    // the pane holds the last 6 rows of output
    assert.deepEqual(
      lines.filter((l) => l.startsWith(" => => # ")).map((l) => l.trimEnd()),
      [3, 4, 5, 6, 7, 8].map((i) => ` => => # log line ${i}`),
    );
    assert.match(mid, / => => downloading 1\.50kB \/ 3\.00kB +1\.0s\n/);
    w.write({ vertexes: [vtx(a, "[2/2] RUN make", { started: at(200), completed: at(3200) })] });
    await w.done();
    const fin = frames(out.text()).at(-1)!;
    assert.match(fin, /^\[\+\] Building [0-9.]+s \(2\/2\) FINISHED/);
    assert.ok(!fin.includes(" => => # "));
    assert.match(fin, / => \[2\/2\] RUN make +3\.0s\n/);
  });

  it("truncates to the terminal width", async () => {
    const out = new MemOut({ columns: 50, rows: 20 });
    await runScenario(scenario("basic"), "tty", out);
    for (const f of frames(out.text())) {
      for (const l of f.split("\n")) assert.ok(l.length <= 50, `too wide: ${JSON.stringify(l)}`);
    }
    const fin = frames(out.text()).at(-1)!;
    assert.ok(fin.includes("\n => CACHED [1/2] FROM docker.io/library/alp  0.0s\n"));
    assert.ok(fin.includes("\n => [2/2] RUN apk add --no-cache curl      150.2s\n"));
  });

  it("groups progressGroup members into one line; weak members stay hidden until a strong one starts", async () => {
    const out = new MemOut({ columns: 80, rows: 30 });
    await runScenario(scenario("groups"), "tty", out);
    const fs = frames(out.text());
    assert.ok(!fs[2]!.includes("exporting to image"), "weak-only group hidden");
    const fin = fs.at(-1)!;
    assert.equal(fin.split("\n").filter((l) => l.includes("exporting to image")).length, 1);
    assert.match(fin, /\(2\/\d+\) FINISHED|FINISHED/);
  });

  it("colors: blue when done, red errors, yellow canceled/warnings; NO_COLOR and BUILDKIT_COLORS", async () => {
    const out = new MemOut({ columns: 100, rows: 40 });
    await runScenario(scenario("failure"), "tty", out);
    const last = out.text().slice(out.text().lastIndexOf(HIDE));
    assert.ok(last.includes("\x1b[31m => ERROR [2/3] RUN ./build.sh"));
    assert.ok(last.includes("\x1b[33m => CANCELED [3/3] RUN echo never"));
    const nc = new MemOut({ columns: 100, rows: 40 });
    await runScenario(scenario("failure"), "tty", nc, { env: { NO_COLOR: "1" } });
    assert.ok(!/\x1b\[3\dm/.test(nc.text()));
    const bc = new MemOut({ columns: 100, rows: 40 });
    await runScenario(scenario("basic"), "tty", bc, { env: { BUILDKIT_COLORS: "run=green:error=255,0,0" } });
    assert.ok(bc.text().includes("\x1b[32m => [internal] load build definition"));
  });

  it("auto picks tty for terminals unless TERM=dumb; BUILDKIT_PROGRESS overrides auto", () => {
    assert.equal(resolveProgressMode("auto", { isTTY: true }, {}), "tty");
    assert.equal(resolveProgressMode("auto", { isTTY: true }, { TERM: "dumb" }), "plain");
    assert.equal(resolveProgressMode("auto", {}, {}), "plain");
    assert.equal(resolveProgressMode("auto", { isTTY: true }, { BUILDKIT_PROGRESS: "rawjson" }), "rawjson");
    assert.equal(resolveProgressMode("plain", { isTTY: true }, { BUILDKIT_PROGRESS: "tty" }), "plain");
    assert.throws(() => resolveProgressMode("fancy" as never, {}, {}), /invalid progress mode/);
    const out = new MemOut({ columns: 80, rows: 24 });
    assert.equal(createProgressWriter("auto", out, { env: {} }).mode, "tty");
  });
});
