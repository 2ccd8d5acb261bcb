/**
 * The Dockerfile -> LLB converter: port of buildkit v0.32.2
 * frontend/dockerfile/dockerfile2llb/convert.go (everything but dispatchRun,
 * which is in convert-run.ts, and the helpers every dispatch file shares, which
 * are in dispatch-state.ts with defaultshell.go). The LLB it builds is
 * byte-identical to Go's for the same Dockerfile, options and image configs:
 * the llb calls are made one for one, in Go's order, with the same constraints.
 */

import { DockerfileError, type DockerfileRange } from "../../errors.js";
import { joinPath } from "../../internal/go/path.js";
import { PatternMatcher } from "../../internal/go/patternmatcher.js";
import { goQuote, parseBool, parseInt as goParseInt } from "../../internal/go/strconv.js";
import { formatDuration } from "../../internal/go/time.js";
import { compareUtf8 } from "../../internal/go/utf8.js";
import { equalFold } from "../../internal/go/strings.js";
import {
  EnvList,
  formatPlatformAll,
  image as llbImage,
  mkdir,
  NetMode,
  normalizePlatform,
  parseNormalizedNamed,
  scratch,
  State,
  tagNameOnly,
  withCaps,
  withCustomName,
  withDigest,
  withPlatform,
  type ImageMetaResolver,
  type Platform,
  type ProxyEnv,
} from "../../llb/index.js";
import { cloneDockerOCIImage, imagePlatform, parseDockerOCIImage, type DockerOCIImage } from "../../llb/image-config.js";
import { parsePlatformContainerd } from "../../llb/platform.js";
import type { PbLocation } from "../../llb/pb.js";
import { Definition as DefinitionClass, type Definition } from "../../llb/definition.js";
import { parseDirective } from "../../program/syntax.js";
import * as instructions from "../instructions/commands.js";
import { getMounts } from "../instructions/commands-runmount.js";
import { parse as parseInstructions, parseCommand } from "../instructions/parse.js";
import { Linter, parseLintOptions } from "../linter/linter.js";
import { ruleJSONArgsRecommended, ruleLegacyKeyValueFormat, ruleNoEmptyContinuation, ruleWorkdirRelativePath } from "../linter/ruleset.js";
import { setLocation, withLocation } from "../parser/errors.js";
import { parse as parseDockerfile } from "../parser/parser.js";
import type { EnvGetter, Lex as LexType, ProcessWordResult } from "../shell/lex.js";
import { envsFromSlice, Lex } from "../shell/lex.js";
import { suggestMessage } from "../../internal/go/suggest.js";
import { defaultPathEnv, isAbs, normalizeWorkdir, toSlash } from "../system/path.js";
import { dispatchCopy } from "./convert-copy.js";
import { convertLLB, opMetadataJSONValue, type ConvertLLBResult } from "./convertllb.js";
import { locationJSONValue, outline, outlineJSONValue, toSourceLocation, type Outline } from "./outline.js";
import { dispatchExpose } from "./convert-expose.js";
import { dispatchRun } from "./convert-run.js";
import { detectRunMount } from "./convert-runmount.js";
import {
  buildMetaArgs,
  commitToHistory,
  dfCmd,
  DispatchState,
  DispatchStates,
  emptyEnvs,
  envListGetter,
  filterPaths,
  getEnv,
  location,
  newOutlineCapture,
  prefixCommand,
  processCmdEnv,
  uppercaseCmd,
  withShell,
  type ArgInfo,
  type Command,
  type DispatchOpt,
  type OutlineCapture,
} from "./dispatch-state.js";
import { formatSourceDateEpochValue, resolveSourceDateEpochValue } from "./epoch.js";
import { emptyImage } from "./image.js";
import { defaultMainContext, type ConvertOpt, type ConvertResult, type NamedContext } from "./options.js";
import { buildPlatformOpt, defaultArgs, defaultSpec, type PlatformOpt } from "./platform.js";
import {
  reportConstPlatformDisallowed,
  reportRedundantTargetPlatform,
  reportUnmatchedVariables,
  reportUnusedFromArgs,
  validateBaseImagePlatform,
  validateBaseImagesWithDefaultArgs,
  validateCircularDependency,
  validateCommandCasing,
  validateNoSecretKey,
  validateStageNames,
  validateUsedOnce,
} from "./validations.js";

export const emptyImageName = "scratch";

const sbomScanContext = "BUILDKIT_SBOM_SCAN_CONTEXT";
const sbomScanStage = "BUILDKIT_SBOM_SCAN_STAGE";

const nonEnvArgs = new Set([sbomScanContext, sbomScanStage]);

/** Dockerfile bytes as the parser reads them. */
export type DockerfileSource = Uint8Array | string;

function sourceText(dt: DockerfileSource): string {
  return typeof dt === "string" ? dt : new TextDecoder().decode(dt);
}

function sourceLength(dt: DockerfileSource): number {
  return dt.length;
}

// ---------------------------------------------------------------------------
// Entry points.

/** convert.go Dockerfile2LLB: the target stage's state and image config. */
export async function dockerfile2LLB(dt: DockerfileSource, opt: ConvertOpt): Promise<ConvertResult> {
  const ds = await toDispatchState(dt, opt);
  const res: ConvertResult = {
    state: ds.state,
    image: ds.image,
    baseImage: ds.baseImg,
    sbom: { core: ds.state, extras: new Map() },
    epoch: ds.epoch,
    isIgnoreCache: false,
  };
  if (ds.scanContext) res.sbom.extras.set("context", ds.opt!.buildContext);
  if (ds.ignoreCache) res.isIgnoreCache = true;
  for (const dsi of allReachableStages(ds)) {
    if (ds !== dsi && dsi.scanStage) {
      res.sbom.extras.set(dsi.stageName, dsi.state);
      if (dsi.ignoreCache) res.isIgnoreCache = true;
    }
  }
  return res;
}

/** Go's json.Marshal form of a value, for JSON.stringify (subrequest results are compared and sent as Go writes them). */
function withGoJSON<T extends object>(v: T, json: () => unknown): T {
  Object.defineProperty(v, "toJSON", { value: json, enumerable: false });
  return v;
}

/** convert.go Dockerfile2Outline: the build args, secrets and ssh ids the target uses. */
export async function dockerfile2Outline(dt: DockerfileSource, opt: ConvertOpt): Promise<Outline> {
  const ds = await toDispatchState(dt, opt);
  const o = outline(ds, sourceBytes(dt));
  return withGoJSON(o, () => outlineJSONValue(o));
}

/** convert.go DockerfileConvertLLB: the target's ops by digest (the frontend.convertllb subrequest). */
export async function dockerfileConvertLLB(dt: DockerfileSource, opt: ConvertOpt): Promise<ConvertLLBResult> {
  const ds = await toDispatchState(dt, opt);
  return convertLLB(ds);
}

/** lint.Warning. */
export interface LintWarning {
  ruleName: string;
  description: string;
  url: string;
  detail: string;
  location: PbLocation;
}

/** lint.LintResults: the warnings, the sources they point into, and the error the build would fail with. */
export interface LintResults {
  warnings: LintWarning[];
  sources: { filename: string; language: string; data: Uint8Array; definition: Definition | undefined }[];
  error: { message: string; location: PbLocation } | undefined;
}

