import { test } from "node:test";
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import { connect, type AddressInfo, type Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { GrpcChannel, grpcTimeout, type GrpcChannelOptions } from "./client.js";
import { encodeFrame, FrameDecoder } from "./frame.js";
import { GrpcCallError, GrpcCode } from "./status.js";

type Handler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, rawHeaders: string[]) => void;

/** An HTTP/2 server on a unix socket answering each path with its handler. */
async function server(handlers: Record<string, Handler>, tcp = false): Promise<{ path: string; port: number; server: http2.Http2Server; sockets: Set<Socket>; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "grpc-client-test-"));
  const path = join(dir, "s.sock");
  const srv = http2.createServer();
  const sockets = new Set<Socket>();
  srv.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  srv.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    stream.on("error", () => {});
    const h = handlers[String(headers[":path"])];
    if (h) h(stream, headers, rawHeaders);
    else stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "12", "grpc-message": "unknown method" }, { endStream: true });
  });
  if (tcp) srv.listen(0, "127.0.0.1");
  else srv.listen(path);
  await once(srv, "listening");
  return {
    path,
    port: tcp ? (srv.address() as AddressInfo).port : 0,
    server: srv,
    sockets,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => srv.close(r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function channel(path: string, options: Partial<GrpcChannelOptions> = {}): GrpcChannel {
  return new GrpcChannel({ dial: () => connect({ path }), authority: "localhost", ...options });
}

/** Reads the request's messages, then answers each with `answer`'s messages and status. */
function handler(answer: (messages: Buffer[], headers: http2.IncomingHttpHeaders) => { messages?: Buffer[]; status?: number; message?: string; details?: Buffer }): Handler {
  return (stream, headers) => {
    const decoder = new FrameDecoder();
    const messages: Buffer[] = [];
    stream.on("data", (c: Buffer) => decoder.push(c, (m) => messages.push(Buffer.from(m))));
    stream.on("end", () => {
      const a = answer(messages, headers);
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => {
        const t: http2.OutgoingHttpHeaders = { "grpc-status": String(a.status ?? 0) };
        if (a.message) t["grpc-message"] = encodeURIComponent(a.message);
        if (a.details) t["grpc-status-details-bin"] = a.details.toString("base64").replace(/=+$/, "");
        stream.sendTrailers(t);
      });
      for (const m of a.messages ?? []) stream.write(encodeFrame(m));
      stream.end();
    });
  };
}

async function rejection(p: Promise<unknown>): Promise<GrpcCallError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof GrpcCallError, `not a GrpcCallError: ${String(err)}`);
    return err;
  }
  assert.fail("the call succeeded");
}

test("unary: request and response bytes, metadata as header fields (repeated keys repeated), gRPC headers", async () => {
  let seen: { headers: http2.IncomingHttpHeaders; raw: string[] } | undefined;
  const s = await server({
    "/t.S/Echo": (stream, headers, raw) => {
      seen = { headers, raw };
      handler((m) => ({ messages: [Buffer.concat([Buffer.from("echo:"), m[0]!])] }))(stream, headers, raw);
    },
  });
  const ch = channel(s.path, { userAgent: "tsfrontend-test" });
  try {
    const res = await ch.unary("/t.S/Echo", Buffer.from("hi"), { metadata: { "X-One": "1", many: ["a", "b, c"] }, deadline: Date.now() + 60_000 });
    assert.equal(res.toString(), "echo:hi");
    const h = seen!.headers;
    assert.equal(h["content-type"], "application/grpc");
    assert.equal(h["te"], "trailers");
    assert.equal(h[":authority"], "localhost");
    assert.equal(h["user-agent"], "tsfrontend-test");
    assert.equal(h["x-one"], "1");
    assert.match(String(h["grpc-timeout"]), /^\d{1,8}m$/);
    const many: string[] = [];
    for (let i = 0; i < seen!.raw.length; i += 2) if (seen!.raw[i] === "many") many.push(seen!.raw[i + 1]!);
    assert.deepEqual(many, ["a", "b, c"]);
  } finally {
    ch.close();
    await s.close();
  }
});

test("a failed call carries the code, the decoded message and grpc-status-details-bin; trailers-only answers too", async () => {
  const details = Buffer.from([8, 5, 18, 3, 0x61, 0x62, 0x63]);
  const s = await server({
    "/t.S/Fail": handler(() => ({ status: GrpcCode.NOT_FOUND, message: "no such thing: 100% gone", details })),
  });
  const ch = channel(s.path);
  try {
    const err = await rejection(ch.unary("/t.S/Fail", Buffer.alloc(0)));
    assert.equal(err.code, GrpcCode.NOT_FOUND);
    assert.equal(err.details, "no such thing: 100% gone");
    assert.deepEqual(err.statusDetails, details);
    assert.equal(err.message, "5 NOT_FOUND: no such thing: 100% gone");
    const unknown = await rejection(ch.unary("/t.S/Missing", Buffer.alloc(0)));
    assert.equal(unknown.code, GrpcCode.UNIMPLEMENTED);
    assert.equal(unknown.details, "unknown method");
  } finally {
    ch.close();
    await s.close();
  }
});

