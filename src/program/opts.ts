/**
 * Frontend options (`--opt k=v`, the frontend image's `BUILDKIT_FRONTEND_OPT_*`)
 * <-> the options of a program build, read as buildkit's dockerui does
 * (frontend/dockerui/config.go, v0.32.2) for the parts programs support:
 * `platform`, `build-arg:*`, `target`, `no-cache`, and `context:*` (kept raw
 * for now). `tsfrontend build` turns its flags into opts with
 * {@link programOpts}; the runner (and later the frontend image) reads them
 * with {@link parseProgramOpts}, so both see the same thing.
 */

import { formatPlatformAll, parsePlatforms, type Platform } from "../llb/index.js";

const BUILD_ARG = "build-arg:";
const CONTEXT = "context:";

/** What a program build reads from its frontend options. */
export interface ProgramOpts {
  /** `platform=a,b`: the target platforms, in order; empty when not given (the build platform then). */
  platforms: Platform[];
  /** `build-arg:K=V`. */
  buildArgs: Record<string, string>;
  /** `target=NAME`. */
  target: string | undefined;
  /** `context:NAME=VALUE`, raw (named contexts are not resolved yet). */
  contexts: Record<string, string>;
  /** `no-cache` is present: every op ignores the cache (a list of names counts as all: programs have no named stages). */
  noCache: boolean;
  /** Every option, raw, as the program sees them in `ctx.opts`. */
  opts: Readonly<Record<string, string>>;
}

/** Reads a program build's options from frontend opts. A bad `platform` throws a PlatformError. */
export function parseProgramOpts(opts: Readonly<Record<string, string>>): ProgramOpts {
  const out: ProgramOpts = { platforms: [], buildArgs: {}, target: undefined, contexts: {}, noCache: false, opts: { ...opts } };
  for (const [k, v] of Object.entries(opts)) {
    if (k.startsWith(BUILD_ARG)) out.buildArgs[k.slice(BUILD_ARG.length)] = v;
    else if (k.startsWith(CONTEXT)) out.contexts[k.slice(CONTEXT.length)] = v;
  }
  if (opts["platform"] !== undefined) out.platforms = parsePlatforms(opts["platform"]);
  if (opts["target"] !== undefined) out.target = opts["target"];
  if (opts["no-cache"] !== undefined) out.noCache = true;
  return out;
}

/** Typed values to merge into frontend opts (what `tsfrontend build`'s flags give). */
export interface ProgramOptsInput {
  platforms?: readonly Platform[];
  buildArgs?: Readonly<Record<string, string>>;
  target?: string;
  noCache?: boolean;
}

/**
 * Frontend opts from `base` (e.g. `--opt` values) with typed values on top:
 * each build arg replaces `build-arg:K`, `target` and a non-empty `platforms`
 * replace theirs, `noCache` adds `no-cache=` (all ops), as buildctl sends them.
 */
export function programOpts(input: ProgramOptsInput, base: Readonly<Record<string, string>> = {}): Record<string, string> {
  const opts: Record<string, string> = { ...base };
  for (const [k, v] of Object.entries(input.buildArgs ?? {})) opts[BUILD_ARG + k] = v;
  if (input.target !== undefined) opts["target"] = input.target;
  if (input.platforms && input.platforms.length > 0) opts["platform"] = input.platforms.map(formatPlatformAll).join(",");
  if (input.noCache) opts["no-cache"] = "";
  return opts;
}

/** The platforms a build targets: those asked for, else the build platform. */
export function targetPlatforms(parsed: Pick<ProgramOpts, "platforms">, buildPlatform: Platform): Platform[] {
  return parsed.platforms.length > 0 ? [...parsed.platforms] : [buildPlatform];
}
