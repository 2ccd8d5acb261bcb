/**
 * Reading an OCI image config the way Go's `State.WithImageConfig` does:
 * `json.Unmarshal` into image-spec v1.1.1's `ocispec.Image`, then taking
 * `config.Env`, `config.WorkingDir` and the platform fields. Go's decoder
 * rules that can change the outcome are kept: keys match field names case
 * insensitively (later keys win), `null` leaves a field alone, and a value of
 * the wrong type anywhere in the known schema makes the whole call fail.
 */

import { LlbError } from "../errors.js";

type Schema =
  | "string"
  | "bool"
  | "time"
  | "struct{}"
  | { array: Schema }
  | { map: Schema }
  | { struct: Readonly<Record<string, Schema>>; name: string };

const historySchema: Schema = {
  name: "History",
  struct: { created: "time", created_by: "string", author: "string", comment: "string", empty_layer: "bool" },
};

const imageConfigSchema: Schema = {
  name: "ImageConfig",
  struct: {
    User: "string",
    ExposedPorts: { map: "struct{}" },
    Env: { array: "string" },
    Entrypoint: { array: "string" },
    Cmd: { array: "string" },
    Volumes: { map: "struct{}" },
    WorkingDir: "string",
    Labels: { map: "string" },
    StopSignal: "string",
    ArgsEscaped: "bool",
  },
};

const imageSchema: Schema = {
  name: "Image",
  struct: {
    created: "time",
    author: "string",
    architecture: "string",
    os: "string",
    "os.version": "string",
    "os.features": { array: "string" },
    variant: "string",
    config: imageConfigSchema,
    rootfs: { name: "RootFS", struct: { type: "string", diff_ids: { array: "string" } } },
    history: { array: historySchema },
  },
};

/** encoding/json's `foldName` for the runes that can fold onto ASCII letters. */
function foldName(s: string): string {
  let out = "";
  for (const ch of s) {
    if (ch === "\u212a") out += "K";
    else if (ch === "\u017f") out += "S";
    else if (ch >= "a" && ch <= "z") out += ch.toUpperCase();
    else out += ch;
  }
  return out;
}

const foldedFields = new WeakMap<object, Map<string, string>>();

function fieldFor(schema: { struct: Readonly<Record<string, Schema>> }, key: string): string | undefined {
  if (Object.hasOwn(schema.struct, key)) return key;
  let m = foldedFields.get(schema);
  if (!m) {
    m = new Map();
    for (const k of Object.keys(schema.struct)) m.set(foldName(k), k);
    foldedFields.set(schema, m);
  }
  return m.get(foldName(key));
}

// time.Time.UnmarshalJSON's strict RFC 3339 (checked against Go 1.26): upper-case T and Z,
// "." or "," before the fraction, zone offset hour <= 24 and minute <= 60.
const rfc3339Re = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})([.,]\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

function validTime(s: string): boolean {
  const m = rfc3339Re.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 59) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
  if (d < 1 || d > days) return false;
  if (m[9] !== undefined && (Number(m[9]) > 24 || Number(m[10]) > 60)) return false;
  return true;
}

const maxNestingDepth = 10000;

/** Where a value sits, for Go-style type error messages. */
interface Where {
  struct: string;
  path: readonly string[];
}

/** A cursor over already-validated JSON text that decodes only what the schema names. */
class Reader {
  i = 0;
  firstError: string | undefined;
  constructor(private readonly s: string) {}

  ws(): void {
    const s = this.s;
    while (this.i < s.length && (s[this.i] === " " || s[this.i] === "\t" || s[this.i] === "\n" || s[this.i] === "\r")) this.i++;
  }

  peek(): string {
    this.ws();
    return this.s[this.i]!;
  }

  string(): string {
    const s = this.s;
    const start = this.i;
    this.i++;
    while (s[this.i] !== '"') this.i += s[this.i] === "\\" ? 2 : 1;
    this.i++;
    return JSON.parse(s.slice(start, this.i)) as string;
  }

  /** Skips one value without recursion. */
  skip(): void {
    const s = this.s;
    let depth = 0;
    do {
      const c = this.peek();
      if (c === '"') this.string();
      else if (c === "[" || c === "{") {
        depth++;
        this.i++;
      } else if (c === "]" || c === "}") {
        depth--;
        this.i++;
      } else if (c === "," || c === ":") this.i++;
      else while (this.i < s.length && !",]} \t\n\r".includes(s[this.i]!)) this.i++;
    } while (depth > 0);
  }

  typeError(kind: string, where: Where, want: string): void {
    const at = where.path.length === 0 ? "value" : `struct field ${where.struct}.${where.path.join(".")}`;
    this.firstError ??= `json: cannot unmarshal ${kind} into Go ${at} of type ${want}`;
    this.skip();
  }

  kindOf(c: string): string {
    if (c === '"') return "string";
    if (c === "[") return "array";
    if (c === "{") return "object";
    if (c === "t" || c === "f") return "bool";
    return "number";
  }