test("an HTTP error without grpc-status maps to a gRPC code; a unary call without a response message fails", async () => {
  const s = await server({
    "/t.S/Http": (stream) => stream.respond({ ":status": 503 }, { endStream: true }),
    "/t.S/Empty": handler(() => ({})),
  });
  const ch = channel(s.path);
  try {
    assert.equal((await rejection(ch.unary("/t.S/Http", Buffer.alloc(0)))).code, GrpcCode.UNAVAILABLE);
    const empty = await rejection(ch.unary("/t.S/Empty", Buffer.alloc(0)));
    assert.equal(empty.code, GrpcCode.UNIMPLEMENTED);
  } finally {
    ch.close();
    await s.close();
  }
});

test("deadline and cancel end a call that gets no answer, and the server sees its stream reset", async () => {
  const resets: number[] = [];
  const s = await server({
    "/t.S/Hang": (stream) => stream.on("close", () => resets.push(stream.rstCode ?? -1)),
  });
  const ch = channel(s.path);
  try {
    const t0 = Date.now();
    const late = await rejection(ch.unary("/t.S/Hang", Buffer.alloc(0), { deadline: Date.now() + 150 }));
    assert.equal(late.code, GrpcCode.DEADLINE_EXCEEDED);
    assert.ok(Date.now() - t0 >= 140);
    const abort = new AbortController();
    const p = ch.unary("/t.S/Hang", Buffer.alloc(0), { signal: abort.signal });
    setTimeout(() => abort.abort(), 50);
    assert.equal((await rejection(p)).code, GrpcCode.CANCELLED);
    const gone = new AbortController();
    gone.abort();
    assert.equal((await rejection(ch.unary("/t.S/Hang", Buffer.alloc(0), { signal: gone.signal }))).code, GrpcCode.CANCELLED);
    for (let i = 0; i < 50 && resets.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(resets.length >= 2 && resets.every((c) => c === http2.constants.NGHTTP2_CANCEL), `resets ${resets}`);
  } finally {
    ch.close();
    await s.close();
  }
});

test("many calls under one signal: one abort listener (no EventTarget leak warning), all cancelled together, none left after", async () => {
  const s = await server({ "/t.S/Hang": () => {} });
  const ch = channel(s.path);
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on("warning", onWarning);
  try {
    const abort = new AbortController();
    const calls = Array.from({ length: 25 }, () => rejection(ch.unary("/t.S/Hang", Buffer.alloc(0), { signal: abort.signal })));
    await new Promise((r) => setTimeout(r, 50));
    abort.abort();
    for (const c of await Promise.all(calls)) assert.equal(c.code, GrpcCode.CANCELLED);
    // Calls that end on their own leave no listener behind either: the signal can be used again.
    const later = new AbortController();
    await rejection(ch.unary("/t.S/Hang", Buffer.alloc(0), { signal: later.signal, deadline: Date.now() + 50 }));
    later.abort();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings, []);
  } finally {
    process.off("warning", onWarning);
    ch.close();
    await s.close();
  }
});

test("streams: many messages both ways in order, backpressure, the end on OK and an error on a status", async () => {
  const s = await server({
    "/t.S/Count": handler((m) => ({ messages: Array.from({ length: Number(m[0]!.toString()) }, (_, i) => Buffer.from(String(i))) })),
    "/t.S/Bidi": (stream) => {
      const decoder = new FrameDecoder();
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "9", "grpc-message": "done after all" }));
      stream.on("data", (c: Buffer) => decoder.push(c, (m) => stream.write(encodeFrame(Buffer.concat([m, m])))));
      stream.on("end", () => stream.end());
    },
  });
  const ch = channel(s.path);
  const id = (m: Uint8Array) => m;
  const str = (b: Buffer) => b.toString();
  try {
    const counted = ch.stream("/t.S/Count", id, str);
    counted.end(Buffer.from("3000"));
    const got: string[] = [];
    for await (const m of counted) {
      got.push(m as string);
      if (got.length === 10) await new Promise((r) => setTimeout(r, 50)); // a slow reader
    }
    assert.equal(got.length, 3000);
    assert.deepEqual(got.slice(0, 3), ["0", "1", "2"]);
    assert.equal(got[2999], "2999");

    const bidi = ch.stream("/t.S/Bidi", id, str);
    const echoed: string[] = [];
    bidi.on("data", (m: string) => echoed.push(m));
    const ended = new Promise<GrpcCallError>((resolve) => bidi.on("error", resolve));
    for (const w of ["a", "b", "c"]) bidi.write(Buffer.from(w));
    bidi.end();
    const err = await ended;
    assert.deepEqual(echoed, ["aa", "bb", "cc"]);
    assert.equal(err.code, GrpcCode.FAILED_PRECONDITION);
    assert.equal(err.details, "done after all");
  } finally {
    ch.close();
    await s.close();
  }
});

