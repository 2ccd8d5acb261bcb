/**
 * The gateway transport over the control connection: LLBBridge calls carrying
 * `buildkit-controlapi-buildid`, as Go's `client.Build` and buildctl make them.
 */

import * as grpc from "@grpc/grpc-js";
import type { GatewayCallOptions, GatewayTransport } from "../gateway/transport.js";
import { MAX_MESSAGE_BYTES, type BuildkitConnection } from "./connection.js";
import { BuildkitError, mapGrpcError, messageTooLarge } from "./errors.js";

const toBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const fromBuffer = (b: Buffer): Uint8Array => b;

/** LLBBridge calls for one build (`buildRef`) on a control connection. Failures are {@link BuildkitError}s. */
export class ControlGatewayTransport implements GatewayTransport {
  constructor(
    private readonly conn: BuildkitConnection,
    private readonly buildRef: string,
  ) {}

  unary(method: string, request: Uint8Array, options: GatewayCallOptions = {}): Promise<Uint8Array> {
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(options.metadata ?? {})) md.set(k, v);
    md.set("buildkit-controlapi-buildid", this.buildRef);
    const signal = options.signal;
    if (signal?.aborted) {
      const name = method.slice(method.lastIndexOf("/") + 1);
      return Promise.reject(new BuildkitError("CANCELED", `${name}: the build has ended`, { details: { grpcCode: 1 } }));
    }
    if (request.byteLength > MAX_MESSAGE_BYTES) {
      // A Solve carries the program's Definition: say so, not grpc-js's "larger than 16777216".
      const what = method.endsWith("/Solve") ? "the build definition sent by the program" : `the ${method.slice(method.lastIndexOf("/") + 1)} request`;
      return Promise.reject(messageTooLarge(what, request.byteLength, MAX_MESSAGE_BYTES));
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const onAbort = () => call.cancel();
      const call = this.conn.client.makeUnaryRequest(method, toBuffer, fromBuffer, request, md, {}, (err, res) => {
        signal?.removeEventListener("abort", onAbort);
        if (err) reject(mapGrpcError(err, method, this.conn.address));
        else resolve(res!);
      });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
