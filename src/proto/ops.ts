// LLB-only entry point: just the `pb` package (solver/pb/ops.proto), no
// control/gateway/session code. See ./index.ts for the int64 (Long) notes.
export { pb } from "./generated/ops.js";
