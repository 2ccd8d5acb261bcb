import { test } from "node:test";
import assert from "node:assert/strict";
import { BuildkitConnection, MAX_MESSAGE_BYTES } from "./connection.js";
import { BuildkitError } from "./errors.js";
import { ControlGatewayTransport } from "./gateway-transport.js";

test("a Solve over the gRPC message limit fails at once, naming its size, the limit and what to do", async () => {
  // Nothing listens there: the request must be refused before any call is made.
  const conn = new BuildkitConnection("unix:///nonexistent/tsfrontend-test.sock");
  try {
    const t = new ControlGatewayTransport(conn, "ref");
    const size = MAX_MESSAGE_BYTES + 1024;
    await assert.rejects(t.unary("/moby.buildkit.v1.frontend.LLBBridge/Solve", new Uint8Array(size), {}), (err: unknown) => {
      assert.ok(err instanceof BuildkitError);
      assert.equal(err.reason, "RESOURCE_EXHAUSTED");
      assert.match(err.message, new RegExp(`^the build definition sent by the program is 16\\.001 MiB \\(${size} bytes\\), over the 16\\.0 MiB gRPC message limit of buildkitd: .*local\\("NAME"\\) with --local NAME=DIR`));
      return true;
    });
  } finally {
    conn.close();
  }
});
