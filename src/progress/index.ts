// Build progress rendering for BuildKit's Control.Status stream, matching
// `buildctl build --progress auto|tty|plain|rawjson|quiet` (progressui v0.32.2).
// Pure: no gRPC here.
//
//   const pw = createProgressWriter("auto", process.stderr);
//   statusStream.on("data", (m) => pw.write(fromStatusResponse(m)));
//   ... await solve ...; await pw.done();
//   on failure: process.stderr.write(formatBuildError({ message, vertexName,
//     logTail: pw.logTail(digest), source }, { omitStepLogs: true }))
//   (plain/tty already print the "------ > step:" block when done.)

export type {
  SolveStatus,
  Vertex,
  VertexStatus,
  VertexLog,
  VertexWarning,
  ProgressGroup,
  SourceInfo,
  Range,
  Position,
} from "./types.js";
export { fromStatusResponse, dateFromTimestamp, epochNanos, formatRFC3339Nano } from "./types.js";
export {
  createProgressWriter,
  resolveProgressMode,
  type ProgressMode,
  type ResolvedProgressMode,
  type ProgressOutput,
  type ProgressWriter,
  type ProgressWriterOptions,
  type LogTailOptions,
} from "./writer.js";
export {
  formatBuildError,
  formatSource,
  formatStepLogs,
  formatWarningsSummary,
  type BuildErrorInfo,
  type SourceLocation,
  type SourceRef,
  type FormatBuildErrorOptions,
  type WarningsSummaryOptions,
} from "./format.js";
export { marshalSolveStatus } from "./rawjson.js";
export { openTraceFile, type TraceFile } from "./trace-file.js";
export { goFixed, formatBytes } from "../internal/go/units.js";
