/** tsfrontend/program: the build-program contract shared by the CLI, the client and the frontend image. */
export type { ArgDeclaration, BuildContext, BuildProgram, BuildResult, ImageConfig, HealthConfig, PlatformResult, ProgramDeclarations, TargetDeclaration } from "./types.js";
export { createBuildContext, normalizeBuildResult, type BuildContextOptions, type ResolvedResult } from "./context.js";
export { detectSyntax, detectSyntaxDirective, type SyntaxDirective } from "./syntax.js";
