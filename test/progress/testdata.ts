// Recorded-style progress sequences shared by the tests (and used to produce the
// Go golden output in golden.ts). Not a test file itself.

import { Writable } from "node:stream";
import type { SolveStatus, Vertex, VertexLog, VertexStatus, VertexWarning } from "../../src/progress/types.js";
import { dateFromEpochNanos } from "../../src/progress/types.js";
import { createProgressWriter, type ProgressMode, type ProgressWriter, type ProgressWriterOptions } from "../../src/progress/writer.js";

/** 2024-05-01T10:00:00Z */
export const T0_NS = 1714557600_000_000_000n;

export function at(ms: number, extraNs = 0): Date {
  return dateFromEpochNanos(T0_NS + BigInt(Math.round(ms * 1e6)) + BigInt(extraNs));
}

export function vtx(digest: string, name: string, p: Partial<Vertex> = {}): Vertex {
  return { digest, inputs: [], name, cached: false, error: "", ...p };
}

export function log(vertex: string, ms: number, text: string | Uint8Array, stream = 1): VertexLog {
  return { vertex, stream, data: typeof text === "string" ? Buffer.from(text) : text, timestamp: at(ms) };
}

export function st(vertex: string, id: string, ms: number, p: Partial<VertexStatus> = {}): VertexStatus {
  return { id, vertex, name: "", total: 0, current: 0, timestamp: at(ms), ...p };
}

export interface Scenario {
  name: string;
  updates: SolveStatus[];
}

const D = (n: number): string => "sha256:" + String(n).padStart(2, "0").repeat(32);

function basic(): Scenario {
  const a = D(1);
  const b = D(2);
  const c = D(3);
  const d = D(4);
  const A = (p: Partial<Vertex> = {}) => vtx(a, "[internal] load build definition from Dockerfile", p);
  const B = (p: Partial<Vertex> = {}) => vtx(b, "[internal] load metadata for docker.io/library/alpine:3.19", p);
  const C = (p: Partial<Vertex> = {}) =>
    vtx(c, "[1/2] FROM docker.io/library/alpine:3.19@sha256:c5b1261d6d3e43071626931fc004f70149baeba2c8ec672bd4f27761f8e1ad6b", { inputs: [b], ...p });
  const Dv = (p: Partial<Vertex> = {}) => vtx(d, "[2/2] RUN apk add --no-cache curl", { inputs: [c], ...p });
  return {
    name: "basic",
    updates: [
      { vertexes: [A(), B(), C(), Dv()] },
      { vertexes: [A({ started: at(0) })] },
      { statuses: [st(a, "transferring dockerfile:", 10, { current: 32, started: at(5) })] },
      {
        vertexes: [A({ started: at(0), completed: at(48, 123456) })],
        statuses: [st(a, "transferring dockerfile:", 48, { current: 123, started: at(5), completed: at(48) })],
      },
      { vertexes: [B({ started: at(60) })] },
      { vertexes: [B({ started: at(60), completed: at(1310) })] },
      { vertexes: [C({ started: at(1320), completed: at(1320), cached: true })] },
      { vertexes: [Dv({ started: at(1400) })] },
      { logs: [log(d, 1462.5, "fetch https://dl-cdn.alpinelinux.org/alpine/v3.19/main/x86_64/APKINDEX.tar.gz\n")] },
      {
        logs: [
          log(d, 12600, "(1/5) Installing ca-certificates (20240226-r0)\n(2/5) Installing brotli-libs (1.1.0-r1)\n"),
          log(d, 150000, "OK: 13 MiB in 20 packages\n", 2),
        ],
      },
      { vertexes: [Dv({ started: at(1400), completed: at(151650) })] },
    ],
  };
}

function pull(): Scenario {
  const f = D(5);
  const F = (p: Partial<Vertex> = {}) => vtx(f, "[1/2] FROM docker.io/library/node:20", p);
  const layer = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
  const total = 10485760;
  return {
    name: "pull",
    updates: [
      { vertexes: [F({ started: at(0) })] },
      { statuses: [st(f, "resolve docker.io/library/node:20", 0, { started: at(0) })] },
      { statuses: [st(f, "resolve docker.io/library/node:20", 300, { started: at(0), completed: at(300) })] },
      { statuses: [st(f, layer, 400, { total, started: at(400) })] },
      { statuses: [st(f, layer, 500, { total, current: 100000, started: at(400) })] },
      { statuses: [st(f, layer, 600, { total, current: 1000000, started: at(400) })] },
      { statuses: [st(f, layer, 6000, { total, current: 1100000, started: at(400) })] },
      { statuses: [st(f, layer, 7000, { total, current: total, started: at(400), completed: at(7000) })] },
      { statuses: [st(f, "extracting " + layer, 7000, { started: at(7000) })] },
      { statuses: [st(f, "extracting " + layer, 8250, { started: at(7000), completed: at(8250) })] },
      { statuses: [st(f, "sha256:abc 1125 bytes", 8260, { current: 1125, total: 2250, started: at(8250), completed: at(8260) })] },
      { vertexes: [F({ started: at(0), completed: at(8300) })] },
    ],
  };
}

