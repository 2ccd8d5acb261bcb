/**
 * What the frontend process runs once its stdout is guarded (main.ts): one
 * request over stdin/stdout, or the image build's warm-up (warmup.ts). The
 * entry of the image's CommonJS bundle (scripts/bundle.mjs), so it has no
 * effects of its own when loaded.
 */

import type { Writable } from "node:stream";
import { Http2GatewayTransport, stdioPipe } from "./stdio-transport.js";
import { runFrontend } from "./frontend.js";

export { warmUp } from "./warmup.js";

/** Serves one request over stdin/stdout, writing stdout through `writeStdout` only; resolves with the exit code. */
export async function serveStdio(writeStdout: Writable["write"]): Promise<number> {
  const transport = new Http2GatewayTransport(stdioPipe(process.stdin, process.stdout, writeStdout));
  try {
    await runFrontend({ transport });
    return 0;
  } catch (err) {
    process.stderr.write(`tsfrontend frontend: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
