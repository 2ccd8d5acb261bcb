/**
 * dockerui's Client for Dockerfiles: a port of buildkit v0.32.2
 * frontend/dockerui/config.go (`NewClient`, `init`, `ReadEntrypoint`,
 * `MainContext`, `NamedContext`, `IsNoCache`, `DockerIgnorePatterns`) over a
 * {@link GatewayClient}. The options are read by program/opts.ts (one parser
 * for programs and Dockerfiles), the build file and main context found by
 * program/build-file.ts (initContext), named contexts by namedcontext.ts.
 * It implements the converter's {@link DockerfileClient}.
 */

import { DockerfileError } from "../../errors.js";
import type { GatewayClient } from "../../gateway/types.js";
import { formatPlatformAll, local, normalizePlatform, SourceMap, withCaps, type CapSet, type Definition, type LocalOptions, type Platform, type State } from "../../llb/index.js";
import { dockerignoreProbe, readLocalDockerignoreFile, type DockerignoreProbe } from "../../program/named-contexts.js";
import { parseNormalizedNamed } from "../../llb/reference.js";
import { parseIgnoreFile } from "../../internal/go/patternmatcher.js";
import { loadedHereStep, readBuildFile, type BuildFile, type LocalFileReader } from "../../program/build-file.js";
import { parseProgramOpts, type ProgramOpts } from "../../program/opts.js";
import { parseBool } from "../../internal/go/strconv.js";
import type { ContextOpt, DockerfileClient, DockerfileConfig, NamedContext, SourceMetadata } from "../convert/options.js";
import type { PbSourceOp } from "../../llb/pb.js";
import type { LinterConfig } from "../linter/linter.js";
import { findNamedContext, type NamedContextEnv } from "./namedcontext.js";

export const DEFAULT_LOCAL_NAME_CONTEXT = "context";
export const DEFAULT_DOCKERIGNORE_NAME = ".dockerignore";

/** The Dockerfile as `ReadEntrypoint` returns it: its source map and a way to warn at its lines. */
export interface Source {
  sourceMap: SourceMap;
  /** The head vertex of the source it was read from (warnings attach to it). */
  vertex: string;
  warn(message: string, opts: WarnOpts): Promise<void>;
}

/** client.WarnOpts. */
export interface WarnOpts {
  level?: number;
  detail?: readonly Uint8Array[];
  url?: string;
  ranges?: readonly { start: { line: number; character: number }; end: { line: number; character: number } }[];
}

export interface DockerUIClientOptions {
  /** The frontend options. */
  opts: Readonly<Record<string, string>>;
  sessionID: string;
  /** Default: the gateway's first worker platform, else linux/amd64. */
  buildPlatform?: Platform;
  /** Parses `BUILDKIT_DOCKERFILE_CHECK` (the linter's `parseLintOptions`). */
  parseLintOptions?: (v: string) => LinterConfig;
  /** The build file already read (e.g. by the frontend to classify it); else read on first use. */
  buildFile?: BuildFile;
  /** The session's locals read in place (a client-side build): the build file and `.dockerignore` without waiting for transfers. */
  localFiles?: LocalFileReader;
}

const decoder = new TextDecoder();

/**
 * The options as dockerui's `Config.init` leaves them: it writes
 * `multi-platform` from `build-arg:BUILDKIT_MULTI_PLATFORM` and `hostname`
 * from `build-arg:BUILDKIT_SANDBOX_HOSTNAME` (when not empty) into the
 * request's own map, so a request forwarded to a `# syntax=` frontend carries
 * them too.
 */
function withDockeruiRewrites(given: Readonly<Record<string, string>>): Record<string, string> {
  const opts = { ...given };
  const multiPlatform = opts["build-arg:BUILDKIT_MULTI_PLATFORM"];
  if (multiPlatform) opts["multi-platform"] = multiPlatform;
  const hostname = opts["build-arg:BUILDKIT_SANDBOX_HOSTNAME"];
  if (hostname) opts["hostname"] = hostname;
  return opts;
}

/** dockerui.Client over a gateway. */
export class DockerUIClient implements DockerfileClient {
  readonly config: DockerfileConfig;
  readonly parsed: ProgramOpts;
  readonly linterConfig: LinterConfig | undefined;
  readonly #gateway: GatewayClient;
  readonly #opts: Record<string, string>;
  readonly #sessionID: string;
  readonly #ignoreCache: string[] | undefined;
  readonly #localFiles: LocalFileReader | undefined;
  #buildFile: Promise<BuildFile> | undefined;
  #dockerignore: { name: string; data: Uint8Array } | undefined;
  #dockerignoreLoad: Promise<{ name: string; data: Uint8Array }> | undefined;