function interleave(): Scenario {
  const a = D(6);
  const b = D(7);
  const A = (p: Partial<Vertex> = {}) => vtx(a, "[stage-a 2/3] RUN make", p);
  const B = (p: Partial<Vertex> = {}) => vtx(b, "[stage-b 2/3] RUN make", p);
  return {
    name: "interleave",
    updates: [
      { vertexes: [A({ started: at(0) })] },
      { logs: [log(a, 100, "building a\n")] },
      { vertexes: [B({ started: at(150) })] },
      { logs: [log(b, 200, "building b\n")] },
      { logs: [log(a, 300, "a step 2\n")] },
      { vertexes: [B({ started: at(150), completed: at(400) })] },
      { logs: [log(a, 500, "a step 3\n")] },
      { vertexes: [A({ started: at(0), completed: at(600) })] },
    ],
  };
}

function partial(): Scenario {
  const a = D(8);
  const b = D(9);
  const A = (p: Partial<Vertex> = {}) => vtx(a, "[3/4] RUN ./configure", p);
  const B = (p: Partial<Vertex> = {}) => vtx(b, "[internal] load build context", p);
  return {
    name: "partial",
    updates: [
      { vertexes: [A({ started: at(0) })] },
      { logs: [log(a, 10, "hello ")] },
      { logs: [log(a, 20, "world\nnext")] },
      { logs: [log(a, 30, " line\n")] },
      { vertexes: [B({ started: at(40) })] },
      { logs: [log(a, 50, "partial")] },
      { vertexes: [B({ started: at(40), completed: at(60) })] },
      { logs: [log(a, 70, " end\n")] },
      { logs: [log(a, 11000, "late\n")] },
      { vertexes: [A({ started: at(0), completed: at(11050) })] },
    ],
  };
}

function failure(): Scenario {
  const a = D(10);
  const b = D(11);
  const A = (p: Partial<Vertex> = {}) => vtx(a, "[2/3] RUN ./build.sh", p);
  const B = (p: Partial<Vertex> = {}) => vtx(b, "[3/3] RUN echo never", p);
  const many = Array.from({ length: 11 }, (_, i) => `line ${i + 1}\n`).join("");
  return {
    name: "failure",
    updates: [
      { vertexes: [A({ started: at(0) })] },
      { logs: [log(a, 100, many)] },
      { logs: [log(a, 200, "line 12 partial", 2)] },
      { logs: [log(a, 300, " done\nline 13\n", 2)] },
      {
        vertexes: [
          A({ started: at(0), completed: at(500), error: 'process "/bin/sh -c ./build.sh" did not complete successfully: exit code: 2' }),
        ],
      },
      { vertexes: [B({ started: at(510) })] },
      { vertexes: [B({ started: at(510), completed: at(520), error: "failed to compute cache key: context canceled" })] },
    ],
  };
}

export const dockerfileText = "from alpine AS base\nRUN echo hi\n\nFROM base\nCOPY . .\nRUN make\n";

function warnings(): Scenario {
  const a = D(12);
  const b = D(13);
  const A = (p: Partial<Vertex> = {}) => vtx(a, "[internal] load build definition from Dockerfile", p);
  const B = (p: Partial<Vertex> = {}) => vtx(b, "[base 1/2] FROM docker.io/library/alpine:latest", p);
  const w1: VertexWarning = {
    vertex: a,
    level: 1,
    short: Buffer.from("FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)"),
    detail: [Buffer.from("The 'as' keyword should match the case of the 'from' keyword")],
    url: "https://docs.docker.com/go/dockerfile/rule/from-as-casing/",
    sourceInfo: { filename: "Dockerfile", data: Buffer.from(dockerfileText), language: "Dockerfile" },
    range: [{ start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }],
  };
  const w2: VertexWarning = {
    vertex: b,
    level: 1,
    short: Buffer.from("image uses the latest tag"),
    detail: [],
    url: "",
  };
  return {
    name: "warnings",
    updates: [
      { vertexes: [A({ started: at(0) })] },
      { vertexes: [A({ started: at(0), completed: at(30) })], warnings: [w1] },
      { vertexes: [B({ started: at(40) })], warnings: [w2] },
      { vertexes: [B({ started: at(40), completed: at(90) })] },
    ],
  };
}

