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

const transport = new Http2GatewayTransport(pipeDuplex(process.stdin, process.stdout, writeStdout));
let code = 0;
try {
  await runFrontend({ transport });
} catch (err) {
  process.stderr.write(`tsfrontend frontend: ${err instanceof Error ? err.message : String(err)}\n`);
  code = 1;
}
// Close the HTTP/2 session (after the Return answer, nothing is in flight), then exit whatever the program left running.
await Promise.race([transport.close(), new Promise((r) => setTimeout(r, 2000).unref())]);
process.exit(code);
