/**
 * Decoding: bytes of a `pb.Definition` back into a {@link Definition} and an
 * inspectable list of ops, plus {@link definitionState} to use a decoded
 * graph as the input of new ops (Go's `llb.NewDefinitionOp`).
 */

import { DefinitionError, LlbError } from "../errors.js";
import { pb } from "../proto/ops.js";
import type { Constraints } from "./constraints.js";
import { Definition } from "./definition.js";
import { sha256Digest } from "./digest.js";
import type { PbDefinition, PbInput, PbOp, PbOpMetadata, PbSource } from "./pb.js";
import { SourceMap } from "./source-map.js";
import { vertexLabel } from "./vertex-label.js";
import { State, type MarshalResult, type Output, type Vertex } from "./state.js";
import type { SourceLocation } from "./constraints.js";
import type { Platform } from "./platform.js";

interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
  toString(): string;
}

function isLong(v: unknown): v is LongLike {
  return typeof v === "object" && v !== null && "low" in v && "high" in v && "unsigned" in v;
}

/** Turns a decoded protobufjs message into a plain object of our `Pb*` shapes. */
function plain(v: unknown): unknown {
  if (v === null || v === undefined) return v;
  if (isLong(v)) {
    const big = BigInt(v.toString());
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      if (k.startsWith("$")) continue;
      const val = (v as Record<string, unknown>)[k];
      if (Array.isArray(val) && val.length === 0) continue;
      out[k] = plain(val);
    }
    return out;
  }
  return v;
}

/** Decodes one op's bytes. */
export function decodeOp(bytes: Uint8Array): PbOp {
  let m: pb.Op;
  try {
    m = pb.Op.decode(bytes);
  } catch (err) {
    throw new DefinitionError(`failed to parse llb proto op: ${(err as Error).message}`, { cause: err });
  }
  const op = plain(m) as PbOp;
  op.inputs ??= [];
  return op;
}

/** Decodes the bytes of a `pb.Definition` (as `buildctl build` reads them). */
export function decodeDefinition(bytes: Uint8Array): Definition {
  let m: pb.Definition;
  try {
    m = pb.Definition.decode(bytes);
  } catch (err) {
    throw new DefinitionError(`not a pb.Definition: ${(err as Error).message}`, { cause: err });
  }
  return fromPbDefinition(plain(m) as PbDefinition);
}

/** A {@link Definition} from the plain `pb.Definition` shape. */
export function fromPbDefinition(d: PbDefinition): Definition {
  const metadata = new Map<string, PbOpMetadata>();
  for (const [k, v] of Object.entries(d.metadata ?? {})) metadata.set(k, withoutEmptyMaps(v));
  const source = d.Source ? normalizeSource(d.Source) : undefined;
  return new Definition(d.def ?? [], metadata, source);
}

/** Empty maps decode as `{}`; Go has nil maps there and never writes them. */
function withoutEmptyMaps(m: PbOpMetadata): PbOpMetadata {
  const out = { ...m };
  if (out.description && Object.keys(out.description).length === 0) delete out.description;
  if (out.caps && Object.keys(out.caps).length === 0) delete out.caps;
  return out;
}

function normalizeSource(s: PbSource): PbSource {
  const locations: PbSource["locations"] = {};
  for (const [k, v] of Object.entries(s.locations ?? {})) {
    locations[k] = {
      locations: (v.locations ?? []).map((l) => ({
        sourceIndex: l.sourceIndex ?? 0,
        // An absent position stays absent: it is not written, unlike a zero one.
        ranges: (l.ranges ?? []).map((r) => ({
          ...(r.start ? { start: { line: r.start.line ?? 0, character: r.start.character ?? 0 } } : {}),
          ...(r.end ? { end: { line: r.end.line ?? 0, character: r.end.character ?? 0 } } : {}),
        })),
      })),
    };
  }
  // The shape marshal gives: empty strings and bytes are present, nested definitions normalised too.
  const infos = (s.infos ?? []).map((i) => {
    const info: PbSource["infos"][number] = { filename: i.filename ?? "", data: i.data ?? new Uint8Array(), language: i.language ?? "" };
    if (i.definition) info.definition = fromPbDefinition(i.definition).toPb();
    return info;
  });
  return { locations, infos };
}

/** One op of a decoded graph. */
export interface InspectedOp {
  digest: string;
  op: PbOp;
  metadata: PbOpMetadata | undefined;
  /** exec, source, file, build, merge, diff, passthrough, or terminal. */
  kind: string;
  /** What progress would call this vertex (custom name, or a summary as `buildctl debug dump-llb --dot`). */
  name: string;
}

export function opKind(op: PbOp): string {
  for (const k of ["exec", "source", "file", "build", "merge", "diff", "passthrough"] as const) {
    if (op[k]) return k;
  }
  return "terminal";
}

function opName(op: PbOp, md: PbOpMetadata | undefined, digest: string): string {
  return md?.description?.["llb.customname"] || vertexLabel(op, digest).name;
}

/** Every op of a definition, in order, decoded. */
export function inspectDefinition(def: Definition): InspectedOp[] {
  return def.def.map((bytes) => {
    const digest = sha256Digest(bytes);
    const op = decodeOp(bytes);
    const metadata = def.metadata.get(digest);
    return { digest, op, metadata, kind: opKind(op), name: opName(op, metadata, digest) };
  });
}

// ---------------------------------------------------------------------------
// DefinitionOp: a decoded graph as a vertex.

