/**
 * A source policy read from JSON, as buildctl v0.32.2's `--source-policy-file`
 * does (cmd/buildctl/build.go: `json.Unmarshal` into sourcepolicy/pb.Policy,
 * enums per sourcepolicy/pb/json.go), for `SolveRequest.SourcePolicy`.
 *
 * Like Go's encoding/json: object keys match field names case-insensitively
 * (`match_type` is the JSON name of `Selector.match_type`), unknown keys are
 * ignored, `null` leaves a field unset; enums are their names (`"CONVERT"`) or
 * numbers. A value of the wrong type is an error naming the field.
 */

import { readFileSync } from "node:fs";
import { TsfError, ErrorCode } from "../errors.js";
import type { moby } from "../proto/index.js";

type Policy = moby.buildkit.v1.sourcepolicy.Policy.$Properties;
type Rule = moby.buildkit.v1.sourcepolicy.Rule.$Properties;

const POLICY_ACTION: Record<string, number> = { ALLOW: 0, DENY: 1, CONVERT: 2 };
const MATCH_TYPE: Record<string, number> = { WILDCARD: 0, EXACT: 1, REGEX: 2 };
const ATTR_MATCH: Record<string, number> = { EQUAL: 0, NOTEQUAL: 1, MATCHES: 2 };

/** The source policy file is unreadable or not a policy. */
export class SourcePolicyError extends TsfError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(ErrorCode.Usage, message, { ...options, flag: "--source-policy-file" });
  }
}

type Obj = Record<string, unknown>;

/** Go's field lookup: exact key first, else a case-insensitive match. */
function field(o: Obj, name: string): unknown {
  if (name in o) return o[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(o)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function object(v: unknown, where: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw new Error(`${where}: want an object`);
  return v as Obj;
}

function array(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`${where}: want an array`);
  return v;
}

function str(v: unknown, where: string): string {
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw new Error(`${where}: want a string`);
  return v;
}

function enumValue(v: unknown, names: Record<string, number>, enumName: string, where: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === "string") {
    const n = names[v];
    if (n === undefined) throw new Error(`${where}: unrecognized enum ${enumName} value ${JSON.stringify(v)}`);
    return n;
  }
  if (typeof v === "number" && Number.isInteger(v) && Object.values(names).includes(v)) return v;
  throw new Error(`${where}: invalid ${enumName} value: ${JSON.stringify(v)}`);
}

function rule(v: unknown, where: string): Rule {
  const o = object(v, where) ?? {};
  const out: Rule = { action: enumValue(field(o, "action"), POLICY_ACTION, "PolicyAction", `${where}.action`) };
  const sel = object(field(o, "selector"), `${where}.selector`);
  if (sel) {
    out.selector = {
      identifier: str(field(sel, "identifier"), `${where}.selector.identifier`),
      match_type: enumValue(field(sel, "match_type"), MATCH_TYPE, "MatchType", `${where}.selector.match_type`),
      constraints: array(field(sel, "constraints"), `${where}.selector.constraints`).map((c, i) => {
        const w = `${where}.selector.constraints[${i}]`;
        const co = object(c, w) ?? {};
        return { key: str(field(co, "key"), `${w}.key`), value: str(field(co, "value"), `${w}.value`), condition: enumValue(field(co, "condition"), ATTR_MATCH, "AttrMatch", `${w}.condition`) };
      }),
    };
  }
  const upd = object(field(o, "updates"), `${where}.updates`);
  if (upd) {
    const attrs: Record<string, string> = {};
    for (const [k, a] of Object.entries(object(field(upd, "attrs"), `${where}.updates.attrs`) ?? {})) attrs[k] = str(a, `${where}.updates.attrs.${k}`);
    out.updates = { identifier: str(field(upd, "identifier"), `${where}.updates.identifier`), attrs };
  }
  return out;
}

/** Parses a source policy document (the JSON of sourcepolicy/pb.Policy). */
export function parseSourcePolicy(text: string): Policy {
  const doc = object(JSON.parse(text) as unknown, "policy") ?? {};
  const version = field(doc, "version");
  if (version !== undefined && version !== null && !(typeof version === "number" && Number.isSafeInteger(version))) throw new Error("version: want an integer");
  return { version: typeof version === "number" ? version : 0, rules: array(field(doc, "rules"), "rules").map((r, i) => rule(r, `rules[${i}]`)) };
}

/** Reads and parses `--source-policy-file FILE`; errors name the file, as buildctl's do. */
export function loadSourcePolicyFile(file: string): Policy {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new SourcePolicyError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`, { cause: err });
  }
  try {
    return parseSourcePolicy(text);
  } catch (err) {
    throw new SourcePolicyError(`failed to unmarshal source-policy-file ${JSON.stringify(file)}: ${(err as Error).message}`, { cause: err });
  }
}
