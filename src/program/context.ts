/** Building a {@link BuildContext} from plain options, and checking a program's result. */

import { ProgramError } from "../errors.js";
import { formatPlatform, local, NetMode, normalizePlatform, platformArgs, type Platform, type ResolveMode, State } from "../llb/index.js";
import { lookupNamedContext } from "./named-contexts.js";
import type { BuildContext, BuildResult, PlatformResult } from "./types.js";
import type { GatewayClient } from "../gateway/types.js";

export interface BuildContextOptions {
  targetPlatforms: readonly Platform[];
  buildPlatform: Platform;
  buildArgs?: Record<string, string>;
  target?: string;
  namedContexts?: Record<string, State>;
  /** Default: `local("context")`. */
  context?: State;
  labels?: Record<string, string>;
  imageResolveMode?: ResolveMode;
  extraHosts?: readonly { host: string; ip: string }[];
  networkMode?: "sandbox" | "host" | "none";
  multiPlatform?: boolean;
  opts?: Record<string, string>;
  gateway?: GatewayClient;
  /** Wraps every build-arg record the program is given (`buildArgs`, `args(p)`): `frontend.lint` watches what the program reads. */
  watchArgs?: (args: Readonly<Record<string, string>>) => Readonly<Record<string, string>>;
}

/** A result paired with its normalised platform. */
export type ResolvedResult = PlatformResult & { platform: Platform };

export function createBuildContext(o: BuildContextOptions): BuildContext {
  if (o.targetPlatforms.length === 0) throw new ProgramError("no target platform given");
  const targets = o.targetPlatforms.map(normalizePlatform);
  const build = normalizePlatform(o.buildPlatform);
  const watch = o.watchArgs ?? ((a: Readonly<Record<string, string>>) => a);
  const buildArgs = watch(Object.freeze({ ...(o.buildArgs ?? {}) }));
  const namedContexts = Object.freeze({ ...(o.namedContexts ?? {}) });
  const ctx: BuildContext = {
    targetPlatforms: Object.freeze(targets),
    buildPlatform: build,
    buildArgs,
    target: o.target,
    namedContexts,
    namedContext: (name, platform) => lookupNamedContext(namedContexts, name, platform),
    context: o.context ?? local("context"),
    labels: Object.freeze({ ...(o.labels ?? {}) }),
    imageResolveMode: o.imageResolveMode ?? "default",
    extraHosts: Object.freeze((o.extraHosts ?? []).map((h) => Object.freeze({ ...h }))),
    networkMode: o.networkMode,
    runOptions: Object.freeze({
      ...(o.networkMode ? { network: o.networkMode === "host" ? NetMode.HOST : o.networkMode === "none" ? NetMode.NONE : NetMode.UNSET } : {}),
      ...(o.extraHosts && o.extraHosts.length > 0 ? { extraHosts: o.extraHosts.map((h) => ({ ...h })) } : {}),
    }),
    multiPlatform: o.multiPlatform ?? targets.length > 1,
    opts: Object.freeze({ ...(o.opts ?? {}) }),
    gateway: o.gateway,
    args: (target) => watch({ ...buildArgs, ...platformArgs(target, build) }) as ReturnType<BuildContext["args"]>,
    perPlatform: async (fn) => {
      const out: PlatformResult[] = [];
      for (const p of targets) {
        const r = await fn(p, ctx.args(p));
        out.push({ ...r, platform: r.platform ?? p });
      }
      return out;
    },
  };
  return ctx;
}

/**
 * Checks what a program returned and pairs each state with its platform, in
 * the order of the target platforms. `where` names the program in errors.
 */
export function normalizeBuildResult(result: BuildResult | undefined | null, ctx: BuildContext, where: string): ResolvedResult[] {
  if (result === undefined || result === null) {
    throw new ProgramError(`${where}: the default export returned nothing; return { state, config } or one per target platform`);
  }
  const list: PlatformResult[] = Array.isArray(result) ? [...(result as PlatformResult[])] : [result as PlatformResult];
  if (list.length === 0) throw new ProgramError(`${where}: the program returned an empty list of results`);
  const out: ResolvedResult[] = [];
  for (const [i, r] of list.entries()) {
    if (!r || typeof r !== "object" || !(r.state instanceof State)) {
      const what = r && typeof r === "object" && "state" in r ? "its state is not a State (from tsfrontend/llb: image(), scratch()...)" : "has no state";
      throw new ProgramError(`${where}: result ${i} ${what}: return { state: State, config?: ImageConfig }`);
    }
    const bad = imageConfigProblem(r.config);
    if (bad) throw new ProgramError(`${where}: result ${i}: ${bad}`);
    for (const [name, st] of Object.entries(r.sbomExtras ?? {})) {
      if (!(st instanceof State)) throw new ProgramError(`${where}: result ${i}: sbomExtras.${name} is not a State`);
    }
    let platform = r.platform;
    if (!platform) {
      if (list.length !== 1 || ctx.targetPlatforms.length !== 1) {
        throw new ProgramError(`${where}: result ${i} names no platform and there are ${ctx.targetPlatforms.length} target platforms`);
      }
      platform = ctx.targetPlatforms[0]!;
    }
    out.push({ ...r, platform: normalizePlatform(platform) });
  }
  const wanted = new Set(ctx.targetPlatforms.map(formatPlatform));
  for (const r of out) {
    if (!wanted.has(formatPlatform(r.platform))) {
      throw new ProgramError(`${where}: the program returned platform ${formatPlatform(r.platform)}, which was not asked for (${[...wanted].join(", ")})`);
    }
  }
  return out;
}

const STRING_LIST = ["Env", "Entrypoint", "Cmd", "Shell", "OnBuild"] as const;
const STRINGS = ["User", "WorkingDir", "StopSignal"] as const;
const SETS = ["ExposedPorts", "Volumes"] as const;

/**
 * What is wrong with a returned image config, if anything, naming the field
 * (the exporter would refuse it only after the build, with Go's JSON error
 * and no field of the program's): lists of strings, strings, a string map for
 * Labels, `{ "80/tcp": {} }` sets for ExposedPorts and Volumes.
 */
export function imageConfigProblem(config: unknown): string | undefined {
  if (config === undefined || config === null) return undefined;
  if (typeof config !== "object" || Array.isArray(config)) return "config must be an object (ImageConfig)";
  const c = config as Record<string, unknown>;
  const kind = (v: unknown) => (Array.isArray(v) ? "an array" : v === null ? "null" : typeof v === "object" ? "an object" : `a ${typeof v}`);
  for (const k of STRING_LIST) {
    const v = c[k];
    if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== "string"))) {
      return `config.${k} must be an array of strings${k === "Env" ? ' ("KEY=value")' : ""}, not ${kind(v)}${Array.isArray(v) ? " with other values" : ""}`;
    }
  }
  for (const k of STRINGS) if (c[k] !== undefined && typeof c[k] !== "string") return `config.${k} must be a string, not ${kind(c[k])}`;
  const labels = c["Labels"];
  if (labels !== undefined && (typeof labels !== "object" || labels === null || Array.isArray(labels) || Object.values(labels).some((x) => typeof x !== "string"))) {
    return `config.Labels must be an object of string values ({ "org.opencontainers.image.title": "..." }), not ${kind(labels)}`;
  }
  for (const k of SETS) {
    const v = c[k];
    if (v !== undefined && (typeof v !== "object" || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== "object" || x === null || Array.isArray(x)))) {
      return `config.${k} must be an object of empty objects ({ "${k === "ExposedPorts" ? "80/tcp" : "/data"}": {} }), not ${kind(v)}`;
    }
  }
  return undefined;
}
