/**
 * Our side of the Dockerfile goldens, fuzz and benchmark: runs src/dockerfile
 * (through the contract of doc dockerfile-layout: `parse`, `dockerfile2LLB`,
 * `dockerfile2Outline`, `dockerfileLint`, `listTargets`, ConvertOpt) on a
 * Dockerfile and a request, and answers in the JSON shapes test/dockerfile/go
 * prints, so the two can be compared field by field.
 *
 * The converter is loaded at run time (dist/src/dockerfile/index.js, else the
 * module files of the layout), so these tests build and report before every
 * part exists; only the contract's names and shapes are used.
 */

import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Node, Result as ParseResult } from "../../src/dockerfile/parser/parser.js";
import { DockerfileError, TsfError, type DockerfileRange } from "../../src/errors.js";
import {
  Caps,
  Definition,
  formatPlatformAll,
  local,
  normalizePlatform,
  parsePlatform,
  sha256Digest,
  SourceMap,
  type MarshalOptions,
  type Platform,
  type State,
} from "../../src/llb/index.js";
import { parseProgramOpts } from "../../src/program/opts.js";
import { repoRoot } from "../lib/gobin.js";
import type { GatewayResult } from "../../src/gateway/types.js";
import { FakeGateway, textOrBase64 } from "./fake-gateway.js";
import { StubResolver } from "./stub-resolver.js";

/** What a case asks for (the JSON beside a case's Dockerfile). */
export interface Request {
  /** Frontend opts: `build-arg:K`, `label:K`, `target`, `platform`, `context:NAME`, `no-cache`... */
  opts?: Record<string, string>;
  /** The worker's platforms (first = build platform); default linux/amd64. */
  buildPlatforms?: string[];
  /** Files the fake gateway serves besides the Dockerfile (`.dockerignore`, `Dockerfile.dockerignore`...). */
  files?: Record<string, string>;
  /** Which comparisons to run (default: every one). */
  modes?: Mode[];
}

export const allModes = ["ast", "convert", "build", "lint", "outline", "targets"] as const;
export type Mode = (typeof allModes)[number];

/** Every Dockerfile test marshals with these, as test/dockerfile/go's marshalOpts. */
export const marshalOptions: MarshalOptions = { platform: parsePlatform("linux/amd64"), localUniqueID: "golden-unique" };

// ---------------------------------------------------------------------------
// The contract's shapes, as far as these tests read them (the parser's types are imported: types only,
// the modules themselves are loaded at run time).

type DfRange = DockerfileRange;
type DfNode = Node;
type DfParseResult = ParseResult;
interface DfConvertResult {
  state: State;
  image: unknown;
  baseImage: unknown;
  epoch: Date | undefined;
  isIgnoreCache: boolean;
}
type LintWarnFunc = (rulename: string, description: string, url: string, fmtmsg: string, location: DfRange[]) => void;
type DfConfig = Record<string, unknown>;
interface DfConvertOpt {
  config: DfConfig;
  client: undefined;
  mainContext: undefined;
  sourceMap: SourceMap | undefined;
  targetPlatform: Platform | undefined;
  metaResolver: StubResolver;
  llbCaps: Set<string>;
  warn: LintWarnFunc | undefined;
  allStages: boolean;
}

