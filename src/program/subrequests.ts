/**
 * Subrequests (`requestid` opt; buildx `--call`), answered as buildkit v0.32.2
 * frontend/dockerui/requests.go and frontend/subrequests/{describe.go,
 * outline/outline.go, targets/targets.go} answer them: metadata `result.json`
 * (Go's json.MarshalIndent of the same structs), `result.txt` (their
 * text/tabwriter tables) and `version`, and no ref; also subrequests/lint
 * and convertllb for Dockerfiles. For programs, targets and build args come
 * from what the program declares (`export const targets`, `export const args`);
 * for Dockerfiles, from the converter (the same result types as Go's).
 */

import { DetailedError, ErrorDetailType, formatSource } from "../gateway/errdefs.js";
import type { GatewayResult } from "../gateway/types.js";
import { goJSONMarshalIndent, goJSONString } from "../internal/go/json.js";
import { sortFunc } from "../internal/go/sort.js";
import { TabWriter } from "../internal/go/tabwriter.js";
import type { PbLocation } from "../llb/pb.js";
import type { ProgramDeclarations } from "./types.js";

export const REQUEST_DESCRIBE = "frontend.subrequests.describe";
export const REQUEST_OUTLINE = "frontend.outline";
export const REQUEST_TARGETS = "frontend.targets";
export const REQUEST_LINT = "frontend.lint";
export const REQUEST_CONVERT_LLB = "frontend.convertllb";

interface Named {
  name: string;
  description: string;
}

interface Request {
  name: string;
  version: string;
  type: "rpc";
  description: string;
  opts: Named[] | null;
  inputs: Named[] | null;
  metadata: Named[] | null;
  refs: Named[] | null;
}

const resultMetadata: Named[] = [
  { name: "result.json", description: "" },
  { name: "result.txt", description: "" },
];

const OUTLINE: Request = {
  name: REQUEST_OUTLINE,
  version: "1.0.0",
  type: "rpc",
  description: "List all parameters current build target supports",
  opts: [{ name: "target", description: "Target build stage" }],
  inputs: null,
  metadata: resultMetadata,
  refs: null,
};
const TARGETS: Request = {
  name: REQUEST_TARGETS,
  version: "1.0.0",
  type: "rpc",
  description: "List all targets current build supports",
  opts: [],
  inputs: null,
  metadata: resultMetadata,
  refs: null,
};
const DESCRIBE: Request = {
  name: REQUEST_DESCRIBE,
  version: "1.0.0",
  type: "rpc",
  description: "List available subrequest types",
  opts: null,
  inputs: null,
  metadata: resultMetadata,
  refs: null,
};

/** Rows through Go's text/tabwriter as buildkit's printers set it up: `NewWriter(w, 0, 0, padding, ' ', 0)`. */
export function alignColumns(rows: readonly (readonly string[])[], padding: number): string {
  const tw = new TabWriter(0, 0, padding, " ");
  for (const r of rows) tw.write(r.join("\t") + "\n");
  return tw.take();
}

const encoder = new TextEncoder();

function result(json: string, txt: string, version: string): GatewayResult {
  return { metadata: { "result.json": encoder.encode(json), "result.txt": encoder.encode(txt), version: encoder.encode(version) } };
}

/** `frontend.subrequests.describe`: the subrequests this frontend answers. */
export function describeResult(): GatewayResult {
  const all = [OUTLINE, TARGETS, DESCRIBE];
  const txt = alignColumns([["NAME", "VERSION", "DESCRIPTION"], ...all.map((r) => [r.name.replace(/^frontend\./, ""), r.version, r.description])], 1);
  return result(goJSONMarshalIndent(all), txt, DESCRIBE.version);
}

function entries<T extends object>(rec: Readonly<Record<string, string | T>> | undefined): [string, T & { description?: string }][] {
  if (!rec || typeof rec !== "object") return [];
  return Object.entries(rec).map(([k, v]) => [k, (typeof v === "string" ? { description: v } : (v ?? {})) as T & { description?: string }]);
}

function base64(s: string): string {
  return Buffer.from(s, "utf8").toString("base64");
}

/** `frontend.targets`: the declared targets (or one unnamed default target). */
export function targetsResult(decl: ProgramDeclarations | undefined, source: string): GatewayResult {
  const declared = entries<{ default?: boolean }>(decl?.targets);
  const targets = declared.length > 0
    ? declared.map(([name, t]) => ({ name, ...(t.default ? { default: true } : {}), ...(t.description ? { description: t.description } : {}) }))
    : [{ default: true }];
  const list = { targets, sources: [base64(source)] };
  const rows = [["TARGET", "DESCRIPTION"]];
  for (const t of targets as { name?: string; default?: boolean; description?: string }[]) {
    const name = !t.name && t.default ? "(default)" : t.default ? `${t.name} (default)` : t.name ?? "";
    rows.push([name, t.description ?? ""]);
  }
  return result(goJSONMarshalIndent(list), alignColumns(rows, 1), TARGETS.version);
}

