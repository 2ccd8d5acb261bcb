/**
 * tsfrontend's own log lines on stderr (warnings, notes, debug output), set
 * by the global `--debug` and `--log-format` flags as buildctl's are
 * (cmd/buildctl/main.go v0.32.2: logrus, `text` or `json`, debug level with
 * `--debug`). Text lines keep tsfrontend's form (`tsfrontend: warning: ...`);
 * JSON lines are logrus's JSONFormatter form: `{"level":..,"msg":..,"time":..}`.
 * Progress output and build error blocks are not log lines and are not affected.
 */

import { UsageError } from "../errors.js";

export type LogFormat = "text" | "json";
export type LogLevel = "debug" | "info" | "warning";

let format: LogFormat = "text";
let debugEnabled = false;
let out: NodeJS.WritableStream = process.stderr;

/** Applies `--log-format` and `--debug`; an unknown format is a usage error (buildctl: `unsupported log type`). */
export function configureLog(options: { format?: string; debug?: boolean; out?: NodeJS.WritableStream }): void {
  const f = options.format ?? "text";
  if (f !== "text" && f !== "json" && f !== "") throw new UsageError(`unsupported log type ${JSON.stringify(f)} (want text or json)`, { flag: "--log-format" });
  format = f === "json" ? "json" : "text";
  debugEnabled = options.debug === true;
  if (options.out) out = options.out;
}

/** True with `--debug` (or TSFRONTEND_DEBUG set): stacks and debug lines are printed. */
export function isDebug(): boolean {
  return debugEnabled || Boolean(process.env["TSFRONTEND_DEBUG"]);
}

function write(level: LogLevel, message: string): void {
  if (level === "debug" && !isDebug()) return;
  if (format === "json") {
    out.write(`${JSON.stringify({ level, msg: message, time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") })}\n`);
    return;
  }
  out.write(level === "info" ? `tsfrontend: ${message}\n` : `tsfrontend: ${level}: ${message}\n`);
}

export const log = {
  debug: (message: string) => write("debug", message),
  info: (message: string) => write("info", message),
  warn: (message: string) => write("warning", message),
};
