/**
 * `State`: an immutable value naming one output of an LLB graph plus the
 * settings later ops inherit (env, dir, user, platform, network, ...), like
 * Go's `llb.State`. Every setter returns a new State linked to the previous
 * one; values are read lazily through that chain, without recursion and with
 * memoisation so very long chains stay linear.
 */

import { LlbError, TsfError } from "../errors.js";
import { joinPath } from "../internal/go/path.js";
import {
  applyConstraints,
  cloneMetadata,
  constraintsOpts,
  mergeMetadata,
  newConstraints,
  type Constraints,
  type ConstraintsOpt,
  type ConstraintsOptions,
  type SourceLocation,
} from "./constraints.js";
import { Definition } from "./definition.js";
import { EnvList } from "./env.js";
import { encodeOp, type PbInput, type PbOpMetadata, type PbUlimit, type NetMode, type SecurityMode } from "./pb.js";
import { normalizePlatform, type Platform } from "./platform.js";
import { SourceMapCollector } from "./source-map.js";
import { sha256Digest } from "./digest.js";
import { randomID } from "./identity.js";
import { shlexSplitGo } from "../internal/go/shlex.js";
import { Caps } from "./caps.js";

// ---------------------------------------------------------------------------
// The graph interfaces every op implements.

/** What marshalling one vertex produces. */
export interface MarshalResult {
  readonly digest: string;
  readonly bytes: Uint8Array;
  readonly metadata: PbOpMetadata | undefined;
  readonly sourceLocations: readonly SourceLocation[];
}

/** One output of a vertex, usable as another op's input. */
export interface Output {
  vertex(c: Constraints): Vertex | undefined;
  toInput(c: Constraints): PbInput;
  /** The platform a state built on this output starts with, if any. */
  platform(): Platform | undefined;
}

/** An op in the graph. */
export interface Vertex {
  validate(c: Constraints): void;
  marshal(c: Constraints): MarshalResult;
  output(): Output | undefined;
  inputs(): readonly Output[];
}

/** Thrown inside a synchronous marshal when an async state has not been resolved yet. */
export class NeedsAsync {
  constructor(readonly node: AsyncOutput) {}
}

/** A single cached marshal result per constraints object, like Go's `MarshalCache`. */
export class MarshalCache {
  private lastKey: Constraints | undefined;
  private lastValue: MarshalResult | undefined;
  private more: WeakMap<Constraints, MarshalResult> | undefined;

  get(c: Constraints): MarshalResult | undefined {
    if (this.lastKey === c) return this.lastValue;
    return this.more?.get(c);
  }

  set(c: Constraints, r: MarshalResult): MarshalResult {
    if (this.lastKey !== undefined && this.lastKey !== c) {
      (this.more ??= new WeakMap()).set(this.lastKey, this.lastValue!);
    }
    this.lastKey = c;
    this.lastValue = r;
    return r;
  }
}

/** Encodes and hashes an op, returning Go's (digest, bytes). */
export function finishOp(
  cache: MarshalCache,
  c: Constraints,
  op: Parameters<typeof encodeOp>[0],
  metadata: PbOpMetadata,
  sourceLocations: readonly SourceLocation[],
): MarshalResult {
  const bytes = encodeOp(op);
  return cache.set(c, { digest: sha256Digest(bytes), bytes, metadata, sourceLocations });
}

/** The output of a vertex with a fixed or lazily computed index. */
export class VertexOutput implements Output {
  constructor(
    readonly v: Vertex,
    private readonly plat: Platform | undefined,
    private readonly getIndex?: () => number,
  ) {}

  vertex(): Vertex {
    return this.v;
  }

  toInput(c: Constraints): PbInput {
    const index = this.getIndex ? this.getIndex() : 0;
    return { digest: this.v.marshal(c).digest, index };
  }

  platform(): Platform | undefined {
    return this.plat;
  }
}

// ---------------------------------------------------------------------------
// State values.

/** Keys of the values a State carries; the strings are Go's. */
export const StateKey = {
  args: "llb.exec.args",
  dir: "llb.exec.dir",
  env: "llb.exec.env",
  extraHost: "llb.exec.extrahost",
  hostname: "llb.exec.hostname",
  ulimit: "llb.exec.ulimit",
  cgroupParent: "llb.exec.cgroup.parent",
  user: "llb.exec.user",
  validExitCodes: "llb.exec.validexitcodes",
  platform: "llb.platform",
  network: "llb.network",
  security: "llb.security",
} as const;

/** Computes a value from the one inherited through the chain. */
type Reducer = (inherited: unknown) => unknown;

