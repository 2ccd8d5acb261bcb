// Error and warning text in the shapes buildctl/buildx print them:
// errdefs.Source.Print (solver/errdefs/source.go), the "------ > step:" log
// block of progressui's printErrorLogs, and buildx's warnings summary.

import { formatSource, type SourceRef } from "../gateway/errdefs.js";
import type { VertexWarning } from "./types.js";

export { formatSource, type SourceRef };

/** The block progressui prints for a failed step: "------", " > name:", log lines, "------". */
export function formatStepLogs(vertexName: string, logTail: string[]): string {
  let out = "------\n";
  out += ` > ${vertexName}:\n`;
  for (const l of logTail) out += l + "\n";
  out += "------\n";
  return out;
}

export interface BuildErrorInfo {
  message: string;
  /** Name of the failing step, e.g. "[2/3] RUN make". */
  vertexName?: string;
  /** Last log lines of that step (see ProgressWriter.logTail). */
  logTail?: string[];
  /**
   * Where the failing instruction is: `lines` is the whole file split on "\n",
   * `line` (and `endLine`) are 1-based. Several sources may be given.
   */
  source?: SourceLocation | SourceLocation[];
}

export interface SourceLocation {
  filename: string;
  line: number;
  endLine?: number;
  /** Every range of the source (1-based lines), when it has several (an instruction continued over lines): each is marked. */
  ranges?: readonly { start: number; end: number }[];
  lines: string[];
}

export interface FormatBuildErrorOptions {
  /** Prefix of the last line; buildctl prints "error: ", buildx "ERROR: ". */
  errorPrefix?: string;
  /** Leave out the step/log block (if the progress display already printed it). */
  omitStepLogs?: boolean;
}

/**
 * One readable block for a failed build, in buildctl's order: the step and its
 * last log lines, the source excerpt(s) ("Dockerfile:12 ... >>> RUN ..."),
 * then "error: <message>".
 */
export function formatBuildError(err: BuildErrorInfo, opts: FormatBuildErrorOptions = {}): string {
  let out = "";
  if (err.vertexName !== undefined && !opts.omitStepLogs) out += formatStepLogs(err.vertexName, err.logTail ?? []);
  const sources = err.source === undefined ? [] : Array.isArray(err.source) ? err.source : [err.source];
  for (const s of sources) {
    out += formatSource({
      filename: s.filename,
      lines: s.lines,
      ranges: (s.ranges ?? [{ start: s.line, end: s.endLine ?? s.line }]).map((r) => ({ start: { line: r.start, character: 0 }, end: { line: r.end, character: 0 } })),
    });
  }
  out += `${opts.errorPrefix ?? "error: "}${err.message}\n`;
  return out;
}

export interface WarningsSummaryOptions {
  /** Expand details, URL and source excerpts (buildx --debug). */
  debug?: boolean;
  /** Hint shown when not in debug mode; default "use --debug to expand". */
  hint?: string;
  /** Color the header yellow (default true). */
  color?: boolean;
}

/** buildx's printWarnings: "\n 2 warnings found (use --debug to expand):\n - short\n ...". Empty for no warnings. */
export function formatWarningsSummary(warnings: VertexWarning[], opts: WarningsSummaryOptions = {}): string {
  if (warnings.length === 0) return "";
  let out = "\n ";
  let hdr = warnings.length === 1 ? "1 warning found" : `${warnings.length} warnings found`;
  if (!opts.debug) hdr += ` (${opts.hint ?? "use --debug to expand"})`;
  hdr += ":\n";
  out += opts.color === false ? hdr : "\x1b[33m" + hdr + "\x1b[0m";
  for (const w of warnings) {
    out += ` - ${Buffer.from(w.short).toString()}\n`;
    if (!opts.debug) continue;
    for (const d of w.detail) out += Buffer.from(d).toString() + "\n";
    if (w.url !== "") out += `More info: ${w.url}\n`;
    if (w.sourceInfo && w.range) {
      out += formatSource({ filename: w.sourceInfo.filename, data: w.sourceInfo.data, ranges: w.range });
    }
    out += "\n";
  }
  return out;
}
