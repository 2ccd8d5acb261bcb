/**
 * The LLBBridge gateway client (Go's frontend/gateway/grpcclient, buildkit
 * v0.32.2) over a {@link GatewayTransport}: the same calls whether the
 * transport is the control connection (`tsfrontend build`) or stdio (the
 * frontend image).
 */

import type { FileStat, GatewayAttestation, GatewayClient, GatewayResolveImageOptions, GatewayResult, GatewaySolveRequest, GatewaySolveResult, GatewayWarning, ResultRef } from "./types.js";
import { formatPlatform, normalizePlatform, type Definition, type Platform, type ResolveMode } from "../llb/index.js";
import { moby, pb, fsutil } from "../proto/index.js";
import { encodeErrorStatus } from "./errdefs.js";
import { fromPbDefinition, toPbDefinition } from "./definition.js";
import type { GatewayTransport } from "./transport.js";

const gw = moby.buildkit.v1.frontend;

/** sourceresolver.ResolverTypeOCILayout (ResolverTypeRegistry is 0). */
const RESOLVER_TYPE_OCI_LAYOUT = 1;

/** The LLBBridge service path prefix of every method. */
export const LLB_BRIDGE = "/moby.buildkit.v1.frontend.LLBBridge/";

function toNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (v && typeof v === "object" && "toNumber" in v) return (v as { toNumber(): number }).toNumber();
  return 0;
}

function toStat(s: fsutil.types.Stat.$Properties | null | undefined): FileStat {
  const mt = s?.modTime as unknown;
  return {
    path: s?.path ?? "",
    mode: (s?.mode ?? 0) >>> 0,
    uid: s?.uid ?? 0,
    gid: s?.gid ?? 0,
    size: toNumber(s?.size),
    modTime: mt && typeof mt === "object" ? BigInt(String(mt)) : BigInt(toNumber(mt)),
    linkname: s?.linkname ?? "",
  };
}

function toRef(r: moby.buildkit.v1.frontend.Ref.$Properties | null | undefined): ResultRef | undefined {
  if (!r) return undefined;
  const def = fromPbDefinition(r.def);
  return def ? { id: r.id ?? "", definition: def } : { id: r.id ?? "" };
}

function refToPb(r: ResultRef | null | undefined): moby.buildkit.v1.frontend.Ref.$Properties {
  if (!r) return { id: "" };
  return r.definition ? { id: r.id, def: toPbDefinition(r.definition) } : { id: r.id };
}

/** gateway.proto `Attestation` of an attestation (Go's `AttestationToPB` plus its ref). */
export function attestationToPb(a: GatewayAttestation): moby.buildkit.v1.frontend.Attestation.$Properties {
  return {
    kind: a.kind === "bundle" ? gw.AttestationKind.Bundle : gw.AttestationKind.InToto,
    metadata: { ...a.metadata },
    ...(a.ref ? { ref: refToPb(a.ref) } : {}),
    path: a.path,
    inTotoPredicateType: a.inToto.predicateType,
    inTotoSubjects: a.inToto.subjects.map((s) => ({ kind: s.kind === "raw" ? gw.InTotoSubjectKind.Raw : gw.InTotoSubjectKind.Self, name: s.name, digest: [...s.digest] })),
  };
}

/** An attestation from gateway.proto (Go's `AttestationFromPB` plus its ref). */
export function attestationFromPb(a: moby.buildkit.v1.frontend.Attestation.$Properties): GatewayAttestation {
  const ref = toRef(a.ref);
  return {
    kind: a.kind === gw.AttestationKind.Bundle ? "bundle" : "in-toto",
    metadata: { ...(a.metadata ?? {}) },
    ...(ref ? { ref } : {}),
    path: a.path ?? "",
    inToto: {
      predicateType: a.inTotoPredicateType ?? "",
      subjects: (a.inTotoSubjects ?? []).map((s) => ({ kind: s.kind === gw.InTotoSubjectKind.Raw ? "raw" : "self", name: s.name ?? "", digest: [...(s.digest ?? [])] })),
    },
  };
}