const UNSET: unique symbol = Symbol("unset");

/** Small integer ids for value keys, so each State can index its nearest setter of each key. */
const keyIds = new Map<string, number>();
for (const k of Object.values(StateKey)) keyIds.set(k, keyIds.size);

function keyId(key: string): number {
  let id = keyIds.get(key);
  if (id === undefined) {
    id = keyIds.size;
    keyIds.set(key, id);
  }
  return id;
}

const NO_SETTERS: readonly (State | undefined)[] = [];

/**
 * The nearest node at or above `n` that sets key `id`, crossing async states
 * (the chain continues in the resolved state). Undefined when no node sets it.
 */
function findSetter(n: State | undefined, id: number | undefined): State | undefined {
  while (n) {
    if (id !== undefined) {
      const t = n.setters[id];
      if (t) return t;
    }
    const a = n.asyncRoot;
    if (!a) return undefined;
    n = a.asyncOut!.resolved();
  }
  return undefined;
}

export interface HostIP {
  host: string;
  ip: string;
}

export type StateOption = (s: State) => State;

/** A function that turns a state into an async-resolved state (Go's `State.Async`). */
export type AsyncResolver = (prev: State, c: Constraints) => Promise<State>;

/** The output of an async state: resolved once, before the synchronous marshal walk. */
export class AsyncOutput implements Output {
  private target: State | undefined;
  private error: unknown;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly fn: AsyncResolver,
    private readonly prev: State,
  ) {}

  /** Resolves the state (once; later calls share the result, as Go's flightcontrol does). */
  resolve(c: Constraints): Promise<void> {
    this.pending ??= this.fn(this.prev, c).then(
      (t) => {
        this.target = t;
      },
      (err: unknown) => {
        this.error = err;
      },
    );
    return this.pending;
  }

  /** The resolved state, or throws {@link NeedsAsync} so the caller can resolve it first. */
  resolved(): State {
    if (this.error !== undefined) throw this.error;
    if (!this.target) throw new NeedsAsync(this);
    return this.target;
  }

  vertex(c: Constraints): Vertex | undefined {
    return this.resolved().output()?.vertex(c);
  }

  toInput(c: Constraints): PbInput {
    const out = this.resolved().output();
    if (!out) throw new LlbError("async state resolved to scratch where an input was needed");
    return out.toInput(c);
  }

  platform(): Platform | undefined {
    return undefined;
  }
}

/** Options for {@link State.marshal}. A platform here is the default for ops that need one. */
export interface MarshalOptions extends ConstraintsOptions {}

/**
 * An immutable LLB state. Build one with `scratch()`, `image()`, `local()`,
 * `git()`, `http()`, then chain `run()`, `file()`, `addEnv()`, `dir()`...
 *
 * @example
 * const st = image("busybox").run({ shlex: "echo hi" }).root();
 * const def = await st.marshal({ platform: parsePlatform("linux/amd64") });
 */
export class State {
  /** @internal */ readonly out: Output | undefined;
  /** @internal */ readonly prev: State | undefined;
  /** @internal */ readonly key: string | undefined;
  /** @internal */ readonly reduce: Reducer | undefined;
  /** @internal */ readonly absolute: boolean;
  /** @internal */ readonly asyncOut: AsyncOutput | undefined;
  /** @internal */ readonly defaults: readonly ConstraintsOpt[];
  /**
   * @internal For each key id, the nearest node at or above this one (up to the
   * chain's async root, if any) that sets it. Shared with `prev` unless this
   * node sets a key, so lookups are O(1) and very long chains stay linear.
   */
  readonly setters: readonly (State | undefined)[];
  /** @internal The async state this chain starts at, if any. */
  readonly asyncRoot: State | undefined;
  private memo: unknown = UNSET;

  /** @internal Use the source functions (`scratch()`, `image()`...) instead. */
  constructor(
    out: Output | undefined,
    prev?: State,
    key?: string,
    reduce?: Reducer,
    absolute = false,
    asyncOut?: AsyncOutput,
    defaults: readonly ConstraintsOpt[] = [],
  ) {
    this.out = out;
    this.prev = prev;
    this.key = key;
    this.reduce = reduce;
    this.absolute = absolute;
    this.asyncOut = asyncOut;
    this.defaults = defaults;
    this.asyncRoot = asyncOut ? this : prev?.asyncRoot;
    const inherited = prev ? prev.setters : NO_SETTERS;
    if (key === undefined) {
      this.setters = inherited;
    } else {
      const setters = inherited.slice();
      setters[keyId(key)] = this;
      this.setters = setters;
    }
  }

