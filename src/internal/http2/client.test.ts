// The HTTP/2 client against Node's own HTTP/2 server (nghttp2) as the peer: flow control both
// ways, Huffman and the dynamic table, CONTINUATION, padding, the peer's stream limit, resets,
// GOAWAY, PING and a connection that ends.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { getEventListeners } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { constants, createServer, type Http2Server, type ServerOptions, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from "node:http2";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Http2ClientSession, Http2StreamError } from "./client.js";

type Handler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, body: Buffer) => void;

async function peer(handle: Handler, options: ServerOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), "tsf-h2-"));
  const sock = join(dir, "s");
  const server: Http2Server = createServer(options);
  const sessions: ServerHttp2Session[] = [];
  server.on("session", (s) => sessions.push(s));
  server.on("stream", (stream, headers) => {
    // A stream this test resets or cancels reports it as an error: expected here.
    stream.on("error", () => {});
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => handle(stream, headers, Buffer.concat(chunks)));
  });
  await new Promise<void>((r) => server.listen(sock, r));
  const socket: Socket = connect(sock);
  await new Promise((r) => socket.once("connect", r));
  const client = new Http2ClientSession(socket, (c) => void socket.write(c), { streamWindow: 1 << 20, connectionWindow: 4 << 20 });
  return {
    client,
    socket,
    sessions,
    async close() {
      socket.destroy();
      for (const s of sessions) s.destroy();
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const req = (path: string, extra: [string, string][] = []): [string, string][] => [
  [":method", "POST"], [":scheme", "http"], [":path", path], [":authority", "localhost"], ["content-type", "application/grpc"], ...extra,
];
const sha = (b: Buffer | Buffer[]) => createHash("sha256").update(Array.isArray(b) ? Buffer.concat(b) : b).digest("hex");

test("big bodies both ways on concurrent streams: flow control on both sides, bytes intact", async () => {
  const p = await peer((stream, headers, body) => {
    const n = Number(headers["x-size"]);
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = (i * 7 + body.length) & 0xff;
    stream.respond({ ":status": 200, "x-request-sha": sha(body) });
    stream.end(out);
  });
  try {
    const bodies = [1, 300_000, 5 << 20].map((n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 13) & 0xff)));
    const sizes = [10, 9 << 20, 70_000];
    const answers = await Promise.all(bodies.map((b, i) => p.client.request(req("/echo", [["x-size", String(sizes[i])]]), b)));
    answers.forEach((a, i) => {
      assert.equal(a.headers.get(":status"), "200");
      assert.equal(a.headers.get("x-request-sha"), sha(bodies[i]!));
      const body = Buffer.concat(a.body);
      assert.equal(body.length, sizes[i]);
      for (let k = 0; k < body.length; k += 4099) assert.equal(body[k], (k * 7 + bodies[i]!.length) & 0xff);
      assert.equal(a.trailers, undefined);
    });
  } finally {
    await p.close();
  }
});

test("headers: Huffman and the dynamic table over many responses, CONTINUATION for big trailers, padded frames", async () => {
  const p = await peer(
    (stream, headers) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc", "x-same": "the same value every time", "x-n": String(headers["x-n"]) }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "3", "grpc-message": "bad%20thing", "grpc-status-details-bin": "A".repeat(40_000) + headers["x-n"] }));
      stream.end(Buffer.from("x"));
    },
    { paddingStrategy: constants.PADDING_STRATEGY_MAX },
  );
  try {
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => p.client.request(req("/h", [["x-n", String(n)]]), Buffer.from("q"))));
      answers.forEach((a, n) => {
        assert.equal(a.headers.get("x-same"), "the same value every time");
        assert.equal(a.headers.get("x-n"), String(n));
        assert.equal(a.trailers?.get("grpc-status"), "3");
        assert.equal(a.trailers?.get("grpc-message"), "bad%20thing");
        assert.equal(a.trailers?.get("grpc-status-details-bin"), "A".repeat(40_000) + n);
        assert.equal(Buffer.concat(a.body).toString(), "x");
      });
    }
  } finally {
    await p.close();
  }
});