/** The functions of src/dockerfile these tests call (any may be missing while it is being written). */
export interface DockerfileModule {
  parse?: (source: string | Uint8Array) => DfParseResult;
  dockerfile2LLB?: (dt: Uint8Array, opt: DfConvertOpt) => Promise<DfConvertResult>;
  dockerfile2Outline?: (dt: Uint8Array, opt: DfConvertOpt) => Promise<unknown>;
  dockerfileLint?: (dt: Uint8Array, opt: DfConvertOpt) => Promise<unknown>;
  listTargets?: (dt: Uint8Array) => unknown;
  /** dockerui's config from frontend opts, if index.ts offers it (see {@link dockerfileConfig}). */
  configFromOpts?: (opts: Record<string, string>, buildPlatforms: Platform[]) => DfConfig;
  /** dockerui.Client over a gateway (its `config` is what dockerui.NewClient parses from the opts). */
  DockerUIClient?: new (gateway: FakeGateway, o: { opts: Record<string, string>; sessionID: string }) => { config: DfConfig };
  /** The whole frontend (builder.Build): builds the Dockerfile against the gateway and returns the result to it. */
  buildDockerfile?: (gateway: FakeGateway, o: { opts: Record<string, string>; sessionID: string }) => Promise<GatewayResult>;
}

const moduleFiles = ["index.js", "convert/convert.js", "parser/parser.js", "builder.js"];
const configNames = ["dockerfileConfig", "parseDockerfileConfig", "configFromOpts"];

let loaded: DockerfileModule | undefined;

/** Loads what exists of src/dockerfile (built into dist/), first definition of each name winning. */
export async function loadDockerfileModule(): Promise<DockerfileModule> {
  if (loaded) return loaded;
  const out: Record<string, unknown> = {};
  for (const f of moduleFiles) {
    const file = join(repoRoot, "dist", "src", "dockerfile", f);
    if (!existsSync(file)) continue;
    const m = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const name of ["parse", "dockerfile2LLB", "dockerfile2Outline", "dockerfileLint", "listTargets"]) {
      if (out[name] === undefined && typeof m[name] === "function") out[name] = m[name];
    }
    for (const name of ["DockerUIClient", "buildDockerfile"]) {
      if (out[name] === undefined && typeof m[name] === "function") out[name] = m[name];
    }
    for (const name of configNames) {
      if (out["configFromOpts"] === undefined && typeof m[name] === "function") out["configFromOpts"] = m[name];
    }
  }
  loaded = out as DockerfileModule;
  return loaded;
}

/**
 * The DockerfileConfig for a request, as the Go side gets it (dockerui.NewClient
 * over the fake gateway, then its Config): the module's DockerUIClient over a
 * FakeGateway when index.ts exports it, else its opts parser, else the
 * existing ProgramOpts reading (src/program/opts.ts) mapped onto the
 * contract's fields. `linterConfig` stays unset: without a dockerui client
 * Go's converter does not read BUILDKIT_DOCKERFILE_CHECK either.
 */
export function dockerfileConfig(mod: DockerfileModule, opts: Record<string, string>, buildPlatforms: Platform[], gateway?: FakeGateway): DfConfig {
  if (mod.DockerUIClient && gateway) return { ...new mod.DockerUIClient(gateway, { opts: { ...opts }, sessionID: "golden-session" }).config, linterConfig: undefined };
  if (mod.configFromOpts) return { ...mod.configFromOpts({ ...opts }, buildPlatforms), linterConfig: undefined };
  for (const k of ["shm-size", "ulimit", "cgroup-parent", "device"]) {
    if (k in opts) throw new Error(`golden: opt ${k} needs src/dockerfile's config parser (none exported yet)`);
  }
  const p = parseProgramOpts(opts);
  return {
    buildArgs: p.buildArgs,
    cacheIDNamespace: opts["build-arg:BUILDKIT_CACHE_MOUNT_NS"] ?? "",
    cgroupParent: "",
    extraHosts: p.extraHosts,
    hostname: opts["build-arg:BUILDKIT_SANDBOX_HOSTNAME"] || opts["hostname"] || "",
    imageResolveMode: p.imageResolveMode,
    labels: p.labels,
    networkMode: p.networkMode ?? "sandbox",
    shmSize: 0,
    target: p.target ?? "",
    ulimits: [],
    devices: [],
    linterConfig: undefined,
    cacheImports: p.cacheImports,
    targetPlatforms: p.platforms,
    buildPlatforms,
    multiPlatformRequested: p.multiPlatform,
    sbom: undefined,
  };
}

