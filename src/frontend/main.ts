/**
 * Entry point of the frontend image: `node <root>/dist/src/frontend/main.js`.
 * stdin/stdout are the gRPC connection to buildkitd; stdout is guarded first
 * (stdio-guard.ts), then the frontend runs one request, closes the connection
 * and exits 0 (a failure has gone back through `Return`). Only a daemon that
 * cannot be reached at all (no Ping answer) exits 1.
 */

import { writeStdout } from "./stdio-guard.js";

const { Http2GatewayTransport, pipeDuplex } = await import("./stdio-transport.js");
const { runFrontend } = await import("./frontend.js");
// Process start (Node's time origin) to the frontend's modules evaluated: the phase `~modules` of the bench's timeline.
performance.measure("tsfrontend:modules", { start: 0 });

// The image build runs the entrypoint once with TSF_FRONTEND_WARMUP=1 and NODE_COMPILE_CACHE set
// (Dockerfile.frontend): the modules are compiled and the V8 code cache written into the image,
// so a real start reads compiled code instead of parsing the bundle again. esbuild's module is
// loaded on first use (program/load.ts), so the warm-up loads it too, for its code cache.
if (process.env["TSF_FRONTEND_WARMUP"] === "1") {
  await import("esbuild");
  process.exit(0);
}

const transport = new Http2GatewayTransport(pipeDuplex(process.stdin, process.stdout, writeStdout));
let code = 0;
try {
  await runFrontend({ transport });
} catch (err) {
  process.stderr.write(`tsfrontend frontend: ${err instanceof Error ? err.message : String(err)}\n`);
  code = 1;
}
// Exit without closing the connection: buildkitd (v0.32.2 frontend/gateway/gateway.go) takes a
// connection closed while the process still runs for a crash ("frontend grpc server closed
// unexpectedly"), and that error replaces the result given to Return. The process ending ends it.
process.exit(code);