/** `frontend.outline`: the target asked for and the declared build args. */
export function outlineResult(decl: ProgramDeclarations | undefined, source: string, target: string | undefined): GatewayResult {
  const args = entries<{ default?: string }>(decl?.args).map(([name, a]) => ({
    name,
    ...(a.description ? { description: a.description } : {}),
    ...(a.default ? { value: String(a.default) } : {}),
  }));
  const t = target ? entries<{ default?: boolean }>(decl?.targets).find(([n]) => n === target)?.[1] : undefined;
  const outline = {
    ...(target ? { name: target } : {}),
    ...(t?.description ? { description: t.description } : {}),
    ...(args.length > 0 ? { args } : {}),
    sources: [base64(source)],
  };
  let txt = "";
  if (outline.name || outline.description) {
    const rows = [["TARGET:", outline.name || "(default)"]];
    if (outline.description) rows.push(["DESCRIPTION:", outline.description]);
    txt += alignColumns(rows, 1) + "\n";
  }
  if (args.length > 0) {
    txt += alignColumns([["BUILD ARG", "VALUE", "DESCRIPTION"], ...args.map((a) => [a.name, a.value ?? "", a.description ?? ""])], 3) + "\n";
  }
  return result(goJSONMarshalIndent(outline), txt, OUTLINE.version);
}

/** The error for a `requestid` this frontend does not answer: errdefs.UnsupportedSubrequestError, with its typed detail (buildx looks for it). */
export function unsupportedSubrequest(id: string): Error {
  return new DetailedError(`unsupported request ${id}`, { other: [{ typeUrl: ErrorDetailType.subrequest, value: encoder.encode(`{"name":${goJSONString(id)}}`) }] });
}

/**
 * A loaded program's answer to the subrequest its opts ask for (`requestid`):
 * describe, targets or outline from what it declares; undefined when none is
 * asked (a build). Any other request is refused.
 */
export function programSubrequest(program: { declarations?: ProgramDeclarations | undefined; source: string }, opts: Readonly<Record<string, string>>): GatewayResult | undefined {
  const request = opts["requestid"];
  switch (request) {
    case undefined:
      return undefined;
    case REQUEST_DESCRIBE:
      return describeResult();
    case REQUEST_TARGETS:
      return targetsResult(program.declarations, program.source);
    case REQUEST_OUTLINE:
      return outlineResult(program.declarations, program.source, opts["target"] || undefined);
    default:
      throw unsupportedSubrequest(request);
  }
}

/** A subrequest result document: its Go JSON form comes from `toJSON` (the converter's results carry one). */
interface GoJSON {
  toJSON?(): unknown;
}

function goJSONOf(v: object): string {
  const j = (v as GoJSON).toJSON;
  return goJSONMarshalIndent(typeof j === "function" ? j.call(v) : v);
}

/** outline.Outline, the fields its text shows. */
export interface Outline extends GoJSON {
  name: string;
  description: string;
  args: readonly { name: string; description: string; value: string }[];
  secrets: readonly { name: string; required: boolean }[];
  ssh: readonly { name: string; required: boolean }[];
}

/** outline.Outline.ToResult: result.json, result.txt (PrintOutline), version. */
export function outlineToResult(o: Outline): GatewayResult {
  let txt = "";
  if (o.name || o.description) {
    const rows = [["TARGET:", o.name || "(default)"]];
    if (o.description) rows.push(["DESCRIPTION:", o.description]);
    txt += alignColumns(rows, 1) + "\n";
  }
  if (o.args.length > 0) txt += alignColumns([["BUILD ARG", "VALUE", "DESCRIPTION"], ...o.args.map((a) => [a.name, a.value, a.description])], 3) + "\n";
  if (o.secrets.length > 0) txt += alignColumns([["SECRET", "REQUIRED"], ...o.secrets.map((a) => [a.name, a.required ? "true" : ""])], 3) + "\n";
  if (o.ssh.length > 0) txt += alignColumns([["SSH", "REQUIRED"], ...o.ssh.map((a) => [a.name, a.required ? "true" : ""])], 3) + "\n";
  return result(goJSONOf(o), txt, OUTLINE.version);
}

/** targets.List, the fields its text shows. */
export interface TargetsList extends GoJSON {
  targets: readonly { name: string; default: boolean; description: string }[];
}

