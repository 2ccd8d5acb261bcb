import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import type { GrpcCallOptions } from "../internal/grpc/client.js";
import { GrpcCallError, GrpcCode } from "../internal/grpc/status.js";
import type { BuildkitConnection } from "./connection.js";
import { BuildkitError } from "./errors.js";
import { ConnectionWatchdog, connectionLost, isUnavailable } from "./watchdog.js";

type Callback = (err: GrpcCallError | null, res?: Buffer) => void;

/** A connection whose Health/Check probes are answered by `answer` (or never, when it returns undefined). */
function fakeConn(answer: (cb: Callback) => void): { conn: BuildkitConnection; probes: string[]; canceled: () => number } {
  const probes: string[] = [];
  let canceled = 0;
  const channel = {
    unary(path: string, _req: Uint8Array, opts: GrpcCallOptions): Promise<Buffer> {
      probes.push(path);
      assert.ok(opts.deadline, "every probe has a deadline");
      return new Promise((resolve, reject) => {
        opts.signal?.addEventListener("abort", () => {
          canceled++;
          reject(new GrpcCallError(GrpcCode.CANCELLED, "Cancelled on client"));
        });
        answer((err, res) => (err ? reject(err) : resolve(res!)));
      });
    },
  };
  return { conn: { address: "tcp://daemon:1234", channel } as unknown as BuildkitConnection, probes, canceled: () => canceled };
}

const never = () => {};

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await sleep(10);
}

test("a daemon that answers its health probes is never given up on", async () => {
  const { conn, probes } = fakeConn((cb) => setImmediate(() => cb(null, Buffer.alloc(0))));
  const lost: BuildkitError[] = [];
  const w = new ConnectionWatchdog(conn, () => 0, (e) => lost.push(e), { intervalMs: 20, timeoutMs: 400 });
  w.start();
  await sleep(700);
  w.stop();
  assert.deepEqual(lost, []);
  assert.ok(probes.length >= 5, `probed ${probes.length} times`);
  assert.ok(probes.every((p) => p === "/grpc.health.v1.Health/Check"));
});

test("silence (probes unanswered, nothing else received) is declared lost once, naming the address", async () => {
  const { conn, canceled } = fakeConn(never);
  const lost: BuildkitError[] = [];
  const w = new ConnectionWatchdog(conn, () => 0, (e) => lost.push(e), { intervalMs: 20, timeoutMs: 100 });
  const t0 = Date.now();
  w.start();
  await until(() => lost.length > 0);
  await sleep(100);
  assert.equal(lost.length, 1);
  assert.ok(Date.now() - t0 >= 100);
  assert.equal(lost[0]!.reason, "CONNECTION_LOST");
  assert.match(lost[0]!.message, /^buildkitd at tcp:\/\/daemon:1234 went away during the build \(nothing received for \d+ s\)$/);
  assert.equal(w.lost, lost[0]);
  assert.ok(canceled() >= 1, "the pending probe is canceled");
});

test("other traffic from the daemon counts as a sign of life", async () => {
  const { conn } = fakeConn(never);
  const lost: BuildkitError[] = [];
  const w = new ConnectionWatchdog(conn, () => Date.now(), (e) => lost.push(e), { intervalMs: 20, timeoutMs: 100 });
  w.start();
  await sleep(400);
  w.stop();
  assert.deepEqual(lost, []);
});

test("a probe failing with UNAVAILABLE means the connection is gone", async () => {
  const { conn } = fakeConn((cb) => setImmediate(() => cb(new GrpcCallError(GrpcCode.UNAVAILABLE, "Connection dropped"))));
  const lost: BuildkitError[] = [];
  const w = new ConnectionWatchdog(conn, () => 0, (e) => lost.push(e), { intervalMs: 20, timeoutMs: 10_000 });
  w.start();
  await until(() => lost.length > 0);
  assert.equal(lost.length, 1);
  assert.equal(lost[0]!.message, "buildkitd at tcp://daemon:1234 went away during the build (connection lost)");
});

test("any status the daemon sends back (e.g. UNIMPLEMENTED) is an answer", async () => {
  const { conn } = fakeConn((cb) => setImmediate(() => cb(new GrpcCallError(GrpcCode.UNIMPLEMENTED, "unknown service"))));
  const lost: BuildkitError[] = [];
  const w = new ConnectionWatchdog(conn, () => 0, (e) => lost.push(e), { intervalMs: 20, timeoutMs: 400 });
  w.start();
  await sleep(700);
  w.stop();
  assert.deepEqual(lost, []);
});

test("connectionLost: only UNAVAILABLE (raw or mapped) means the connection broke", () => {
  const mapped = new BuildkitError("UNAVAILABLE", "cannot reach buildkitd", { details: { grpcCode: 14 } });
  const raw = Object.assign(new Error("14 UNAVAILABLE: Connection dropped"), { code: 14 });
  const other = new BuildkitError("UNKNOWN", "process did not complete successfully", { details: { grpcCode: 2 } });
  assert.ok(isUnavailable(mapped) && isUnavailable(raw));
  assert.ok(!isUnavailable(other) && !isUnavailable(undefined) && !isUnavailable("x"));
  assert.equal(connectionLost("unix:///s", [other, undefined]), undefined);
  const e = connectionLost("unix:///s", [undefined, raw]);
  assert.equal(e?.message, "buildkitd at unix:///s went away during the build (connection lost)");
  assert.equal(e?.cause, raw);
});
