/**
 * The gateway client over the control connection: LLBBridge calls carrying
 * `buildkit-controlapi-buildid`, as Go's `client.Build` and buildctl make them.
 */

import * as grpc from "@grpc/grpc-js";
import type { FileStat, GatewayClient, GatewayResult, GatewaySolveRequest, GatewaySolveResult, ResultRef } from "../gateway/types.js";
import { decodeDefinition, formatPlatform, normalizePlatform, type Definition, type Platform, type ResolveMode } from "../llb/index.js";
import { moby, pb, fsutil } from "../proto/index.js";
import type { BuildkitConnection } from "./connection.js";
import { BuildkitError, mapGrpcError } from "./errors.js";

const gw = moby.buildkit.v1.frontend;
const BRIDGE = "/moby.buildkit.v1.frontend.LLBBridge/";

export function toPbDefinition(def: Definition): pb.Definition {
  return pb.Definition.decode(def.toBytes());
}

export function fromPbDefinition(def: pb.Definition.$Properties | null | undefined): Definition | undefined {
  if (!def) return undefined;
  return decodeDefinition(pb.Definition.encode(def).finish());
}

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

/** Gateway calls for one build (`ref`) on a control connection. */
export class BridgeGatewayClient implements GatewayClient {
  private returned = false;

  constructor(
    private readonly conn: BuildkitConnection,
    private readonly buildRef: string,
    readonly workerPlatforms: readonly Platform[],
    private readonly sessionID: string,
    /**
     * Cache imports of the build: sent with every solve, as buildctl's client-side build does.
     * `signal` cancels calls still running when the build ends (a silent connection never ends them).
     */
    private readonly options: { cacheImports?: readonly { type: string; attrs: Record<string, string> }[]; signal?: AbortSignal } = {},
  ) {}

  private md(): grpc.Metadata {
    const m = new grpc.Metadata();
    m.set("buildkit-controlapi-buildid", this.buildRef);
    return m;
  }

  private call<Req, Res>(method: string, reqType: { encode(m: Req): { finish(): Uint8Array } }, resType: { decode(b: Uint8Array): Res }, req: Req): Promise<Res> {
    const signal = this.options.signal;
    if (!signal) return this.conn.unary(BRIDGE + method, reqType, resType, req, this.md());
    if (signal.aborted) return Promise.reject(new BuildkitError("CANCELED", `${method}: the build has ended`));
    return new Promise<Res>((resolve, reject) => {
      const onAbort = () => call.cancel();
      const call = this.conn.client.makeUnaryRequest(
        BRIDGE + method,
        (m: Req) => Buffer.from(reqType.encode(m).finish()),
        (b: Buffer) => resType.decode(b),
        req,
        this.md(),
        {},
        (err, res) => {
          signal.removeEventListener("abort", onAbort);
          if (err) reject(mapGrpcError(err, BRIDGE + method, this.conn.address));
          else resolve(res!);
        },
      );
      signal.addEventListener("abort", onAbort, { once: true });
    });
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

  async resolveImageConfig(ref: string, options: { platform: Platform | undefined; resolveMode: ResolveMode }) {
    const p = options.platform ? normalizePlatform(options.platform) : undefined;
    const res = await this.call("ResolveImageConfig", gw.ResolveImageConfigRequest, gw.ResolveImageConfigResponse, {
      Ref: ref,
      Platform: p ? { OS: p.os, Architecture: p.architecture, Variant: p.variant ?? "" } : null,
      ResolveMode: options.resolveMode ?? "default",
      LogName: `[internal] load metadata for ${ref}${p ? ` (${formatPlatform(p)})` : ""}`,
      SessionID: this.sessionID,
    });
    return { ref: res.Ref || ref, digest: res.Digest ?? "", config: res.Config ?? new Uint8Array() };
  }

  async inputs(): Promise<Record<string, Definition>> {
    const res = await this.call("Inputs", gw.InputsRequest, gw.InputsResponse, {});
    const out: Record<string, Definition> = {};
    for (const [k, v] of Object.entries(res.Definitions ?? {})) out[k] = fromPbDefinition(v)!;
    return out;
  }

  async return(result: GatewayResult | { error: Error }): Promise<void> {
    if (this.returned) throw new Error("gateway result already returned");
    this.returned = true;
    if ("error" in result) {
      await this.call("Return", gw.ReturnRequest, gw.ReturnResponse, { error: { code: 2, message: result.error.message } });
      return;
    }
    const r: moby.buildkit.v1.frontend.Result.$Properties = { metadata: result.metadata };
    if (result.refs) {
      const refs: Record<string, moby.buildkit.v1.frontend.Ref.$Properties> = {};
      for (const [k, v] of Object.entries(result.refs)) refs[k] = refToPb(v);
      r.refs = { refs };
    } else {
      r.ref = refToPb(result.ref);
    }
    await this.call("Return", gw.ReturnRequest, gw.ReturnResponse, { result: r });
  }
}
