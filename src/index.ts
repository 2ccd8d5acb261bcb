/**
 * tsfrontend: see the subpath modules `tsfrontend/llb` (graphs) and `tsfrontend/program` (build programs).
 * Build programs importing `tsfrontend` get the same exports from src/program/imports.ts: keep both in step.
 */
export * as llb from "./llb/index.js";
export * from "./program/index.js";
export * from "./errors.js";
