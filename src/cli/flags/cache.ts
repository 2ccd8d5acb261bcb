/**
 * `--export-cache` and `--import-cache` as buildctl v0.32.2 parses them
 * (cmd/buildctl/build/exportcache.go, importcache.go; client/solve.go's
 * parseCacheOptions checks), turned into the CacheEntry values `solve()` takes.
 * Values are one CSV record of `key=value` fields (csv.ts), or a bare
 * reference (deprecated, still accepted).
 */

import type { CacheEntry } from "../../client/solve.js";
import type { UsageError } from "../../errors.js";
import { parseTypedCsv, usage } from "./csv.js";
import { parseBool } from "../../internal/go/strconv.js";

const EXPORT_CACHE_FORMS = "type=registry,ref=<ref>[,mode=min|max] | type=inline | type=local,dest=<dir> | type=gha|s3|azblob,... | <ref>";
const IMPORT_CACHE_FORMS = "type=registry,ref=<ref> | type=local,src=<dir> | type=gha|s3|azblob,... | <ref>";

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
