/**
 * Subrequests (`requestid` opt; buildx `--call`), answered as buildkit v0.32.2
 * frontend/dockerui/requests.go and frontend/subrequests/{describe.go,
 * outline/outline.go, targets/targets.go} answer them: metadata `result.json`
 * (Go's json.MarshalIndent of the same structs), `result.txt` (their
 * text/tabwriter tables) and `version`, and no ref. Targets and build args
 * come from what the program declares (`export const targets`, `export const args`).
 */

import { DetailedError, ErrorDetailType } from "../gateway/errdefs.js";
import type { GatewayResult } from "../gateway/types.js";
import { goJSONMarshalIndent, goJSONString } from "../internal/go/json.js";
import { TabWriter } from "../internal/go/tabwriter.js";
import type { ProgramDeclarations } from "./types.js";

export const REQUEST_DESCRIBE = "frontend.subrequests.describe";
export const REQUEST_OUTLINE = "frontend.outline";
export const REQUEST_TARGETS = "frontend.targets";

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