/** convert.go DockerfileLint: runs every check over all stages (or the target's), collecting warnings and the build error. */
export async function dockerfileLint(dt: DockerfileSource, opt: ConvertOpt): Promise<LintResults> {
  const results: LintResults = { warnings: [], sources: [], error: undefined };
  const sm = opt.sourceMap;
  results.sources.push({ filename: sm?.filename ?? "", language: sm?.language ?? "", data: sm?.data ?? new Uint8Array(), definition: sm?.definition });
  const sourceIndex = 0;
  opt = {
    ...opt,
    warn: (rulename, description, url, fmtmsg, location) => {
      results.warnings.push({ ruleName: rulename, description, url, detail: fmtmsg, location: toPBLocation(sourceIndex, location) });
    },
  };
  if (opt.config.target === "") opt.allStages = true;
  try {
    await toDispatchState(dt, opt);
  } catch (e) {
    const err: NonNullable<LintResults["error"]> = { message: errMessage(e), location: { sourceIndex: 0, ranges: [] } };
    if (e instanceof DockerfileError && e.locations.length > 0) err.location = toPBLocation(sourceIndex, mergeLocations(...e.locations));
    results.error = err;
  }
  return withGoJSON(results, () => lintResultsJSONValue(results));
}

function lintResultsJSONValue(r: LintResults): unknown {
  return {
    warnings:
      r.warnings.length === 0
        ? null
        : r.warnings.map((w) => ({
            ruleName: w.ruleName,
            description: w.description || undefined,
            url: w.url || undefined,
            detail: w.detail || undefined,
            location: locationJSONValue(w.location),
          })),
    sources: r.sources.map((s) => ({
      filename: s.filename || undefined,
      data: s.data.length > 0 ? Buffer.from(s.data).toString("base64") : undefined,
      definition: s.definition ? definitionJSONValue(s.definition) : undefined,
      language: s.language || undefined,
    })),
    buildError: r.error ? { message: r.error.message, location: locationJSONValue(r.error.location) } : undefined,
  };
}

/** A pb.Definition through encoding/json (the generated struct's tags). */
function definitionJSONValue(d: Definition): unknown {
  const metadata: Record<string, unknown> = {};
  for (const k of [...d.metadata.keys()].sort(compareUtf8)) metadata[k] = opMetadataJSONValue(d.metadata.get(k)!);
  const src = d.source;
  let source: Record<string, unknown> = {};
  if (src) {
    const keys = Object.keys(src.locations ?? {}).sort(compareUtf8);
    source = {
      locations: keys.length
        ? Object.fromEntries(
            keys.map((k) => {
              const locs = src.locations[k]!.locations ?? [];
              return [k, { locations: locs.length ? locs.map((l) => locationJSONValue(l as PbLocation)) : undefined }];
            }),
          )
        : undefined,
      infos: src.infos?.length
        ? src.infos.map((i) => ({
            filename: i.filename || undefined,
            data: i.data && i.data.length > 0 ? Buffer.from(i.data).toString("base64") : undefined,
            definition: i.definition ? definitionJSONValue(new DefinitionClass(i.definition.def, new Map(Object.entries(i.definition.metadata ?? {})), i.definition.Source)) : undefined,
            language: i.language || undefined,
          }))
        : undefined,
    };
  }
  return {
    def: d.def.length ? d.def.map((b) => Buffer.from(b).toString("base64")) : undefined,
    metadata: Object.keys(metadata).length ? metadata : undefined,
    Source: src ? source : undefined,
  };
}

function toPBLocation(sourceIndex: number, location: readonly DockerfileRange[]): PbLocation {
  return {
    sourceIndex,
    ranges: location.map((l) => ({ start: { line: l.start.line, character: l.start.character }, end: { line: l.end.line, character: l.end.character } })),
  };
}

/** targets.List: the stages of a Dockerfile, the last one the default. */
export interface TargetsList {
  targets: { name: string; description: string; default: boolean; base: string; platform: string; location: PbLocation | undefined }[];
  sources: Uint8Array[];
}

/** convert.go ListTargets: parses the Dockerfile and lists its stages. */
export function listTargets(dt: DockerfileSource): TargetsList {
  const dockerfile = parseDockerfile(dt);
  const { stages } = parseInstructions(dockerfile.ast, undefined);
  const l: TargetsList = { targets: [], sources: [sourceBytes(dt)] };
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i]!;
    l.targets.push({
      name: s.name,
      description: s.docComment,
      default: i === stages.length - 1,
      base: s.baseName,
      platform: s.platform,
      location: toSourceLocation(s.location),
    });
  }
  return withGoJSON(l, () => ({
    targets:
      l.targets.length === 0
        ? null
        : l.targets.map((t) => ({
            name: t.name || undefined,
            default: t.default || undefined,
            description: t.description || undefined,
            base: t.base || undefined,
            platform: t.platform || undefined,
            location: locationJSONValue(t.location),
          })),
    sources: l.sources.map((b) => Buffer.from(b).toString("base64")),
  }));
}

function sourceBytes(dt: DockerfileSource): Uint8Array {
  return typeof dt === "string" ? new TextEncoder().encode(dt) : dt;
}

function newRuleLinter(dt: DockerfileSource, opt: ConvertOpt): Linter {
  let lintConfig;
  if (opt.client !== undefined && opt.client.linterConfig !== undefined) {
    lintConfig = opt.client.linterConfig;
  } else {
    const lintOptionStr = parseDirective("check", sourceText(dt))?.ref ?? "";
    try {
      lintConfig = parseLintOptions(lintOptionStr);
    } catch (e) {
      throw new DockerfileError(`failed to parse check options: ${(e as Error).message}`, { cause: e });
    }
  }
  lintConfig.warn = opt.warn;
  return new Linter(lintConfig);
}

/** convert.go dispatchContext: what the whole conversion shares. */
interface DispatchContext {
  opt: ConvertOpt;
  platformOpt: PlatformOpt;
  globalArgs: EnvList;
  epoch: Date | undefined;
  shlex: LexType;
  outline: OutlineCapture;
  lint: Linter;
  metaResolver: ImageMetaResolver | undefined;
  allDispatchStates: DispatchStates;
  proxyEnv: ProxyEnv | undefined;
  namedContext: (name: string, copt: import("./options.js").ContextOpt) => Promise<NamedContext | undefined>;
}

function namedContextFunc(opt: ConvertOpt): DispatchContext["namedContext"] {
  return async (name, copt) => {
    if (opt.client === undefined) return undefined;
    if (!equalFold(name, "scratch") && !equalFold(name, "context")) {
      if (copt.platform === undefined) copt = { ...copt, platform: opt.targetPlatform };
      return opt.client.namedContext(name, copt);
    }
    return undefined;
  };
}

/** convert.go toDispatchState: parses, lints, resolves and dispatches every needed stage; returns the target. */
export async function toDispatchState(dt: DockerfileSource, opt: ConvertOpt): Promise<DispatchState> {
  if (sourceLength(dt) === 0) throw new DockerfileError("the Dockerfile cannot be empty");
  if (opt.client !== undefined && opt.mainContext !== undefined) throw new DockerfileError("Client and MainContext cannot both be provided");

  const lint = newRuleLinter(dt, opt);
  opt = { ...opt };
  if (opt.client !== undefined && opt.llbCaps === undefined) opt.llbCaps = opt.client.llbCaps();

  const dockerfile = parseDockerfile(dt);
  for (const warning of dockerfile.warnings) {
    if (warning.url === ruleNoEmptyContinuation.url && warning.location) {
      lint.run(ruleNoEmptyContinuation, [warning.location], ruleNoEmptyContinuation.format());
    }
  }

  const { stages, metaArgs: argCmds } = parseInstructions(dockerfile.ast, lint);
  if (stages.length === 0) throw new DockerfileError("dockerfile contains no stages to build");
  validateStageNames(stages, lint);
  validateCommandCasing(stages, lint);

  const platformOpt = buildPlatformOpt(opt);
  let targetName = opt.config.target;
  if (targetName === "") targetName = stages[stages.length - 1]!.name;
  let globalArgs = defaultArgs(platformOpt, opt.config.buildArgs, targetName);

  const shlex = new Lex(dockerfile.escapeToken);
  const outline = newOutlineCapture();

  validateBaseImagesWithDefaultArgs(stages, shlex, globalArgs, argCmds, lint);

  let allArgs: Map<string, ArgInfo>;
  [globalArgs, allArgs] = buildMetaArgs(globalArgs, shlex, argCmds, opt.config.buildArgs);
  for (const [k, v] of allArgs) outline.allArgs.set(k, v);

  let resolvedEpoch: Date | undefined;
  const sde = getBuildArgValue(opt.config.buildArgs, globalArgs, "SOURCE_DATE_EPOCH");
  if (sde !== undefined) {
    resolvedEpoch = await resolveSourceDateEpochValue(sde, opt, stages, globalArgs, shlex);
    globalArgs = setBuildArgValue(opt.config.buildArgs, globalArgs, "SOURCE_DATE_EPOCH", formatSourceDateEpochValue(resolvedEpoch));
  }

  const dctx: DispatchContext = {
    opt,
    platformOpt,
    globalArgs,
    epoch: resolvedEpoch,
    shlex,
    outline,
    lint,
    metaResolver: opt.metaResolver,
    allDispatchStates: new DispatchStates(),
    proxyEnv: proxyEnvFromBuildArgs(opt.config.buildArgs),
    namedContext: namedContextFunc(opt),
  };

  await buildDispatchStates(dctx, stages);
  const target = resolveTarget(dctx);
  buildStageDependencyGraph(dctx);
  const allReachable = await resolveStages(dctx, target);
  const [ctxPaths, buildContext] = await dispatchStages(dctx, allReachable, target);
  await finalizeResultImage(dctx, target, ctxPaths, buildContext);
  return target;
}

