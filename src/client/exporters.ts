/**
 * `--output`, `--export-cache` and `--import-cache` as buildctl v0.32.2
 * parses them (cmd/buildctl/build/output.go, exportcache.go, importcache.go,
 * util.go; client/solve.go's checks), turned into what `solve()` takes.
 *
 * - Values are one CSV record, split exactly like buildctl's
 *   `tonistiigi/go-csvvalue` (a single-line `encoding/csv`: `"` quoting, `""`
 *   for a quote, no bare quotes, no lazy quotes, no space trimming, a
 *   trailing newline ignored). Each field is `key=value`, split at the first
 *   `=`; keys are lower-cased; `type` is required; the last duplicate wins.
 * - `dest` becomes a client-side target and is removed from the attrs (only
 *   when a target was made, as output.go does); every other key goes to the
 *   daemon verbatim. `dest=-` or no `dest` on tar/oci/docker means stdout,
 *   refused when stdout is a terminal.
 * - buildx's shorthands: `-o <dir>` = `type=local,dest=<dir>`, `-o -` =
 *   `type=tar,dest=-` (buildx util/buildflags/export.go). Unlike buildx, a
 *   lone value containing `=` is not taken as a directory name (so
 *   `-o dest=out` gets "requires type=<type>" instead of a dir `dest=out`).
 */

import { existsSync, statSync } from "node:fs";
import * as path from "node:path";
import { UsageError } from "../errors.js";
import { fileSendService, type FileSendOptions, type FileSendService, type FileSendTarget } from "./session/file-send.js";
import type { SessionService } from "./session/service.js";
import type { CacheEntry, ExportEntry } from "./solve.js";
import { parseBool } from "../internal/go/strconv.js";

export type { FileSendTarget, ExportedOutput } from "./session/file-send.js";

const OUTPUT_FORMS =
  "type=local,dest=<dir> | type=tar,dest=<file>|- | type=oci|docker,dest=<file>|- | type=image,name=<ref>[,push=true] | <dir> | -";
const EXPORT_CACHE_FORMS = "type=registry,ref=<ref>[,mode=min|max] | type=inline | type=local,dest=<dir> | type=gha|s3|azblob,... | <ref>";
const IMPORT_CACHE_FORMS = "type=registry,ref=<ref> | type=local,src=<dir> | type=gha|s3|azblob,... | <ref>";

/** A CSV syntax error, worded as Go's `csv.ParseError`. */
export class CsvError extends Error {
  constructor(
    readonly column: number,
    readonly reason: string,
  ) {
    super(reason === "EOF" ? "EOF" : `parse error on line 1, column ${column}: ${reason}`);
    this.name = "CsvError";
  }
}

/** Splits one CSV record exactly like `csvvalue.Fields(s, nil)` (go-csvvalue, the parser buildctl uses). */
export function parseCsvFields(input: string): string[] {
  let line = input;
  if (line.endsWith("\r\n")) line = line.slice(0, -2);
  else if (line.endsWith("\n")) line = line.slice(0, -1);
  if (line.length === 0) throw new CsvError(0, "EOF");
  const out: string[] = [];
  // Columns are 1-based byte offsets, as Go reports them.
  const bytePos = (i: number) => Buffer.byteLength(line.slice(0, i), "utf8");
  let pos = 0;
  for (;;) {
    if (pos >= line.length || line[pos] !== '"') {
      const comma = line.indexOf(",", pos);
      const field = comma >= 0 ? line.slice(pos, comma) : line.slice(pos);
      const q = field.indexOf('"');
      if (q >= 0) throw new CsvError(bytePos(pos + q) + 1, 'bare " in non-quoted-field');
      out.push(field);
      if (comma < 0) return out;
      pos = comma + 1;
      continue;
    }
    // Quoted field.
    pos++;
    let field = "";
    for (;;) {
      const q = line.indexOf('"', pos);
      if (q < 0) throw new CsvError(bytePos(pos) + 1, 'extraneous or missing " in quoted-field');
      field += line.slice(pos, q);
      pos = q + 1;
      const next = line[pos];
      if (next === '"') {
        field += '"';
        pos++;
        continue;
      }
      if (next === ",") {
        out.push(field);
        pos++;
        break;
      }
      if (pos >= line.length) {
        out.push(field);
        return out;
      }
      throw new CsvError(bytePos(pos - 1) + 1, 'extraneous or missing " in quoted-field');
    }
  }
}

