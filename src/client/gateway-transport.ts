/**
 * The gateway transport over the control connection: LLBBridge calls carrying
 * `buildkit-controlapi-buildid`, as Go's `client.Build` and buildctl make them.
 */

import type { GatewayCallOptions, GatewayTransport } from "../gateway/transport.js";
import { MAX_MESSAGE_BYTES, type BuildkitConnection } from "./connection.js";
import { BuildkitError, mapGrpcError, messageTooLarge } from "./errors.js";

/** LLBBridge calls for one build (`buildRef`) on a control connection. Failures are {@link BuildkitError}s. */
export class ControlGatewayTransport implements GatewayTransport {
  constructor(
    private readonly conn: BuildkitConnection,
    private readonly buildRef: string,
  ) {}

  unary(method: string, request: Uint8Array, options: GatewayCallOptions = {}): Promise<Uint8Array> {
    const metadata = { ...options.metadata, "buildkit-controlapi-buildid": this.buildRef };
    const signal = options.signal;
    if (signal?.aborted) {
      const name = method.slice(method.lastIndexOf("/") + 1);
      return Promise.reject(new BuildkitError("CANCELED", `${name}: the build has ended`, { details: { grpcCode: 1 } }));
    }
    if (request.byteLength > MAX_MESSAGE_BYTES) {
      // A Solve carries the program's Definition: say so, not the channel's "larger than max".
      const what = method.endsWith("/Solve") ? "the build definition sent by the program" : `the ${method.slice(method.lastIndexOf("/") + 1)} request`;
      return Promise.reject(messageTooLarge(what, request.byteLength, MAX_MESSAGE_BYTES));
    }
    return this.conn.channel.unary(method, request, signal ? { metadata, signal } : { metadata }).catch((err: Error) => {
      throw mapGrpcError(err, method, this.conn.address);
    });
  }
}