  /** A fresh state on an output: dir `/` and the output's platform (Go's `NewState`). */
  static fromOutput(o: Output | undefined): State {
    let s = new State(o).dir("/");
    const p = o?.platform();
    if (p) s = s.platform(p);
    return s;
  }

  /** @internal Adds a value node. `absolute` values ignore what they inherit. */
  withValueFn(key: string, reduce: Reducer, absolute: boolean): State {
    return new State(this.output(), this, key, reduce, absolute);
  }

  /** Sets an arbitrary value (Go's `State.WithValue`). */
  withValue(key: string, value: unknown): State {
    return this.withValueFn(key, () => value, true);
  }

  /** Reads a value through the chain without recursion, memoising on the way. */
  value(key: string): unknown {
    const id = keyIds.get(key);
    let n = findSetter(this, id);
    if (!n) return undefined;
    if (n.memo !== UNSET) return n.memo;
    // Setters not computed yet, newest first, down to a memoised or absolute one.
    const chain: State[] = [];
    let base: unknown = undefined;
    while (n) {
      if (n.memo !== UNSET) {
        base = n.memo;
        break;
      }
      chain.push(n);
      if (n.absolute) break;
      n = findSetter(n.prev, id);
    }
    let v = base;
    for (let i = chain.length - 1; i >= 0; i--) {
      const node = chain[i]!;
      v = node.reduce!(v);
      node.memo = v;
    }
    return v;
  }

  /** The output this state names, or undefined for scratch. */
  output(): Output | undefined {
    return this.asyncOut ?? this.out;
  }

  /** A new state on another output, keeping this state's values (Go's `WithOutput`). */
  withOutput(o: Output | undefined): State {
    let s = new State(o, this);
    const p = o?.platform();
    if (p) s = s.platform(p);
    return s;
  }

  /** Applies state options in order (Go's `State.With`). */
  with(...opts: StateOption[]): State {
    let s: State = this;
    for (const o of opts) s = o(s);
    return s;
  }

  /** A state resolved asynchronously at marshal time (Go's `State.Async`). */
  async(fn: AsyncResolver): State {
    return new State(undefined, undefined, undefined, undefined, false, new AsyncOutput(fn, this));
  }

  /** Constraints applied to every marshal of this exact state (Go's `SetMarshalDefaults`). */
  setMarshalDefaults(options: ConstraintsOptions): State {
    return new State(this.out, this.prev, this.key, this.reduce, this.absolute, this.asyncOut, constraintsOpts(options));
  }

  // -- values --------------------------------------------------------------

  /** Sets an environment variable; setting it again moves it to the end. */
  addEnv(key: string, value: string): State {
    return this.withValueFn(StateKey.env, (prev) => ((prev as EnvList | undefined) ?? EnvList.empty).addOrReplace(key, value), false);
  }

  /** Removes an environment variable. */
  delEnv(key: string): State {
    return this.withValueFn(StateKey.env, (prev) => ((prev as EnvList | undefined) ?? EnvList.empty).delete(key), false);
  }

  /** Sets the working directory; a relative path is joined to the current one. */
  dir(path: string): State {
    if (path.startsWith("/")) return this.withValueFn(StateKey.dir, () => path, true);
    return this.withValueFn(StateKey.dir, (prev) => joinPath((prev as string | undefined) || "/", path), false);
  }

  user(user: string): State {
    return this.withValue(StateKey.user, user);
  }

  hostname(hostname: string): State {
    return this.withValue(StateKey.hostname, hostname);
  }

  /** Sets the platform later ops of this state use; it is normalised as in Go. */
  platform(p: Platform): State {
    return this.withValue(StateKey.platform, normalizePlatform(p));
  }

  network(mode: NetMode): State {
    return this.withValue(StateKey.network, mode);
  }

  security(mode: SecurityMode): State {
    return this.withValue(StateKey.security, mode);
  }

  addExtraHost(host: string, ip: string): State {
    return this.withValueFn(StateKey.extraHost, (prev) => [...((prev as HostIP[] | undefined) ?? []), { host, ip }], false);
  }

  addUlimit(name: UlimitName, soft: number | bigint, hard: number | bigint): State {
    return this.withValueFn(
      StateKey.ulimit,
      (prev) => [...((prev as PbUlimit[] | undefined) ?? []), { Name: name, Soft: soft, Hard: hard }],
      false,
    );
  }

  withCgroupParent(parent: string): State {
    return this.withValue(StateKey.cgroupParent, parent);
  }

