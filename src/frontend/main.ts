/**
 * PLACEHOLDER entrypoint of the frontend image (replaced by the runtime of
 * issue 9 item 1): proves the image runs under buildkitd. It speaks LLBBridge
 * over stdin/stdout (gRPC over HTTP/2 with prior knowledge), calls `Ping`,
 * and `Return`s an error saying the frontend is not implemented yet. stdout
 * is the gRPC pipe: nothing else may write to it.
 */

import * as http2 from "node:http2";
import { Duplex } from "node:stream";
import { BridgeGatewayClient, LLB_BRIDGE } from "../gateway/bridge-client.js";
import type { GatewayTransport } from "../gateway/transport.js";
import { encodeFrame, FrameDecoder } from "../internal/grpc/frame.js";
import { moby } from "../proto/index.js";

/** Unary calls on one HTTP/2 session. */
function transportOver(session: http2.ClientHttp2Session): GatewayTransport {
  return {
    unary: (method, request) =>
      new Promise((resolve, reject) => {
        const stream = session.request({ ":method": "POST", ":path": method, "content-type": "application/grpc", te: "trailers" });
        const decoder = new FrameDecoder();
        let message: Uint8Array = new Uint8Array();
        let status: { code: number; message: string } | undefined;
        const onStatus = (h: http2.IncomingHttpHeaders) => {
          if (h["grpc-status"] !== undefined) status = { code: Number(h["grpc-status"]), message: decodeURIComponent(String(h["grpc-message"] ?? "")) };
        };
        stream.on("response", onStatus);
        stream.on("trailers", onStatus);
        stream.on("data", (chunk: Buffer) => decoder.push(chunk, (m) => (message = Buffer.from(m))));
        stream.on("error", reject);
        stream.on("close", () => {
          if (status?.code === 0) resolve(message);
          else reject(new Error(`${method}: ${status ? `code ${status.code}: ${status.message}` : "no grpc-status"}`));
        });
        stream.end(encodeFrame(request));
      }),
  };
}

async function main(): Promise<void> {
  const pipe = Duplex.from({ readable: process.stdin, writable: process.stdout });
  const session = http2.connect("http://localhost", { createConnection: () => pipe });
  session.on("error", (err) => process.stderr.write(`tsfrontend frontend: ${err.message}\n`));
  const transport = transportOver(session);
  const gw = moby.buildkit.v1.frontend;
  gw.PongResponse.decode(await transport.unary(LLB_BRIDGE + "Ping", gw.PingRequest.encode({}).finish(), {}));
  const client = new BridgeGatewayClient(transport, { workerPlatforms: [], sessionID: process.env["BUILDKIT_SESSION_ID"] ?? "" });
  await client.return({ error: new Error("tsfrontend: frontend not implemented yet (this image runs the placeholder entrypoint)") });
  await new Promise<void>((resolve) => session.close(resolve));
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`tsfrontend frontend: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
