/** tsfrontend/program: the build-program contract shared by the CLI, the client and the frontend image. */
export type { BuildContext, BuildProgram, BuildResult, ImageConfig, HealthConfig, PlatformResult } from "./types.js";
export { createBuildContext, normalizeBuildResult, type BuildContextOptions, type ResolvedResult } from "./context.js";
export { detectSyntax } from "./syntax.js";
