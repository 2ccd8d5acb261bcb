/**
 * The gateway client a build program talks to: solve sub-graphs, read files
 * of results, resolve image configs, and (for the runner) return the result.
 * One interface, two transports: client-side over the control connection
 * (`tsfrontend build`) and over stdio inside the frontend image, so the same
 * program runs unchanged in both places.
 */

import type { Definition, ImageMetaResolver, Platform, ResolveMode } from "../llb/index.js";

/** A result on the daemon: an id plus the definition that produced it. */
export interface ResultRef {
  readonly id: string;
  readonly definition?: Definition;
}

export interface GatewaySolveRequest {
  definition?: Definition;
  frontend?: string;
  frontendOpt?: Record<string, string>;
  frontendInputs?: Record<string, Definition>;
  /** Build now so errors surface here instead of at export. */
  evaluate?: boolean;
}

export interface GatewaySolveResult {
  ref?: ResultRef;
  refs?: Record<string, ResultRef>;
  metadata: Record<string, Uint8Array>;
  /** Attestations of the result keyed by platform id (a frontend's result solved through `frontend`). */
  attestations?: Record<string, GatewayAttestation[]>;
}

/** An in-toto subject of an attestation (gateway.proto `InTotoSubject`). */
export interface GatewayInTotoSubject {
  /** "self": the image the attestation is attached to; "raw": `name` and `digest` as given. */
  kind: "self" | "raw";
  name: string;
  digest: string[];
}

/**
 * An attestation of a result (gateway.proto `Attestation`, Go's
 * `result.Attestation`): `bundle` is a directory of in-toto statements in
 * `ref` (at `path`), each unbundled by the exporter; `in-toto` is one
 * predicate file at `path` of `ref`.
 */
export interface GatewayAttestation {
  kind: "in-toto" | "bundle";
  metadata: Record<string, Uint8Array>;
  ref?: ResultRef;
  path: string;
  inToto: { predicateType: string; subjects: GatewayInTotoSubject[] };
}

/** A file system entry in a result (fsutil Stat). */
export interface FileStat {
  path: string;
  /** Go os.FileMode bits. */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  modTime: bigint;
  linkname: string;
}

/** What a program returns to the daemon, per platform. */
export interface GatewayResult {
  ref?: ResultRef | null;
  refs?: Record<string, ResultRef | null>;
  metadata: Record<string, Uint8Array>;
  /** Attestations keyed by platform id (`refs.platforms` ids, e.g. `linux/amd64`). */
  attestations?: Record<string, GatewayAttestation[]>;
}

/** A warning for the build's progress (LLBBridge `Warn`): a linter finding at a line of the build file. */
export interface GatewayWarning {
  /** 1 = warning (Go's WarnOpts.Level). */
  level: number;
  message: string;
  detail?: readonly Uint8Array[];
  url?: string;
  /** The file the ranges point into. */
  source?: { filename: string; language: string; data: Uint8Array; definition?: Definition };
  /** 1-based lines, 0-based characters (pb.Range). */
  ranges?: readonly { start: { line: number; character: number }; end: { line: number; character: number } }[];
}

/** Options of `resolveImageConfig` (Go's `sourceresolver.Opt`: ImageOpt, or OCILayoutOpt when `ociStore` is set). */
export interface GatewayResolveImageOptions {
  platform: Platform | undefined;
  /** Registry resolve mode; not used for an OCI layout store. */
  resolveMode: ResolveMode;
  /** The progress name of the lookup (Go's `LogName`); default `[internal] load metadata for REF`. */
  logName?: string;
  /** Resolve in this OCI layout store of a client session instead of a registry (ResolverTypeOCILayout). */
  ociStore?: { sessionID: string; storeID: string };
}

export interface GatewayClient extends ImageMetaResolver {
  /** The worker platforms (first = default build platform). */
  readonly workerPlatforms: readonly Platform[];
  solve(req: GatewaySolveRequest): Promise<GatewaySolveResult>;
  readFile(ref: ResultRef, path: string, range?: { offset: number; length: number }): Promise<Uint8Array>;
  readDir(ref: ResultRef, path: string, includePattern?: string): Promise<FileStat[]>;
  statFile(ref: ResultRef, path: string): Promise<FileStat>;
  /** An image's config from a registry, or with `ociStore` from an OCI layout store the client's session exposes (`--oci-layout`). */
  resolveImageConfig(ref: string, options: GatewayResolveImageOptions): Promise<{ ref: string; digest: string; config: Uint8Array }>;
  /** Named inputs given to the frontend (`FrontendInputs`). */
  inputs(): Promise<Record<string, Definition>>;
  /** The daemon's gateway caps (`Ping`), when known. */
  readonly caps?: ReadonlySet<string>;
  /** The daemon's LLB caps (`Ping`), when known. */
  readonly llbCaps?: ReadonlySet<string>;
  /**
   * Resolves a source op's metadata (LLBBridge `ResolveSourceMeta`): a git
   * source's commit object (with `gitReturnObject`), an http source's
   * Last-Modified time. Used for SOURCE_DATE_EPOCH from a source.
   */
  resolveSourceMetadata?(op: { identifier: string; attrs: Record<string, string> }, options: { logName: string; gitReturnObject: boolean }): Promise<{ gitCommitObject?: Uint8Array; httpLastModified?: Date }>;
  /** Shows a warning in the build's progress, attached to the vertex `digest` (LLBBridge `Warn`). */
  warn?(digest: string, warning: GatewayWarning): Promise<void>;
  /** Finishes the build with a result or an error. Called once, by the runner. */
  return(result: GatewayResult | { error: Error }): Promise<void>;
}