  /** Decodes a value into `schema`; returns undefined for null (Go leaves the field unchanged). */
  value(schema: Schema, where: Where): unknown {
    const c = this.peek();
    if (c === "n") {
      this.i += 4;
      return undefined;
    }
    if (schema === "string" || schema === "time") {
      if (c !== '"') return this.typeError(this.kindOf(c), where, schema === "time" ? "time.Time" : "string");
      const v = this.string();
      if (schema === "time" && !validTime(v)) {
        this.firstError ??= `parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)}`;
      }
      return v;
    }
    if (schema === "bool") {
      if (c !== "t" && c !== "f") return this.typeError(this.kindOf(c), where, "bool");
      this.i += c === "t" ? 4 : 5;
      return c === "t";
    }
    if (schema === "struct{}") {
      if (c !== "{") return this.typeError(this.kindOf(c), where, "struct {}");
      this.skip();
      return {};
    }
    if ("array" in schema) {
      if (c !== "[") return this.typeError(this.kindOf(c), where, "[]" + schemaName(schema.array));
      this.i++;
      const out: unknown[] = [];
      if (this.peek() === "]") {
        this.i++;
        return out;
      }
      for (;;) {
        out.push(this.value(schema.array, where) ?? zero(schema.array));
        const d = this.peek();
        this.i++;
        if (d === "]") return out;
      }
    }
    if ("map" in schema) {
      if (c !== "{") return this.typeError(this.kindOf(c), where, "map[string]" + schemaName(schema.map));
      this.i++;
      const out = new Map<string, unknown>();
      if (this.peek() === "}") {
        this.i++;
        return out;
      }
      for (;;) {
        this.peek();
        const k = this.string();
        this.peek();
        this.i++; // ':'
        out.set(k, this.value(schema.map, { struct: where.struct, path: [...where.path, k] }) ?? zero(schema.map));
        const d = this.peek();
        this.i++;
        if (d === "}") return out;
      }
    }
    if (c !== "{") return this.typeError(this.kindOf(c), where, "v1." + schema.name);
    this.i++;
    const out = new Map<string, unknown>();
    if (this.peek() === "}") {
      this.i++;
      return out;
    }
    for (;;) {
      this.peek();
      const k = this.string();
      this.peek();
      this.i++; // ':'
      const f = fieldFor(schema, k);
      if (f === undefined) this.skip();
      else {
        const v = this.value(schema.struct[f]!, { struct: schema.name, path: [...where.path, f] });
        // Go decodes into the existing value: null keeps it, a struct merges into it.
        if (v !== undefined) {
          const prev = out.get(f);
          if (prev instanceof Map && v instanceof Map && typeof schema.struct[f] === "object" && "struct" in schema.struct[f]!) {
            for (const [kk, vv] of v) prev.set(kk, vv);
          } else out.set(f, v);
        }
      }
      const d = this.peek();
      this.i++;
      if (d === "}") return out;
    }
  }
}

function schemaName(s: Schema): string {
  if (typeof s === "string") return s === "time" ? "time.Time" : s === "struct{}" ? "struct {}" : s;
  if ("array" in s) return "[]" + schemaName(s.array);
  if ("map" in s) return "map[string]" + schemaName(s.map);
  return "v1." + s.name;
}

function zero(s: Schema): unknown {
  return s === "string" ? "" : s === "bool" ? false : undefined;
}

function checkDepth(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      for (i++; s[i] !== '"'; i++) if (s[i] === "\\") i++;
    } else if (c === "[" || c === "{") {
      if (++depth > maxNestingDepth) return false;
    } else if (c === "]" || c === "}") depth--;
  }
  return true;
}

/** What `WithImageConfig` takes from an image config. */
export interface ImageConfigValues {
  /** `config.Env` entries split at the first `=`, in order; entries with an empty key dropped. */
  env: [string, string][];
  workingDir: string;
  /** Set only when both `os` and `architecture` are non-empty. */
  platform?: { os: string; architecture: string; variant?: string; osVersion?: string; osFeatures?: string[] };
}

/** Decodes an image config as Go's `WithImageConfig` does; throws LlbError where Go returns an error. */
export function readImageConfig(config: Uint8Array | string): ImageConfigValues {
  const text = typeof config === "string" ? config : new TextDecoder("utf-8", { ignoreBOM: true }).decode(config);
  try {
    JSON.parse(text);
  } catch (e) {
    throw new LlbError(`invalid image config: ${(e as Error).message}`, { cause: e });
  }
  if (!checkDepth(text)) throw new LlbError("invalid image config: exceeded max depth");
  const r = new Reader(text);
  const img = r.value(imageSchema, { struct: "Image", path: [] }) as Map<string, unknown> | undefined;
  if (r.firstError !== undefined) throw new LlbError(r.firstError);
  const out: ImageConfigValues = { env: [], workingDir: "" };
  if (!img) return out;
  const cfg = img.get("config") as Map<string, unknown> | undefined;
  for (const e of (cfg?.get("Env") as string[] | undefined) ?? []) {
    const eq = e.indexOf("=");
    const k = eq < 0 ? e : e.slice(0, eq);
    if (k.length > 0) out.env.push([k, eq < 0 ? "" : e.slice(eq + 1)]);
  }
  out.workingDir = (cfg?.get("WorkingDir") as string | undefined) ?? "";
  const os = (img.get("os") as string | undefined) ?? "";
  const architecture = (img.get("architecture") as string | undefined) ?? "";
  if (os !== "" && architecture !== "") {
    const p: NonNullable<ImageConfigValues["platform"]> = { os, architecture };
    const variant = img.get("variant") as string | undefined;
    const osVersion = img.get("os.version") as string | undefined;
    const osFeatures = img.get("os.features") as string[] | undefined;
    if (variant) p.variant = variant;
    if (osVersion) p.osVersion = osVersion;
    if (osFeatures) p.osFeatures = [...osFeatures];
    out.platform = p;
  }
  return out;
}