function attestationsToPb(atts: Record<string, GatewayAttestation[]>): Record<string, moby.buildkit.v1.frontend.Attestations.$Properties> {
  const out: Record<string, moby.buildkit.v1.frontend.Attestations.$Properties> = {};
  for (const [k, as] of Object.entries(atts)) if (as.length > 0) out[k] = { attestation: as.map(attestationToPb) };
  return out;
}

export interface BridgeGatewayClientOptions {
  /** Worker platforms (first = default build platform), from ListWorkers or `BUILDKIT_WORKERS`. */
  workerPlatforms: readonly Platform[];
  /** The session id (`ResolveImageConfig` uses it for registry auth). */
  sessionID: string;
  /** Cache imports of the build: sent with every solve, as buildctl's client-side build does. */
  cacheImports?: readonly { type: string; attrs: Record<string, string> }[];
  /** Headers sent with every call (e.g. `buildkit-controlapi-buildid`). */
  metadata?: Record<string, string>;
  /** Cancels calls still running when the build ends (a silent connection never ends them). */
  signal?: AbortSignal;
  /** The daemon's gateway caps and LLB caps, from `Ping` (see {@link pingBridge}). */
  caps?: ReadonlySet<string>;
  llbCaps?: ReadonlySet<string>;
  /** The frontend inputs, when this side sent them with the Solve (a client-side build): `inputs()` answers without a call. */
  inputs?: Readonly<Record<string, Definition>>;
  /** Called with the result as it is returned (a client-side build reads a subrequest's answer here). */
  onReturn?: (result: GatewayResult) => void;
}

/** Gateway calls for one build over a transport. */
export class BridgeGatewayClient implements GatewayClient {
  readonly workerPlatforms: readonly Platform[];
  readonly caps?: ReadonlySet<string>;
  readonly llbCaps?: ReadonlySet<string>;
  private returned = false;

  /** Whether `return` has been called (a caller that fails afterwards has nothing more to tell the daemon). */
  get hasReturned(): boolean {
    return this.returned;
  }

  constructor(
    private readonly transport: GatewayTransport,
    private readonly options: BridgeGatewayClientOptions,
  ) {
    this.workerPlatforms = options.workerPlatforms;
    if (options.caps) this.caps = options.caps;
    if (options.llbCaps) this.llbCaps = options.llbCaps;
  }

