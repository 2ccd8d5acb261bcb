/**
 * Reading an OCI image config the way Go's `State.WithImageConfig` does:
 * `json.Unmarshal` into image-spec v1.1.1's `ocispec.Image`, then taking
 * `config.Env`, `config.WorkingDir` and the platform fields. Go's decoder
 * rules that can change the outcome are kept: keys match field names case
 * insensitively (later keys win), `null` leaves a field alone, and a value of
 * the wrong type anywhere in the known schema makes the whole call fail.
 */

import { LlbError } from "../errors.js";
import { goJSONString } from "../internal/go/json.js";
import { compareUtf8 } from "../internal/go/utf8.js";
import type { Platform } from "./platform.js";

type Schema =
  | "string"
  | "bool"
  | "time"
  | "int"
  | "duration"
  | "struct{}"
  | { array: Schema }
  | { map: Schema }
  | { struct: Readonly<Record<string, Schema>>; name: string; embed?: Readonly<Record<string, Embedded>> };

/** Where Go's error messages place a field promoted from an embedded struct: the owning struct and the embedded names before it. */
interface Embedded {
  owner: string;
  prefix: readonly string[];
}

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

const healthcheckSchema: Schema = {
  name: "HealthcheckConfig",
  struct: {
    Test: { array: "string" },
    Interval: "duration",
    Timeout: "duration",
    StartPeriod: "duration",
    StartInterval: "duration",
    Retries: "int",
  },
};

