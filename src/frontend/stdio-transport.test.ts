import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, constants, type ServerHttp2Stream, type IncomingHttpHeaders } from "node:http2";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeErrorStatus, withErrorDetails } from "../gateway/errdefs.js";
import { encodeFrame, FrameDecoder } from "../internal/grpc/frame.js";
import { google } from "../proto/index.js";
import { Http2GatewayTransport, stdioPipe, StdioCallError } from "./stdio-transport.js";

/** An in-process HTTP/2 server standing in for buildkitd's LLBBridge: `handle` answers each call. */
async function fakeDaemon(handle: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, request: Buffer) => void) {
  const dir = mkdtempSync(join(tmpdir(), "tsf-stdio-"));
  const sock = join(dir, "s");
  const server = createServer();
  server.on("stream", (stream, headers) => {
    const dec = new FrameDecoder();
    const msgs: Buffer[] = [];
    stream.on("data", (c: Buffer) => dec.push(c, (m) => msgs.push(Buffer.from(m))));
    stream.on("end", () => handle(stream, headers, msgs[0]!));
  });
  await new Promise<void>((r) => server.listen(sock, r));
  const socket: Socket = connect(sock);
  await new Promise((r) => socket.once("connect", r));
  // As in the image: a readable (stdin) and a separate write function (the real stdout's).
  const transport = new Http2GatewayTransport(stdioPipe(socket, socket));
  return {
    transport,
    async close() {
      await transport.close();
      socket.destroy();
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function ok(stream: ServerHttp2Stream, body: Uint8Array) {
  stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  stream.end(encodeFrame(body));
}

test("unary calls: POST with gRPC headers, framed request, response from the trailers' status", async () => {
  const seen: IncomingHttpHeaders[] = [];
  const d = await fakeDaemon((stream, headers, req) => {
    seen.push(headers);
    ok(stream, Buffer.concat([Buffer.from("echo:"), req]));
  });
  try {
    const [a, b] = await Promise.all([
      d.transport.unary("/moby.buildkit.v1.frontend.LLBBridge/Ping", new Uint8Array([1, 2]), {}),
      d.transport.unary("/moby.buildkit.v1.frontend.LLBBridge/Solve", Buffer.alloc(100_000, 7), { metadata: { "x-extra": "v" } }),
    ]);
    assert.deepEqual(Buffer.from(a), Buffer.from([...Buffer.from("echo:"), 1, 2]));
    assert.equal(b.length, 100_005);
    const ping = seen.find((h) => h[":path"]!.endsWith("/Ping"))!;
    assert.equal(ping[":method"], "POST");
    assert.equal(ping["content-type"], "application/grpc");
    assert.equal(ping["te"], "trailers");
    assert.equal(seen.find((h) => h[":path"]!.endsWith("/Solve"))!["x-extra"], "v");
  } finally {
    await d.close();
  }
});

test("a failed call keeps the code, message and buildkit's details (trailers-only answer)", async () => {
  const status = encodeErrorStatus(
    withErrorDetails(new Error("process \"/bin/false\" did not complete successfully: exit code: 1"), {
      grpcCode: 2,
      vertex: "sha256:" + "a".repeat(64),
      sources: [{ filename: "Dockerfile", language: "TypeScript", data: Buffer.from("x\ny\n"), ranges: [{ start: 2, end: 2 }] }],
    }),
  );
  const bin = Buffer.from(google.rpc.Status.encode(status).finish()).toString("base64");
  const d = await fakeDaemon((stream) => {
    stream.respond({
      [constants.HTTP2_HEADER_STATUS]: 200,
      "content-type": "application/grpc",
      "grpc-status": "2",
      "grpc-message": encodeURIComponent("process \"/bin/false\" did not complete successfully: exit code: 1"),
      "grpc-status-details-bin": bin,
    }, { endStream: true });
  });
  try {
    await assert.rejects(d.transport.unary("/moby.buildkit.v1.frontend.LLBBridge/Solve", new Uint8Array(), {}), (err: unknown) => {
      assert.ok(err instanceof StdioCallError);
      assert.equal(err.message, "process \"/bin/false\" did not complete successfully: exit code: 1");
      assert.equal(err.details.grpcCode, 2);
      assert.equal(err.details.vertex, "sha256:" + "a".repeat(64));
      assert.equal(err.details.sources?.[0]?.filename, "Dockerfile");
      assert.deepEqual(err.details.sources?.[0]?.ranges, [{ start: 2, end: 2 }]);
      // Sent on through Return unchanged.
      assert.deepEqual(encodeErrorStatus(err).details, status.details);
      return true;
    });
  } finally {
    await d.close();
  }
});

test("a status in the trailers after headers, and an aborted call", async () => {
  let hold: ServerHttp2Stream | undefined;
  const d = await fakeDaemon((stream, headers) => {
    if (headers[":path"]!.endsWith("/Slow")) {
      hold = stream;
      stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200, "content-type": "application/grpc" });
      return;
    }
    stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "5", "grpc-message": "no%20such%20ref" }));
    stream.end();
  });
  try {
    await assert.rejects(d.transport.unary("/x.Y/ReadFile", new Uint8Array(), {}), (err: StdioCallError) => err.details.grpcCode === 5 && err.message === "no such ref");
    const ac = new AbortController();
    const slow = d.transport.unary("/x.Y/Slow", new Uint8Array(), { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(slow, (err: StdioCallError) => err.details.grpcCode === 1);
    hold?.destroy();
  } finally {
    await d.close();
  }
});
