/**
 * Options and results of the Dockerfile converter: port of buildkit v0.32.2
 * frontend/dockerfile/dockerfile2llb/convert.go's ConvertOpt and Result, and
 * of the parts of frontend/dockerui (Config, Client, ContextOpt, NamedContext,
 * DefaultMainContext, WithInternalName) the converter calls.
 */

import type { CapSet, ConstraintsOpt, HostIP, ImageMetaResolver, LinuxResources, LocalOptions, Platform, ResolveMode, SourceMap, State } from "../../llb/index.js";
import { local, withCustomName } from "../../llb/index.js";
import type { CDIDeviceOptions } from "../../llb/exec.js";
import type { DockerOCIImage } from "../../llb/image-config.js";
import type { PbSourceOp } from "../../llb/pb.js";
import type { CacheImport } from "../../program/opts.js";
import type { LinterConfig, LintWarnFunc } from "../linter/linter.js";
import type { ConvertExtensions } from "../extensions.js";

/** dockerui.Config as the converter reads it (filled from the frontend options). */
export interface DockerfileConfig {
  buildArgs: Record<string, string>;
  cacheIDNamespace: string;
  cgroupParent: string;
  extraHosts: HostIP[];
  hostname: string;
  imageResolveMode: ResolveMode;
  labels: Record<string, string>;
  networkMode: "sandbox" | "host" | "none";
  shmSize: number;
  target: string;
  ulimits: { name: string; soft: number; hard: number }[];
  linuxResources: LinuxResources | undefined;
  devices: CDIDeviceOptions[];
  linterConfig: LinterConfig | undefined;
  cacheImports: CacheImport[];
  /** undefined means the default (the build platform). */
  targetPlatforms: Platform[] | undefined;
  buildPlatforms: Platform[] | undefined;
  multiPlatformRequested: boolean;
  sbom: { generator: string; parameters: Record<string, string> } | undefined;
}

/** A zero DockerfileConfig (Go's `dockerui.Config{}`). */
export function newDockerfileConfig(): DockerfileConfig {
  return {
    buildArgs: {},
    cacheIDNamespace: "",
    cgroupParent: "",
    extraHosts: [],
    hostname: "",
    imageResolveMode: "default",
    labels: {},
    networkMode: "sandbox",
    shmSize: 0,
    target: "",
    ulimits: [],
    linuxResources: undefined,
    devices: [],
    linterConfig: undefined,
    cacheImports: [],
    targetPlatforms: undefined,
    buildPlatforms: undefined,
    multiPlatformRequested: false,
    sbom: undefined,
  };
}

/** dockerui.ContextOpt. */
export interface ContextOpt {
  noDockerignore?: boolean;
  /** The local source options, asked for when the context is loaded (after the paths used are known). */
  asyncLocalOpts?: () => LocalOptions;
  platform?: Platform | undefined;
  resolveMode?: string;
}

/** A named context (`--build-context NAME=...`), loaded when a stage needs it (dockerui.NamedContext). */
export interface NamedContext {
  /** Go: `(st, img, err)`; `image` undefined when the context has no image config. */
  load(): Promise<{ state: State; image: DockerOCIImage | undefined }>;
}

/** What a source's metadata resolution returns (sourceresolver.MetaResponse, the parts SOURCE_DATE_EPOCH reads). */
export interface SourceMetadata {
  /** The raw git commit object, when asked for. */
  gitCommitObject?: Uint8Array;
  /** The HTTP Last-Modified time. */
  httpLastModified?: Date;
}

/** The parts of dockerui.Client the converter calls (implemented over a GatewayClient). */
export interface DockerfileClient {
  /** dockerui `NamedContext(name, opt)`: undefined when no such context is set. */
  namedContext(name: string, opt: ContextOpt): Promise<NamedContext | undefined>;
  /** dockerui `MainContext(ctx, opts...)`: the build context as a local source. */
  mainContext(opts?: LocalOptions): Promise<State>;
  /** dockerui `IsNoCache(name)`. */
  isNoCache(name: string): boolean;
  /** dockerui `DockerIgnorePatterns` (`<Dockerfile>.dockerignore`, else `.dockerignore`). */
  dockerIgnorePatterns(): Promise<string[]>;
  /** `BuildOpts().LLBCaps`. */
  llbCaps(): CapSet;
  /** `BuildOpts().Caps` (the gateway caps). */
  caps(): CapSet;
  /** The client's `Config.LinterConfig` (from BUILDKIT_DOCKERFILE_CHECK / frontend opts), if any. */
  linterConfig: LinterConfig | undefined;
  /** `GatewayClient().ResolveSourceMetadata(op, {LogName, GitOpt{ReturnObject}})`, for SOURCE_DATE_EPOCH. */
  resolveSourceMetadata?(op: PbSourceOp, opt: { logName: string; gitReturnObject: boolean }): Promise<SourceMetadata>;
  /** Solves `state` (marshalled with the gateway caps) and reads `filename` from its single ref, for SOURCE_DATE_EPOCH. */
  solveAndReadFile?(state: State, filename: string): Promise<Uint8Array>;
}

/** dockerfile2llb.ConvertOpt. */
export interface ConvertOpt {
  config: DockerfileConfig;
  client: DockerfileClient | undefined;
  mainContext: State | undefined;
  sourceMap: SourceMap | undefined;
  targetPlatform: Platform | undefined;
  metaResolver: ImageMetaResolver | undefined;
  llbCaps: CapSet | undefined;
  warn: LintWarnFunc | undefined;
  allStages: boolean;
  /** tsfrontend's opt-in extensions (dockerfile/extensions.ts); undefined converts as dockerfile.v0. */
  extensions?: ConvertExtensions | undefined;
}

/** A ConvertOpt with every field at Go's zero value, `config` overridable. */
export function newConvertOpt(o: Partial<ConvertOpt> = {}): ConvertOpt {
  return {
    config: o.config ?? newDockerfileConfig(),
    client: o.client,
    mainContext: o.mainContext,
    sourceMap: o.sourceMap,
    targetPlatform: o.targetPlatform,
    metaResolver: o.metaResolver,
    llbCaps: o.llbCaps,
    warn: o.warn,
    allStages: o.allStages ?? false,
  };
}

/** dockerfile2llb.SBOMTargets. */
export interface SBOMTargets {
  core: State;
  extras: Map<string, State>;
}

/** dockerfile2llb.Result. */
export interface ConvertResult {
  state: State;
  image: DockerOCIImage;
  baseImage: DockerOCIImage | undefined;
  sbom: SBOMTargets;
  epoch: Date | undefined;
  isIgnoreCache: boolean;
}

/** dockerui.DefaultLocalNameContext. */
export const defaultLocalNameContext = "context";

/** dockerui.WithInternalName: the `[internal] ` custom name. */
export function withInternalName(name: string): ConstraintsOpt {
  return withCustomName("[internal] " + name);
}

/** dockerui.DefaultMainContext: the `context` local with the shared key hint and its internal name. */
export function defaultMainContext(opts: LocalOptions = {}): State {
  const constraints = [withInternalName("load build context"), ...(opts.constraints ?? [])];
  return local(defaultLocalNameContext, { sharedKeyHint: defaultLocalNameContext, ...opts, constraints });
}
