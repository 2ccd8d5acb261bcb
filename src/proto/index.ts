// Generated BuildKit wire types (see scripts/gen-proto.mjs and proto/README.md).
//
// - `pb` (solver/pb/ops.proto) comes from ./generated/ops.js. Code that only needs
//   LLB (src/llb) should import "./generated/ops.js" (or "../proto/ops.js") directly,
//   so it does not load the control/gateway/session code.
// - Everything else comes from ./generated/buildkit.js, whose `pb` is the same object.
//
// int64/uint64 fields: decode yields a Long (long.js, always present as a protobufjs
// dependency), so values such as 1.7e18 ns timestamps are exact. Encode accepts
// `number` (exact only up to 2^53) or a Long; use `Long.fromString(...)` or
// `Long.fromBits(...)` for larger values.

import $protobuf from "protobufjs/minimal.js";
import type LongType from "long";

export { pb } from "./generated/ops.js";
export { moby, fsutil, google, grpc, errdefs, stack, containerd } from "./generated/buildkit.js";
export { protoRoot, protoFiles } from "./schema.js";

/** The long.js class protobufjs uses for decoded 64-bit values. */
export const Long: typeof LongType = $protobuf.util.Long as unknown as typeof LongType;
export type Long = LongType;