interface Parsed {
  type: string;
  attrs: Record<string, string>;
}

/** The shared `type=...,k=v` loop of output.go / exportcache.go / importcache.go. */
function parseTypedCsv(value: string, flag: string, forms: string): Parsed {
  let fields: string[];
  try {
    fields = parseCsvFields(value);
  } catch (err) {
    const msg = err instanceof CsvError && err.reason === "EOF" ? "empty value" : (err as Error).message;
    throw usage(flag, `${msg} in ${JSON.stringify(value)}`, forms);
  }
  const out: Parsed = { type: "", attrs: {} };
  for (const field of fields) {
    const eq = field.indexOf("=");
    if (eq < 0) throw usage(flag, `invalid value ${JSON.stringify(field)}: want key=value`, forms);
    const key = field.slice(0, eq).toLowerCase();
    const v = field.slice(eq + 1);
    if (key === "type") out.type = v;
    else out.attrs[key] = v;
  }
  if (out.type === "") throw usage(flag, `${flag} requires type=<type>`, forms);
  return out;
}

function usage(flag: string, message: string, forms: string): UsageError {
  return new UsageError(`${message} (accepted: ${forms})`, { flag });
}

// ---------------------------------------------------------------------------
// --output

/** One parsed `--output` value. */
export interface ParsedOutput extends ExportEntry {
  /** Where the client writes the result; absent for exporters that keep it in the daemon (image, ...). */
  target?: FileSendTarget;
}

export interface ParseOutputOptions {
  /** Flag name used in error messages. Default `--output`. */
  flag?: string;
  /** Whether stdout is a terminal (tar/oci/docker to stdout are refused then). Default `process.stdout.isTTY`. */
  stdoutIsTTY?: boolean;
  /** Stream for `dest=-`. Default `process.stdout`. */
  stdout?: NodeJS.WritableStream;
  /** Accept buildx's `-o <dir>` and `-o -`. Default true. */
  shorthand?: boolean;
}

export interface ParseOutputsOptions extends ParseOutputOptions, Omit<FileSendOptions, "targets"> {}

/** What `solve()` needs for the outputs, plus the FileSend service (for `commit()`/`discard()`/`exported`). */
export interface ParsedOutputs {
  exports: ExportEntry[];
  sessionServices: SessionService[];
  outputs: ParsedOutput[];
  /** Present when some output is written by the client. */
  fileSend?: FileSendService;
}

