/**
 * `--call` as docker buildx v0.38.2 takes it (util/buildflags/callfunc.go
 * `ParseCallFunc`): `NAME[,format=F][,ignorestatus=BOOL]`, `check` an alias of
 * `lint`, `build` the default (a build); and how buildx prints the answer
 * (commands/build.go `printResult`). The subrequest asked is `frontend.NAME`.
 */

import { UsageError } from "../../errors.js";
import { formatSource } from "../../gateway/errdefs.js";
import { printLintWarnings } from "../../program/subrequests.js";
import { parseCsvFields } from "./csv.js";

export interface CallFunc {
  name: string;
  format: string;
  ignoreStatus: boolean;
}

const FLAG = "--call";

/** Parses a `--call` value; undefined for `build` (no call: a build). */
export function parseCallFlag(value: string): CallFunc | undefined {
  if (value === "") return undefined;
  let fields: string[];
  try {
    fields = parseCsvFields(value);
  } catch (err) {
    throw new UsageError(`invalid --call value ${JSON.stringify(value)}: ${(err as Error).message}`, { flag: FLAG });
  }
  const f: CallFunc = { name: "", format: "", ignoreStatus: false };
  for (const field of fields) {
    const eq = field.indexOf("=");
    if (eq >= 0) {
      const k = field.slice(0, eq);
      const v = field.slice(eq + 1);
      if (k === "format") f.format = v;
      else if (k === "ignorestatus") {
        const b = parseGoBool(v);
        if (b === undefined) throw new UsageError(`invalid ignorestatus print value: ${v}`, { flag: FLAG });
        f.ignoreStatus = b;
      } else throw new UsageError(`invalid print field: ${field}`, { flag: FLAG });
    } else {
      if (f.name !== "") throw new UsageError(`invalid print value: ${value}`, { flag: FLAG });
      f.name = field;
    }
  }
  if (f.name === "check") f.name = "lint";
  return f.name === "build" ? undefined : f;
}

/** Go's strconv.ParseBool. */
function parseGoBool(v: string): boolean | undefined {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(v)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(v)) return false;
  return undefined;
}

/** What buildx prints for an answer: on stdout, the exit status, and an error's text (a lint error with its source). */
export interface CallOutput {
  stdout: string;
  status: number;
  error?: string;
}

interface LocationJSON {
  sourceIndex?: number;
  ranges?: { start?: { line?: number; character?: number }; end?: { line?: number; character?: number } }[];
}

/** lint.LintResults as JSON (Go's field names; zero values left out). */
interface LintJSON {
  warnings?: { ruleName?: string; url?: string; detail?: string; location?: LocationJSON }[];
  sources?: { filename?: string; data?: string }[];
  buildError?: { message?: string; location?: LocationJSON };
}

const position = (p: { line?: number; character?: number } | undefined) => ({ line: p?.line ?? 0, character: p?.character ?? 0 });
const ranges = (l: LocationJSON | undefined) => (l?.ranges ?? []).map((r) => ({ start: position(r.start), end: position(r.end) }));

/**
 * buildx's `printResult` for the answer's metadata (`result.json`,
 * `result.txt`, `result.statuscode`). `sourceName` is the Dockerfile's path as
 * the user gave it, which buildx shows in the lint excerpts.
 */
export function callOutput(f: CallFunc, metadata: Readonly<Record<string, Uint8Array>>, sourceName?: string): CallOutput {
  const res: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) res[k] = Buffer.from(v).toString();
  const json = f.format === "json";
  // The text form is what the subrequest's own printer writes into result.txt.
  const value = () => (json ? `${res["result.json"] ?? ""}\n` : (res["result.txt"] ?? ""));
  let stdout = "";
  let error: string | undefined;
  switch (f.name) {
    case "outline":
    case "targets":
    case "subrequests.describe":
      stdout = value();
      break;
    case "lint": {
      const lint = JSON.parse(res["result.json"] ?? "{}") as LintJSON;
      const n = lint.warnings?.length ?? 0;
      if (!json && n > 0) stdout += `Check complete, ${n === 1 ? "1 warning has been found!" : `${n} warnings have been found!`}\n`;
      const sources = (lint.sources ?? []).map((src) => ({ filename: src.filename ?? "", data: Buffer.from(src.data ?? "", "base64") }));
      const warnings = (lint.warnings ?? []).map((w) => ({
        ruleName: w.ruleName ?? "",
        url: w.url ?? "",
        detail: w.detail ?? "",
        location: w.location ? { sourceIndex: w.location.sourceIndex ?? 0, ranges: ranges(w.location) } : undefined,
      }));
      stdout += json ? value() : printLintWarnings({ warnings, sources }, sourceName);
      const failure = lint.buildError;
      if (failure) {
        // lint.LintResults.PrintErrorTo: the message, then the source excerpt.
        if (!json && n > 0) stdout += "\n";
        const src = sources[failure.location?.sourceIndex ?? 0];
        error = `${failure.message ?? ""}\n${src ? formatSource({ filename: sourceName ?? src.filename, data: src.data, ranges: ranges(failure.location) }) : ""}`;
        return { stdout, status: 1, error };
      }
      if (n === 0 && !json) stdout += "Check complete, no warnings found.\n";
      break;
    }
    default:
      if (json && res["result.json"] !== undefined) stdout = `${res["result.json"]}\n`;
      else if (res["result.txt"] !== undefined) stdout = res["result.txt"];
      else stdout = `${f.name} ${JSON.stringify(res)}\n`;
  }
  let status = 0;
  const code = res["result.statuscode"];
  if (!f.ignoreStatus && code !== undefined && /^-?\d+$/.test(code)) status = Number(code);
  return { stdout, status };
}
