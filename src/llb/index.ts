/**
 * tsfrontend/llb: build BuildKit LLB graphs in TypeScript and marshal them to
 * `pb.Definition` bytes identical to Go's `client/llb`. Pure: no gRPC, no
 * file system, no network.
 *
 * @example
 * import { image, scratch, parsePlatform } from "tsfrontend/llb";
 * const builder = image("golang:1.22").run({ shlex: "go build -o /out/app ." }).root();
 * const final = scratch().file(copy(builder, "/out/app", "/app"));
 * const def = await final.marshal({ platform: parsePlatform("linux/arm64") });
 */

export * from "./state.js";
export * from "./constraints.js";
export * from "./platform.js";
export * from "./definition.js";
export * from "./decode.js";
export * from "./source-map.js";
export * from "./env.js";
export * from "./merge.js";
export * from "./diff.js";
export * from "./passthrough.js";
export * from "./build.js";
export * from "./exec.js";
export * from "./file-op.js";
export * from "./source.js";
export * from "./reference.js";
export { sha256Digest, isDigest } from "./digest.js";
export { NetMode, SecurityMode, MountType, CacheSharingOpt, MountContentCache } from "./pb.js";
export type * from "./pb.js";
export { LlbError, PlatformError, DefinitionError } from "../errors.js";
export * from "./dump.js";