  /** dockerui.NewClient: checks the daemon's minimum caps and reads the options (throws their errors). */
  constructor(gateway: GatewayClient, o: DockerUIClientOptions) {
    this.#gateway = gateway;
    this.#opts = withDockeruiRewrites(o.opts);
    this.#sessionID = o.sessionID;
    this.#localFiles = o.localFiles;
    validateMinCaps(gateway, this.#opts);
    const parsed = parseProgramOpts(this.#opts);
    this.parsed = parsed;
    this.#ignoreCache = parsed.noCacheStages;
    let linterConfig: LinterConfig | undefined;
    const check = parsed.dockerfileCheck;
    if (check !== undefined && o.parseLintOptions) {
      try {
        linterConfig = o.parseLintOptions(check);
      } catch (err) {
        throw new DockerfileError(`failed to parse BUILDKIT_DOCKERFILE_CHECK: ${(err as Error).message}`, { cause: err });
      }
    }
    this.linterConfig = linterConfig;
    const buildPlatform = normalizePlatform(o.buildPlatform ?? gateway.workerPlatforms[0] ?? { os: "linux", architecture: "amd64" });
    this.config = {
      buildArgs: parsed.buildArgs,
      cacheIDNamespace: parsed.cacheIDNamespace,
      cgroupParent: parsed.cgroupParent,
      extraHosts: parsed.extraHosts,
      hostname: parsed.hostname,
      imageResolveMode: parsed.imageResolveMode,
      labels: parsed.labels,
      networkMode: parsed.networkMode ?? "sandbox",
      shmSize: parsed.shmSize,
      target: parsed.target ?? "",
      ulimits: parsed.ulimits,
      linuxResources: parsed.linuxResources,
      devices: [],
      linterConfig,
      cacheImports: parsed.cacheImports,
      targetPlatforms: parsed.platforms,
      buildPlatforms: [buildPlatform],
      multiPlatformRequested: parsed.multiPlatform,
      sbom: parsed.sbom,
    } as DockerfileConfig;
    if (o.buildFile) this.#buildFile = Promise.resolve(o.buildFile);
  }

  /** The frontend options (with dockerui's rewrites: multi-platform, hostname). */
  get opts(): Readonly<Record<string, string>> {
    return this.#opts;
  }

  get sessionID(): string {
    return this.#sessionID;
  }

  llbCaps(): CapSet {
    return this.#gateway.llbCaps ?? new Set();
  }

  caps(): CapSet {
    return this.#gateway.caps ?? new Set();
  }

  /** initContext (program/build-file.ts), once. */
  buildContext(): Promise<BuildFile> {
    return (this.#buildFile ??= readBuildFile({ opts: this.#opts, gateway: this.#gateway, sessionID: this.#sessionID, caps: this.caps(), ...(this.#localFiles ? { localFiles: this.#localFiles } : {}) }));
  }

  /** dockerui's `ReadEntrypoint`: the Dockerfile's source map (and `<Dockerfile>.dockerignore`, kept for the main context). */
  async readEntrypoint(lang = "Dockerfile"): Promise<Source> {
    const bf = await this.buildContext();
    const sourceMap = new SourceMap(bf.path, { language: lang, data: bf.source, ...(bf.definition ? { definition: bf.definition } : {}) });
    if (bf.dockerignore && !this.#dockerignore) this.#dockerignore = { name: `${bf.path}.dockerignore`, data: bf.dockerignore };
    const vertex = bf.vertex ?? "";
    const gateway = this.#gateway;
    return {
      sourceMap,
      vertex,
      async warn(message, opts) {
        if (!gateway.warn) return;
        await bf.vertexShown;
        await gateway.warn(vertex, {
          level: opts.level || 1,
          message,
          ...(opts.detail ? { detail: opts.detail } : {}),
          ...(opts.url ? { url: opts.url } : {}),
          source: { filename: sourceMap.filename, language: sourceMap.language, data: sourceMap.data, ...(sourceMap.definition ? { definition: sourceMap.definition as Definition } : {}) },
          ...(opts.ranges ? { ranges: opts.ranges } : {}),
        });
      },
    };
  }

  /** dockerui's `MainContext`: the context given with the build (git, http, input), else the `context` local minus the ignore patterns. */
  async mainContext(opts: LocalOptions = {}): Promise<State> {
    const bf = await this.buildContext();
    if (bf.context) return bf.context;
    const excludes = await this.#dockerIgnorePatterns().catch((err: unknown) => {
      throw new DockerfileError(`failed to read dockerignore patterns: ${(err as Error).message}`, { cause: err });
    });
    const sessionID = this.parsed.localSessionIDs[DEFAULT_LOCAL_NAME_CONTEXT] ?? this.#sessionID;
    const constraints = [...(opts.constraints ?? [])];
    return local(DEFAULT_LOCAL_NAME_CONTEXT, {
      sessionID,
      ...(excludes.length > 0 ? { excludePatterns: excludes } : {}),
      sharedKeyHint: DEFAULT_LOCAL_NAME_CONTEXT,
      customName: "[internal] load build context",
      ...opts,
      constraints,
    });
  }

  /** dockerui's `NamedContext`: `NAME::<platform>` first, then `NAME`. */
  async namedContext(name: string, opt: ContextOpt): Promise<NamedContext | undefined> {
    let familiar: string;
    try {
      familiar = parseNormalizedNamed(name).familiarString().replace(/:latest$/, "");
    } catch (err) {
      throw new DockerfileError(`invalid context name ${name}: ${(err as Error).message}`, { cause: err });
    }
    const p = normalizePlatform(opt.platform ?? this.config.buildPlatforms?.[0] ?? { os: "linux", architecture: "amd64" });
    const env: NamedContextEnv = { gateway: this.#gateway, sessionID: this.#sessionID, opts: this.#opts, parsed: this.parsed };
    return findNamedContext(env, familiar, `${familiar}::${formatPlatformAll(p)}`, opt) ?? findNamedContext(env, familiar, familiar, opt);
  }

  /** `ResolveSourceMetadata` through the gateway (SOURCE_DATE_EPOCH from a git or http source). */
  async resolveSourceMetadata(op: PbSourceOp, opt: { logName: string; gitReturnObject: boolean }): Promise<SourceMetadata> {
    if (!this.#gateway.resolveSourceMetadata) return {};
    return this.#gateway.resolveSourceMetadata({ identifier: op.identifier, attrs: { ...op.attrs } }, opt);
  }

  /** Solves `state` (with the gateway caps) and reads `filename` from its result. */
  async solveAndReadFile(state: State, filename: string): Promise<Uint8Array> {
    const res = await this.#gateway.solve({ definition: await state.marshal({ constraints: [withCaps(this.caps())] }) });
    if (!res.ref) throw new DockerfileError(`failed to read ${filename}: the daemon returned no result`);
    try {
      return await this.#gateway.readFile(res.ref, filename);
    } catch (err) {
      // Go returns the ReadFile error as it is; typed here with the same message.
      throw new DockerfileError((err as Error).message, { cause: err });
    }
  }

  /** dockerui's `IsNoCache`: `no-cache` without a value means every stage. */
  isNoCache(name: string): boolean {
    if (this.#ignoreCache === undefined) return false;
    if (this.#ignoreCache.length === 0) return true;
    return this.#ignoreCache.some((n) => n.toLowerCase() === name.toLowerCase());
  }

  /** dockerui's `DockerIgnorePatterns`: none when the context is not a local. */
  async dockerIgnorePatterns(): Promise<string[]> {
    const bf = await this.buildContext();
    if (bf.context) return [];
    return this.#dockerIgnorePatterns();
  }

  async #dockerIgnorePatterns(): Promise<string[]> {
    const di = this.#dockerignore ?? (await (this.#dockerignoreLoad ??= this.#loadDockerignore()));
    if (di.data.length === 0) return [];
    try {
      return parseIgnoreFile(decoder.decode(di.data));
    } catch (err) {
      throw new DockerfileError(`failed parsing ${di.name}: ${(err as Error).message}`, { cause: err });
    }
  }

  async #loadDockerignore(): Promise<{ name: string; data: Uint8Array }> {
    const sessionID = this.parsed.localSessionIDs[DEFAULT_LOCAL_NAME_CONTEXT] ?? this.#sessionID;
    // dockerui's MainContext solves its probe without evaluate (named contexts evaluate theirs).
    const probe: DockerignoreProbe = {
      localName: DEFAULT_LOCAL_NAME_CONTEXT,
      sessionID,
      sharedKeyHint: `${DEFAULT_LOCAL_NAME_CONTEXT}-${DEFAULT_DOCKERIGNORE_NAME}`,
      customName: `[internal] load ${DEFAULT_DOCKERIGNORE_NAME}`,
      evaluate: false,
    };
    const st = dockerignoreProbe(probe);
    const here = sessionID === this.#sessionID ? await this.#localFiles?.(DEFAULT_LOCAL_NAME_CONTEXT, DEFAULT_DOCKERIGNORE_NAME) : undefined;
    if (here !== undefined) {
      // Read in place; the step shows in the progress whether the file is there or not, as dockerui's transfer does.
      await loadedHereStep(this.#gateway, DEFAULT_DOCKERIGNORE_NAME, here ?? new Uint8Array(), `[internal] load ${DEFAULT_DOCKERIGNORE_NAME}`, () => st.marshal());
      return { name: DEFAULT_DOCKERIGNORE_NAME, data: here ?? new Uint8Array() };
    }
    const data = await readLocalDockerignoreFile(this.#gateway, probe);
    return { name: DEFAULT_DOCKERIGNORE_NAME, data };
  }
}

/** dockerui's `validateMinCaps`. */
function validateMinCaps(gateway: GatewayClient, opts: Readonly<Record<string, string>>): void {
  if (gateway.llbCaps && !gateway.llbCaps.has("file.base")) throw new DockerfileError("needs BuildKit 0.5 or later");
  if (opts["override-copy-image"]) throw new DockerfileError('support for "override-copy-image" was removed in BuildKit 0.11');
  const v = opts["build-arg:BUILDKIT_DISABLE_FILEOP"];
  if (v !== undefined && parseBool(v) === true) throw new DockerfileError('support for "BUILDKIT_DISABLE_FILEOP" build-arg was removed in BuildKit 0.11');
}