function groups(): Scenario {
  const p = D(14);
  const w1 = D(15);
  const w2 = D(16);
  const n1 = D(17);
  const pg = { id: "export-1", name: "exporting to image", weak: false };
  const weak = { ...pg, weak: true };
  const P = (q: Partial<Vertex> = {}) => vtx(p, "[2/2] COPY app /app", q);
  const W1 = (q: Partial<Vertex> = {}) => vtx(w1, "exporting layers", { progressGroup: weak, ...q });
  const W2 = (q: Partial<Vertex> = {}) => vtx(w2, "exporting manifest", { progressGroup: weak, ...q });
  const N1 = (q: Partial<Vertex> = {}) => vtx(n1, "naming to docker.io/library/app", { progressGroup: pg, ...q });
  return {
    name: "groups",
    updates: [
      { vertexes: [P({ started: at(0) })] },
      { vertexes: [P({ started: at(0), completed: at(100) })] },
      { vertexes: [W1({ started: at(110) })] },
      { statuses: [st(w1, "exporting layers", 120, { started: at(110) })] },
      { vertexes: [W1({ started: at(110), completed: at(400) })] },
      { vertexes: [W2({ started: at(410), completed: at(420) })] },
      { vertexes: [N1({ started: at(430) })] },
      { statuses: [st(n1, "naming to docker.io/library/app", 440, { started: at(430), completed: at(440) })] },
      { vertexes: [N1({ started: at(430), completed: at(450) })] },
    ],
  };
}

function restart(): Scenario {
  const a = D(18);
  const A = (p: Partial<Vertex> = {}) => vtx(a, "[1/1] RUN sleep 1", p);
  return {
    name: "restart",
    updates: [
      { vertexes: [A({ started: at(0) })] },
      { vertexes: [A({ started: at(0), completed: at(1000) })] },
      { vertexes: [A({ started: at(2000) })] },
      { logs: [log(a, 2100, "again\n")] },
      { vertexes: [A({ started: at(2000), completed: at(2500) })] },
    ],
  };
}

function switching(): Scenario {
  const a = D(19);
  const b = D(20);
  const c = D(21);
  const A = (p: Partial<Vertex> = {}) => vtx(a, "[a 1/1] RUN long", p);
  const B = (p: Partial<Vertex> = {}) => vtx(b, "[b 1/1] RUN quick", p);
  const C = (p: Partial<Vertex> = {}) => vtx(c, "[c 1/1] RUN quick2", p);
  return {
    name: "switching",
    updates: [
      { vertexes: [A({ started: at(0) })] },
      { logs: [log(a, 10, "a1\n")] },
      { vertexes: [B({ started: at(20), completed: at(30), cached: false })] },
      { logs: [log(a, 40, "a2\n")] },
      { vertexes: [C({ started: at(50) })] },
      { logs: [log(c, 55, "c1\n")] },
      { vertexes: [C({ started: at(50), completed: at(60) })] },
      { vertexes: [A({ started: at(0), completed: at(70) })] },
    ],
  };
}

function escaping(): Scenario {
  const a = D(22);
  const name = "[x 1/1] RUN echo '<b>&amp;</b>' \u2028 ü→😀 \t\u0001\u007f \"q\" \\";
  const A = (p: Partial<Vertex> = {}) => vtx(a, name, { inputs: [D(1), D(2)], ...p });
  return {
    name: "escaping",
    updates: [
      { vertexes: [A({ started: at(0, 1) })] },
      {
        statuses: [st(a, "id <&>", 5, { started: at(1, 999999), name: "n" })],
        logs: [log(a, 10, new Uint8Array([0xff, 0x00, 0x41, 0x0a]), 2), log(a, 11, new Uint8Array(0))],
      },
      {
        vertexes: [A({ started: at(0, 1), completed: at(20, 100), error: "boom <&> \u2028" })],
        warnings: [{ vertex: a, level: 2, short: Buffer.from("w"), detail: [new Uint8Array(0), Buffer.from("d")], url: "u?a=1&b=2" }],
      },
    ],
  };
}

export const scenarios: Scenario[] = [basic(), pull(), interleave(), partial(), failure(), warnings(), groups(), restart(), switching(), escaping()];

/** An in-memory output stream for the writer. */
export class MemOut extends Writable {
  chunks: Buffer[] = [];
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  constructor(tty?: { columns: number; rows: number }) {
    super({
      write: (chunk: Buffer | string, _enc, cb) => {
        this.chunks.push(Buffer.from(chunk));
        cb();
      },
    });
    if (tty) {
      this.isTTY = true;
      this.columns = tty.columns;
      this.rows = tty.rows;
    }
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
  text(): string {
    return this.bytes().toString();
  }
}

/** Runs a scenario through a writer with a fake clock advancing 20ms per update. */
export async function runScenario(
  s: Scenario,
  mode: ProgressMode,
  out: MemOut,
  options: ProgressWriterOptions = {},
): Promise<ProgressWriter> {
  let t = Number(T0_NS / 1_000_000n) + 5000;
  const w = createProgressWriter(mode, out, { rateMs: 0, now: () => t, env: {}, ...options });
  for (const u of s.updates) {
    w.write(u);
    t += 20;
  }
  await w.done();
  return w;
}

export function scenario(name: string): Scenario {
  const s = scenarios.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
}

/** Removes ANSI escape sequences. */
export function stripAnsi(s: string): string {
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
}
