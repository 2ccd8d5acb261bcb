/**
 * Source ops: `image()`, `imageBlob()`, `ociLayoutBlob()`, `local()`, `git()`,
 * `http()`, `ociLayout()` — Go's client/llb/source.go (buildkit v0.32.2) —
 * and `State.withImageConfig()`.
 *
 * Go quirks mirrored on purpose:
 * - `local://` sources get `local.unique` (and the `source.local.unique` cap)
 *   when the op is marshalled and has no session attr: the op's own
 *   `localUniqueID` if set, else the marshal-wide one (random per marshal unless
 *   given). The attrs object is updated in place, as Go's map is.
 * - only `docker-image://` and `oci-layout://` identifiers keep a platform in
 *   the op (the op's own, else the marshal-wide one; never the host's).
 *   `docker-image+blob://`, `oci-layout+blob://`, git, http, local drop it.
 * - the source's output platform is the op's `platform` option exactly as
 *   given; the State built on it normalises it (Go's `NewState`).
 * - `image()`: an unparsable reference keeps the raw text in the identifier and
 *   the error is reported at marshal time; resolve mode "default" writes no attr;
 *   only "pull" adds the resolvemode cap; `layerLimit: 0` is written.
 * - `imageBlob`/`ociLayoutBlob`: a tagged reference or one without a digest is
 *   an error and the identifier says `invalid`; chmod/chown/filename attrs add
 *   no caps there; `ociStore` is ignored by `imageBlob`.
 * - `ociLayout()`: the reference is not parsed; `checksum` is accepted and
 *   ignored (Go's `OCIChecksum` is a no-op); layer limit adds no cap.
 * - `git()`: the URL's own `#fragment` is dropped, never used as ref; the
 *   `fragment` argument's subdir is cleaned but the `subdir` option is used as
 *   given; default secret names GIT_AUTH_TOKEN / GIT_AUTH_HEADER are always
 *   written; the httpauth cap only when an auth secret option was given (even
 *   an empty one); a URL without a known scheme gets `https://`; an unparsable
 *   URL becomes the identifier as is; `knownSSHHosts` entries lose one trailing
 *   newline and each gets one; OCI bundle session/store attrs add no cap.
 * - `git()` over ssh with no `knownSSHHosts`: Go runs ssh-keyscan and writes
 *   what it gets; we never touch the network, so the attr is left out (the same
 *   as Go when the scan fails). Give `knownSSHHosts` for byte-identical output.
 * - `http()`: the uid/gid cap id is Go's typo `soruce.http.uidgid`; a header
 *   option adds its cap even with no header set; chmod keeps only the 0o777 bits.
 * - local patterns are JSON the way Go's json.Marshal writes it (`<>&` escaped).
 */

import { LlbError } from "../errors.js";
import {
  addCap,
  applyConstraints,
  constraintsOpts,
  marshalConstraints,
  newConstraints,
  requirePlatform,
  type Constraints,
  type ConstraintsOptions,
} from "./constraints.js";
import { parseGitURL, type GitURL } from "./git-url.js";
import { joinPath } from "../internal/go/path.js";
import { fromByteString } from "../internal/go/url.js";
import { readImageConfig } from "./image-config.js";
import { goJSONStringArray } from "../internal/go/json.js";
import type { PbOp } from "./pb.js";
import type { Platform } from "./platform.js";
import { parseNormalizedNamed, tagNameOnly, withDigest, type ImageReference } from "./reference.js";
import { finishOp, MarshalCache, scratch, State, VertexOutput, type MarshalResult, type Output, type Vertex } from "./state.js";
import { Caps } from "./caps.js";