// ---------------------------------------------------------------------------
// Answers in Go's JSON shapes (test/dockerfile/go).

export interface JsonError {
  message: string;
  /** Go: every location the error collected; ours: the first (DockerfileError.ranges). */
  locations: DfRange[][];
}

/** What one mode printed. `crash` is set when ours threw something that is not a DockerfileError. */
export interface ModeAnswer {
  error?: JsonError;
  crash?: string;
  [k: string]: unknown;
}

function errorAnswer(err: unknown): ModeAnswer {
  if (err instanceof DockerfileError) {
    return { error: { message: err.message, locations: err.ranges.length ? [err.ranges.map(plainRange)] : [] } };
  }
  if (err instanceof TsfError) return { error: { message: err.message, locations: [] } };
  return { crash: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}

function plainRange(r: DfRange): DfRange {
  return { start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } };
}

function nodeJson(n: DfNode | undefined): unknown {
  if (!n) return null;
  return {
    value: n.value,
    next: nodeJson(n.next),
    children: (n.children ?? []).map(nodeJson),
    heredocs: (n.heredocs ?? []).map((h) => ({ name: h.name, fileDescriptor: h.fileDescriptor, expand: h.expand, chomp: h.chomp, content: h.content })),
    attributes: { ...(n.attributes ?? {}) },
    original: n.original,
    flags: [...(n.flags ?? [])],
    startLine: n.startLine,
    endLine: n.endLine,
    prevComment: [...(n.prevComment ?? [])],
  };
}

/** JSON as Go writes it for our values: Uint8Array as base64, Dates as RFC 3339, undefined dropped. */
export function goJson(v: unknown): unknown {
  return JSON.parse(
    JSON.stringify(v ?? null, function (this: unknown, k: string, val: unknown) {
      const raw = (this as Record<string, unknown>)[k];
      if (raw instanceof Uint8Array) return Buffer.from(raw).toString("base64");
      if (raw instanceof Date) return raw.toISOString().replace(/\.000Z$/, "Z");
      if (raw instanceof Map) return Object.fromEntries(raw);
      if (raw instanceof Set) return [...raw];
      if (typeof val === "bigint") return Number(val);
      return val;
    }),
  );
}

function platformName(p: Platform | undefined): string {
  return p ? formatPlatformAll(normalizePlatform(p)) : "default";
}

/** The source map of a Dockerfile: as test/dockerfile/go's, `local("dockerfile")` marshalled as its definition. */
async function sourceMapOf(dt: Uint8Array): Promise<SourceMap> {
  const st = local("dockerfile");
  const def = await st.marshal(marshalOptions);
  return new SourceMap("Dockerfile", { language: "Dockerfile", data: dt, state: st, definition: def });
}

/** {@link sourceMapOf} for another Dockerfile, reusing a source map's state and definition. */
export function sourceMapFor(dt: Uint8Array, like: SourceMap | undefined): SourceMap {
  return new SourceMap("Dockerfile", {
    language: "Dockerfile",
    data: dt,
    ...(like?.state ? { state: like.state } : {}),
    ...(like?.definition ? { definition: like.definition } : {}),
  });
}

/** The ConvertOpt of the convert/lint/outline modes and the benchmark (no client, every LLB cap), and the target platforms. */
export async function baseConvertOpt(
  mod: DockerfileModule,
  dt: Uint8Array,
  req: Request,
  resolver: StubResolver,
): Promise<{ opt: DfConvertOpt; targets: (Platform | undefined)[] }> {
  const buildPlatforms = (req.buildPlatforms?.length ? req.buildPlatforms : ["linux/amd64"]).map((s) => normalizePlatform(parsePlatform(s)));
  const config = dockerfileConfig(mod, req.opts ?? {}, buildPlatforms, new FakeGateway(resolver, dt, undefined, req));
  const tps = (config["targetPlatforms"] as Platform[] | undefined) ?? [];
  return {
    opt: {
      config,
      client: undefined,
      mainContext: undefined,
      sourceMap: await sourceMapOf(dt),
      targetPlatform: undefined,
      metaResolver: resolver,
      llbCaps: new Set(Object.values(Caps)),
      warn: undefined,
      allStages: false,
    },
    targets: tps.length ? tps : [undefined],
  };
}