test("the peer's stream limit: streams refused before its SETTINGS are asked again, then queued; a reset stream fails alone; PING is answered", async () => {
  let open = 0;
  let most = 0;
  const p = await peer(
    (stream, headers) => {
      open++;
      most = Math.max(most, open);
      setTimeout(() => {
        open--;
        if (headers[":path"] === "/reset") stream.close(constants.NGHTTP2_INTERNAL_ERROR);
        else {
          stream.respond({ ":status": 200 });
          stream.end("ok");
        }
      }, 5);
    },
    { settings: { maxConcurrentStreams: 2 } },
  );
  try {
    const results = await Promise.allSettled(Array.from({ length: 9 }, (_, i) => p.client.request(req(i === 4 ? "/reset" : "/ok"), Buffer.from("q"))));
    assert.equal(most, 2);
    results.forEach((r, i) => {
      if (i === 4) {
        assert.equal(r.status, "rejected");
        assert.ok((r as PromiseRejectedResult).reason instanceof Http2StreamError);
        assert.equal(((r as PromiseRejectedResult).reason as Http2StreamError).code, constants.NGHTTP2_INTERNAL_ERROR);
      } else assert.equal(r.status, "fulfilled");
    });
    const pinged = await new Promise<boolean>((resolve) => p.sessions[0]!.ping((err) => resolve(!err)));
    assert.equal(pinged, true);
  } finally {
    await p.close();
  }
});

test("cancel sends RST_STREAM; after GOAWAY the streams the peer took finish and new requests fail; a closed connection fails what is in flight", async () => {
  const held: ServerHttp2Stream[] = [];
  const closed: number[] = [];
  const p = await peer((stream) => {
    held.push(stream);
    stream.on("close", () => closed.push(stream.rstCode));
  });
  try {
    const ac = new AbortController();
    const canceled = p.client.request(req("/slow"), Buffer.from("q"), ac.signal);
    while (held.length < 1) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    await assert.rejects(canceled, (e: Http2StreamError) => e.canceled);
    while (closed.length < 1) await new Promise((r) => setTimeout(r, 5));
    assert.equal(closed[0], constants.NGHTTP2_CANCEL);

    const inFlight = p.client.request(req("/slow"), Buffer.from("q"));
    while (held.length < 2) await new Promise((r) => setTimeout(r, 5));
    // Node names the last stream it took (this one): it is still answered, a new request is refused.
    p.sessions[0]!.goaway(constants.NGHTTP2_NO_ERROR);
    await new Promise((r) => setTimeout(r, 20));
    await assert.rejects(p.client.request(req("/after"), Buffer.from("q")), /went away/);
    held[1]!.respond({ ":status": 200 });
    held[1]!.end("late");
    assert.equal(Buffer.concat((await inFlight).body).toString(), "late");
  } finally {
    await p.close();
  }
  const p2 = await peer(() => {});
  try {
    const pending = p2.client.request(req("/never"), Buffer.from("q"));
    await new Promise((r) => setTimeout(r, 20));
    for (const s of p2.sessions) s.destroy();
    await assert.rejects(pending, /connection closed|connection failed/);
  } finally {
    await p2.close();
  }
});

test("one signal shared by many requests: each listens while it waits or runs, none is left after", async () => {
  const p = await peer((stream) => {
    stream.respond({ ":status": 200 });
    stream.end("ok");
  }, { settings: { maxConcurrentStreams: 3 } });
  try {
    const shared = new AbortController();
    const asked = Array.from({ length: 30 }, () => p.client.request(req("/ok"), Buffer.from("q"), shared.signal));
    assert.equal(getEventListeners(shared.signal, "abort").length, 30);
    await Promise.all(asked);
    assert.equal(getEventListeners(shared.signal, "abort").length, 0);
  } finally {
    await p.close();
  }
});