  /** Sets the command later `run()` calls use when they give none (Go's `llb.Args`). */
  args(...args: string[]): State {
    return this.withValue(StateKey.args, args);
  }

  /** Like {@link args} with a shell-like split (Go's `llb.Shlex`). */
  shlex(cmd: string): State {
    return this.withValue(StateKey.args, shlexSplit(cmd));
  }

  /** @internal */ validExitCodes(codes: number[]): State {
    return this.withValue(StateKey.validExitCodes, codes);
  }

  /**
   * This state's output reparented onto `other`'s values (Go's `State.Reset`).
   * Go builds `NewState(output)` and replaces the top node's parent, so values
   * set by that fresh state's top node survive and the rest come from `other`.
   */
  reset(other: State): State {
    const fresh = State.fromOutput(this.output());
    return new State(fresh.out, other, fresh.key, fresh.reduce, fresh.absolute, fresh.asyncOut, fresh.defaults);
  }

  getEnv(key: string): string | undefined {
    return this.env().get(key);
  }

  env(): EnvList {
    return (this.value(StateKey.env) as EnvList | undefined) ?? EnvList.empty;
  }

  getDir(): string {
    return (this.value(StateKey.dir) as string | undefined) ?? "";
  }

  getArgs(): string[] {
    return (this.value(StateKey.args) as string[] | undefined) ?? [];
  }

  getUser(): string {
    return (this.value(StateKey.user) as string | undefined) ?? "";
  }

  getHostname(): string {
    return (this.value(StateKey.hostname) as string | undefined) ?? "";
  }

  getPlatform(): Platform | undefined {
    return this.value(StateKey.platform) as Platform | undefined;
  }

  getNetwork(): NetMode {
    return (this.value(StateKey.network) as NetMode | undefined) ?? 0;
  }

  getSecurity(): SecurityMode {
    return (this.value(StateKey.security) as SecurityMode | undefined) ?? 0;
  }

  getExtraHosts(): HostIP[] {
    return (this.value(StateKey.extraHost) as HostIP[] | undefined) ?? [];
  }

  getUlimits(): PbUlimit[] {
    return (this.value(StateKey.ulimit) as PbUlimit[] | undefined) ?? [];
  }

  getCgroupParent(): string {
    return (this.value(StateKey.cgroupParent) as string | undefined) ?? "";
  }

  getValidExitCodes(): number[] | undefined {
    return this.value(StateKey.validExitCodes) as number[] | undefined;
  }

  /** Resolves async parts (image configs from a resolver), then reads a value. */
  async resolveValue<T>(read: (s: State) => T, options?: MarshalOptions): Promise<T> {
    const c = applyConstraints(newConstraints(), constraintsOpts(options));
    for (;;) {
      try {
        return read(this);
      } catch (e) {
        if (e instanceof NeedsAsync) {
          await e.node.resolve(c);
          continue;
        }
        throw e;
      }
    }
  }

  /** Checks this state's vertex for errors stored by the builder calls. */
  validate(options?: MarshalOptions): void {
    const c = applyConstraints(newConstraints(), constraintsOpts(options));
    this.output()?.vertex(c)?.validate(c);
  }

  // -- marshal -------------------------------------------------------------

  /**
   * Marshals the graph into a `Definition`. Async states (image config
   * resolvers) are awaited first; the walk itself is synchronous and iterative.
   */
  async marshal(options?: MarshalOptions): Promise<Definition> {
    const c = this.marshalConstraints(options);
    for (;;) {
      try {
        return this.marshalWith(c, options);
      } catch (e) {
        if (e instanceof NeedsAsync) {
          await e.node.resolve(c);
          continue;
        }
        throw e;
      }
    }
  }

  /**
   * Synchronous marshal for graphs without async states; throws if one is found.
   * Faster for generated graphs (no promise per call).
   */
  marshalSync(options?: MarshalOptions): Definition {
    const c = this.marshalConstraints(options);
    try {
      return this.marshalWith(c, options);
    } catch (e) {
      if (e instanceof NeedsAsync) throw new LlbError("the graph has an async state (an image resolver): use marshal()");
      throw e;
    }
  }

  private marshalConstraints(options: MarshalOptions | undefined): Constraints {
    const c = newConstraints();
    c.localUniqueID = randomID();
    return applyConstraints(c, [...this.defaults, ...constraintsOpts(options)]);
  }

