// Error and warning text in the shapes buildctl/buildx print them:
// errdefs.Source.Print (solver/errdefs/source.go), the "------ > step:" log
// block of progressui's printErrorLogs, and buildx's warnings summary.

import type { Range, VertexWarning } from "./types.js";

/** A source excerpt: the whole file (data or lines) plus the ranges to mark (1-based lines). */
export interface SourceRef {
  filename: string;
  /** The whole file (pb.SourceInfo.data). */
  data?: Uint8Array | string;
  /** The whole file split on "\n" (alternative to data). */
  lines?: string[];
  ranges: Range[];
}

function rangeEnd(r: Range): number {
  return Math.max(r.end?.line ?? 0, r.start?.line ?? 0);
}

/** errdefs.Source.Print: "Dockerfile:12", a dashed rule, numbered lines with ">>>" on the range. Empty if nothing to show. */
export function formatSource(src: SourceRef): string {
  let lines: string[];
  if (src.lines) lines = src.lines;
  else if (src.data !== undefined) {
    const text = typeof src.data === "string" ? src.data : Buffer.from(src.data).toString();
    lines = text.split("\n");
  } else return "";
  if (src.ranges.length === 0) return "";
  let start = 0;
  let end = 0;
  let first = true;
  for (const r of src.ranges) {
    const s = r.start?.line ?? 0;
    const e = rangeEnd(r);
    if (first || s < start) start = s;
    if (e > end) end = e;
    first = false;
  }
  if (start > lines.length || start < 1) return "";
  if (end > lines.length) end = lines.length;

  const pad = end === start ? 4 : 2;
  let p = 0;
  const prepadStart = start;
  while (p < pad) {
    if (start > 1) {
      start--;
      p++;
    }
    if (end !== lines.length) {
      end++;
      p++;
    }
    p++;
  }
  const contains = (l: number): boolean => src.ranges.some((r) => (r.start?.line ?? 0) <= l && rangeEnd(r) >= l);
  let out = `${src.filename}:${prepadStart}\n--------------------\n`;
  for (let i = start; i <= end; i++) {
    const pfx = contains(i) ? ">>>" : "   ";
    out += ` ${String(i).padStart(3, " ")} | ${pfx} ${lines[i - 1]}\n`;
  }
  out += "--------------------\n";
  return out;
}

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
      ranges: [{ start: { line: s.line, character: 0 }, end: { line: s.endLine ?? s.line, character: 0 } }],
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
