/**
 * tsfrontend/llb: build BuildKit LLB graphs in TypeScript and marshal them to
 * `pb.Definition` bytes identical to Go's `client/llb`. Pure: no gRPC, no
 * file system, no network.
 *
 * Only the public surface is exported here; the marshal machinery
 * (`MarshalCache`, `finishOp`, constraints plumbing, `addCap`) and the Go
 * ports in `src/internal/go` stay internal. Other layers of this package
 * that need an internal helper import it from its file.
 *
 * @example
 * import { image, scratch, parsePlatform } from "tsfrontend/llb";
 * const builder = image("golang:1.22").run({ shlex: "go build -o /out/app ." }).root();
 * const final = scratch().file(copy(builder, "/out/app", "/app"));
 * const def = await final.marshal({ platform: parsePlatform("linux/arm64") });
 */

export { State, scratch, shlexSplit } from "./state.js";
export type { AsyncResolver, HostIP, MarshalOptions, MarshalResult, Output, StateOption, UlimitName, Vertex } from "./state.js";
export {
  ignoreCache,
  localUniqueID,
  progressGroup,
  requireWorker,
  withCaps,
  withCustomName,
  withDescription,
  withExportCache,
  withLinuxResources,
  withoutDefaultExportCache,
  withoutExportCache,
  withPlatform,
} from "./constraints.js";
export type {
  CapSet,
  Constraints,
  ConstraintsOpt,
  ConstraintsOptions,
  LinuxResources,
  ProgressGroupOptions,
  SourceLocation,
} from "./constraints.js";
export { Caps } from "./caps.js";
export type { CapID } from "./caps.js";
export * from "./platform.js";
export { Definition } from "./definition.js";
export { decodeDefinition, decodeOp, definitionState, DefinitionOp, inspectDefinition } from "./decode.js";
export type { InspectedOp } from "./decode.js";
export { SourceMap } from "./source-map.js";
export type { RangeInput } from "./source-map.js";
export { EnvList } from "./env.js";
export { merge, MergeOp } from "./merge.js";
export { diff, DiffOp } from "./diff.js";
export { passthrough, PassthroughOp } from "./passthrough.js";
export type { PassthroughInput } from "./passthrough.js";
export { buildOp, BuildOp } from "./build.js";
export type { BuildOptions } from "./build.js";
export {
  addEnv,
  addExtraHost,
  addUlimit,
  args,
  cpuPeriod,
  cpuQuota,
  cpuShares,
  cpusetCpus,
  cpusetMems,
  delEnv,
  dir,
  ExecOp,
  ExecState,
  hostname,
  memoryLimit,
  memorySwapLimit,
  network,
  security,
  shlex,
  user,
  validExitCodes,
  withCgroupParent,
} from "./exec.js";
export type {
  CacheSharing,
  CDIDeviceOptions,
  ContentCacheMode,
  ExtraHost,
  MountOptions,
  MountSettings,
  ProxyEnv,
  RunOptions,
  SecretOptions,
  SSHOptions,
  Ulimit,
} from "./exec.js";
export { chownUIDGID, chownUser, copy, FileAction, FileActionWithState, FileOp, mkdir, mkfile, rm, symlink } from "./file-op.js";
export type {
  Chown,
  ChownOptions,
  CopyInput,
  CopyOptions,
  FileTime,
  MkdirOptions,
  MkfileOptions,
  RmOptions,
  SymlinkOptions,
} from "./file-op.js";
export {
  GIT_AUTH_HEADER_KEY,
  GIT_AUTH_TOKEN_KEY,
  git,
  http,
  image,
  imageBlob,
  local,
  ociLayout,
  ociLayoutBlob,
  source,
  SourceAttr,
  SourceOp,
} from "./source.js";
export type {
  DiffType,
  FileInfoOptions,
  GitBundle,
  GitOptions,
  HttpHeader,
  HttpOptions,
  HttpSignature,
  ImageBlobOptions,
  ImageMetaResolver,
  ImageOptions,
  LocalOptions,
  OciLayoutOptions,
  OciStore,
  ResolvedImageConfig,
  ResolveImageConfigOptions,
  ResolveMode,
} from "./source.js";
export * from "./reference.js";
export { sha256Digest, isDigest } from "./digest.js";
export { NetMode, SecurityMode, MountType, CacheSharingOpt, MountContentCache } from "./pb.js";
export type * from "./pb.js";
export { LlbError, PlatformError, DefinitionError } from "../errors.js";
export { dumpDefinitionDot, dumpDefinitionJson } from "./dump.js";
