import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import * as http2 from "node:http2";
import { Duplex } from "node:stream";

import { moby } from "../../proto/index.js";
import type { BuildkitConnection, Encoder } from "../connection.js";
import type { SessionService } from "./service.js";
import { Session } from "./session.js";

/**
 * A fake `Control.Session` call: what the session writes is serialized with
 * the call's encoder and decoded as buildkitd would, recorded (one entry per
 * BytesMessage) and handed to an HTTP/2 client playing the daemon.
 */
function fakeDaemon(): { conn: BuildkitConnection; sent: Buffer[]; client: () => http2.ClientHttp2Session } {
  const sent: Buffer[] = [];
  const call = new EventEmitter() as EventEmitter & Record<string, unknown>;
  const daemonSide = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      call.emit("data", { data: chunk });
      cb();
    },
  });
  let encoder: Encoder<unknown> | undefined;
  Object.assign(call, {
    write(m: unknown) {
      const data = Buffer.from(moby.buildkit.v1.BytesMessage.decode(encoder!.encode(m).finish()).data);
      sent.push(data);
      daemonSide.push(data);
      return true;
    },
    end() {},
    cancel() {},
    pause() {},
    resume() {},
  });
  const conn = {
    bidiStream: (_path: string, reqType: Encoder<unknown>) => {
      encoder = reqType;
      return call;
    },
  } as unknown as BuildkitConnection;
  return { conn, sent, client: () => http2.connect("http://localhost", { createConnection: () => daemonSide }) };
}

test("the tunnel never carries an empty BytesMessage (buildkitd would re-read its previous buffer)", async () => {
  const svc: SessionService = {
    name: "test.Svc",
    methods: {
      Send: {
        kind: "stream",
        handler: async (stream) => {
          // An empty message (as fsutil's end-of-listing STAT) queued behind more
          // than the 64 KiB window: Node's HTTP/2 then writes a zero-length chunk.
          await Promise.all([stream.write(new Uint8Array(200_000).fill(7)), stream.write(new Uint8Array(0)), stream.write(Uint8Array.of(1, 2, 3))]);
        },
      },
    },
  };
  const d = fakeDaemon();
  const session = new Session({ services: [svc] });
  await session.start(d.conn);
  const client = d.client();
  try {
    const req = client.request({ ":method": "POST", ":path": "/test.Svc/Send", "content-type": "application/grpc" });
    req.end();
    const body: Buffer[] = [];
    req.on("data", (c: Buffer) => body.push(c));
    const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => req.on("trailers", resolve));
    await new Promise((r) => req.on("end", r));
    assert.equal((await trailers)["grpc-status"], "0");
    const big = Buffer.concat([Buffer.from([0, 0, 3, 0x0d, 0x40]), Buffer.alloc(200_000, 7)]);
    assert.ok(Buffer.concat(body).equals(Buffer.concat([big, Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3])])), "the three messages arrive whole and in order");
    assert.ok(d.sent.length > 0);
    assert.deepEqual(
      d.sent.filter((b) => b.length === 0).length,
      0,
      `empty BytesMessages among ${d.sent.length}: ${d.sent.map((b) => b.length).join(",")}`,
    );
  } finally {
    client.destroy();
    await session.close();
  }
});

test("a burst of small messages (a listing) arrives whole and in order, the last ones before the status", async () => {
  const count = 5000;
  const svc: SessionService = {
    name: "test.Svc",
    methods: {
      Send: {
        kind: "stream",
        handler: async (stream) => {
          // sizes 0..99 and a 40 KiB one every 1000: joined writes, flushes by size and at the tick
          for (let i = 0; i < count; i++) await stream.write(i % 1000 === 500 ? new Uint8Array(40_000).fill(i & 0xff) : new Uint8Array(i % 100).fill(i & 0xff));
        },
      },
    },
  };
  const d = fakeDaemon();
  const session = new Session({ services: [svc] });
  await session.start(d.conn);
  const client = d.client();
  try {
    const req = client.request({ ":method": "POST", ":path": "/test.Svc/Send", "content-type": "application/grpc" });
    req.end();
    const body: Buffer[] = [];
    req.on("data", (c: Buffer) => body.push(c));
    const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => req.on("trailers", resolve));
    await new Promise((r) => req.on("end", r));
    assert.equal((await trailers)["grpc-status"], "0");
    const all = Buffer.concat(body);
    let pos = 0;
    for (let i = 0; i < count; i++) {
      const len = i % 1000 === 500 ? 40_000 : i % 100;
      assert.equal(all[pos], 0, `message ${i}: not compressed`);
      assert.equal(all.readUInt32BE(pos + 1), len, `message ${i}: length`);
      assert.ok(all.subarray(pos + 5, pos + 5 + len).every((b) => b === (i & 0xff)), `message ${i}: content`);
      pos += 5 + len;
    }
    assert.equal(pos, all.length, "nothing after the last message");
  } finally {
    client.destroy();
    await session.close();
  }
});