/** convert.go getBuildArgValue: a build arg's value, else a non-empty global arg's. */
export function getBuildArgValue(buildArgs: Readonly<Record<string, string>>, globalArgs: EnvList | undefined, key: string): string | undefined {
  if (Object.hasOwn(buildArgs, key)) return buildArgs[key]!;
  if (globalArgs === undefined) return undefined;
  const v = globalArgs.get(key);
  if (v === undefined || v === "") return undefined;
  return v;
}

/** convert.go setBuildArgValue: replaces (or with "" removes) a build arg and a global arg that are set. */
export function setBuildArgValue(buildArgs: Record<string, string>, globalArgs: EnvList, key: string, value: string): EnvList {
  if (Object.hasOwn(buildArgs, key)) {
    if (value === "") delete buildArgs[key];
    else buildArgs[key] = value;
  }
  if (globalArgs.get(key) !== undefined) {
    globalArgs = value === "" ? globalArgs.delete(key) : globalArgs.addOrReplace(key, value);
  }
  return globalArgs;
}

function copyStage(st: instructions.Stage): instructions.Stage {
  return Object.assign(new instructions.Stage(), st);
}

async function buildDispatchStates(dctx: DispatchContext, stages: instructions.Stage[]): Promise<void> {
  const globalArgs = envListGetter(dctx.globalArgs);
  for (let i = 0; i < stages.length; i++) {
    const st = copyStage(stages[i]!);
    const lint = dctx.lint.withMergedConfigFromComments(st.comments);

    let nameMatch: ProcessWordResult;
    try {
      nameMatch = processReporting(
        globalArgs,
        (e) => dctx.shlex.processWordWithMatches(st.baseName, e),
        (unmatched) => reportUnusedFromArgs(unusedFromArgsCheckKeys(globalArgs, dctx.outline.allArgs), unmatched, st.location, lint),
        (r) => r.unmatched,
      );
    } catch (e) {
      throw withLocation(e, st.location);
    }
    const used = new Set(nameMatch.matched);
    if (nameMatch.result === "") throw withLocation(new DockerfileError(`base name (${st.baseName}) should not be blank`), st.location);
    st.baseName = nameMatch.result;

    const ds = new DispatchState(st);
    ds.stageName = st.name;
    ds.prefixPlatform = dctx.opt.config.multiPlatformRequested;
    ds.outline = dctx.outline.clone();
    ds.epoch = dctx.epoch;

    const v = st.platform;
    if (v !== "") {
      let platMatch: ProcessWordResult;
      try {
        platMatch = processReporting(
          globalArgs,
          (e) => dctx.shlex.processWordWithMatches(v, e),
          (unmatched) => reportUnusedFromArgs(unusedFromArgsCheckKeys(globalArgs, dctx.outline.allArgs), unmatched, st.location, lint),
          (r) => r.unmatched,
        );
      } catch (e) {
        throw withLocation(new DockerfileError(`failed to process arguments for platform : ${(e as Error).message}`, { cause: e }), st.location);
      }
      reportRedundantTargetPlatform(st.platform, platMatch, st.location, globalArgs, lint);
      reportConstPlatformDisallowed(st.name, platMatch, st.location, lint);

      if (platMatch.result === "") {
        const err = withLocation(new DockerfileError(`empty platform value from expression ${v}`), st.location);
        throw wrapSuggestAny(err, platMatch.unmatched, globalArgs.keys());
      }
      let p: Platform;
      try {
        p = parsePlatformContainerd(platMatch.result, defaultSpec());
      } catch (e) {
        const inner = wrapSuggestAny(withLocation(e, st.location), platMatch.unmatched, globalArgs.keys());
        throw withLocation(new DockerfileError(`failed to parse platform ${v}: ${inner.message}`, { cause: inner, locations: inner.locations }), st.location);
      }
      for (const k of platMatch.matched) used.add(k);
      ds.platform = p;
    }

    if (st.name !== "") {
      const nc = await dctx.namedContext(st.name, {
        platform: ds.platform,
        resolveMode: dctx.opt.config.imageResolveMode,
        asyncLocalOpts: () => ds.asyncLocalOpts(),
      });
      if (nc !== undefined) {
        ds.namedContext = nc;
        dctx.allDispatchStates.addState(ds);
        ds.base = undefined;
        continue;
      }
    }

    if (st.name === "") ds.stageName = `stage-${i}`;

    dctx.allDispatchStates.addState(ds);

    for (const k of used) ds.outline.usedArgs.add(k);

    let total = 0;
    if (ds.stage.baseName !== emptyImageName && ds.base === undefined) total = 1;
    for (const cmd of ds.stage.commands) {
      switch (cmd.kind) {
        case "add":
        case "copy":
        case "run":
        case "workdir":
          total++;
      }
    }
    ds.cmdTotal = total;
    if (dctx.opt.client !== undefined) ds.ignoreCache = dctx.opt.client.isNoCache(st.name);
  }
}

function resolveTarget(dctx: DispatchContext): DispatchState {
  if (dctx.opt.config.target === "") return dctx.allDispatchStates.lastTarget();
  const target = dctx.allDispatchStates.findStateByName(dctx.opt.config.target);
  if (target === undefined) {
    const msg = `target stage ${goQuote(dctx.opt.config.target)} could not be found`;
    throw new DockerfileError(suggestMessage(msg, dctx.opt.config.target, dctx.allDispatchStates.names(), true));
  }
  return target;
}

function buildStageDependencyGraph(dctx: DispatchContext): void {
  const all = dctx.allDispatchStates;
  // Sources that are not stages are registered while iterating: Go's range over the slice sees only the original ones.
  const states = all.states.slice();
  for (const d of states) {
    d.commands = new Array<Command>(d.stage.commands.length);
    for (let i = 0; i < d.stage.commands.length; i++) {
      const cmd = d.stage.commands[i]!;
      const newCmd = toCommand(cmd, all, dctx.shlex, dctx.opt.extensions?.fromVariables ? envListGetter(dctx.globalArgs) : undefined);
      d.commands[i] = newCmd;
      for (const src of newCmd.sources) {
        if (src !== undefined) {
          d.deps.set(src, cmd);
          if (src.unregistered) all.addState(src);
        }
      }
    }
  }
  validateCircularDependency(all.states);
  if (all.states.length === 1) all.states[0]!.stageName = "";
}