interface DefinitionGraph {
  ops: Map<string, PbOp>;
  bytes: Map<string, Uint8Array>;
  metas: Map<string, PbOpMetadata>;
  sources: Map<string, SourceLocation[]>;
  platforms: Map<string, Platform | undefined>;
  /** Vertices per digest and output index, so shared inputs stay one vertex. */
  vertices: Map<string, DefinitionOp[]>;
}

class DefinitionOutput implements Output {
  constructor(
    private readonly op: DefinitionOp,
    private readonly plat: Platform | undefined,
  ) {}
  vertex(): Vertex {
    return this.op;
  }
  toInput(c: Constraints): PbInput {
    return { digest: this.op.marshal().digest, index: this.op.index };
  }
  platform(): Platform | undefined {
    return this.plat;
  }
}

export class DefinitionOp implements Vertex {
  constructor(
    private readonly g: DefinitionGraph,
    readonly digest: string,
    readonly index: number,
  ) {}

  validate(): void {
    if (this.digest === "") return;
    if (!this.g.ops.has(this.digest)) throw new LlbError(`invalid definition op with unknown op ${this.digest}`);
    if (!this.g.metas.has(this.digest)) throw new LlbError(`invalid definition op with unknown metas ${this.digest}`);
    if (this.index < 0) throw new LlbError("invalid definition op with invalid index");
  }

  marshal(): MarshalResult {
    if (this.digest === "") throw new LlbError("cannot marshal empty definition op");
    this.validate();
    return {
      digest: this.digest,
      bytes: this.g.bytes.get(this.digest)!,
      metadata: this.g.metas.get(this.digest),
      sourceLocations: this.g.sources.get(this.digest) ?? [],
    };
  }

  output(): Output | undefined {
    if (this.digest === "") return undefined;
    return new DefinitionOutput(this, this.g.platforms.get(this.digest));
  }

  inputs(): readonly Output[] {
    if (this.digest === "") return [];
    const op = this.g.ops.get(this.digest)!;
    const platform = this.g.platforms.get(this.digest);
    return op.inputs.map((inp) => {
      let list = this.g.vertices.get(inp.digest);
      if (!list) this.g.vertices.set(inp.digest, (list = []));
      let v = list[inp.index];
      if (!v) list[inp.index] = v = new DefinitionOp(this.g, inp.digest, inp.index);
      return new DefinitionOutput(v, platform);
    });
  }
}

function platformOf(op: PbOp): Platform | undefined {
  const p = op.platform;
  if (!p) return undefined;
  const out: { -readonly [K in keyof Platform]: Platform[K] } = { os: p.OS ?? "", architecture: p.Architecture ?? "" };
  if (p.Variant) out.variant = p.Variant;
  if (p.OSVersion) out.osVersion = p.OSVersion;
  if (p.OSFeatures && p.OSFeatures.length) out.osFeatures = p.OSFeatures;
  return out;
}

/** Options of {@link definitionState}. */
export interface DefinitionStateOptions {
  /**
   * Take the platform of the op the Definition points at, as Go's
   * `llb.NewState(defop.Output())` does. Default `false`: the state has no
   * platform of its own, as Go's `llb.NewState(defop)` and buildkit's gateway
   * `Ref.ToState()` (solve results, frontend inputs), so ops built on it get
   * the platform given to `marshal()`.
   */
  keepPlatform?: boolean;
}

/**
 * A state whose output is the result of a marshalled definition, so graphs
 * from elsewhere (a gateway Solve result, a file) can feed new ops. Op bytes
 * are reused, so digests are preserved.
 */
export function definitionState(def: Definition, options: DefinitionStateOptions = {}): State {
  if (def.metadata.size === 0 && def.def.length > 0) {
    throw new DefinitionError("invalid nil input definition to definition op (no metadata)");
  }
  const g: DefinitionGraph = {
    ops: new Map(),
    bytes: new Map(),
    metas: new Map(def.metadata),
    sources: new Map(),
    platforms: new Map(),
    vertices: new Map(),
  };
  let last = "";
  for (const b of def.def) {
    const op = decodeOp(b);
    last = sha256Digest(b);
    g.ops.set(last, op);
    g.bytes.set(last, b);
    g.platforms.set(last, platformOf(op));
  }
  if (def.source) {
    const maps = def.source.infos.map(
      (info) =>
        new SourceMap(info.filename, {
          language: info.language ?? "",
          data: info.data ?? new Uint8Array(),
          ...(info.definition ? { definition: fromPbDefinition(info.definition) } : {}),
        }),
    );
    for (const [dgst, locs] of Object.entries(def.source.locations)) {
      const list: SourceLocation[] = [];
      for (const l of locs.locations) {
        const sm = maps[l.sourceIndex];
        if (!sm) throw new DefinitionError(`failed to find source map with index ${l.sourceIndex}`);
        list.push({ sourceMap: sm, ranges: l.ranges });
      }
      g.sources.set(dgst, list);
    }
  }
  if (last === "") return State.fromOutput(undefined);
  const terminal = g.ops.get(last)!;
  const head = terminal.inputs[0];
  if (!head) return State.fromOutput(undefined);
  const op = new DefinitionOp(g, head.digest, head.index);
  if (options.keepPlatform) return State.fromOutput(op.output());
  // Go's NewState(defop): the op itself is the output, and it has no Platform() method.
  return State.fromOutput(new DefinitionOutput(op, undefined));
}