/** Parses one `--output` value (buildctl's parseOutputCSV + resolveExporterDest). */
export function parseOutput(value: string, options: ParseOutputOptions = {}): ParsedOutput {
  const flag = options.flag ?? "--output";
  let parsed: Parsed;
  if ((options.shorthand ?? true) && value !== "" && !value.includes(",") && !value.includes("=") && !value.includes('"')) {
    parsed = value === "-" ? { type: "tar", attrs: { dest: "-" } } : { type: "local", attrs: { dest: value } };
  } else {
    parsed = parseTypedCsv(value, flag, OUTPUT_FORMS);
  }
  const { type, attrs } = parsed;
  if ("output" in attrs) {
    throw usage(flag, `output=${attrs.output} not supported for ${flag}, you meant dest=${attrs.output}?`, OUTPUT_FORMS);
  }
  const dest = attrs.dest ?? "";
  const fail = (msg: string) => usage(flag, `invalid output option: ${msg}`, OUTPUT_FORMS);

  let supportFile = false;
  let supportDir = false;
  switch (type) {
    case "local":
      supportDir = true;
      break;
    case "tar":
      supportFile = true;
      break;
    case "oci":
    case "docker": {
      const tar = parseBool(attrs.tar ?? "") ?? true;
      supportFile = tar;
      supportDir = !tar;
      break;
    }
  }

  let target: FileSendTarget | undefined;
  if (supportDir) {
    if (dest === "") throw fail(`output directory is required for ${type} exporter`);
    if (type !== "local") {
      throw fail(`${type} exporter with tar=false (an OCI layout directory, needs the content-store session service) is not supported; use tar output: type=${type},dest=<file>.tar`);
    }
    let mode: "copy" | "delete" = "copy";
    if (attrs.mode !== undefined) {
      const m = attrs.mode.trim().toLowerCase();
      if (m === "delete") mode = "delete";
      else if (m !== "" && m !== "copy") throw fail(`invalid local exporter mode ${JSON.stringify(attrs.mode)} (want copy or delete)`);
    }
    if (existsSync(dest) && !statSync(dest).isDirectory()) throw fail(`destination ${dest} exists and is not a directory`);
    target = { kind: "dir", path: dest, mode, exporter: type };
  } else if (supportFile) {
    if (dest !== "" && dest !== "-") {
      let isDir = false;
      try {
        isDir = statSync(dest).isDirectory();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw fail(`invalid destination file: ${dest}: ${(err as Error).message}`);
      }
      if (isDir) throw fail(`destination file is a directory: ${dest}`);
      const parent = path.dirname(path.resolve(dest));
      if (!existsSync(parent)) throw fail(`cannot create ${dest}: directory ${parent} does not exist`);
      target = { kind: "file", path: dest, exporter: type };
    } else {
      const tty = options.stdoutIsTTY ?? Boolean(process.stdout.isTTY);
      if (tty) throw fail(`output file is required for ${type} exporter. refusing to write to console`);
      target = options.stdout ? { kind: "stdout", stream: options.stdout, exporter: type } : { kind: "stdout", exporter: type };
    }
  } else if (dest !== "") {
    // e.g. image
    throw fail(`output ${dest} is not supported by ${type} exporter`);
  }
  if (target) delete attrs.dest;
  return target ? { type, attrs, target } : { type, attrs };
}

/**
 * Parses every `--output` value (buildctl's ParseOutput) and builds the
 * FileSend service for the client-side targets, keyed by exporter index.
 */
export function parseOutputs(values: readonly string[], options: ParseOutputsOptions = {}): ParsedOutputs {
  const flag = options.flag ?? "--output";
  const outputs = values.map((v) => parseOutput(v, options));
  if (outputs.filter((o) => o.target?.kind === "stdout").length > 1) {
    throw usage(flag, "only one output can write to stdout", OUTPUT_FORMS);
  }
  const exports: ExportEntry[] = outputs.map((o) => ({ type: o.type, attrs: { ...o.attrs } }));
  const targets = outputs.map((o) => o.target);
  const result: ParsedOutputs = { exports, sessionServices: [], outputs };
  if (targets.some((t) => t !== undefined)) {
    const fsOpts: FileSendOptions = { targets };
    if (options.placement !== undefined) fsOpts.placement = options.placement;
    if (options.preserveOwnership !== undefined) fsOpts.preserveOwnership = options.preserveOwnership;
    if (options.onExported !== undefined) fsOpts.onExported = options.onExported;
    const svc = fileSendService(fsOpts);
    result.fileSend = svc;
    result.sessionServices.push(svc);
  }
  return result;
}

// ---------------------------------------------------------------------------
// --export-cache / --import-cache

export interface ParseCacheOptions {
  /** Flag name used in error messages. */
  flag?: string;
  /** Environment for `type=gha` (ACTIONS_*). Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Called for the deprecated bare-reference form. */
  onWarning?: (message: string) => void;
}