  private async call<Req, Res>(method: string, reqType: { encode(m: Req): { finish(): Uint8Array } }, resType: { decode(b: Uint8Array): Res }, req: Req): Promise<Res> {
    const bytes = await this.transport.unary(LLB_BRIDGE + method, reqType.encode(req).finish(), {
      ...(this.options.metadata ? { metadata: this.options.metadata } : {}),
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
    return resType.decode(bytes);
  }

  async solve(req: GatewaySolveRequest): Promise<GatewaySolveResult> {
    const frontendInputs: Record<string, pb.Definition> = {};
    for (const [k, v] of Object.entries(req.frontendInputs ?? {})) frontendInputs[k] = toPbDefinition(v);
    const cacheImports = (this.options.cacheImports ?? []).map((c) => ({ Type: c.type, Attrs: c.attrs }));
    const frontendOpt = { ...(req.frontendOpt ?? {}) };
    // A frontend solves its own graphs, so it gets the list as an option too (Go's grpcclient).
    if (req.frontend && cacheImports.length > 0 && frontendOpt["cache-imports"] === undefined) frontendOpt["cache-imports"] = JSON.stringify(cacheImports);
    const res = await this.call("Solve", gw.SolveRequest, gw.SolveResponse, {
      Definition: req.definition ? toPbDefinition(req.definition) : null,
      Frontend: req.frontend ?? "",
      FrontendOpt: frontendOpt,
      CacheImports: cacheImports,
      FrontendInputs: frontendInputs,
      allowResultReturn: true,
      allowResultArrayRef: true,
      Evaluate: req.evaluate ?? false,
    });
    const r = res.result;
    const out: GatewaySolveResult = { metadata: {} };
    if (r?.metadata) for (const [k, v] of Object.entries(r.metadata)) out.metadata[k] = v;
    if (r?.ref) out.ref = toRef(r.ref)!;
    if (r?.refs?.refs) {
      out.refs = {};
      for (const [k, v] of Object.entries(r.refs.refs)) out.refs[k] = toRef(v)!;
    }
    if (r?.attestations) {
      for (const [k, v] of Object.entries(r.attestations)) {
        const as = (v.attestation ?? []).map(attestationFromPb);
        if (as.length > 0) (out.attestations ??= {})[k] = as;
      }
    }
    if (!r && res.ref !== undefined) out.ref = { id: res.ref ?? "" };
    return out;
  }

  async readFile(ref: ResultRef, path: string, range?: { offset: number; length: number }): Promise<Uint8Array> {
    const res = await this.call("ReadFile", gw.ReadFileRequest, gw.ReadFileResponse, {
      Ref: ref.id,
      FilePath: path,
      Range: range ? { Offset: range.offset, Length: range.length } : null,
    });
    return res.Data ?? new Uint8Array();
  }

  async readDir(ref: ResultRef, path: string, includePattern = ""): Promise<FileStat[]> {
    const res = await this.call("ReadDir", gw.ReadDirRequest, gw.ReadDirResponse, { Ref: ref.id, DirPath: path, IncludePattern: includePattern });
    return (res.entries ?? []).map(toStat);
  }

  async statFile(ref: ResultRef, path: string): Promise<FileStat> {
    const res = await this.call("StatFile", gw.StatFileRequest, gw.StatFileResponse, { Ref: ref.id, Path: path });
    return toStat(res.stat);
  }

  async resolveImageConfig(ref: string, options: GatewayResolveImageOptions) {
    const p = options.platform ? normalizePlatform(options.platform) : undefined;
    const oci = options.ociStore;
    const res = await this.call("ResolveImageConfig", gw.ResolveImageConfigRequest, gw.ResolveImageConfigResponse, {
      Ref: ref,
      Platform: p ? { OS: p.os, Architecture: p.architecture, Variant: p.variant ?? "" } : null,
      LogName: options.logName ?? `[internal] load metadata for ${ref}${p ? ` (${formatPlatform(p)})` : ""}`,
      // Go's grpcclient: a registry lookup sends the resolve mode, an OCI layout lookup the resolver type and its store.
      ...(oci
        ? { ResolverType: RESOLVER_TYPE_OCI_LAYOUT, SessionID: oci.sessionID, StoreID: oci.storeID }
        : { ResolveMode: options.resolveMode ?? "default", SessionID: this.options.sessionID }),
    });
    return { ref: res.Ref || ref, digest: res.Digest ?? "", config: res.Config ?? new Uint8Array() };
  }

  async inputs(): Promise<Record<string, Definition>> {
    if (this.options.inputs) return { ...this.options.inputs };
    const res = await this.call("Inputs", gw.InputsRequest, gw.InputsResponse, {});
    const out: Record<string, Definition> = {};
    for (const [k, v] of Object.entries(res.Definitions ?? {})) out[k] = fromPbDefinition(v)!;
    return out;
  }

  async resolveSourceMetadata(op: { identifier: string; attrs: Record<string, string> }, options: { logName: string; gitReturnObject: boolean }) {
    const res = await this.call("ResolveSourceMeta", gw.ResolveSourceMetaRequest, gw.ResolveSourceMetaResponse, {
      Source: { identifier: op.identifier, attrs: op.attrs },
      LogName: options.logName,
      ...(options.gitReturnObject ? { Git: { ReturnObject: true } } : {}),
    });
    const out: { gitCommitObject?: Uint8Array; httpLastModified?: Date } = {};
    const commit = res.Git?.CommitObject;
    if (commit && commit.length > 0) out.gitCommitObject = commit;
    const lm = res.HTTP?.LastModified;
    if (lm) out.httpLastModified = new Date(toNumber(lm.seconds) * 1000 + Math.floor((lm.nanos ?? 0) / 1e6));
    return out;
  }

  async warn(digest: string, w: GatewayWarning): Promise<void> {
    await this.call("Warn", gw.WarnRequest, gw.WarnResponse, {
      digest,
      level: w.level,
      short: new TextEncoder().encode(w.message),
      detail: [...(w.detail ?? [])],
      url: w.url ?? "",
      info: w.source
        ? { filename: w.source.filename, language: w.source.language, data: w.source.data, definition: w.source.definition ? toPbDefinition(w.source.definition) : null }
        : null,
      ranges: (w.ranges ?? []).map((r) => ({ start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } })),
    });
  }

  async return(result: GatewayResult | { error: Error }): Promise<void> {
    if (this.returned) throw new Error("gateway result already returned");
    this.returned = true;
    if ("error" in result) {
      // Code, message and buildkit's details (source locations, vertex), as Go's grpcclient sends them.
      await this.call("Return", gw.ReturnRequest, gw.ReturnResponse, { error: encodeErrorStatus(result.error) });
      return;
    }
    this.options.onReturn?.(result);
    const r: moby.buildkit.v1.frontend.Result.$Properties = { metadata: result.metadata };
    if (result.refs) {
      const refs: Record<string, moby.buildkit.v1.frontend.Ref.$Properties> = {};
      for (const [k, v] of Object.entries(result.refs)) refs[k] = refToPb(v);
      r.refs = { refs };
    } else {
      r.ref = refToPb(result.ref);
    }
    if (result.attestations && Object.keys(result.attestations).length > 0) r.attestations = attestationsToPb(result.attestations);
    await this.call("Return", gw.ReturnRequest, gw.ReturnResponse, { result: r });
  }
}

/** What `Ping` tells a frontend: the daemon's enabled gateway and LLB caps and its workers' platforms. */
export interface BridgePong {
  /** Gateway (LLBBridge) caps present and enabled. */
  caps: ReadonlySet<string>;
  /** LLB caps present and enabled. */
  llbCaps: ReadonlySet<string>;
  /** Every worker's platforms, in order (the first is the default build platform). */
  workerPlatforms: Platform[];
}

/** Calls `Ping` (Go's grpcclient does it first, with a 15 s timeout). */
export async function pingBridge(transport: GatewayTransport, options: { metadata?: Record<string, string>; timeoutMs?: number } = {}): Promise<BridgePong> {
  const signal = AbortSignal.timeout(options.timeoutMs ?? 15_000);
  const bytes = await transport.unary(LLB_BRIDGE + "Ping", gw.PingRequest.encode({}).finish(), {
    ...(options.metadata ? { metadata: options.metadata } : {}),
    signal,
  });
  const pong = gw.PongResponse.decode(bytes);
  const enabled = (caps: readonly { ID?: string | null; Enabled?: boolean | null }[] | null | undefined) =>
    new Set((caps ?? []).filter((c) => c.Enabled && c.ID).map((c) => c.ID!));
  const workerPlatforms: Platform[] = [];
  for (const w of pong.Workers ?? []) {
    for (const p of w.platforms ?? []) {
      workerPlatforms.push(normalizePlatform({ os: p.OS ?? "", architecture: p.Architecture ?? "", ...(p.Variant ? { variant: p.Variant } : {}) }));
    }
  }
  return { caps: enabled(pong.FrontendAPICaps), llbCaps: enabled(pong.LLBCaps), workerPlatforms };
}
