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
import { TabWriter } from "../internal/go/tabwriter.js";
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

/** pb.Range as the subrequest JSON carries it (1-based lines). */
export interface SubrequestRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** pb.Location: a source (index into `sources`) and ranges in it. */
export interface SubrequestLocation {
  sourceIndex: number;
  ranges: SubrequestRange[];
}

/** protojson-like Go encoding of a pb.Location with Go's `omitempty` tags (zero values left out). */
function locationJson(loc: SubrequestLocation | undefined): unknown {
  if (!loc) return undefined;
  const pos = (p: { line: number; character: number }) => ({ ...(p.line ? { line: p.line } : {}), ...(p.character ? { character: p.character } : {}) });
  return {
    ...(loc.sourceIndex ? { sourceIndex: loc.sourceIndex } : {}),
    ...(loc.ranges.length > 0 ? { ranges: loc.ranges.map((r) => ({ start: pos(r.start), end: pos(r.end) })) } : {}),
  };
}

/** outline.Outline. */
export interface Outline {
  name?: string;
  description?: string;
  args?: { name: string; description?: string; value?: string; location?: SubrequestLocation }[];
  secrets?: { name: string; required?: boolean; location?: SubrequestLocation }[];
  ssh?: { name: string; required?: boolean; location?: SubrequestLocation }[];
  cache?: { ID: string; location?: SubrequestLocation }[];
  /** The source files' bytes. */
  sources?: Uint8Array[];
}

function b64(b: Uint8Array): string {
  return Buffer.from(b).toString("base64");
}

/** outline.Outline.ToResult: result.json, result.txt (PrintOutline), version. */
export function outlineToResult(o: Outline): GatewayResult {
  const nonEmpty = <T>(a: T[] | undefined) => (a && a.length > 0 ? a : undefined);
  const json = {
    name: o.name || undefined,
    description: o.description || undefined,
    args: nonEmpty(o.args)?.map((a) => ({ name: a.name, description: a.description || undefined, value: a.value || undefined, location: locationJson(a.location) })),
    secrets: nonEmpty(o.secrets)?.map((a) => ({ name: a.name, required: a.required || undefined, location: locationJson(a.location) })),
    ssh: nonEmpty(o.ssh)?.map((a) => ({ name: a.name, required: a.required || undefined, location: locationJson(a.location) })),
    cache: nonEmpty(o.cache)?.map((a) => ({ ID: a.ID, location: locationJson(a.location) })),
    sources: nonEmpty(o.sources)?.map(b64),
  };
  let txt = "";
  if (o.name || o.description) {
    const rows = [["TARGET:", o.name || "(default)"]];
    if (o.description) rows.push(["DESCRIPTION:", o.description]);
    txt += alignColumns(rows, 1) + "\n";
  }
  if (o.args && o.args.length > 0) txt += alignColumns([["BUILD ARG", "VALUE", "DESCRIPTION"], ...o.args.map((a) => [a.name, a.value ?? "", a.description ?? ""])], 3) + "\n";
  if (o.secrets && o.secrets.length > 0) txt += alignColumns([["SECRET", "REQUIRED"], ...o.secrets.map((a) => [a.name, a.required ? "true" : ""])], 3) + "\n";
  if (o.ssh && o.ssh.length > 0) txt += alignColumns([["SSH", "REQUIRED"], ...o.ssh.map((a) => [a.name, a.required ? "true" : ""])], 3) + "\n";
  return result(goJSONMarshalIndent(json), txt, OUTLINE.version);
}

/** targets.Target. */
export interface Target {
  name?: string;
  default?: boolean;
  description?: string;
  base?: string;
  platform?: string;
  location?: SubrequestLocation;
}

/** targets.List. */
export interface TargetsList {
  targets: Target[];
  sources: Uint8Array[];
}