/** Attribute keys of source ops (solver/pb/attr.go). */
export const SourceAttr = {
  keepGitDir: "git.keepgitdir",
  fullRemoteURL: "git.fullurl",
  authHeaderSecret: "git.authheadersecret",
  authTokenSecret: "git.authtokensecret",
  knownSSHHosts: "git.knownsshhosts",
  mountSSHSock: "git.mountsshsock",
  gitChecksum: "git.checksum",
  gitSkipSubmodules: "git.skipsubmodules",
  gitMTime: "git.mtime",
  gitFetchByCommit: "git.fetchbycommit",
  gitBundle: "git.bundle",
  gitCheckoutBundle: "git.checkoutbundle",
  localSessionID: "local.session",
  localUniqueID: "local.unique",
  includePatterns: "local.includepattern",
  followPaths: "local.followpaths",
  excludePatterns: "local.excludepatterns",
  sharedKeyHint: "local.sharedkeyhint",
  metadataTransfer: "local.metadatatransfer",
  metadataTransferExclude: "local.metadatatransferexclude",
  localDiffer: "local.differ",
  httpChecksum: "http.checksum",
  httpFilename: "http.filename",
  httpPerm: "http.perm",
  httpUID: "http.uid",
  httpGID: "http.gid",
  httpAuthHeaderSecret: "http.authheadersecret",
  httpHeaderPrefix: "http.header.",
  httpSignatureVerifyPubKey: "http.sig.pubkey",
  httpSignatureVerify: "http.sig.signature",
  imageResolveMode: "image.resolvemode",
  imageRecordType: "image.recordtype",
  imageLayerLimit: "image.layerlimit",
  imageChecksum: "image.checksum",
  ociLayoutSessionID: "oci.session",
  ociLayoutStoreID: "oci.store",
  ociLayoutLayerLimit: "oci.layerlimit",
} as const;

/** Default secret names `git()` asks for (Go's `GitAuthTokenKey`/`GitAuthHeaderKey`). */
export const GIT_AUTH_TOKEN_KEY = "GIT_AUTH_TOKEN";
export const GIT_AUTH_HEADER_KEY = "GIT_AUTH_HEADER";

// ---------------------------------------------------------------------------
// The op.

function platformSpecificSource(id: string): boolean {
  return id.startsWith("docker-image://") || id.startsWith("oci-layout://");
}

/** A source vertex (Go's `SourceOp`): an identifier plus attributes, no inputs. */
export class SourceOp implements Vertex {
  private readonly cache = new MarshalCache();
  private readonly out: VertexOutput;

  /**
   * `attrs` is owned by the op (marshal adds `local.unique` to it, as Go does).
   * `err`, when set, is reported by validate/marshal (builder calls never throw).
   */
  constructor(
    readonly id: string,
    readonly attrs: Record<string, string>,
    readonly constraints: Constraints,
    readonly err?: Error,
  ) {
    this.out = new VertexOutput(this, constraints.platform);
  }

  validate(): void {
    if (this.err) throw this.err;
    if (this.id === "") throw new LlbError("source identifier can't be empty");
  }

  marshal(c: Constraints): MarshalResult {
    const cached = this.cache.get(c);
    if (cached) return cached;
    this.validate();
    if (this.id.startsWith("local://") && !Object.hasOwn(this.attrs, SourceAttr.localSessionID)) {
      this.attrs[SourceAttr.localUniqueID] = this.constraints.localUniqueID || c.localUniqueID;
      addCap(this.constraints, Caps.SourceLocalUnique);
    }
    const mc = marshalConstraints(c, this.constraints);
    const op: PbOp = {
      inputs: [],
      constraints: { filter: mc.filter },
      source: { identifier: this.id, attrs: { ...this.attrs } },
    };
    if (platformSpecificSource(this.id)) op.platform = requirePlatform(mc, `source ${this.id}`);
    return finishOp(this.cache, c, op, mc.metadata, this.constraints.sourceLocations);
  }

  output(): Output {
    return this.out;
  }

  inputs(): readonly Output[] {
    return [];
  }
}

/** A state on a new source op (Go's `NewState(NewSource(...).Output())`). */
export function source(id: string, attrs: Record<string, string>, options?: ConstraintsOptions): State {
  const c = applyConstraints(newConstraints(), constraintsOpts(options));
  return State.fromOutput(new SourceOp(id, { ...attrs }, c).output());
}