/**
 * The definition with its ops' progress groups renamed `progress-group-N` (N
 * counting distinct ids in op order), as test/dockerfile/go does: COPY --link
 * makes a random group id on both sides.
 */
export function normalizeProgressGroups(def: Definition): Definition {
  const ids = new Map<string, string>();
  const metadata = new Map(def.metadata);
  for (const op of def.def) {
    const dgst = sha256Digest(op);
    const md = metadata.get(dgst);
    if (!md?.progress_group) continue;
    let id = ids.get(md.progress_group.id ?? "");
    if (id === undefined) {
      id = `progress-group-${ids.size}`;
      ids.set(md.progress_group.id ?? "", id);
    }
    metadata.set(dgst, { ...md, progress_group: { ...md.progress_group, id } });
  }
  return new Definition(def.def, metadata, def.source);
}

/** Marshals a converted state as the Go side prints it. */
export async function encodeState(st: State): Promise<{ definition: string; digests: string[]; bytes: Uint8Array }> {
  const def = normalizeProgressGroups(await st.marshal(marshalOptions));
  const bytes = def.toBytes();
  return { definition: Buffer.from(bytes).toString("base64"), digests: def.def.map((op) => sha256Digest(op)), bytes };
}

async function runConvert(mod: DockerfileModule, dt: Uint8Array, req: Request, resolver: StubResolver): Promise<ModeAnswer> {
  if (!mod.dockerfile2LLB) return { crash: "src/dockerfile has no dockerfile2LLB yet" };
  let base;
  try {
    base = await baseConvertOpt(mod, dt, req, resolver);
  } catch (err) {
    return { ...errorAnswer(err), stage: "config" };
  }
  const warnings: unknown[] = [];
  const results: unknown[] = [];
  const out: ModeAnswer = { results, warnings };
  for (const [i, tp] of base.targets.entries()) {
    const opt: DfConvertOpt = {
      ...base.opt,
      config: { ...base.opt.config, buildArgs: { ...(base.opt.config["buildArgs"] as Record<string, string>) } },
      targetPlatform: tp,
      warn:
        i === 0
          ? (rule, description, url, msg, location) => {
              warnings.push({ rule, description, url, msg, ranges: location.map(plainRange) });
            }
          : undefined,
    };
    try {
      const res = await mod.dockerfile2LLB(dt, opt);
      let def;
      try {
        def = await encodeState(res.state);
      } catch (err) {
        return { ...out, ...errorAnswer(err), platform: platformName(tp), stage: "marshal" };
      }
      results.push({
        platform: platformName(tp),
        definition: { definition: def.definition, digests: def.digests },
        image: goJson(res.image),
        baseImage: res.baseImage ? goJson(res.baseImage) : null,
        epoch: res.epoch ? Math.floor(res.epoch.getTime() / 1000) : null,
        isIgnoreCache: res.isIgnoreCache,
      });
    } catch (err) {
      return { ...out, ...errorAnswer(err), platform: platformName(tp) };
    }
  }
  return out;
}

