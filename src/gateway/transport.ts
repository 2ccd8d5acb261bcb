/**
 * How the LLBBridge client reaches the daemon: one unary gRPC call at a time,
 * as raw protobuf bytes. Over the control connection (client-side builds,
 * which add the `buildkit-controlapi-buildid` header) or over stdio inside
 * the frontend image.
 */

import type { BuildkitErrorDetails } from "./errdefs.js";

export interface GatewayCallOptions {
  /** Request headers (lower-case names). */
  metadata?: Record<string, string>;
  /** Cancels the call (e.g. when the build ends). */
  signal?: AbortSignal;
}

export interface GatewayTransport {
  /**
   * Calls `method` (a full path, e.g. `/moby.buildkit.v1.frontend.LLBBridge/Solve`)
   * with an encoded request and resolves with the encoded response. A failed
   * call rejects with a {@link GatewayCallError}.
   */
  unary(method: string, request: Uint8Array, options: GatewayCallOptions): Promise<Uint8Array>;
}

/**
 * What a transport rejects with: an Error whose `details` hold the gRPC
 * status code and buildkit's decoded details (errdefs.ts), so a failed solve
 * keeps its vertex and source locations on the way back through `Return`.
 */
export interface GatewayCallError extends Error {
  readonly details: BuildkitErrorDetails & { grpcCode: number };
}