function toLlbError(e: unknown): Error {
  if (e instanceof LlbError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new LlbError(msg, { cause: e });
}

function intError(name: string, v: number): LlbError | undefined {
  return Number.isSafeInteger(v) ? undefined : new LlbError(`${name} must be an integer, got ${v}`);
}

// ---------------------------------------------------------------------------
// Image.

/** `image.resolvemode`: "default" writes nothing, "pull" forces a pull, "local" prefers a local copy. */
export type ResolveMode = "default" | "pull" | "local";

/** What an image config resolver is asked for (Go's `sourceresolver.ResolveImageOpt`). */
export interface ResolveImageConfigOptions {
  /** The image's own platform, else the marshal platform; undefined if neither is set. */
  platform: Platform | undefined;
  /** The image's resolve mode ("default" when not set). */
  resolveMode: ResolveMode;
  /** The progress name of the lookup (Go's `sourceresolver.Opt.LogName`), when the caller sets one. */
  logName?: string;
}

/** What a resolver returns: the resolved reference, its manifest digest and the config JSON. */
export interface ResolvedImageConfig {
  ref: string;
  /** Manifest digest, or "" when unknown. */
  digest: string;
  config: Uint8Array;
}

/** Resolves image configs at marshal time (Go's `llb.ImageMetaResolver`). */
export interface ImageMetaResolver {
  resolveImageConfig(ref: string, options: ResolveImageConfigOptions): Promise<ResolvedImageConfig>;
}

/** Options of {@link image}. */
export interface ImageOptions extends ConstraintsOptions {
  /** Go's `ResolveModeDefault` / `ResolveModeForcePull` / `ResolveModePreferLocal`. */
  resolveMode?: ResolveMode;
  /** `image.recordtype`; `"internal"` is Go's `MarkImageInternal`. */
  recordType?: string;
  /** `image.layerlimit` (Go's `WithLayerLimit`); 0 is written too. */
  layerLimit?: number;
  /** `image.checksum` (Go's `WithImageChecksum`). */
  checksum?: string;
  /**
   * Reads the image config at marshal time and applies its env, working dir
   * and platform to the state (Go's `WithMetaResolver`).
   */
  metaResolver?: ImageMetaResolver;
  /** With a resolver: pin the reference to the digest it returns (Go's `ResolveDigest(true)`). */
  resolveDigest?: boolean;
}

const resolveModes: readonly string[] = ["default", "pull", "local"];

/**
 * An image from a registry (Go's `llb.Image`). The reference is normalised:
 * `busybox` -> `docker.io/library/busybox:latest`.
 *
 * @example
 * image("alpine:3.20", { platform: platforms.linuxArm64, resolveMode: "pull" })
 */
export function image(ref: string, options: ImageOptions = {}): State {
  let err: Error | undefined;
  let named: ImageReference | undefined;
  try {
    named = tagNameOnly(parseNormalizedNamed(ref));
    ref = named.toString();
  } catch (e) {
    err = toLlbError(e);
  }
  const c = applyConstraints(newConstraints(), constraintsOpts(options));
  addCap(c, Caps.SourceImage);

  const attrs: Record<string, string> = {};
  const mode = options.resolveMode ?? "default";
  if (!resolveModes.includes(mode)) err ??= new LlbError(`invalid resolve mode ${JSON.stringify(mode)}`);
  if (mode !== "default") {
    attrs[SourceAttr.imageResolveMode] = mode;
    if (mode === "pull") addCap(c, Caps.SourceImageResolveMode); // Go requires the cap only for the enforced mode
  }
  if (options.recordType) attrs[SourceAttr.imageRecordType] = options.recordType;
  if (options.layerLimit !== undefined) {
    err ??= intError("layerLimit", options.layerLimit);
    attrs[SourceAttr.imageLayerLimit] = String(options.layerLimit);
    addCap(c, Caps.SourceImageLayerLimit);
  }
  if (options.checksum) {
    attrs[SourceAttr.imageChecksum] = options.checksum;
    addCap(c, Caps.SourceImageChecksum);
  }

  const src = new SourceOp("docker-image://" + ref, attrs, c, err);
  const resolver = options.metaResolver;
  if (err || !resolver || !named) return State.fromOutput(src.output());

  const resolve = (mc: Constraints) =>
    resolver.resolveImageConfig(ref, { platform: c.platform ?? mc.platform, resolveMode: mode });
  if (named.isDigested() || !options.resolveDigest) {
    return State.fromOutput(src.output()).async(async (st, mc) => st.withImageConfig((await resolve(mc)).config));
  }
  return scratch().async(async (_st, mc) => {
    const res = await resolve(mc);
    let r: ImageReference;
    try {
      r = parseNormalizedNamed(res.ref);
      if (res.digest) r = withDigest(r, res.digest);
    } catch (e) {
      throw toLlbError(e);
    }
    // Go reuses the attrs map and the constraints for the pinned source.
    return State.fromOutput(new SourceOp("docker-image://" + r.toString(), attrs, c).output()).withImageConfig(res.config);
  });
}

// ---------------------------------------------------------------------------
// withImageConfig.

declare module "./state.js" {
  interface State {
    /**
     * Applies an image config's env (in order), working dir and platform
     * (Go's `State.WithImageConfig`). Throws LlbError where Go returns an error.
     */
    withImageConfig(config: Uint8Array | string): State;
  }
}

State.prototype.withImageConfig = function (this: State, config: Uint8Array | string): State {
  const v = readImageConfig(config);
  let s: State = this;
  for (const [k, val] of v.env) s = s.addEnv(k, val);
  s = s.dir(v.workingDir);
  if (v.platform) s = s.platform(v.platform);
  return s;
};

// ---------------------------------------------------------------------------
// Blobs.

/** An OCI layout session and store (Go's `OCIStore` / `ImageBlobOCIStore`). */
export interface OciStore {
  sessionID: string;
  storeID: string;
}

/** `http.*` file options shared by http and blob sources (Go's `FileInfoOption`). */
export interface FileInfoOptions {
  /** Name of the file written (Go's `Filename`). */
  filename?: string;
  /** File mode; only the 0o777 bits are kept (Go's `Chmod`). */
  chmod?: number;
  /** Owner (Go's `Chown`); zero ids write no attr. */
  chown?: { uid: number; gid: number };
}

/** Options of {@link imageBlob} and {@link ociLayoutBlob}. */
export interface ImageBlobOptions extends ConstraintsOptions, FileInfoOptions {
  /** OCI layout session/store (`ImageBlobOCIStore`); used by `ociLayoutBlob` only, as in Go. */
  ociStore?: OciStore;
}

function fileInfoAttrs(o: FileInfoOptions, attrs: Record<string, string>, c: Constraints | undefined): Error | undefined {
  let err: Error | undefined;
  if (o.filename) attrs[SourceAttr.httpFilename] = o.filename;
  if (o.chmod !== undefined) {
    err ??= intError("chmod", o.chmod);
    const perm = o.chmod & 0o777;
    if (perm !== 0) {
      attrs[SourceAttr.httpPerm] = "0" + perm.toString(8);
      if (c) addCap(c, Caps.SourceHTTPPerm);
    }
  }
  if (o.chown) {
    err ??= intError("chown uid", o.chown.uid) ?? intError("chown gid", o.chown.gid);
    if (o.chown.uid !== 0) {
      attrs[SourceAttr.httpUID] = String(o.chown.uid);
      if (c) addCap(c, Caps.SourceHTTPUIDGID);
    }
    if (o.chown.gid !== 0) {
      attrs[SourceAttr.httpGID] = String(o.chown.gid);
      if (c) addCap(c, Caps.SourceHTTPUIDGID);
    }
  }
  return err;
}

function blob(scheme: string, ref: string, options: ImageBlobOptions, withStore: boolean): State {
  const attrs: Record<string, string> = {};
  let optErr = fileInfoAttrs(options, attrs, undefined);
  if (withStore && options.ociStore) {
    if (options.ociStore.sessionID) attrs[SourceAttr.ociLayoutSessionID] = options.ociStore.sessionID;
    if (options.ociStore.storeID) attrs[SourceAttr.ociLayoutStoreID] = options.ociStore.storeID;
  }
  const c = applyConstraints(newConstraints(), constraintsOpts(options));
  addCap(c, Caps.SourceImageBlob);
  let err: Error | undefined;
  let repoName = "invalid";
  try {
    const r = parseNormalizedNamed(ref);
    if (r.isTagged()) err = new LlbError("tagged image reference not allowed for blob reference");
    else if (!r.isDigested()) err = new LlbError("checksum required in blob reference");
    else repoName = r.toString();
  } catch (e) {
    err = toLlbError(e);
  }
  return State.fromOutput(new SourceOp(scheme + repoName, attrs, c, err ?? optErr).output());
}

/** One blob of a registry image, by digest (Go's `llb.ImageBlob`): `name@sha256:...`. */
export function imageBlob(ref: string, options: ImageBlobOptions = {}): State {
  return blob("docker-image+blob://", ref, options, false);
}

/** One blob of an OCI layout store, by digest (Go's `llb.OCILayoutBlob`). */
export function ociLayoutBlob(ref: string, options: ImageBlobOptions = {}): State {
  return blob("oci-layout+blob://", ref, options, true);
}

// ---------------------------------------------------------------------------
// Local.

/** How a local source compares files (`local.differ`): Go's `DiffNone` / `DiffMetadata`. */
export type DiffType = "none" | "metadata" | (string & {});

/** Options of {@link local}. The op's `localUniqueID` (from ConstraintsOptions) fixes `local.unique`. */
export interface LocalOptions extends ConstraintsOptions {
  /** Pins the client session (Go's `SessionID`); then no `local.unique` is added. */
  sessionID?: string;
  /** Go's `IncludePatterns`; an empty list writes nothing. */
  includePatterns?: readonly string[];
  /** Go's `ExcludePatterns`; an empty list writes nothing. */
  excludePatterns?: readonly string[];
  /** Go's `FollowPaths`; an empty list writes nothing. */
  followPaths?: readonly string[];
  /** Go's `SharedKeyHint`. */
  sharedKeyHint?: string;
  /** Go's `Differ(type, required)`; the cap only when required. */
  differ?: { type: DiffType; required?: boolean };
  /**
   * Go's `MetadataOnlyTransfer(exceptions)`: `true` (or `[]`) for none, a list
   * for paths still sent with content.
   */
  metadataOnlyTransfer?: boolean | readonly string[];
}

/** A directory the client sends (Go's `llb.Local`). */
export function local(name: string, options: LocalOptions = {}): State {
  const c = applyConstraints(newConstraints(), constraintsOpts(options));
  const attrs: Record<string, string> = {};
  if (options.sessionID) {
    attrs[SourceAttr.localSessionID] = options.sessionID;
    addCap(c, Caps.SourceLocalSessionID);
  }
  if (options.includePatterns && options.includePatterns.length > 0) {
    attrs[SourceAttr.includePatterns] = goJSONStringArray(options.includePatterns);
    addCap(c, Caps.SourceLocalIncludePatterns);
  }
  if (options.followPaths && options.followPaths.length > 0) {
    attrs[SourceAttr.followPaths] = goJSONStringArray(options.followPaths);
    addCap(c, Caps.SourceLocalFollowPaths);
  }
  if (options.excludePatterns && options.excludePatterns.length > 0) {
    attrs[SourceAttr.excludePatterns] = goJSONStringArray(options.excludePatterns);
    addCap(c, Caps.SourceLocalExcludePatterns);
  }
  if (options.sharedKeyHint) {
    attrs[SourceAttr.sharedKeyHint] = options.sharedKeyHint;
    addCap(c, Caps.SourceLocalSharedKeyHint);
  }
  if (options.differ && options.differ.type) {
    attrs[SourceAttr.localDiffer] = options.differ.type;
    if (options.differ.required) addCap(c, Caps.SourceLocalDiffer);
  }
  const mot = options.metadataOnlyTransfer;
  if (mot === true || Array.isArray(mot)) {
    attrs[SourceAttr.metadataTransfer] = "true";
    if (Array.isArray(mot) && mot.length > 0) attrs[SourceAttr.metadataTransferExclude] = goJSONStringArray(mot);
    addCap(c, Caps.SourceMetadataTransfer);
  }
  addCap(c, Caps.SourceLocal);
  return State.fromOutput(new SourceOp("local://" + name, attrs, c).output());
}

// ---------------------------------------------------------------------------
// Git.

/** A git bundle to fetch history from (Go's `GitBundleURL(locator, GitBundleOCIStore(...))`). */
export interface GitBundle {
  /** `docker-image+blob://<ref>@sha256:...` or `oci-layout+blob://<ref>@sha256:...`. */
  locator: string;
  /** For `oci-layout+blob://` locators: the session and store (Go's `GitBundleOCIStore`). */
  ociStore?: OciStore;
}

/** Options of {@link git}. Options override the ref/subdir given in the fragment argument. */
export interface GitOptions extends ConstraintsOptions {
  /** Branch, tag or commit (Go's `GitRef`). */
  ref?: string;
  /** Sub-directory to use, as given (Go's `GitSubDir`). */
  subdir?: string;
  /** Keep the `.git` directory (Go's `KeepGitDir`). */
  keepGitDir?: boolean;
  /** Secret holding a token (default GIT_AUTH_TOKEN); setting it adds the httpauth cap. */
  authTokenSecret?: string;
  /** Secret holding an Authorization header (default GIT_AUTH_HEADER); setting it adds the httpauth cap. */
  authHeaderSecret?: string;
  /**
   * known_hosts lines for ssh remotes (Go's `KnownSSHHosts`, one call per
   * entry, in order). Without it no attr is written: tsfrontend never runs ssh-keyscan.
   */
  knownSSHHosts?: string | readonly string[];
  /** SSH agent socket id for ssh remotes (Go's `MountSSHSock`); "default" when unset. */
  mountSSHSock?: string;
  /** Expected commit (Go's `GitChecksum`). */
  checksum?: string;
  /** Go's `GitSkipSubmodules`. */
  skipSubmodules?: boolean;
  /** File mtimes: "checkout" (default) or "commit" (Go's `GitMTime`/`GitMTimeCommit`). */
  mtime?: "checkout" | "commit" | (string & {});
  /** Fetch the checksum commit directly (Go's `GitFetchByCommit`). */
  fetchByCommit?: boolean;
  /** Import history from a bundle (Go's `GitBundleURL`); a string is the locator alone. */
  bundle?: string | GitBundle;
  /** Produce a bundle file instead of a worktree (Go's `GitCheckoutBundle`). */
  checkoutBundle?: boolean;
}

/**
 * A git repository (Go's `llb.Git`). `fragment` is the old `ref:subdir` form;
 * prefer the `ref`/`subdir` options. Supports https, http, git, ssh and
 * scp-like `user@host:path` URLs; anything else gets `https://` in front.
 *
 * @example
 * git("https://github.com/moby/buildkit.git", "", { ref: "v0.11.6", keepGitDir: true })
 */
export function git(url: string, fragment = "", options: GitOptions = {}): State {
  let remote: GitURL | undefined;
  let parseFailed = false;
  try {
    remote = parseGitURL(url);
  } catch (e) {
    if ((e as { unknownProtocol?: boolean }).unknownProtocol) {
      url = "https://" + url;
      try {
        remote = parseGitURL(url);
      } catch {
        parseFailed = true;
      }
    } else {
      parseFailed = true;
    }
  }
  if (remote) url = remote.remote;

  let ref = "";
  let subdir = "";
  {
    const colon = fragment.indexOf(":");
    const fref = colon < 0 ? fragment : fragment.slice(0, colon);
    const fsub = joinPath("/", colon < 0 ? "" : fragment.slice(colon + 1)).replace(/^\//, "");
    if (fref !== "") ref = fref;
    if (colon >= 0 && fsub !== "") subdir = fsub;
  }
  if (options.ref !== undefined) ref = options.ref;
  if (options.subdir !== undefined) subdir = options.subdir;

  let authTokenSecret = GIT_AUTH_TOKEN_KEY;
  let authHeaderSecret = GIT_AUTH_HEADER_KEY;
  let addAuthCap = false;
  if (options.authTokenSecret !== undefined) {
    authTokenSecret = options.authTokenSecret;
    addAuthCap = true;
  }
  if (options.authHeaderSecret !== undefined) {
    authHeaderSecret = options.authHeaderSecret;
    addAuthCap = true;
  }
  let knownHosts = "";
  const kh = options.knownSSHHosts;
  for (const key of kh === undefined ? [] : typeof kh === "string" ? [kh] : kh) {
    knownHosts += (key.endsWith("\n") ? key.slice(0, -1) : key) + "\n";
  }

  const c = applyConstraints(newConstraints(), constraintsOpts(options));
  let err: Error | undefined;
  let id: string;
  if (parseFailed || !remote) {
    // Go keeps the URL as the id; fetching fails later on the daemon.
    id = url;
  } else {
    id = remote.host + joinPath("/", remote.path);
    if (ref !== "" || subdir !== "") {
      id += "#" + ref;
      if (subdir !== "") id += ":" + subdir;
    }
    // Go's protobuf marshal refuses such strings; same message.
    if (!remote.validUTF8) err = new LlbError("string field contains invalid UTF-8");
  }

  const attrs: Record<string, string> = {};
  if (options.keepGitDir) {
    attrs[SourceAttr.keepGitDir] = "true";
    addCap(c, Caps.SourceGitKeepDir);
  }
  if (url !== "") {
    attrs[SourceAttr.fullRemoteURL] = url;
    addCap(c, Caps.SourceGitFullURL);
  }
  if (authTokenSecret !== "") {
    attrs[SourceAttr.authTokenSecret] = authTokenSecret;
    if (addAuthCap) addCap(c, Caps.SourceGitHTTPAuth);
  }
  if (authHeaderSecret !== "") {
    attrs[SourceAttr.authHeaderSecret] = authHeaderSecret;
    if (addAuthCap) addCap(c, Caps.SourceGitHTTPAuth);
  }
  if (remote && remote.scheme === "ssh") {
    // Go falls back to ssh-keyscan here; we leave the attr out (see the header).
    if (knownHosts !== "") attrs[SourceAttr.knownSSHHosts] = knownHosts;
    addCap(c, Caps.SourceGitKnownSSHHosts);
    attrs[SourceAttr.mountSSHSock] = options.mountSSHSock || "default";
    addCap(c, Caps.SourceGitMountSSHSock);
  }
  if (options.checksum) {
    attrs[SourceAttr.gitChecksum] = options.checksum;
    addCap(c, Caps.SourceGitChecksum);
  }
  if (options.skipSubmodules) {
    attrs[SourceAttr.gitSkipSubmodules] = "true";
    addCap(c, Caps.SourceGitSkipSubmodules);
  }
  if (options.mtime) {
    attrs[SourceAttr.gitMTime] = options.mtime;
    addCap(c, Caps.SourceGitMTime);
  }
  if (options.fetchByCommit) {
    attrs[SourceAttr.gitFetchByCommit] = "true";
    addCap(c, Caps.SourceGitFetchByCommit);
  }
  const bundle = typeof options.bundle === "string" ? { locator: options.bundle } : options.bundle;
  if (bundle) {
    if (bundle.locator) {
      attrs[SourceAttr.gitBundle] = bundle.locator;
      addCap(c, Caps.SourceGitBundle);
    }
    if (bundle.ociStore?.sessionID) attrs[SourceAttr.ociLayoutSessionID] = bundle.ociStore.sessionID;
    if (bundle.ociStore?.storeID) attrs[SourceAttr.ociLayoutStoreID] = bundle.ociStore.storeID;
  }
  if (options.checkoutBundle) {
    attrs[SourceAttr.gitCheckoutBundle] = "true";
    addCap(c, Caps.SourceGitCheckoutBundle);
  }
  addCap(c, Caps.SourceGit);
  return State.fromOutput(new SourceOp("git://" + id, attrs, c, err).output());
}

// ---------------------------------------------------------------------------
// HTTP.

/** Extra request headers (Go's `HTTPHeader`). */
export interface HttpHeader {
  accept?: string;
  userAgent?: string;
}

/** Detached OpenPGP signature check (Go's `HTTPSignatureInfo`): armored key and signature. */
export interface HttpSignature {
  pubKey?: string | Uint8Array;
  signature?: string | Uint8Array;
}

/** Options of {@link http}. */
export interface HttpOptions extends ConstraintsOptions, FileInfoOptions {
  /** Expected content digest (Go's `Checksum`). */
  checksum?: string;
  /** Secret holding an Authorization header (Go's `AuthHeaderSecret`). */
  authHeaderSecret?: string;
  /** Go's `Header`; its cap is added even when both fields are empty. */
  header?: HttpHeader;
  /** Go's `VerifyPGPSignature`. */
  verifyPGPSignature?: HttpSignature;
}

function bytesToString(v: string | Uint8Array | undefined): { s: string; err?: Error } {
  if (v === undefined) return { s: "" };
  if (typeof v === "string") return { s: v };
  let bs = "";
  for (const b of v) bs += String.fromCharCode(b);
  const d = fromByteString(bs);
  return d.validUTF8 ? { s: d.text } : { s: d.text, err: new LlbError("string field contains invalid UTF-8") };
}

/** A file downloaded over HTTP(S) (Go's `llb.HTTP`); the URL is the identifier as given. */
export function http(url: string, options: HttpOptions = {}): State {
  const c = applyConstraints(newConstraints(), constraintsOpts(options));
  const attrs: Record<string, string> = {};
  if (options.checksum) {
    attrs[SourceAttr.httpChecksum] = options.checksum;
    addCap(c, Caps.SourceHTTPChecksum);
  }
  let err = fileInfoAttrs(options, attrs, c);
  if (options.authHeaderSecret) {
    attrs[SourceAttr.httpAuthHeaderSecret] = options.authHeaderSecret;
    addCap(c, Caps.SourceHTTPAuth);
  }
  if (options.header) {
    if (options.header.accept) attrs[SourceAttr.httpHeaderPrefix + "accept"] = options.header.accept;
    if (options.header.userAgent) attrs[SourceAttr.httpHeaderPrefix + "user-agent"] = options.header.userAgent;
    addCap(c, Caps.SourceHTTPHeader);
  }
  if (options.verifyPGPSignature) {
    const pub = bytesToString(options.verifyPGPSignature.pubKey);
    const sig = bytesToString(options.verifyPGPSignature.signature);
    if (pub.s.length > 0) attrs[SourceAttr.httpSignatureVerifyPubKey] = pub.s;
    if (sig.s.length > 0) attrs[SourceAttr.httpSignatureVerify] = sig.s;
    err ??= pub.err ?? sig.err;
    addCap(c, Caps.SourceHTTPSignatureVerify);
  }
  addCap(c, Caps.SourceHTTP);
  return State.fromOutput(new SourceOp(url, attrs, c, err).output());
}

// ---------------------------------------------------------------------------
// OCI layout.

/** Options of {@link ociLayout}. */
export interface OciLayoutOptions extends ConstraintsOptions {
  /** Session and store to read from (Go's `OCIStore`). */
  ociStore?: OciStore;
  /** `oci.layerlimit` (Go's `OCILayerLimit`). */
  layerLimit?: number;
  /** Accepted and ignored, as Go's `OCIChecksum` in v0.32.2. */
  checksum?: string;
}

/** An image from an OCI layout store the client exposes (Go's `llb.OCILayout`). */
export function ociLayout(ref: string, options: OciLayoutOptions = {}): State {
  const c = applyConstraints(newConstraints(), constraintsOpts(options));
  const attrs: Record<string, string> = {};
  let err: Error | undefined;
  if (options.ociStore?.sessionID) attrs[SourceAttr.ociLayoutSessionID] = options.ociStore.sessionID;
  if (options.ociStore?.storeID) attrs[SourceAttr.ociLayoutStoreID] = options.ociStore.storeID;
  if (options.layerLimit !== undefined) {
    err = intError("layerLimit", options.layerLimit);
    attrs[SourceAttr.ociLayoutLayerLimit] = String(options.layerLimit);
  }
  addCap(c, Caps.SourceOCILayout);
  return State.fromOutput(new SourceOp("oci-layout://" + ref, attrs, c, err).output());
}