async function resolveStages(dctx: DispatchContext, target: DispatchState): Promise<Set<DispatchState>> {
  let allReachable: Set<DispatchState>;
  for (;;) {
    allReachable = await resolveReachableStages(dctx, dctx.allDispatchStates.states, target);
    let newDeps = false;
    for (const d of allReachable) {
      d.init();
      const onbuilds = [...(d.image.config.onBuild ?? [])];
      if (d.base !== undefined && !d.onBuildInit) {
        for (const cmd of d.base.commands) {
          if (cmd.command.kind === "onbuild") onbuilds.push(cmd.command.expression);
        }
        d.onBuildInit = true;
      }
      if (onbuilds.length > 0) {
        let b: boolean;
        try {
          b = initOnBuildTriggers(d, onbuilds, dctx.allDispatchStates, dctx.shlex);
        } catch (e) {
          throw setLocation(e, d.stage.location);
        }
        if (b) newDeps = true;
        d.image.config.onBuild = undefined;
      }
    }
    if (!newDeps) break;
  }
  return allReachable;
}

async function resolveReachableStages(dctx: DispatchContext, all: readonly DispatchState[], target: DispatchState): Promise<Set<DispatchState>> {
  const allReachable = allReachableStages(target);
  const toResolve: [DispatchState, boolean][] = [];
  for (const d of all.slice()) {
    const reachable = dctx.opt.allStages || allReachable.has(d);
    if (d.base === undefined && !d.dispatched && !d.resolved) {
      d.resolved = reachable;
      if (d.stage.baseName === emptyImageName && d.namedContext === undefined) {
        d.state = scratch();
        d.image = emptyImage(dctx.platformOpt.targetPlatform);
        d.platform = dctx.platformOpt.targetPlatform;
        if (d.unregistered) d.dispatched = true;
        continue;
      }
      toResolve.push([d, reachable]);
    }
  }
  // Go starts one goroutine per stage; its scheduler runs the last one started first (the
  // "runnext" slot), then the others in order. Starting them in that order here makes the
  // same stage's error win when several fail without waiting on the resolver.
  if (toResolve.length > 1) toResolve.unshift(toResolve.pop()!);
  await waitAll(toResolve.map(([d, reachable]) => resolveBaseImage(dctx, d, reachable)));
  return allReachable;
}

