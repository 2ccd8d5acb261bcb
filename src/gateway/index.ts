/** tsfrontend/gateway: the gateway client interface build programs use. */
export type * from "./types.js";