/** buildctl's loadGithubEnv. */
function loadGithubEnv(entry: CacheEntry, env: Readonly<Record<string, string | undefined>>, fail: (m: string) => UsageError): CacheEntry {
  const attrs = entry.attrs;
  let version = attrs.version;
  if (version === undefined) {
    const v = env.ACTIONS_CACHE_SERVICE_V2;
    if (v !== undefined && parseBool(v) === true) version = "2";
  }
  if (attrs.url_v2 === undefined && version === "2" && env.ACTIONS_RESULTS_URL !== undefined) attrs.url_v2 = env.ACTIONS_RESULTS_URL;
  if (attrs.url === undefined) {
    if (env.ACTIONS_CACHE_URL !== undefined) attrs.url = env.ACTIONS_CACHE_URL;
    else if (env.ACTIONS_RESULTS_URL !== undefined) attrs.url = env.ACTIONS_RESULTS_URL;
  }
  if (attrs.url === undefined && attrs.url_v2 === undefined) throw fail("cache with type gha requires url parameter to be set");
  if (attrs.token === undefined) {
    if (env.ACTIONS_RUNTIME_TOKEN === undefined) throw fail("cache with type gha requires token parameter or $ACTIONS_RUNTIME_TOKEN");
    attrs.token = env.ACTIONS_RUNTIME_TOKEN;
  }
  return entry;
}

function parseCacheList(values: readonly string[], kind: "export" | "import", options: ParseCacheOptions): CacheEntry[] {
  const flag = options.flag ?? (kind === "export" ? "--export-cache" : "--import-cache");
  const forms = kind === "export" ? EXPORT_CACHE_FORMS : IMPORT_CACHE_FORMS;
  const env = options.env ?? process.env;
  const fail = (m: string) => usage(flag, m, forms);
  const out: CacheEntry[] = [];
  for (const value of values) {
    if (!value.includes("type=")) {
      // Deprecated since BuildKit v0.4.0 but still accepted by buildctl.
      if (value === "") throw fail("empty value");
      options.onWarning?.(`${flag} <ref> is deprecated. Please use ${flag} type=registry,ref=<ref>,<opt>=<optval>[,<opt>=<optval>] instead`);
      out.push(kind === "export" ? { type: "registry", attrs: { mode: "min", ref: value } } : { type: "registry", attrs: { ref: value } });
      continue;
    }
    const { type, attrs } = parseTypedCsv(value, flag, forms);
    let entry: CacheEntry = { type, attrs };
    if (kind === "export" && attrs.mode === undefined) attrs.mode = "min";
    if (type === "gha") entry = loadGithubEnv(entry, env, fail);
    // client/solve.go parseCacheOptions checks.
    if (kind === "export") {
      if (attrs.mode !== "min" && attrs.mode !== "max") throw fail(`invalid cache export mode ${JSON.stringify(attrs.mode)} (want min or max)`);
      if (attrs["ignore-error"] !== undefined && parseBool(attrs["ignore-error"]) === undefined) {
        throw fail(`invalid ignore-error value ${JSON.stringify(attrs["ignore-error"])} (want true or false)`);
      }
      if (type === "local") {
        if (!attrs.dest) throw fail("local cache exporter requires dest");
        if (attrs.reset !== undefined && parseBool(attrs.reset) === undefined) throw fail(`failed to parse reset attribute ${JSON.stringify(attrs.reset)}`);
      }
      if (type === "registry" && !attrs.ref) throw fail("registry cache exporter requires ref");
    } else {
      if (type === "local" && !attrs.src) throw fail("local cache importer requires src");
      if (type === "registry" && !attrs.ref) throw fail("registry cache importer requires ref");
    }
    out.push(entry);
  }
  return out;
}

/** Parses `--export-cache` values (buildctl's ParseExportCache; `mode` defaults to `min`). */
export function parseExportCache(values: readonly string[], options: ParseCacheOptions = {}): CacheEntry[] {
  return parseCacheList(values, "export", options);
}

/** Parses `--import-cache` values (buildctl's ParseImportCache). */
export function parseImportCache(values: readonly string[], options: ParseCacheOptions = {}): CacheEntry[] {
  return parseCacheList(values, "import", options);
}