/** errgroup.Wait: waits for every task and throws the first error (in time) any of them threw. */
async function waitAll(tasks: Promise<void>[]): Promise<void> {
  if (tasks.length === 0) return;
  let first: { err: unknown } | undefined;
  await Promise.all(tasks.map((t) => t.catch((err: unknown) => void (first ??= { err }))));
  if (first) throw first.err;
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function resolveBaseImage(dctx: DispatchContext, d: DispatchState, reachable: boolean): Promise<void> {
  try {
    await resolveBaseImageInner(dctx, d, reachable);
  } catch (e) {
    throw withLocation(e, d.stage.location);
  } finally {
    if (d.unregistered) d.dispatched = true;
  }
}

async function resolveBaseImageInner(dctx: DispatchContext, d: DispatchState, reachable: boolean): Promise<void> {
  // tsfrontend's `program-stages` extension (extensions.ts): `FROM ./x.ts` is a program's result.
  const program = reachable ? dctx.opt.extensions?.programStage?.(d.stage.baseName, d.platform ?? dctx.platformOpt.targetPlatform) : undefined;
  if (program !== undefined) {
    const platform = d.platform ?? dctx.platformOpt.targetPlatform;
    const { state, image } = await program.load();
    d.baseImg = cloneDockerOCIImage(image!);
    d.image = image!;
    d.state = state.platform(platform);
    d.platform = platform;
    return;
  }
  const origName = d.stage.baseName;
  let ref;
  try {
    ref = parseNormalizedNamed(d.stage.baseName);
  } catch (e) {
    throw new DockerfileError(`failed to parse stage name ${goQuote(d.stage.baseName)}: ${errMessage(e)}`, { cause: e });
  }
  let platform = d.platform ?? dctx.platformOpt.targetPlatform;
  d.stage.baseName = tagNameOnly(ref).toString();

  let isScratch = false;
  if (reachable) {
    if (d.namedContext !== undefined) {
      const { state, image: img } = await d.namedContext.load();
      d.dispatched = true;
      d.state = state;
      if (img !== undefined) {
        img.created = undefined;
        d.image = img;
        if (img.architecture !== "" && img.os !== "") {
          const p: { -readonly [K in keyof Platform]: Platform[K] } = { os: img.os, architecture: img.architecture };
          if (img.variant) p.variant = img.variant;
          if (img.osVersion) p.osVersion = img.osVersion;
          if (img.osFeatures !== undefined) p.osFeatures = [...img.osFeatures];
          d.platform = p;
        }
      }
      return;
    }

    const nc = await dctx.namedContext(d.stage.baseName, {
      resolveMode: dctx.opt.config.imageResolveMode,
      platform,
      asyncLocalOpts: () => d.asyncLocalOpts(),
    });
    if (nc !== undefined) {
      const { state, image } = await nc.load();
      const img = image ?? emptyImage(platform);
      d.baseImg = cloneDockerOCIImage(img);
      img.created = undefined;
      d.image = img;
      d.state = state.platform(platform);
      d.platform = platform;
      return;
    }

    let prefix = "[";
    if (dctx.opt.config.multiPlatformRequested) prefix += formatPlatformAll(platform) + " ";
    prefix += "internal]";
    if (dctx.metaResolver === undefined) {
      throw new DockerfileError(`${origName}: no image config resolver: pass a metaResolver to resolve base images`);
    }
    let resolved;
    try {
      resolved = await dctx.metaResolver.resolveImageConfig(d.stage.baseName, {
        platform,
        resolveMode: dctx.opt.config.imageResolveMode,
        logName: `${prefix} load metadata for ${d.stage.baseName}`,
      });
    } catch (e) {
      const msg = `${origName}: ${errMessage(e)}`;
      throw new DockerfileError(suggestMessage(msg, origName, [...dctx.allDispatchStates.names(), ...commonImageNames()], true), { cause: e });
    }
    const mutRef = resolved.ref;
    if (ref.toString() !== mutRef) {
      try {
        ref = parseNormalizedNamed(mutRef);
      } catch (e) {
        throw new DockerfileError(`failed to parse ref ${goQuote(mutRef)}: ${errMessage(e)}`, { cause: e });
      }
    }
    let img: DockerOCIImage;
    try {
      img = parseDockerOCIImage(resolved.config);
    } catch (e) {
      throw new DockerfileError(`failed to parse image config: ${errMessage(e)}`, { cause: e });
    }
    d.baseImg = cloneDockerOCIImage(img);
    img.created = undefined;
    if (d.platform === undefined && dctx.platformOpt.implicitTarget) {
      platform = autoDetectPlatform(img, platform, dctx.platformOpt.buildPlatforms);
    }
    if (resolved.digest !== "") {
      try {
        ref = withDigest(ref, resolved.digest);
      } catch (e) {
        throw new DockerfileError(errMessage(e), { cause: e });
      }
    }
    d.stage.baseName = ref.toString();
    if ((img.rootFS.diffIDs ?? []).length === 0) {
      isScratch = true;
      for (const h of img.history ?? []) {
        if (!h.emptyLayer) {
          isScratch = false;
          break;
        }
      }
    }
    d.image = img;
  }
  if (isScratch) {
    d.state = scratch();
  } else {
    d.state = llbImage(d.stage.baseName, {
      resolveMode: dctx.opt.config.imageResolveMode,
      constraints: [
        dfCmd(d.stage.sourceCode),
        withPlatform(platform),
        withCustomName(prefixCommand(d, "FROM " + d.stage.baseName, dctx.opt.config.multiPlatformRequested, platform, emptyEnvs)),
        location(dctx.opt.sourceMap, d.stage.location),
      ],
    });
    if (reachable) validateBaseImagePlatform(origName, platform, imagePlatform(d.image), d.stage.location, dctx.lint);
  }
  d.platform = platform;
}

/** A Go `mutableOutput`: the build context's output, set once the paths used are known. */
export class MutableOutput {
  output: import("../../llb/index.js").Output | undefined = undefined;
}

function mutableOutputState(m: MutableOutput): State {
  // Go: llb.NewState(buildContext) where buildContext's Output is filled in later.
  const out = {
    vertex: (c: Parameters<NonNullable<MutableOutput["output"]>["vertex"]>[0]) => m.output!.vertex(c),
    toInput: (c: Parameters<NonNullable<MutableOutput["output"]>["toInput"]>[0]) => m.output!.toInput(c),
    platform: () => m.output?.platform(),
  };
  return State.fromOutput(out);
}

async function dispatchStages(dctx: DispatchContext, allReachable: Set<DispatchState>, target: DispatchState): Promise<[Set<string>, MutableOutput]> {
  const buildContext = new MutableOutput();
  const ctxPaths = new Set<string>();

  let dockerIgnoreMatcher: PatternMatcher | undefined;
  if (dctx.opt.client !== undefined) {
    const patterns = await dctx.opt.client.dockerIgnorePatterns();
    if (patterns.length > 0) dockerIgnoreMatcher = new PatternMatcher(patterns);
  }

  const globalArgs = envListGetter(dctx.globalArgs);
  const buildContextState = mutableOutputState(buildContext);
  for (const d of dctx.allDispatchStates.states.slice()) {
    if (!dctx.opt.allStages) {
      if (!allReachable.has(d) || d.dispatched) continue;
    }
    d.init();
    d.dispatched = true;

    d.platform ??= d.opt?.targetPlatform ?? { os: "", architecture: "" };

    if (envsFromSlice(d.image.config.env ?? []).get("PATH") === undefined) {
      const osName = d.platform.os;
      if (osName !== "windows") d.image.config.env = [...(d.image.config.env ?? []), "PATH=" + defaultPathEnv(osName)];
    }

    for (const env of d.image.config.env ?? []) {
      const [k, v] = parseKeyValue(env);
      d.state = d.state.addEnv(k, v);
    }
    if (dctx.opt.config.hostname !== "") d.state = d.state.hostname(dctx.opt.config.hostname);
    if (d.image.config.workingDir !== "") {
      try {
        dispatchWorkdir(d, new instructions.WorkdirCommand(emptyBase(), d.image.config.workingDir), false, undefined);
      } catch (e) {
        throw withLocation(e, d.stage.location);
      }
    }
    if (d.image.config.user !== "") {
      dispatchUser(d, new instructions.UserCommand(emptyBase(), d.image.config.user), false);
    }

    d.state = d.state.network(netMode(dctx.opt.config.networkMode));

    const dopt: DispatchOpt = {
      allDispatchStates: dctx.allDispatchStates,
      globalArgs,
      buildArgValues: dctx.opt.config.buildArgs,
      shlex: dctx.shlex,
      buildContext: buildContextState,
      proxyEnv: dctx.proxyEnv,
      cacheIDNamespace: dctx.opt.config.cacheIDNamespace,
      buildPlatforms: dctx.platformOpt.buildPlatforms,
      targetPlatform: dctx.platformOpt.targetPlatform,
      extraHosts: dctx.opt.config.extraHosts,
      shmSize: dctx.opt.config.shmSize,
      ulimit: dctx.opt.config.ulimits,
      devices: dctx.opt.config.devices,
      cgroupParent: dctx.opt.config.cgroupParent,
      linuxResources: dctx.opt.config.linuxResources,
      llbCaps: dctx.opt.llbCaps,
      sourceMap: dctx.opt.sourceMap,
      lint: dctx.lint,
      dockerIgnoreMatcher,
    };

    for (const cmd of d.commands) {
      try {
        dispatch(d, cmd, dopt);
      } catch (e) {
        throw withLocation(e, cmd.command.location());
      }
    }
    d.opt = dopt;

    for (const p of d.ctxPaths) ctxPaths.add(p);

    for (const name of [sbomScanContext, sbomScanStage]) {
      let b = false;
      const gv = dopt.globalArgs.get(name);
      if (gv !== undefined) b = isEnabledForStage(d.stageName, gv);
      for (const kv of d.buildArgs) {
        if (kv.key === name && kv.value !== undefined) b = isEnabledForStage(d.stageName, kv.value);
      }
      if (b) {
        if (name === sbomScanContext) d.scanContext = true;
        else d.scanStage = true;
      }
    }
  }

  target.paths.add("/");
  return [ctxPaths, buildContext];
}

function emptyBase(): instructions.CommandBase {
  return { code: "", name: "", location: [], comments: [] };
}

function netMode(m: "sandbox" | "host" | "none"): NetMode {
  return m === "host" ? NetMode.HOST : m === "none" ? NetMode.NONE : NetMode.UNSET;
}

async function finalizeResultImage(dctx: DispatchContext, target: DispatchState, ctxPaths: Set<string>, buildContext: MutableOutput): Promise<void> {
  const labels = Object.keys(dctx.opt.config.labels);
  if (labels.length !== 0 && target.image.config.labels === undefined) target.image.config.labels = new Map();
  for (const k of labels) target.image.config.labels!.set(k, dctx.opt.config.labels[k]!);

  const lintErr = dctx.lint.error();
  if (lintErr) throw lintErr;

  const opts = filterPaths(ctxPaths);
  let bctx = dctx.opt.mainContext;
  if (dctx.opt.client !== undefined) {
    bctx = await dctx.opt.client.mainContext(opts);
  } else if (bctx === undefined) {
    bctx = defaultMainContext(opts);
  }
  buildContext.output = bctx.output();

  const tp = dctx.platformOpt.targetPlatform;
  target.state = target.state.setMarshalDefaults({
    platform: tp,
    ...(dctx.opt.llbCaps !== undefined ? { constraints: [withCaps(dctx.opt.llbCaps)] } : {}),
  });

  if (!dctx.platformOpt.implicitTarget) {
    const img = target.image;
    const sameOsArch = tp.os === img.os && tp.architecture === img.architecture;
    img.os = tp.os;
    img.architecture = tp.architecture;
    if ((tp.variant ?? "") !== "" || !sameOsArch) img.variant = tp.variant ?? "";
    if ((tp.osVersion ?? "") !== "" || !sameOsArch) img.osVersion = tp.osVersion ?? "";
    if (tp.osFeatures !== undefined) img.osFeatures = [...tp.osFeatures];
  }
  normalizeImagePlatform(target.image);
}

/** platforms.Normalize on the image's platform fields. */
function normalizeImagePlatform(img: DockerOCIImage): void {
  if (img.os === "") {
    // Go normalizes an empty OS to ""; only the architecture changes.
    const n = normalizePlatform({ os: "x", architecture: img.architecture, variant: img.variant });
    img.architecture = n.architecture;
    img.variant = n.variant ?? "";
  } else {
    const n = normalizePlatform(imagePlatform(img));
    img.os = n.os;
    img.architecture = n.architecture;
    img.variant = n.variant ?? "";
  }
  if (img.osFeatures !== undefined && img.osFeatures.length > 0) img.osFeatures = [...new Set(img.osFeatures)].sort(compareUtf8);
}

/** convert.go toCommand: wraps an instruction with the stages it reads from. */
export function toCommand(ic: instructions.Command, allDispatchStates: DispatchStates, shlex: LexType, fromEnv?: EnvGetter): Command {
  const cmd: Command = { command: ic, sources: [], isOnBuild: false };
  // tsfrontend's `from-vars` extension (extensions.ts): `--from` expanded with the global scope.
  if (fromEnv !== undefined) expandFromFlags(ic, shlex, fromEnv);
  if (ic.kind === "copy" && ic.from !== "") {
    const res = shlex.processWordWithMatches(ic.from, envsFromSlice([]));
    if (res.result !== ic.from) {
      throw new DockerfileError(
        "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround",
      );
    }
    let stn: DispatchState | undefined;
    const index = goAtoi(ic.from);
    if (index === undefined) {
      stn = allDispatchStates.findStateByName(ic.from);
      if (stn === undefined) {
        stn = new DispatchState(new instructions.Stage({ baseName: ic.from, location: ic.location() }));
        stn.unregistered = true;
      }
    } else {
      stn = allDispatchStates.findStateByIndex(index);
    }
    cmd.sources = [stn];
  }
  detectRunMount(cmd, allDispatchStates);
  return cmd;
}

/** `from-vars`: COPY --from and RUN --mount from with variables of `env` expanded (in place, before stages are looked up). */
function expandFromFlags(ic: instructions.Command, shlex: LexType, env: EnvGetter): void {
  const expand = (w: string) => (w.includes("$") ? shlex.processWord(w, env).result : w);
  if (ic.kind === "copy" && ic.from !== "") ic.from = expand(ic.from);
  if (ic.kind === "run") for (const m of getMounts(ic)) if (m.from !== "") m.from = expand(m.from);
}

/** strconv.Atoi: an int64 in base 10 with an optional sign, else undefined. */
function goAtoi(s: string): number | undefined {
  // Most --from values are stage names: no error object (and its stack) for them.
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  try {
    return Number(goParseInt(s, 10, 64));
  } catch {
    return undefined;
  }
}

/**
 * Go's expander of dispatch and dispatchArg: the word expanded in `env`, its unset
 * variables reported as UndefinedVar (also when the expansion fails, as Go does).
 */
function expandReporting(lex: LexType, word: string, env: EnvGetter, c: instructions.Command, d: DispatchState, opt: DispatchOpt): string {
  let r: { result: string; unmatched: Set<string> };
  try {
    r = lex.processWord(word, env);
  } catch (e) {
    reportUnmatchedVariables(c, d.buildArgs, env, unsetOnFailure(env, (rec) => lex.processWord(word, rec)), opt);
    throw e;
  }
  reportUnmatchedVariables(c, d.buildArgs, env, r.unmatched, opt);
  return r.result;
}

/** The names a failing expansion looked up and `env` lacks: the expansion runs again with an env that records them. */
function unsetOnFailure(env: EnvGetter, run: (env: EnvGetter) => unknown): Set<string> {
  const missing = new Set<string>();
  const rec: EnvGetter = {
    get: (k) => {
      const v = env.get(k);
      if (v === undefined) missing.add(k);
      return v;
    },
    keys: () => env.keys(),
  };
  try {
    run(rec);
  } catch {
    // the same error again
  }
  return missing;
}

/**
 * Runs the lexer and hands the names it found unset to `report`, also when the
 * expansion fails: Go's lexer returns its unmatched names with the error and the
 * converter reports them before returning it. On failure the (deterministic)
 * expansion runs again with an env that records the lookups that missed.
 */
export function processReporting<T>(env: EnvGetter, run: (env: EnvGetter) => T, report: (unmatched: Set<string>) => void, unmatchedOf: (r: T) => Set<string>): T {
  let r: T;
  try {
    r = run(env);
  } catch (e) {
    report(unsetOnFailure(env, run));
    throw e;
  }
  report(unmatchedOf(r));
  return r;
}

/** convert.go dispatch: expands an instruction's words and applies it to the stage. */
export function dispatch(d: DispatchState, cmd: Command, opt: DispatchOpt): void {
  const lint = opt.lint.withMergedConfigFromComments(cmd.command.comments());
  if (lint !== opt.lint) opt = { ...opt, lint };
  d.cmdIsOnBuild = cmd.isOnBuild;
  const c = cmd.command;
  if (c.kind !== "arg" && instructions.supportsSingleWordExpansion(c)) {
    c.expand((word) => expandReporting(opt.shlex, word, getEnv(d.state), c, d, opt));
  }
  if (instructions.supportsSingleWordExpansionRaw(c)) {
    c.expandRaw((word) => {
      const lex = new Lex("\\");
      lex.skipProcessQuotes = true;
      return expandReporting(lex, word, getEnv(d.state), c, d, opt);
    });
  }

  switch (c.kind) {
    case "maintainer":
      dispatchMaintainer(d, c);
      return;
    case "env":
      dispatchEnv(d, c, opt.lint);
      return;
    case "run":
      dispatchRun(d, c, opt.proxyEnv, cmd.sources, opt);
      return;
    case "workdir":
      dispatchWorkdir(d, c, true, opt);
      return;
    case "add":
      dispatchCopy(d, {
        params: c,
        excludePatterns: c.excludePatterns,
        source: opt.buildContext,
        isAddCommand: true,
        cmdToPrint: c,
        chown: c.chown,
        chmod: c.chmod,
        link: c.link,
        keepGitDir: c.keepGitDir,
        checksum: c.checksum,
        unpack: c.unpack,
        parents: false,
        location: c.location(),
        ignoreMatcher: opt.dockerIgnoreMatcher,
        opt,
      });
      for (const src of c.sourcePaths) {
        if (!src.startsWith("http://") && !src.startsWith("https://")) d.ctxPaths.add(joinPath("/", src));
      }
      return;
    case "label":
      dispatchLabel(d, c, opt.lint);
      return;
    case "onbuild":
      dispatchOnbuild(d, c);
      return;
    case "cmd":
      dispatchCmd(d, c, opt.lint);
      return;
    case "entrypoint":
      dispatchEntrypoint(d, c, opt.lint);
      return;
    case "healthcheck":
      dispatchHealthcheck(d, c, opt.lint);
      return;
    case "expose":
      dispatchExpose(d, c, opt);
      return;
    case "user":
      dispatchUser(d, c, true);
      return;
    case "volume":
      dispatchVolume(d, c);
      return;
    case "stopsignal":
      dispatchStopSignal(d, c);
      return;
    case "shell":
      dispatchShell(d, c);
      return;
    case "arg":
      dispatchArg(d, c, opt);
      return;
    case "copy": {
      let l = opt.buildContext;
      let ignoreMatcher: PatternMatcher | undefined;
      if (cmd.sources.length !== 0) {
        const src = cmd.sources[0]!;
        if (!src.dispatched) {
          throw new DockerfileError(`cannot copy from stage ${goQuote(c.from)}, it needs to be defined before current stage ${goQuote(d.stageName)}`);
        }
        l = src.state;
      } else {
        ignoreMatcher = opt.dockerIgnoreMatcher;
      }
      dispatchCopy(d, {
        params: c,
        excludePatterns: c.excludePatterns,
        source: l,
        isAddCommand: false,
        cmdToPrint: c,
        chown: c.chown,
        chmod: c.chmod,
        link: c.link,
        keepGitDir: undefined,
        checksum: "",
        unpack: undefined,
        parents: c.parents,
        location: c.location(),
        ignoreMatcher,
        opt,
      });
      if (cmd.sources.length === 0) {
        for (const src of c.sourcePaths) d.ctxPaths.add(joinPath("/", src));
      } else {
        const source = cmd.sources[0]!;
        for (const src of c.sourcePaths) source.paths.add(joinPath("/", src));
      }
      return;
    }
  }
}

/** convert.go initOnBuildTriggers: parses inherited ONBUILD triggers into commands run first; true when they add stage dependencies. */
function initOnBuildTriggers(d: DispatchState, triggers: string[], allDispatchStates: DispatchStates, shlex: LexType): boolean {
  let hasNewDeps = false;
  const commands: Command[] = [];
  for (const trigger of triggers) {
    const ast = parseDockerfile(trigger);
    if (ast.ast.children.length !== 1) throw new DockerfileError("onbuild trigger should be a single expression");
    const node = ast.ast.children[0]!;
    [node.startLine, node.endLine] = rangeStartEnd(d.stage.location);
    const ic = parseCommand(node);
    const cmd = toCommand(ic, allDispatchStates, shlex);
    cmd.isOnBuild = true;
    if (cmd.sources.length > 0) hasNewDeps = true;
    commands.push(cmd);
    for (const src of cmd.sources) {
      if (src !== undefined) {
        d.deps.set(src, ic);
        if (src.unregistered) allDispatchStates.addState(src);
      }
    }
  }
  d.commands = [...commands, ...d.commands];
  d.cmdTotal += commands.length;
  return hasNewDeps;
}

function dispatchEnv(d: DispatchState, c: instructions.EnvCommand, lint: Linter): void {
  let commitMessage = "ENV";
  for (const e of c.env) {
    if (e.noDelim) lint.run(ruleLegacyKeyValueFormat, c.location(), ruleLegacyKeyValueFormat.format(c.name()));
    validateNoSecretKey("ENV", e.key, c.location(), lint);
    commitMessage += " " + e.toString();
    d.state = d.state.addEnv(e.key, e.value);
    d.image.config.env = addEnv(d.image.config.env, e.key, e.value);
  }
  commitToHistory(d.image, commitMessage, false, undefined, d.epoch);
}

/** convert.go dispatchWorkdir: sets the working dir; with `commit`, creates it (owned by USER) and records history. */
export function dispatchWorkdir(d: DispatchState, c: instructions.WorkdirCommand, commit: boolean, opt: DispatchOpt | undefined): void {
  const platform = d.platform!;
  if (commit) {
    if (!d.workdirSet && !isAbs(c.path, platform.os)) {
      opt!.lint.run(ruleWorkdirRelativePath, c.location(), ruleWorkdirRelativePath.format(c.path));
    }
    d.workdirSet = true;
  }
  let wd: string;
  try {
    wd = normalizeWorkdir(d.image.config.workingDir, c.path, platform.os);
  } catch (e) {
    throw new DockerfileError(`normalizing workdir: ${errMessage(e)}`, { cause: e });
  }
  d.image.config.workingDir = wd;
  wd = toSlash(wd, platform.os);
  d.state = d.state.dir(wd);

  if (commit) {
    let withLayer = false;
    if (wd !== "/") {
      const mkdirOpt: import("../../llb/index.js").MkdirOptions = { parents: true };
      const user = d.image.config.user;
      if (user !== "") mkdirOpt.chown = user;
      if (d.epoch !== undefined) mkdirOpt.createdTime = d.epoch;
      const pl = d.platform ?? opt!.targetPlatform;
      const env = getEnv(d.state);
      d.state = d.state.file(mkdir(wd, 0o755, mkdirOpt), {
        constraints: [
          withCustomName(prefixCommand(d, uppercaseCmd(processCmdEnv(opt!.shlex, c.toString(), env)), d.prefixPlatform, pl, env)),
          location(opt!.sourceMap, c.location()),
          withPlatform(platform),
        ],
      });
      withLayer = true;
    }
    commitToHistory(d.image, "WORKDIR " + wd, withLayer, undefined, d.epoch);
  }
}

function dispatchMaintainer(d: DispatchState, c: instructions.MaintainerCommand): void {
  d.image.author = c.maintainer;
  commitToHistory(d.image, `MAINTAINER ${c.maintainer}`, false, undefined, d.epoch);
}

function dispatchLabel(d: DispatchState, c: instructions.LabelCommand, lint: Linter): void {
  let commitMessage = "LABEL";
  d.image.config.labels ??= new Map();
  for (const v of c.labels) {
    if (v.noDelim) lint.run(ruleLegacyKeyValueFormat, c.location(), ruleLegacyKeyValueFormat.format(c.name()));
    d.image.config.labels.set(v.key, v.value);
    commitMessage += " " + v.toString();
  }
  commitToHistory(d.image, commitMessage, false, undefined, d.epoch);
}

function dispatchOnbuild(d: DispatchState, c: instructions.OnbuildCommand): void {
  d.image.config.onBuild = [...(d.image.config.onBuild ?? []), c.expression];
}

/** fmt's `%q` of a []string: `["a" "b"]`. */
export function goQuoteList(args: readonly string[] | undefined): string {
  return "[" + (args ?? []).map(goQuote).join(" ") + "]";
}

/** fmt's `%v` of a []string: `[a b]`. */
export function goList(args: readonly string[] | undefined): string {
  return "[" + (args ?? []).join(" ") + "]";
}

function dispatchCmd(d: DispatchState, c: instructions.CmdCommand, lint: Linter): void {
  validateUsedOnce(c, d.cmd, lint);
  let args = c.cmdLine;
  if (c.prependShell) {
    if ((d.image.config.shell ?? []).length === 0) lint.run(ruleJSONArgsRecommended, c.location(), ruleJSONArgsRecommended.format(c.name()));
    args = withShell(d.image, args ?? []);
  }
  d.image.config.cmd = args === undefined ? undefined : [...args];
  d.image.config.argsEscaped = true;
  commitToHistory(d.image, `CMD ${goQuoteList(args)}`, false, undefined, d.epoch);
}

function dispatchEntrypoint(d: DispatchState, c: instructions.EntrypointCommand, lint: Linter): void {
  validateUsedOnce(c, d.entrypoint, lint);
  let args = c.cmdLine;
  if (c.prependShell) {
    if ((d.image.config.shell ?? []).length === 0) lint.run(ruleJSONArgsRecommended, c.location(), ruleJSONArgsRecommended.format(c.name()));
    args = withShell(d.image, args ?? []);
  }
  d.image.config.entrypoint = args === undefined ? undefined : [...args];
  if (!d.cmd.isSet) d.image.config.cmd = undefined;
  commitToHistory(d.image, `ENTRYPOINT ${goQuoteList(args)}`, false, undefined, d.epoch);
}

function dispatchHealthcheck(d: DispatchState, c: instructions.HealthCheckCommand, lint: Linter): void {
  validateUsedOnce(c, d.healthcheck, lint);
  const h = c.health;
  d.image.config.healthcheck = {
    test: h.test,
    interval: h.interval,
    timeout: h.timeout,
    startPeriod: h.startPeriod,
    startInterval: h.startInterval,
    retries: h.retries,
  };
  const s =
    `{Test:${goList(h.test)} Interval:${formatDuration(h.interval)} Timeout:${formatDuration(h.timeout)} ` +
    `StartPeriod:${formatDuration(h.startPeriod)} StartInterval:${formatDuration(h.startInterval)} Retries:${h.retries}}`;
  commitToHistory(d.image, `HEALTHCHECK ${s}`, false, undefined, d.epoch);
}

/** convert.go dispatchUser: sets the user of later steps (and, with `commit`, records history). */
export function dispatchUser(d: DispatchState, c: instructions.UserCommand, commit: boolean): void {
  d.state = d.state.user(c.user);
  d.image.config.user = c.user;
  if (commit) commitToHistory(d.image, `USER ${c.user}`, false, undefined, d.epoch);
}

function dispatchVolume(d: DispatchState, c: instructions.VolumeCommand): void {
  d.image.config.volumes ??= new Set();
  for (const v of c.volumes) {
    if (v === "") throw new DockerfileError("VOLUME specified can not be an empty string");
    d.image.config.volumes.add(v);
  }
  commitToHistory(d.image, `VOLUME ${goList(c.volumes)}`, false, undefined, d.epoch);
}

const signalNames = new Set([
  "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL", "PIPE", "POLL", "PROF",
  "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP", "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM",
  "WINCH", "XCPU", "XFSZ", "RTMIN", "RTMAX",
  ...Array.from({ length: 15 }, (_, i) => `RTMIN+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `RTMAX-${i + 1}`),
]);

/** moby/sys/signal ParseSignal (linux table): a non-zero number or a signal name with or without SIG. */
export function parseSignal(rawSignal: string): void {
  const n = goAtoi(rawSignal);
  if (n !== undefined) {
    if (n === 0) throw new DockerfileError(`invalid signal: ${rawSignal}`);
    return;
  }
  let name = rawSignal.toUpperCase();
  if (name.startsWith("SIG")) name = name.slice(3);
  if (!signalNames.has(name)) throw new DockerfileError(`invalid signal: ${rawSignal}`);
}

function dispatchStopSignal(d: DispatchState, c: instructions.StopSignalCommand): void {
  parseSignal(c.signal);
  d.image.config.stopSignal = c.signal;
  commitToHistory(d.image, `STOPSIGNAL ${c.signal}`, false, undefined, d.epoch);
}

function dispatchShell(d: DispatchState, c: instructions.ShellCommand): void {
  d.image.config.shell = [...c.shell];
  commitToHistory(d.image, `SHELL ${goList(c.shell)}`, false, undefined, d.epoch);
}

function dispatchArg(d: DispatchState, c: instructions.ArgCommand, opt: DispatchOpt): void {
  const commitStrs: string[] = [];
  for (const orig of c.args) {
    const arg = new instructions.KeyValuePairOptional(orig.key, orig.value, orig.docComment);
    validateNoSecretKey("ARG", arg.key, c.location(), opt.lint);
    const hasValue = Object.hasOwn(opt.buildArgValues, arg.key);
    let hasDefault = arg.value !== undefined;

    let skipArgInfo = false;
    if (!hasDefault && !hasValue) {
      const v = opt.globalArgs.get(arg.key);
      if (v !== undefined) {
        arg.value = v;
        skipArgInfo = true;
        hasDefault = false;
      }
    }

    if (hasValue) {
      arg.value = opt.buildArgValues[arg.key]!;
    } else if (hasDefault) {
      arg.value = expandReporting(opt.shlex, arg.value!, getEnv(d.state), c, d, opt);
    }

    const ai: ArgInfo = { value: "", definition: arg, deps: undefined, location: c.location() };
    if (arg.value !== undefined) {
      if (!nonEnvArgs.has(arg.key)) d.state = d.state.addEnv(arg.key, arg.value);
      ai.value = arg.value;
    }
    if (!skipArgInfo) d.outline.allArgs.set(arg.key, ai);
    d.outline.usedArgs.add(arg.key);
    d.buildArgs.push(arg);

    let commitStr = arg.key;
    if (arg.value !== undefined) commitStr += "=" + arg.value;
    commitStrs.push(commitStr);
  }
  commitToHistory(d.image, "ARG " + commitStrs.join(" "), false, undefined, d.epoch);
}

/** convert.go addEnv: sets `k=v` in an image env list, in place of an existing `k`. */
export function addEnv(env: string[] | undefined, k: string, v: string): string[] {
  const out = env ?? [];
  // An entry's key (up to its first "=") equals k: without splitting each entry.
  const plain = !k.includes("=");
  for (let i = 0; i < out.length; i++) {
    const e = out[i]!;
    if (plain && (e === k || (e.length > k.length && e.charCodeAt(k.length) === 61 && e.startsWith(k)))) {
      out[i] = k + "=" + v;
      return out;
    }
  }
  out.push(k + "=" + v);
  return out;
}

/** convert.go parseKeyValue: `k=v` -> [k, v]; no `=` -> [s, ""]. */
export function parseKeyValue(env: string): [string, string] {
  const i = env.indexOf("=");
  return i < 0 ? [env, ""] : [env.slice(0, i), env.slice(i + 1)];
}

/** convert.go allReachableStages: a stage, its base and the stages it depends on, transitively. */
export function allReachableStages(s: DispatchState): Set<DispatchState> {
  const stages = new Set<DispatchState>();
  const stack = [s];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (stages.has(n)) continue;
    stages.add(n);
    const next: DispatchState[] = [];
    if (n.base !== undefined) next.push(n.base);
    for (const d of n.deps.keys()) next.push(d);
    for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]!);
  }
  return stages;
}

const proxyFields: readonly [string, keyof ProxyEnv][] = [
  ["http_proxy", "httpProxy"],
  ["https_proxy", "httpsProxy"],
  ["ftp_proxy", "ftpProxy"],
  ["no_proxy", "noProxy"],
  ["all_proxy", "allProxy"],
];

/** convert.go proxyEnvFromBuildArgs: the *_proxy build args (any case), or undefined when none is set. */
export function proxyEnvFromBuildArgs(args: Readonly<Record<string, string>>): ProxyEnv | undefined {
  const pe: { -readonly [K in keyof ProxyEnv]: ProxyEnv[K] } = {};
  let isNil = true;
  for (const k of Object.keys(args).sort(compareUtf8)) {
    for (const [name, field] of proxyFields) {
      if (equalFold(k, name)) {
        pe[field] = args[k]!;
        isNil = false;
      }
    }
  }
  return isNil ? undefined : pe;
}

/** convert.go autoDetectPlatform: a build platform matching the image's OS and architecture, else `target`. */
export function autoDetectPlatform(img: DockerOCIImage, target: Platform, supported: readonly Platform[]): Platform {
  if (target.os === img.os && target.architecture === img.architecture) return target;
  for (const p of supported) {
    if (p.os === img.os && p.architecture === img.architecture) return p;
  }
  return target;
}

function commonImageNames(): string[] {
  const repos = ["alpine", "busybox", "centos", "debian", "golang", "ubuntu", "fedora"];
  const out: string[] = [];
  for (const name of repos) out.push(name, "docker.io/library" + name, name + ":latest", "docker.io/library" + name + ":latest");
  return out;
}

/** convert.go isEnabledForStage: a bool, or a comma-separated list of stage names. */
export function isEnabledForStage(stage: string, value: string): boolean {
  const b = parseBool(value);
  if (b !== undefined) return b;
  return value.split(",").includes(stage);
}

/** convert.go mergeLocations: ranges sorted by start line, overlapping ones merged. */
export function mergeLocations(...locations: DockerfileRange[][]): DockerfileRange[] {
  const allRanges: DockerfileRange[] = [];
  for (const ranges of locations) allRanges.push(...ranges);
  if (allRanges.length <= 1) return allRanges.map((r) => ({ start: { ...r.start }, end: { ...r.end } }));
  const sorted = allRanges.map((r) => ({ start: { ...r.start }, end: { ...r.end } }));
  stableSortByStartLine(sorted);
  const out: DockerfileRange[] = [];
  let current = sorted[0]!;
  for (const r of sorted.slice(1)) {
    if (r.start.line <= current.end.line) {
      current.end.line = Math.max(current.end.line, r.end.line);
    } else {
      out.push(current);
      current = r;
    }
  }
  out.push(current);
  return out;
}

function stableSortByStartLine(a: DockerfileRange[]): void {
  // slices.SortFunc is not stable; for equal start lines Go's pdqsort keeps insertion order on short inputs (insertion sort below 12 elements).
  a.sort((x, y) => x.start.line - y.start.line);
}

function unusedFromArgsCheckKeys(env: EnvGetter, args: ReadonlyMap<string, ArgInfo>): Set<string> {
  const matched = new Set<string>();
  for (const arg of args.values()) matched.add(arg.definition.key);
  for (const k of env.keys()) matched.add(k);
  return matched;
}

/** convert.go wrapSuggestAny: adds "did you mean" for the first unmatched key close to an option. */
function wrapSuggestAny(err: DockerfileError, keys: ReadonlySet<string>, options: readonly string[]): DockerfileError {
  for (const k of keys) {
    const msg = suggestMessage(err.message, k, options, true);
    if (msg !== err.message) return new DockerfileError(msg, { locations: err.locations, cause: err });
  }
  return err;
}

/** convert.go rangeStartEnd: the first start line and last end line of ranges. */
export function rangeStartEnd(r: readonly DockerfileRange[]): [number, number] {
  if (r.length === 0) return [0, 0];
  let start = 2147483647;
  let end = 0;
  for (const rng of r) {
    if (rng.start.line < start) start = rng.start.line;
    if (rng.end.line > end) end = rng.end.line;
  }
  return [start, end];
}