async function runSubrequest(mod: DockerfileModule, mode: "lint" | "outline" | "targets", dt: Uint8Array, req: Request, resolver: StubResolver): Promise<ModeAnswer> {
  const fn = mode === "lint" ? mod.dockerfileLint : mode === "outline" ? mod.dockerfile2Outline : mod.listTargets;
  if (!fn) return { crash: `src/dockerfile has no ${mode === "lint" ? "dockerfileLint" : mode === "outline" ? "dockerfile2Outline" : "listTargets"} yet` };
  try {
    if (mode === "targets") return { result: goJson(await mod.listTargets!(dt)) };
    const base = await baseConvertOpt(mod, dt, req, resolver);
    const opt = { ...base.opt, targetPlatform: base.targets[0] };
    return { result: goJson(await (fn as (dt: Uint8Array, o: DfConvertOpt) => Promise<unknown>)(dt, opt)) };
  } catch (err) {
    return errorAnswer(err);
  }
}

function runAst(mod: DockerfileModule, dt: Uint8Array): ModeAnswer {
  if (!mod.parse) return { crash: "src/dockerfile has no parse yet" };
  try {
    const r = mod.parse(dt);
    return {
      ast: nodeJson(r.ast),
      escapeToken: r.escapeToken,
      warnings: r.warnings.map((w) => ({ short: w.short, detail: [...w.detail], url: w.url, location: w.location ? plainRange(w.location) : null })),
    };
  } catch (err) {
    return errorAnswer(err);
  }
}

/**
 * The whole frontend (index.ts's `buildDockerfile`) on a FakeGateway: every
 * solve, the warnings, the result's metadata and refs. Errors of any of our
 * typed kinds (TsfError) are answers here: option errors are not Dockerfile errors.
 */
async function runBuild(mod: DockerfileModule, dt: Uint8Array, req: Request, resolver: StubResolver, contextDir: string | undefined): Promise<ModeAnswer> {
  if (!mod.buildDockerfile) return { crash: "src/dockerfile/index.ts has no buildDockerfile (the whole frontend) yet" };
  const gw = new FakeGateway(resolver, dt, contextDir, req);
  const out: ModeAnswer = { solves: [], warnings: gw.warnings };
  try {
    const res = await mod.buildDockerfile(gw, { opts: { ...(req.opts ?? {}) }, sessionID: "golden-session" });
    out["metadata"] = Object.fromEntries(Object.entries(res.metadata).map(([k, v]) => [k, textOrBase64(v)]));
    out["refs"] = Object.keys(res.refs ?? {}).sort();
    out["ref"] = !!res.ref;
    if (res.attestations && Object.keys(res.attestations).length > 0) {
      out["attestations"] = Object.fromEntries(
        Object.entries(res.attestations).map(([k, as]) => [
          k,
          as.map((a) => ({
            kind: a.kind === "bundle" ? "Bundle" : "InToto",
            metadata: Object.fromEntries(Object.entries(a.metadata).map(([mk, mv]) => [mk, textOrBase64(mv)])),
            path: a.path,
            predicateType: a.inToto.predicateType,
            subjects: a.inToto.subjects.length,
            ref: !!a.ref,
          })),
        ]),
      );
    }
  } catch (err) {
    // The frontend returns Dockerfile errors wrapped with their source (Go's wrapSource): the typed error is a cause.
    let typed: unknown = err;
    for (let i = 0; i < 5 && typed instanceof Error && !(typed instanceof TsfError); i++) typed = typed.cause;
    if (typed instanceof TsfError) Object.assign(out, errorAnswer(typed), { error: { ...errorAnswer(typed).error!, message: (err as Error).message } });
    else Object.assign(out, errorAnswer(err));
  }
  out["solves"] = gw.sortedSolves();
  return out;
}

/** Runs one mode on our side. */
export async function runTs(mode: Mode, dt: Uint8Array, req: Request, resolver = new StubResolver(), contextDir?: string): Promise<ModeAnswer> {
  const mod = await loadDockerfileModule();
  switch (mode) {
    case "ast":
      return runAst(mod, dt);
    case "convert":
      return runConvert(mod, dt, req, resolver);
    case "lint":
    case "outline":
    case "targets":
      return runSubrequest(mod, mode, dt, req, resolver);
    case "build":
      return runBuild(mod, dt, req, resolver, contextDir);
  }
}