/** targets.List.ToResult: result.json, result.txt (PrintTargets), version. */
export function targetsToResult(l: TargetsList): GatewayResult {
  const rows = [["TARGET", "DESCRIPTION"]];
  for (const t of l.targets) {
    const name = !t.name && t.default ? "(default)" : t.default ? `${t.name} (default)` : t.name;
    rows.push([name, t.description]);
  }
  return result(goJSONOf(l), alignColumns(rows, 1), TARGETS.version);
}

/** pb.Location: a source (index into `sources`) and 1-based line ranges in it. */
export interface SubrequestLocation {
  sourceIndex: number;
  ranges: readonly { start?: { line: number; character: number }; end?: { line: number; character: number } }[];
}

/** lint.LintResults, the fields its text and status show. */
export interface LintResults extends GoJSON {
  warnings: readonly { ruleName: string; url: string; detail: string; location: SubrequestLocation | undefined }[];
  sources: readonly { filename: string; data: Uint8Array }[];
  error: { message: string } | undefined;
}

/**
 * lint.LintResults.PrintTo: the warnings sorted by file and line, each with
 * its source excerpt; `sourceName` renames every source in the excerpts
 * (buildx shows the Dockerfile's path as the user gave it).
 */
export function printLintWarnings(r: Pick<LintResults, "warnings" | "sources">, sourceName?: string): string {
  type W = (typeof r.warnings)[number];
  // lint.go PrintTo's less function, for Go's sort.Slice: not stable, so warnings on one line end up in
  // the order its pattern-defeating quicksort leaves them (sortFunc is that sort, step for step).
  const less = (a: W, b: W): boolean => {
    const ia = a.location?.sourceIndex ?? -1;
    const ib = b.location?.sourceIndex ?? -1;
    if (ia < 0 && ib < 0) return a.ruleName < b.ruleName;
    if (ia < 0 || ib < 0) return ia < 0;
    const fa = r.sources[ia]?.filename ?? "";
    const fb = r.sources[ib]?.filename ?? "";
    if (fa !== fb) return fa < fb;
    const ra = a.location?.ranges ?? [];
    const rb = b.location?.ranges ?? [];
    if (ra.length === 0 && rb.length === 0) return a.ruleName < b.ruleName;
    if (ra.length === 0 || rb.length === 0) return ra.length === 0;
    return (ra[0]!.start?.line ?? 0) < (rb[0]!.start?.line ?? 0);
  };
  const sorted = [...r.warnings];
  sortFunc(sorted, (a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0));
  let txt = "";
  for (const w of sorted) {
    txt += `\nWARNING: ${w.ruleName}`;
    if (w.url) txt += ` - ${w.url}`;
    txt += `\n${w.detail}\n`;
    const idx = w.location?.sourceIndex ?? -1;
    const src = idx >= 0 ? r.sources[idx] : undefined;
    if (src) txt += formatSource({ filename: sourceName ?? src.filename, data: src.data, ranges: w.location?.ranges ?? [] });
  }
  return txt;
}

/** lint.LintResults.ToResult: result.json, result.txt (PrintTo), result.statuscode, version. */
export function lintToResult(r: LintResults): GatewayResult {
  const txt = printLintWarnings(r);
  const status = r.warnings.length > 0 || r.error ? 1 : 0;
  return {
    metadata: {
      "result.json": encoder.encode(goJSONOf(r)),
      "result.txt": encoder.encode(txt),
      "result.statuscode": encoder.encode(String(status)),
      version: encoder.encode("1.0.0"),
    },
  };
}

/** convertllb.Result.ToResult: result.json (already Go's JSON: the converter writes it), version. */
export function convertLLBToResult(json: string): GatewayResult {
  return { metadata: { "result.json": encoder.encode(json), version: encoder.encode("0.1.0") } };
}

function positionJSON(p: { line: number; character: number } | undefined): Record<string, number> | undefined {
  if (!p) return undefined;
  return { ...(p.line !== 0 ? { line: p.line } : {}), ...(p.character !== 0 ? { character: p.character } : {}) };
}

/** A pb.Location as Go's encoding/json writes the generated struct (omitempty on every field). */
export function locationJSONValue(l: PbLocation | undefined): Record<string, unknown> | undefined {
  if (!l) return undefined;
  const ranges = l.ranges.map((r) => ({ start: positionJSON(r.start), end: positionJSON(r.end) }));
  return { ...(l.sourceIndex !== 0 ? { sourceIndex: l.sourceIndex } : {}), ...(ranges.length > 0 ? { ranges } : {}) };
}