// docker-image-spec's DockerOCIImageConfig: the OCI fields plus Healthcheck, OnBuild and Shell.
const dockerImageConfigSchema: Schema = {
  name: "DockerOCIImageConfig",
  struct: {
    ...imageConfigSchema.struct,
    Healthcheck: healthcheckSchema,
    OnBuild: { array: "string" },
    Shell: { array: "string" },
  },
  embed: Object.fromEntries([
    ...Object.keys(imageConfigSchema.struct).map((k) => [k, { owner: "DockerOCIImageConfig", prefix: ["ImageConfig"] }]),
    ...["Healthcheck", "OnBuild", "Shell"].map((k) => [k, { owner: "DockerOCIImageConfig", prefix: ["DockerOCIImageConfigExt"] }]),
  ]),
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

const dockerImageSchema: Schema = {
  name: "DockerOCIImage",
  struct: { ...imageSchema.struct, config: dockerImageConfigSchema },
  embed: {
    created: { owner: "DockerOCIImage", prefix: ["Image"] },
    author: { owner: "DockerOCIImage", prefix: ["Image"] },
    architecture: { owner: "DockerOCIImage", prefix: ["Image", "Platform"] },
    os: { owner: "DockerOCIImage", prefix: ["Image", "Platform"] },
    "os.version": { owner: "DockerOCIImage", prefix: ["Image", "Platform"] },
    "os.features": { owner: "DockerOCIImage", prefix: ["Image", "Platform"] },
    variant: { owner: "DockerOCIImage", prefix: ["Image", "Platform"] },
    rootfs: { owner: "DockerOCIImage", prefix: ["Image"] },
    history: { owner: "DockerOCIImage", prefix: ["Image"] },
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
    if (schema === "int" || schema === "duration") {
      const goType = schema === "int" ? "int" : "time.Duration";
      if (c === '"' || c === "[" || c === "{" || c === "t" || c === "f") return this.typeError(this.kindOf(c), where, goType);
      const start = this.i;
      this.skip();
      const lit = this.s.slice(start, this.i);
      if (!/^-?\d+$/.test(lit) || !Number.isSafeInteger(Number(lit))) {
        this.firstError ??= `json: cannot unmarshal number ${lit} into Go struct field ${where.struct}.${where.path.join(".")} of type ${goType}`;
        return undefined;
      }
      return Number(lit);
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
        const e = schema.embed?.[f];
        const v = this.value(schema.struct[f]!, { struct: e?.owner ?? schema.name, path: e ? [...where.path, ...e.prefix, f] : [...where.path, f] });
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
  if (typeof s === "string") return s === "time" ? "time.Time" : s === "duration" ? "time.Duration" : s === "struct{}" ? "struct {}" : s;
  if ("array" in s) return "[]" + schemaName(s.array);
  if ("map" in s) return "map[string]" + schemaName(s.map);
  return "v1." + s.name;
}

function zero(s: Schema): unknown {
  return s === "string" ? "" : s === "bool" ? false : s === "int" || s === "duration" ? 0 : undefined;
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

/** Validates JSON text as encoding/json does, then decodes what `schema` names into Maps (undefined for null). */
function decodeImageJSON(config: Uint8Array | string, schema: Schema & { name: string }): Map<string, unknown> | undefined {
  const text = typeof config === "string" ? config : new TextDecoder("utf-8", { ignoreBOM: true }).decode(config);
  try {
    JSON.parse(text);
  } catch (e) {
    throw new LlbError(`invalid image config: ${(e as Error).message}`, { cause: e });
  }
  if (!checkDepth(text)) throw new LlbError("invalid image config: exceeded max depth");
  const r = new Reader(text);
  const img = r.value(schema, { struct: schema.name, path: [] }) as Map<string, unknown> | undefined;
  if (r.firstError !== undefined) throw new LlbError(r.firstError);
  return img;
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
  const img = decodeImageJSON(config, imageSchema as Schema & { name: string });
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

// ---------------------------------------------------------------------------
// The whole image config document (moby/docker-image-spec v1.3.1 DockerOCIImage).

/** One history entry (image-spec `History`); `created` is kept as the RFC 3339 text. */
export interface ImageHistory {
  created?: string;
  createdBy: string;
  author: string;
  comment: string;
  emptyLayer: boolean;
}

/** Docker's HEALTHCHECK config; durations in nanoseconds. */
export interface HealthcheckConfig {
  test: string[] | undefined;
  interval: number;
  timeout: number;
  startPeriod: number;
  startInterval: number;
  retries: number;
}

/** `config` of the image JSON: OCI ImageConfig plus Docker's Healthcheck, OnBuild, Shell. */
export interface DockerOCIImageConfig {
  user: string;
  exposedPorts: Set<string> | undefined;
  env: string[] | undefined;
  entrypoint: string[] | undefined;
  cmd: string[] | undefined;
  volumes: Set<string> | undefined;
  workingDir: string;
  labels: Map<string, string> | undefined;
  stopSignal: string;
  argsEscaped: boolean;
  healthcheck: HealthcheckConfig | undefined;
  onBuild: string[] | undefined;
  shell: string[] | undefined;
}

/**
 * The image config JSON as Go's `dockerspec.DockerOCIImage`: zero values are
 * "" / false / 0, nil slices and maps are undefined (the JSON form leaves them out).
 */
export interface DockerOCIImage {
  created: string | undefined;
  author: string;
  architecture: string;
  os: string;
  osVersion: string;
  osFeatures: string[] | undefined;
  variant: string;
  config: DockerOCIImageConfig;
  rootFS: { type: string; diffIDs: string[] | undefined };
  history: ImageHistory[] | undefined;
}

/** Gives image values Go's JSON form under JSON.stringify. */
const dockerOCIImageProto = {
  toJSON(this: DockerOCIImage): unknown {
    return JSON.parse(marshalDockerOCIImage(this));
  },
};

function withImageProto(img: DockerOCIImage): DockerOCIImage {
  return Object.setPrototypeOf(img, dockerOCIImageProto) as DockerOCIImage;
}

/** A zero DockerOCIImage (Go's `dockerspec.DockerOCIImage{}`); `JSON.stringify` of it gives Go's json.Marshal form. */
export function newDockerOCIImage(): DockerOCIImage {
  return withImageProto({
    created: undefined,
    author: "",
    architecture: "",
    os: "",
    osVersion: "",
    osFeatures: undefined,
    variant: "",
    config: {
      user: "",
      exposedPorts: undefined,
      env: undefined,
      entrypoint: undefined,
      cmd: undefined,
      volumes: undefined,
      workingDir: "",
      labels: undefined,
      stopSignal: "",
      argsEscaped: false,
      healthcheck: undefined,
      onBuild: undefined,
      shell: undefined,
    },
    rootFS: { type: "", diffIDs: undefined },
    history: undefined,
  });
}

/** The image's platform fields (Go's embedded `ocispecs.Platform`). */
export function imagePlatform(img: DockerOCIImage): Platform {
  const p: { -readonly [K in keyof Platform]: Platform[K] } = { os: img.os, architecture: img.architecture };
  if (img.variant) p.variant = img.variant;
  if (img.osVersion) p.osVersion = img.osVersion;
  if (img.osFeatures) p.osFeatures = [...img.osFeatures];
  return p;
}

function strs(v: unknown): string[] | undefined {
  return v === undefined ? undefined : [...(v as string[])];
}

function keySet(v: unknown): Set<string> | undefined {
  return v === undefined ? undefined : new Set((v as Map<string, unknown>).keys());
}

/**
 * Go's `json.Unmarshal(dt, &dockerspec.DockerOCIImage{})`: unknown keys are
 * dropped, keys match case-insensitively, a wrong type anywhere fails.
 * Throws LlbError with encoding/json's message.
 */
export function parseDockerOCIImage(dt: Uint8Array | string): DockerOCIImage {
  const m = decodeImageJSON(dt, dockerImageSchema as Schema & { name: string });
  const img = newDockerOCIImage();
  if (!m) return img;
  const str = (mm: Map<string, unknown> | undefined, k: string) => (mm?.get(k) as string | undefined) ?? "";
  img.created = m.get("created") as string | undefined;
  img.author = str(m, "author");
  img.architecture = str(m, "architecture");
  img.os = str(m, "os");
  img.osVersion = str(m, "os.version");
  img.osFeatures = strs(m.get("os.features"));
  img.variant = str(m, "variant");
  const c = m.get("config") as Map<string, unknown> | undefined;
  if (c) {
    const cfg = img.config;
    cfg.user = str(c, "User");
    cfg.exposedPorts = keySet(c.get("ExposedPorts"));
    cfg.env = strs(c.get("Env"));
    cfg.entrypoint = strs(c.get("Entrypoint"));
    cfg.cmd = strs(c.get("Cmd"));
    cfg.volumes = keySet(c.get("Volumes"));
    cfg.workingDir = str(c, "WorkingDir");
    const labels = c.get("Labels") as Map<string, string> | undefined;
    cfg.labels = labels === undefined ? undefined : new Map(labels);
    cfg.stopSignal = str(c, "StopSignal");
    cfg.argsEscaped = (c.get("ArgsEscaped") as boolean | undefined) ?? false;
    const h = c.get("Healthcheck") as Map<string, unknown> | undefined;
    if (h) {
      const num = (k: string) => (h.get(k) as number | undefined) ?? 0;
      cfg.healthcheck = {
        test: strs(h.get("Test")),
        interval: num("Interval"),
        timeout: num("Timeout"),
        startPeriod: num("StartPeriod"),
        startInterval: num("StartInterval"),
        retries: num("Retries"),
      };
    }
    cfg.onBuild = strs(c.get("OnBuild"));
    cfg.shell = strs(c.get("Shell"));
  }
  const r = m.get("rootfs") as Map<string, unknown> | undefined;
  if (r) img.rootFS = { type: str(r, "type"), diffIDs: strs(r.get("diff_ids")) };
  const hist = m.get("history") as (Map<string, unknown> | undefined)[] | undefined;
  if (hist) {
    img.history = hist.map((e) => {
      const h: ImageHistory = { createdBy: str(e, "created_by"), author: str(e, "author"), comment: str(e, "comment"), emptyLayer: (e?.get("empty_layer") as boolean | undefined) ?? false };
      const created = e?.get("created") as string | undefined;
      if (created !== undefined) h.created = created;
      return h;
    });
  }
  return img;
}

/** A copy as Go's dockerfile2llb `clone` makes it: every slice and map is copied (history entries are shared values). */
export function cloneDockerOCIImage(src: DockerOCIImage): DockerOCIImage {
  const c = src.config;
  return withImageProto({
    ...src,
    osFeatures: src.osFeatures && [...src.osFeatures],
    config: {
      ...c,
      exposedPorts: c.exposedPorts && new Set(c.exposedPorts),
      env: c.env && [...c.env],
      entrypoint: c.entrypoint && [...c.entrypoint],
      cmd: c.cmd && [...c.cmd],
      volumes: c.volumes && new Set(c.volumes),
      labels: c.labels && new Map(c.labels),
      healthcheck: c.healthcheck && { ...c.healthcheck, test: c.healthcheck.test && [...c.healthcheck.test] },
      onBuild: c.onBuild && [...c.onBuild],
      shell: c.shell && [...c.shell],
    },
    rootFS: { type: src.rootFS.type, diffIDs: src.rootFS.diffIDs && [...src.rootFS.diffIDs] },
    // History entries are values nobody changes once appended: the list is copied, not each entry.
    history: src.history && [...src.history],
  });
}

/**
 * Go's time.Time JSON form of an RFC 3339 text it parsed (RFC3339Nano: the
 * fraction without trailing zeros, "Z" for a zero offset).
 */
export function goTimeJSON(t: string): string {
  const m = rfc3339Re.exec(t);
  if (!m) return t;
  let frac = (m[7] ?? "").slice(1).replace(/0+$/, "");
  if (frac.length > 9) frac = frac.slice(0, 9).replace(/0+$/, "");
  const zone = m[8] === "Z" || m[9] === undefined || (Number(m[9]) === 0 && Number(m[10]) === 0) ? "Z" : m[8]!;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${frac ? "." + frac : ""}${zone}`;
}

/** Go's RFC3339Nano text of a Date in UTC (what `time.Unix(n, 0).UTC()` marshals to). */
export function goTimeFromDate(d: Date): string {
  return d.toISOString().replace(/\.000Z$/, "Z").replace(/(\.\d*?)0+Z$/, "$1Z");
}

function jsonStrings(a: readonly string[]): string {
  return "[" + a.map(goJSONString).join(",") + "]";
}

function jsonKeySet(s: ReadonlySet<string>): string {
  return "{" + [...s].sort(compareUtf8).map((k) => goJSONString(k) + ":{}").join(",") + "}";
}

/** Go's `json.Marshal` of a DockerOCIImage: field order and omitempty as Go, map keys sorted. */
export function marshalDockerOCIImage(img: DockerOCIImage): string {
  const f: string[] = [];
  if (img.created !== undefined) f.push(`"created":${goJSONString(goTimeJSON(img.created))}`);
  if (img.author) f.push(`"author":${goJSONString(img.author)}`);
  f.push(`"architecture":${goJSONString(img.architecture)}`);
  f.push(`"os":${goJSONString(img.os)}`);
  if (img.osVersion) f.push(`"os.version":${goJSONString(img.osVersion)}`);
  if (img.osFeatures && img.osFeatures.length > 0) f.push(`"os.features":${jsonStrings(img.osFeatures)}`);
  if (img.variant) f.push(`"variant":${goJSONString(img.variant)}`);
  const r = img.rootFS;
  f.push(`"rootfs":{"type":${goJSONString(r.type)},"diff_ids":${r.diffIDs ? jsonStrings(r.diffIDs) : "null"}}`);
  if (img.history && img.history.length > 0) {
    const hs = img.history.map((h) => {
      const hf: string[] = [];
      if (h.created !== undefined) hf.push(`"created":${goJSONString(goTimeJSON(h.created))}`);
      if (h.createdBy) hf.push(`"created_by":${goJSONString(h.createdBy)}`);
      if (h.author) hf.push(`"author":${goJSONString(h.author)}`);
      if (h.comment) hf.push(`"comment":${goJSONString(h.comment)}`);
      if (h.emptyLayer) hf.push(`"empty_layer":true`);
      return "{" + hf.join(",") + "}";
    });
    f.push(`"history":[${hs.join(",")}]`);
  }
  const c = img.config;
  const cf: string[] = [];
  if (c.user) cf.push(`"User":${goJSONString(c.user)}`);
  if (c.exposedPorts && c.exposedPorts.size > 0) cf.push(`"ExposedPorts":${jsonKeySet(c.exposedPorts)}`);
  if (c.env && c.env.length > 0) cf.push(`"Env":${jsonStrings(c.env)}`);
  if (c.entrypoint && c.entrypoint.length > 0) cf.push(`"Entrypoint":${jsonStrings(c.entrypoint)}`);
  if (c.cmd && c.cmd.length > 0) cf.push(`"Cmd":${jsonStrings(c.cmd)}`);
  if (c.volumes && c.volumes.size > 0) cf.push(`"Volumes":${jsonKeySet(c.volumes)}`);
  if (c.workingDir) cf.push(`"WorkingDir":${goJSONString(c.workingDir)}`);
  if (c.labels && c.labels.size > 0) {
    const keys = [...c.labels.keys()].sort(compareUtf8);
    cf.push(`"Labels":{${keys.map((k) => goJSONString(k) + ":" + goJSONString(c.labels!.get(k)!)).join(",")}}`);
  }
  if (c.stopSignal) cf.push(`"StopSignal":${goJSONString(c.stopSignal)}`);
  if (c.argsEscaped) cf.push(`"ArgsEscaped":true`);
  if (c.healthcheck) {
    const h = c.healthcheck;
    const hf: string[] = [];
    if (h.test && h.test.length > 0) hf.push(`"Test":${jsonStrings(h.test)}`);
    if (h.interval) hf.push(`"Interval":${h.interval}`);
    if (h.timeout) hf.push(`"Timeout":${h.timeout}`);
    if (h.startPeriod) hf.push(`"StartPeriod":${h.startPeriod}`);
    if (h.startInterval) hf.push(`"StartInterval":${h.startInterval}`);
    if (h.retries) hf.push(`"Retries":${h.retries}`);
    cf.push(`"Healthcheck":{${hf.join(",")}}`);
  }
  if (c.onBuild && c.onBuild.length > 0) cf.push(`"OnBuild":${jsonStrings(c.onBuild)}`);
  if (c.shell && c.shell.length > 0) cf.push(`"Shell":${jsonStrings(c.shell)}`);
  f.push(`"config":{${cf.join(",")}}`);
  return "{" + f.join(",") + "}";
}