  /** @internal */
  marshalWith(c: Constraints, options: MarshalOptions | undefined): Definition {
    const def: Uint8Array[] = [];
    const metadata = new Map<string, PbOpMetadata>();
    const out = this.output();
    const root = out?.vertex(c);
    if (!out || !root) return new Definition(def, metadata, undefined);

    const smc = new SourceMapCollector();
    const seenDigests = new Set<string>();
    const seenVertices = new Set<Vertex>();
    // Post-order walk with an explicit stack: inputs first, as Go's recursive marshal.
    const stackV: Vertex[] = [root];
    const stackI: number[] = [0];
    const stackIn: (readonly Output[] | undefined)[] = [undefined];
    while (stackV.length > 0) {
      const top = stackV.length - 1;
      const v = stackV[top]!;
      const inputs = (stackIn[top] ??= v.inputs());
      const i = stackI[top]!;
      if (i < inputs.length) {
        stackI[top] = i + 1;
        const iv = inputs[i]!.vertex(c);
        if (iv && !seenVertices.has(iv)) {
          stackV.push(iv);
          stackI.push(0);
          stackIn.push(undefined);
        }
        continue;
      }
      stackV.pop();
      stackI.pop();
      stackIn.pop();
      if (seenVertices.has(v)) continue;
      let r: MarshalResult;
      try {
        r = v.marshal(c);
      } catch (err) {
        throw withOpLocation(err, v);
      }
      seenVertices.add(v);
      if (r.metadata) {
        const prev = metadata.get(r.digest);
        // The op's metadata is used as is unless its maps are shared with the marshal-wide
        // constraints (which later ops extend, as in Go): Go copies it (NewOpMetadata), and so
        // do we then, or when a second vertex with the same digest merges into it.
        if (prev === undefined && !sharesMaps(r.metadata, c.metadata)) metadata.set(r.digest, r.metadata);
        else metadata.set(r.digest, mergeMetadata(prev ? cloneMetadata(prev) : {}, r.metadata));
      }
      smc.add(r.digest, r.sourceLocations);
      if (seenDigests.has(r.digest)) continue;
      def.push(r.bytes);
      seenDigests.add(r.digest);
    }

    const terminal = encodeOp({ inputs: [out.toInput(c)] });
    def.push(terminal);
    const tdgst = sha256Digest(terminal);
    const tmd: PbOpMetadata = { ...(metadata.get(tdgst) ?? {}) };
    tmd.caps = { [Caps.Constraints]: true, [Caps.Platform]: true };
    for (const m of metadata.values()) {
      if (m.ignore_cache) tmd.caps[Caps.MetaIgnoreCache] = true;
      if (m.description) tmd.caps[Caps.MetaDescription] = true;
      if (m.export_cache) tmd.caps[Caps.MetaExportCache] = true;
    }
    metadata.set(tdgst, tmd);
    const source = smc.toPb((st) => st.marshalWith(nestedConstraints(st, options), options).toPb());
    return new Definition(def, metadata, source);
  }
}

function sharesMaps(m: PbOpMetadata, base: PbOpMetadata): boolean {
  return (m.caps !== undefined && m.caps === base.caps) || (m.description !== undefined && m.description === base.description);
}

/**
 * Gives an error from an op's validation the user's file:line, when the op
 * recorded one (ops keep their own constraints, as in Go).
 */
function withOpLocation(err: unknown, v: Vertex): unknown {
  if (!(err instanceof TsfError) || err.location) return err;
  const locs = (v as unknown as { constraints?: Constraints }).constraints?.sourceLocations;
  const loc = locs?.[0];
  const line = loc?.ranges[0]?.start?.line;
  if (!loc) return err;
  return new LlbError(err.message, { cause: err, location: line ? { file: loc.sourceMap.filename, line } : { file: loc.sourceMap.filename } });
}

function nestedConstraints(st: State, options: MarshalOptions | undefined): Constraints {
  const c = newConstraints();
  c.localUniqueID = randomID();
  return applyConstraints(c, [...st.defaults, ...constraintsOpts(options)]);
}

/** Ulimit names buildkit accepts. */
export type UlimitName =
  | "core" | "cpu" | "data" | "fsize" | "locks" | "memlock" | "msgqueue" | "nice"
  | "nofile" | "nproc" | "rss" | "rtprio" | "rttime" | "sigpending" | "stack";

/** Splits a command line as github.com/google/shlex (Go's `llb.Shlex`); words before an error are kept, as in Go. */
export function shlexSplit(s: string): string[] {
  return shlexSplitGo(s).words;
}

/** Scratch: the empty filesystem. */
export function scratch(): State {
  return State.fromOutput(undefined);
}