test("messages over the limit fail both ways with RESOURCE_EXHAUSTED", async () => {
  const s = await server({ "/t.S/Big": handler(() => ({ messages: [Buffer.alloc(2048)] })) });
  const ch = channel(s.path, { maxMessageBytes: 1024 });
  try {
    const received = await rejection(ch.unary("/t.S/Big", Buffer.alloc(10)));
    assert.equal(received.code, GrpcCode.RESOURCE_EXHAUSTED);
    assert.match(received.details, /received message larger than max \(2048 vs\. 1024\)/);
    const sent = await rejection(ch.unary("/t.S/Big", Buffer.alloc(1025)));
    assert.equal(sent.code, GrpcCode.RESOURCE_EXHAUSTED);
    assert.match(sent.details, /sent message larger than max/);
  } finally {
    ch.close();
    await s.close();
  }
});

test("no server: UNAVAILABLE naming the socket error; a dropped connection: UNAVAILABLE; the next call connects again", async () => {
  const dir = mkdtempSync(join(tmpdir(), "grpc-client-test-"));
  const missing = channel(join(dir, "none.sock"));
  try {
    const err = await rejection(missing.unary("/t.S/X", Buffer.alloc(0)));
    assert.equal(err.code, GrpcCode.UNAVAILABLE);
    assert.match(err.details, /^No connection established: connect ENOENT /);
    await assert.rejects(missing.waitReady(1000), (e: GrpcCallError) => e.code === GrpcCode.UNAVAILABLE);
  } finally {
    missing.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const s = await server({ "/t.S/Hang": () => {}, "/t.S/Ok": handler(() => ({ messages: [Buffer.from("ok")] })) });
  const ch = channel(s.path);
  try {
    await ch.waitReady(1000);
    const hanging = ch.unary("/t.S/Hang", Buffer.alloc(0));
    const statusStream = ch.stream("/t.S/Hang", (m: Uint8Array) => m, (b) => b);
    const streamErr = new Promise<GrpcCallError>((resolve) => statusStream.on("error", resolve));
    await new Promise((r) => setTimeout(r, 50));
    for (const sock of s.sockets) sock.destroy();
    const dropped = await rejection(hanging);
    assert.equal(dropped.code, GrpcCode.UNAVAILABLE);
    assert.match(dropped.details, /^Connection dropped/);
    assert.equal((await streamErr).code, GrpcCode.UNAVAILABLE);
    assert.equal((await ch.unary("/t.S/Ok", Buffer.alloc(0))).toString(), "ok");
  } finally {
    ch.close();
    await s.close();
  }

  const t = await server({ "/t.S/Hang": () => {} }, true);
  const tcp = new GrpcChannel({ dial: () => connect({ host: "127.0.0.1", port: t.port }), authority: `127.0.0.1:${t.port}` });
  try {
    // A reset (RST, as a cut proxy sends): node:http2 resets the streams with INTERNAL_ERROR; still UNAVAILABLE.
    const reset = tcp.unary("/t.S/Hang", Buffer.alloc(0));
    await new Promise((r) => setTimeout(r, 50));
    for (const sock of t.sockets) sock.resetAndDestroy();
    const cut = await rejection(reset);
    assert.equal(cut.code, GrpcCode.UNAVAILABLE, cut.details);
    assert.match(cut.details, /^Connection dropped: read ECONNRESET/);
  } finally {
    tcp.close();
    await t.close();
  }
});

test("a closed channel refuses calls", async () => {
  const s = await server({ "/t.S/Ok": handler(() => ({ messages: [Buffer.from("ok")] })) });
  const ch = channel(s.path);
  try {
    await ch.unary("/t.S/Ok", Buffer.alloc(0));
    ch.close();
    assert.equal((await rejection(ch.unary("/t.S/Ok", Buffer.alloc(0)))).code, GrpcCode.UNAVAILABLE);
  } finally {
    await s.close();
  }
});

test("grpc-timeout fits in 8 digits", () => {
  assert.equal(grpcTimeout(0), "1m");
  assert.equal(grpcTimeout(1500.2), "1501m");
  assert.equal(grpcTimeout(99_999_999), "99999999m");
  assert.equal(grpcTimeout(100_000_000), "100000S");
  assert.equal(grpcTimeout(1e12), "277778H");
  assert.equal(grpcTimeout(1e15), "99999999H");
});
