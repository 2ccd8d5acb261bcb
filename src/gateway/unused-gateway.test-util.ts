/**
 * For unit tests: a GatewayClient every call of which fails ("not used");
 * a test's fake extends it and overrides what the code under test may call.
 * (`*.test-util.*` files are test code: the package leaves them out.)
 */

import type { GatewayClient, GatewayResult, GatewaySolveRequest, GatewaySolveResult } from "./types.js";
import { parsePlatform, type Platform } from "../llb/index.js";

export class UnusedGateway implements GatewayClient {
  readonly workerPlatforms: readonly Platform[] = [parsePlatform("linux/amd64")];
  async solve(_req: GatewaySolveRequest): Promise<GatewaySolveResult> {
    throw new Error("solve: not used");
  }
  async readFile(_ref: { id: string }, _path: string): Promise<Uint8Array> {
    throw new Error("readFile: not used");
  }
  async readDir(..._a: Parameters<GatewayClient["readDir"]>): ReturnType<GatewayClient["readDir"]> {
    throw new Error("readDir: not used");
  }
  async statFile(..._a: Parameters<GatewayClient["statFile"]>): ReturnType<GatewayClient["statFile"]> {
    throw new Error("statFile: not used");
  }
  async resolveImageConfig(..._a: Parameters<GatewayClient["resolveImageConfig"]>): ReturnType<GatewayClient["resolveImageConfig"]> {
    throw new Error("resolveImageConfig: not used");
  }
  async inputs() {
    return {};
  }
  async return(_r: GatewayResult | { error: Error }): Promise<void> {}
}