/** targets.List.ToResult: result.json, result.txt (PrintTargets), version. */
export function targetsToResult(l: TargetsList): GatewayResult {
  const json = {
    targets: l.targets.map((t) => ({
      name: t.name || undefined,
      default: t.default || undefined,
      description: t.description || undefined,
      base: t.base || undefined,
      platform: t.platform || undefined,
      location: locationJson(t.location),
    })),
    sources: l.sources.map(b64),
  };
  const rows = [["TARGET", "DESCRIPTION"]];
  for (const t of l.targets) {
    const name = !t.name && t.default ? "(default)" : t.default ? `${t.name} (default)` : t.name ?? "";
    rows.push([name, t.description ?? ""]);
  }
  return result(goJSONMarshalIndent(json), alignColumns(rows, 1), TARGETS.version);
}

/** pb.SourceInfo in lint results. */
export interface SubrequestSourceInfo {
  filename: string;
  language: string;
  data: Uint8Array;
  /** The definition's JSON (Go's protojson-compatible encoding), if any. */
  definition?: unknown;
}

/** lint.Warning. */
export interface LintWarning {
  ruleName: string;
  description?: string;
  url?: string;
  detail?: string;
  location?: SubrequestLocation;
}

/** lint.LintResults. */
export interface LintResults {
  warnings: LintWarning[];
  sources: SubrequestSourceInfo[];
  error?: { message: string; location: SubrequestLocation };
}

/** lint.LintResults.ToResult: result.json, result.txt (warnings sorted by file and line), result.statuscode, version. */
export function lintToResult(r: LintResults): GatewayResult {
  const json = {
    warnings: r.warnings.map((w) => ({
      ruleName: w.ruleName,
      description: w.description || undefined,
      url: w.url || undefined,
      detail: w.detail || undefined,
      location: w.location ? { sourceIndex: w.location.sourceIndex, ranges: w.location.ranges } : undefined,
    })),
    sources: r.sources.map((s) => ({ filename: s.filename || undefined, data: s.data.length > 0 ? b64(s.data) : undefined, definition: s.definition, language: s.language || undefined })),
    buildError: r.error ? { message: r.error.message, location: locationJson(r.error.location) ?? {} } : undefined,
  };
  const sorted = [...r.warnings].sort((a, b) => {
    const ia = a.location?.sourceIndex ?? -1;
    const ib = b.location?.sourceIndex ?? -1;
    if (ia < 0 && ib < 0) return a.ruleName < b.ruleName ? -1 : a.ruleName > b.ruleName ? 1 : 0;
    if (ia < 0 || ib < 0) return ia < 0 ? -1 : 1;
    const fa = r.sources[ia]?.filename ?? "";
    const fb = r.sources[ib]?.filename ?? "";
    if (fa !== fb) return fa < fb ? -1 : 1;
    const ra = a.location?.ranges ?? [];
    const rb = b.location?.ranges ?? [];
    if (ra.length === 0 && rb.length === 0) return a.ruleName < b.ruleName ? -1 : a.ruleName > b.ruleName ? 1 : 0;
    if (ra.length === 0 || rb.length === 0) return ra.length === 0 ? -1 : 1;
    return ra[0]!.start.line - rb[0]!.start.line;
  });
  let txt = "";
  for (const w of sorted) {
    txt += `\nWARNING: ${w.ruleName}`;
    if (w.url) txt += ` - ${w.url}`;
    txt += `\n${w.detail ?? ""}\n`;
    const idx = w.location?.sourceIndex ?? -1;
    const src = idx >= 0 ? r.sources[idx] : undefined;
    if (src) txt += formatSource({ filename: src.filename, data: src.data, ranges: w.location?.ranges ?? [] });
  }
  const status = r.warnings.length > 0 || r.error ? 1 : 0;
  return {
    metadata: {
      "result.json": encoder.encode(goJSONMarshalIndent(json)),
      "result.txt": encoder.encode(txt),
      "result.statuscode": encoder.encode(String(status)),
      version: encoder.encode("1.0.0"),
    },
  };
}

/** convertllb.Result.ToResult: result.json (the ops and metadata by digest, and the source map), version. */
export function convertLLBToResult(json: unknown): GatewayResult {
  return { metadata: { "result.json": encoder.encode(goJSONMarshalIndent(json)), version: encoder.encode("0.1.0") } };
}
