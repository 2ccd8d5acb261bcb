/** tsfrontend: see the subpath modules `tsfrontend/llb` (graphs) and `tsfrontend/program` (build programs). */
export * as llb from "./llb/index.js";
export * from "./program/index.js";
export * from "./errors.js";
