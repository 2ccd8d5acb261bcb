/**
 * The file op: `state.file(action)` with chains of `mkdir`, `mkfile`, `rm`,
 * `copy` and `symlink` actions (Go's client/llb/fileop.go).
 *
 * Quirks of Go v0.32.2 mirrored here on purpose (they change the bytes):
 * - Only the `file.base` cap is added. Go loops over the per-action cap adders
 *   (`file.copy.includeexcludepatterns`, `file.copy.requiredpaths`,
 *   `file.copy.alwaysreplaceexistingdestpaths`, `file.copy.modestring`,
 *   `file.symlink.create`) on a marshal state that is still empty, so they are
 *   never added.
 * - The platform is dropped: file ops carry no `platform` field, whatever the
 *   state's or the op's platform is. No vertex name/description is added.
 * - Every action of a chain is bound to the state `file()` is called on (or to
 *   the state given to `withState()`); a chown by name (`NamedUserOpt`) refers
 *   to the input index of that state ("base"), -1 on scratch, never to the
 *   previous action's result.
 * - Only the last action has output 0; the others have -1. A chained action's
 *   input, and a copy's secondary input from a `withState()` chain, are
 *   `len(inputs) + index of the earlier action`. The first action's input is
 *   the base index (-1 on scratch); a copy from scratch has secondary input -1.
 * - Inputs are de-duplicated by (digest, index), in the order Go adds them:
 *   previous actions first, then the action's base, then the copy source.
 *   The graph walk's inputs are de-duplicated by output identity instead.
 * - The same `withState()` value used twice in one op is added once (Go keys
 *   its visited map by that pointer); two `withState()` calls give two copies.
 * - Unset timestamps are written as -1; a timestamp of exactly 0 is omitted.
 * - Copy mode: -1 when unset; a mode string writes `modeStr` and mode 0; a
 *   number is Go's `int32(os.FileMode)`, all bits kept. Mkdir/mkfile modes are
 *   masked with 0o777.
 * - A user/group with an empty name is written by id 0 (Go's `UserOpt{Name: ""}`),
 *   so `chown: ":staff"` sets user 0. `chownUser` parses ids like Go's
 *   `strconv.ParseInt(s, 10, 32)` ("root" is 0, "+7" is 7, "-1" wraps to 4294967295).
 * - Paths of mkdir/mkfile/rm/copy dest are cleaned and joined to the state's
 *   dir; a copy dest keeps a trailing "/" or "/.". Copy sources are cleaned and
 *   joined to the source state's dir (trailing "/" dropped). Symlink paths are
 *   written exactly as given.
 */

import { LlbError } from "../errors.js";
import { cleanPath, joinPath } from "../internal/go/path.js";
import {
  addCap,
  applyConstraints,
  constraintsOpts,
  marshalConstraints,
  newConstraints,
  type Constraints,
  type ConstraintsOptions,
} from "./constraints.js";
import type { PbChownOpt, PbFileAction, PbFileActionCopy, PbInput, PbUserOpt } from "./pb.js";
import {
  finishOp,
  MarshalCache,
  State,
  VertexOutput,
  type MarshalResult,
  type Output,
  type Vertex,
} from "./state.js";
import { Caps } from "./caps.js";

// ---------------------------------------------------------------------------
// Options.

/**
 * A creation time: a `Date` (millisecond precision), or nanoseconds since the
 * Unix epoch as a bigint (any int64) or a safe-integer number.
 */
export type FileTime = Date | bigint | number;

/**
 * Go's `ChownOpt` struct: a string is a user/group name (resolved by the daemon
 * in the base state's /etc/passwd and /etc/group), a number an id. Leaving
 * `user` or `group` out leaves it unset; `{}` writes an empty owner.
 */
export interface ChownOptions {
  user?: string | number;
  group?: string | number;
}

/** A chown: `"user[:group]"` parsed like Go's `WithUser`, or the explicit {@link ChownOptions}. */
export type Chown = string | ChownOptions;

/** Options of {@link mkdir} (Go's `MkdirInfo`). */
export interface MkdirOptions {
  /** Create missing parents (Go's `WithParents`). */
  parents?: boolean;
  chown?: Chown;
  createdTime?: FileTime;
}

/** Options of {@link mkfile} (Go's `MkfileInfo`). */
export interface MkfileOptions {
  chown?: Chown;
  createdTime?: FileTime;
}

/** Options of {@link symlink} (Go's `SymlinkInfo`). */
export interface SymlinkOptions {
  chown?: Chown;
  createdTime?: FileTime;
}

/** Options of {@link rm} (Go's `RmInfo`). */
export interface RmOptions {
  allowNotFound?: boolean;
  allowWildcard?: boolean;
}

/** Options of {@link copy} (Go's `CopyInfo`). */
export interface CopyOptions {
  /** A permission number (Go's `ChmodOpt{Mode}`) or a chmod string like "u+x" (`ChmodOpt{ModeStr}`). */
  mode?: number | string;
  followSymlinks?: boolean;
  copyDirContentsOnly?: boolean;
  includePatterns?: readonly string[];
  excludePatterns?: readonly string[];
  requiredPaths?: readonly string[];
  attemptUnpack?: boolean;
  createDestPath?: boolean;
  allowWildcard?: boolean;
  allowEmptyWildcard?: boolean;
  chown?: Chown;
  createdTime?: FileTime;
  alwaysReplaceExistingDestPaths?: boolean;
}

/** Go's `WithUser("user[:group]")` as explicit {@link ChownOptions}: ids become numbers. */
export function chownUser(spec: string): ChownOptions {
  const i = spec.indexOf(":");
  const out: ChownOptions = {};
  const u = i < 0 ? spec : spec.slice(0, i);
  const uid = parseUID(u);
  out.user = uid ?? u;
  if (i >= 0) {
    const g = spec.slice(i + 1);
    const gid = parseUID(g);
    out.group = gid ?? g;
  }
  return out;
}

/** Go's `WithUIDGID(uid, gid)`. */
export function chownUIDGID(uid: number, gid: number): ChownOptions {
  return { user: uid, group: gid };
}

/** Go's `parseUID`: "root" or a base-10 int32 (optional sign), else undefined (a name). */
function parseUID(s: string): number | undefined {
  if (s === "root") return 0;
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  if (n < -2147483648 || n > 2147483647) return undefined;
  return n === 0 ? 0 : n; // no -0
}

// ---------------------------------------------------------------------------
// Actions.

interface UserOpt {
  uid: number;
  name: string;
}

interface ChownOpt {
  user: UserOpt | undefined;
  group: UserOpt | undefined;
}

interface MkdirSub {
  kind: "mkdir";
  path: string;
  mode: number;
  parents: boolean;
  chown: ChownOpt | undefined;
  time: bigint | undefined;
}

interface MkfileSub {
  kind: "mkfile";
  path: string;
  mode: number;
  data: Uint8Array;
  chown: ChownOpt | undefined;
  time: bigint | undefined;
}

interface RmSub {
  kind: "rm";
  path: string;
  allowNotFound: boolean;
  allowWildcard: boolean;
}

interface SymlinkSub {
  kind: "symlink";
  oldpath: string;
  newpath: string;
  chown: ChownOpt | undefined;
  time: bigint | undefined;
}

interface CopySub {
  kind: "copy";
  state: State | undefined;
  fas: FileActionWithState | undefined;
  src: string;
  dest: string;
  /** undefined: no mode (-1); a string: Go's ModeStr; a number: Go's Mode. */
  mode: number | string | undefined;
  followSymlinks: boolean;
  copyDirContentsOnly: boolean;
  includePatterns: readonly string[];
  excludePatterns: readonly string[];
  requiredPaths: readonly string[];
  attemptUnpack: boolean;
  createDestPath: boolean;
  allowWildcard: boolean;
  allowEmptyWildcard: boolean;
  chown: ChownOpt | undefined;
  time: bigint | undefined;
  alwaysReplaceExistingDestPaths: boolean;
}

type SubAction = MkdirSub | MkfileSub | RmSub | SymlinkSub | CopySub;

/** Collects the first argument error of a builder call (reported at marshal, as Go does). */
class ErrSink {
  err: LlbError | undefined;
  fail(msg: string): void {
    this.err ??= new LlbError(msg);
  }
}

/**
 * An immutable chain of file actions for {@link State.file}. Build one with
 * {@link mkdir}, {@link mkfile}, {@link rm}, {@link copy} or {@link symlink}
 * and extend it with the methods of the same names; each action sees the
 * result of the previous one.
 *
 * @example
 * image("alpine").file(mkdir("/app", 0o755).mkfile("/app/a", 0o644, "hi").copy(local("ctx"), ".", "/app/"))
 */
export class FileAction {
  /** @internal Use the builder functions. */
  constructor(
    /** @internal */ readonly prev: FileAction | undefined,
    /** @internal */ readonly sub: SubAction,
    /** @internal */ readonly err: LlbError | undefined,
  ) {}

  /** Then creates a directory. */
  mkdir(path: string, mode: number, options?: MkdirOptions): FileAction {
    return chain(this, mkdir(path, mode, options));
  }

  /** Then creates a file. */
  mkfile(path: string, mode: number, data: Uint8Array | string, options?: MkfileOptions): FileAction {
    return chain(this, mkfile(path, mode, data, options));
  }

  /** Then removes a path. */
  rm(path: string, options?: RmOptions): FileAction {
    return chain(this, rm(path, options));
  }

  /** Then copies from another state or action chain. */
  copy(src: CopyInput, srcPath: string, destPath: string, options?: CopyOptions): FileAction {
    return chain(this, copy(src, srcPath, destPath, options));
  }

  /** Then creates a symlink at `newpath` pointing to `oldpath`. */
  symlink(oldpath: string, newpath: string, options?: SymlinkOptions): FileAction {
    return chain(this, symlink(oldpath, newpath, options));
  }

  /**
   * This chain applied to `state`, usable as a {@link copy} source (Go's
   * `FileAction.WithState`): the copy reads the result of these actions, run in
   * the same file op. Reusing the returned value runs the chain once.
   */
  withState(state: State): FileActionWithState {
    return new FileActionWithState(bind(this, state));
  }
}

function chain(prev: FileAction, next: FileAction): FileAction {
  return new FileAction(prev, next.sub, next.err);
}

/** A file action chain bound to a state, as a copy source (see {@link FileAction.withState}). */
export class FileActionWithState {
  /** @internal */
  constructor(/** @internal */ readonly bound: BoundAction) {}
}

/** What {@link copy} copies from: a state's filesystem or a bound action chain. */
export type CopyInput = State | FileActionWithState;

/** An action bound to the state it applies to (Go's `FileAction` after `bind`). */
class BoundAction {
  constructor(
    readonly state: State,
    readonly prev: BoundAction | undefined,
    readonly fa: FileAction,
  ) {}
}

/** Binds every action of the chain to `s`, as fresh nodes (Go's `bind`), without recursion. */
function bind(fa: FileAction, s: State): BoundAction {
  const list: FileAction[] = [];
  for (let x: FileAction | undefined = fa; x; x = x.prev) list.push(x);
  let prev: BoundAction | undefined;
  for (let i = list.length - 1; i >= 0; i--) prev = new BoundAction(s, prev, list[i]!);
  return prev!;
}

/** Mkfile data as bytes; anything but a string or bytes is an error (it used to become an empty file). */
function fileData(path: string, data: unknown, errs: ErrSink): Uint8Array {
  if (typeof data === "string") return new TextEncoder().encode(data);
  if (data instanceof Uint8Array) return Uint8Array.from(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  const got = data === null ? "null" : Array.isArray(data) ? "an array" : typeof data;
  errs.fail(`mkfile ${path}: data must be a string or a Uint8Array, got ${got}`);
  return new Uint8Array();
}

function toChown(spec: Chown | undefined, errs: ErrSink): ChownOpt | undefined {
  if (spec === undefined) return undefined;
  const o = typeof spec === "string" ? chownUser(spec) : spec;
  return { user: toUserOpt(o.user, errs), group: toUserOpt(o.group, errs) };
}

function toUserOpt(v: string | number | undefined, errs: ErrSink): UserOpt | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "string") return { uid: 0, name: v };
  if (!Number.isInteger(v)) {
    errs.fail(`invalid uid/gid ${v}: must be an integer`);
    return undefined;
  }
  return { uid: v, name: "" };
}

function toTime(t: FileTime | undefined, errs: ErrSink): bigint | undefined {
  if (t === undefined) return undefined;
  if (t instanceof Date) {
    const ms = t.getTime();
    if (Number.isNaN(ms)) {
      errs.fail("invalid created time: invalid Date");
      return undefined;
    }
    // Go's UnixNano wraps on overflow, as int64 arithmetic does.
    return BigInt.asIntN(64, BigInt(ms) * 1_000_000n);
  }
  if (typeof t === "bigint") {
    if (BigInt.asIntN(64, t) !== t) {
      errs.fail(`invalid created time ${t}: out of int64 range`);
      return undefined;
    }
    return t;
  }
  if (!Number.isSafeInteger(t)) {
    errs.fail(`invalid created time ${t}: nanoseconds must be a safe integer (use a bigint)`);
    return undefined;
  }
  return BigInt(t);
}

function checkMode(mode: number, errs: ErrSink): number {
  if (!Number.isInteger(mode)) {
    errs.fail(`invalid file mode ${mode}: must be an integer`);
    return 0;
  }
  return mode;
}

/** Creates a directory (Go's `llb.Mkdir`); a relative path is joined to the state's dir. */
export function mkdir(path: string, mode: number, options: MkdirOptions = {}): FileAction {
  const errs = new ErrSink();
  const sub: MkdirSub = {
    kind: "mkdir",
    path,
    mode: checkMode(mode, errs),
    parents: options.parents ?? false,
    chown: toChown(options.chown, errs),
    time: toTime(options.createdTime, errs),
  };
  return new FileAction(undefined, sub, errs.err);
}

/** Creates a file with `data` (a string is written as UTF-8) (Go's `llb.Mkfile`). */
export function mkfile(path: string, mode: number, data: Uint8Array | string, options: MkfileOptions = {}): FileAction {
  const errs = new ErrSink();
  const sub: MkfileSub = {
    kind: "mkfile",
    path,
    mode: checkMode(mode, errs),
    data: fileData(path, data, errs),
    chown: toChown(options.chown, errs),
    time: toTime(options.createdTime, errs),
  };
  return new FileAction(undefined, sub, errs.err);
}

/** Removes a path (Go's `llb.Rm`). */
export function rm(path: string, options: RmOptions = {}): FileAction {
  const sub: RmSub = {
    kind: "rm",
    path,
    allowNotFound: options.allowNotFound ?? false,
    allowWildcard: options.allowWildcard ?? false,
  };
  return new FileAction(undefined, sub, undefined);
}

/** Creates a symlink at `newpath` pointing to `oldpath`; both are written as given (Go's `llb.Symlink`). */
export function symlink(oldpath: string, newpath: string, options: SymlinkOptions = {}): FileAction {
  const errs = new ErrSink();
  const sub: SymlinkSub = {
    kind: "symlink",
    oldpath,
    newpath,
    chown: toChown(options.chown, errs),
    time: toTime(options.createdTime, errs),
  };
  return new FileAction(undefined, sub, errs.err);
}

/**
 * Copies `srcPath` of `src` (a state, scratch included, or a bound action
 * chain) to `destPath` (Go's `llb.Copy`). A relative `srcPath` is joined to the
 * source state's dir, a relative `destPath` to the target state's dir.
 */
export function copy(src: CopyInput, srcPath: string, destPath: string, options: CopyOptions = {}): FileAction {
  const errs = new ErrSink();
  let state: State | undefined;
  let fas: FileActionWithState | undefined;
  if (src instanceof State) state = src;
  else if (src instanceof FileActionWithState) fas = src;
  else errs.fail(`invalid input type ${describe(src)} for copy`);
  let mode = options.mode;
  if (typeof mode === "number") mode = checkMode(mode, errs);
  const sub: CopySub = {
    kind: "copy",
    state,
    fas,
    src: srcPath,
    dest: destPath,
    mode,
    followSymlinks: options.followSymlinks ?? false,
    copyDirContentsOnly: options.copyDirContentsOnly ?? false,
    includePatterns: options.includePatterns ? [...options.includePatterns] : NO_STRINGS,
    excludePatterns: options.excludePatterns ? [...options.excludePatterns] : NO_STRINGS,
    requiredPaths: options.requiredPaths ? [...options.requiredPaths] : NO_STRINGS,
    attemptUnpack: options.attemptUnpack ?? false,
    createDestPath: options.createDestPath ?? false,
    allowWildcard: options.allowWildcard ?? false,
    allowEmptyWildcard: options.allowEmptyWildcard ?? false,
    chown: toChown(options.chown, errs),
    time: toTime(options.createdTime, errs),
    alwaysReplaceExistingDestPaths: options.alwaysReplaceExistingDestPaths ?? false,
  };
  return new FileAction(undefined, sub, errs.err);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return typeof v;
}

// ---------------------------------------------------------------------------
// Marshalling.

const NO_STRINGS: readonly string[] = [];

/** Go's `normalizePath`: cleans, joins a relative path to `parent`, optionally keeps a trailing "/" or "/.". */
export function normalizePath(parent: string, p: string, keepSlash: boolean): string {
  const orig = p;
  p = cleanPath(p);
  if (!p.startsWith("/")) p = joinPath("/", parent, p);
  if (keepSlash) {
    if (orig.endsWith("/") && !p.endsWith("/")) {
      p += "/";
    } else if (orig.endsWith("/.")) {
      if (p !== "/") p += "/";
      p += ".";
    }
  }
  return p;
}

function marshalUser(u: UserOpt | undefined, base: number): PbUserOpt | undefined {
  if (!u) return undefined;
  if (u.name !== "") return { byName: { name: u.name, input: base } };
  return { byID: u.uid >>> 0 }; // Go: uint32(UID)
}

function marshalChown(c: ChownOpt | undefined, base: number): PbChownOpt | undefined {
  if (!c) return undefined;
  const out: PbChownOpt = {};
  const user = marshalUser(c.user, base);
  const group = marshalUser(c.group, base);
  if (user) out.user = user;
  if (group) out.group = group;
  return out;
}

/** Go's `marshalTime`: -1 when unset. */
function marshalTime(t: bigint | undefined): bigint {
  return t ?? -1n;
}

/** Go's `fileActionCopy.sourcePath`. */
function copySourcePath(a: CopySub): string {
  const p = cleanPath(a.src);
  let dir = "/";
  if (!p.startsWith("/")) {
    if (a.state) dir = a.state.getDir();
    else if (a.fas) dir = a.fas.bound.state.getDir();
  }
  return joinPath(dir, p);
}

type ActionBody = Omit<PbFileAction, "input" | "secondaryInput" | "output">;

function toProtoAction(a: SubAction, parent: string, base: number): ActionBody {
  switch (a.kind) {
    case "mkdir":
      return {
        mkdir: {
          path: normalizePath(parent, a.path, false),
          mode: a.mode & 0o777,
          makeParents: a.parents,
          ...ownerField(a.chown, base),
          timestamp: marshalTime(a.time),
        },
      };
    case "mkfile":
      return {
        mkfile: {
          path: normalizePath(parent, a.path, false),
          mode: a.mode & 0o777,
          data: a.data,
          ...ownerField(a.chown, base),
          timestamp: marshalTime(a.time),
        },
      };
    case "rm":
      return {
        rm: {
          path: normalizePath(parent, a.path, false),
          allowNotFound: a.allowNotFound,
          allowWildcard: a.allowWildcard,
        },
      };
    case "symlink":
      return {
        symlink: {
          oldpath: a.oldpath,
          newpath: a.newpath,
          ...ownerField(a.chown, base),
          timestamp: marshalTime(a.time),
        },
      };
    case "copy": {
      const c: PbFileActionCopy = {
        src: copySourcePath(a),
        dest: normalizePath(parent, a.dest, true),
        ...ownerField(a.chown, base),
        followSymlink: a.followSymlinks,
        dirCopyContents: a.copyDirContentsOnly,
        attemptUnpackDockerCompatibility: a.attemptUnpack,
        createDestPath: a.createDestPath,
        allowWildcard: a.allowWildcard,
        allowEmptyWildcard: a.allowEmptyWildcard,
        timestamp: marshalTime(a.time),
        include_patterns: a.includePatterns,
        exclude_patterns: a.excludePatterns,
        alwaysReplaceExistingDestPaths: a.alwaysReplaceExistingDestPaths,
        required_paths: a.requiredPaths,
      };
      if (a.mode === undefined) c.mode = -1;
      else if (typeof a.mode === "string" && a.mode !== "") c.modeStr = a.mode;
      else c.mode = typeof a.mode === "number" ? a.mode | 0 : 0; // Go: int32(os.FileMode)
      return { copy: c };
    }
  }
}

function ownerField(c: ChownOpt | undefined, base: number): { owner?: PbChownOpt } {
  const owner = marshalChown(c, base);
  return owner ? { owner } : {};
}

/** Go's `fileActionState`. */
interface ActionState {
  bound: BoundAction;
  base: number;
  input: number;
  inputRelative: number | undefined;
  input2: number;
  input2Relative: number | undefined;
  target: number;
}

/** The file op vertex (Go's `FileOp`). */
export class FileOp implements Vertex {
  private readonly cache = new MarshalCache();
  private readonly out: Output;
  private readonly action: BoundAction | undefined;
  private validated = false;

  constructor(
    state: State,
    action: FileAction | undefined,
    private readonly constraints: Constraints,
  ) {
    this.action = action ? bind(action, state) : undefined;
    this.out = new VertexOutput(this, undefined);
  }

  /** Checks that there is an action and that no builder call stored an error. */
  validate(): void {
    // Actions are immutable: one successful check holds for every later marshal.
    if (this.validated) return;
    const root = this.requireAction();
    const stack: BoundAction[] = [root];
    const seen = new Set<BoundAction>();
    while (stack.length > 0) {
      for (let b: BoundAction | undefined = stack.pop(); b && !seen.has(b); b = b.prev) {
        seen.add(b);
        if (b.fa.err) throw b.fa.err;
        const sub = b.fa.sub;
        if (sub.kind === "copy" && sub.fas) stack.push(sub.fas.bound);
      }
    }
    this.validated = true;
  }

  private requireAction(): BoundAction {
    if (!this.action) throw new LlbError("action is required");
    return this.action;
  }

  marshal(c: Constraints): MarshalResult {
    const cached = this.cache.get(c);
    if (cached) return cached;
    const root = this.requireAction();
    addCap(this.constraints, Caps.FileBase);
    // Go resolves the state's platform into the op's constraints here, then
    // drops the platform from the op: it has no effect on the output.
    const mc = marshalConstraints(c, this.constraints);

    const { inputs, actions } = this.addActions(root, c);
    const pbActions: PbFileAction[] = [];
    for (let i = 0; i < actions.length; i++) {
      const st = actions[i]!;
      const parent = st.bound.state.getDir();
      pbActions.push({
        input: getIndex(st.input, inputs.length, st.inputRelative),
        secondaryInput: getIndex(st.input2, inputs.length, st.input2Relative),
        output: i + 1 === actions.length ? 0 : -1,
        ...toProtoAction(st.bound.fa.sub, parent, st.base),
      });
    }
    return finishOp(
      this.cache,
      c,
      { inputs, constraints: { filter: mc.filter }, file: { actions: pbActions } },
      mc.metadata,
      this.constraints.sourceLocations,
    );
  }

  /**
   * Go's `marshalState.add`, iteratively: previous actions first, then the
   * action's base input, then its copy source (a state input or a bound chain).
   */
  private addActions(root: BoundAction, c: Constraints): { inputs: PbInput[]; actions: ActionState[] } {
    const inputs: PbInput[] = [];
    const actions: ActionState[] = [];
    const visited = new Map<BoundAction, ActionState>();
    const addInput = (o: Output): number => {
      const inp = o.toInput(c);
      for (let i = 0; i < inputs.length; i++) {
        if (inputs[i]!.digest === inp.digest && inputs[i]!.index === inp.index) return i;
      }
      inputs.push(inp);
      return inputs.length - 1;
    };

    interface Frame {
      b: BoundAction;
      stage: 0 | 1 | 2;
      st?: ActionState;
    }
    const stack: Frame[] = [{ b: root, stage: 0 }];
    while (stack.length > 0) {
      const f = stack[stack.length - 1]!;
      const b = f.b;
      if (f.stage === 0) {
        if (visited.has(b)) {
          stack.pop();
          continue;
        }
        if (b.fa.err) throw b.fa.err;
        f.stage = 1;
        if (b.prev) {
          stack.push({ b: b.prev, stage: 0 });
          continue;
        }
      }
      const sub = b.fa.sub;
      if (f.stage === 1) {
        const st: ActionState = {
          bound: b,
          base: -1,
          input: -1,
          inputRelative: undefined,
          input2: -1,
          input2Relative: undefined,
          target: 0,
        };
        f.st = st;
        const source = b.state.output();
        if (source) st.base = addInput(source);
        if (!b.prev) st.input = st.base;
        else st.inputRelative = visited.get(b.prev)!.target;
        f.stage = 2;
        if (sub.kind === "copy") {
          if (sub.state) {
            const out = sub.state.output();
            if (out) st.input2 = addInput(out);
          } else if (sub.fas) {
            stack.push({ b: sub.fas.bound, stage: 0 });
            continue;
          } else {
            throw new LlbError("invalid empty source for copy");
          }
        }
      }
      const st = f.st!;
      if (sub.kind === "copy" && !sub.state && sub.fas) st.input2Relative = visited.get(sub.fas.bound)!.target;
      st.target = actions.length;
      visited.set(b, st);
      actions.push(st);
      stack.pop();
    }
    return { inputs, actions };
  }

  output(): Output {
    return this.out;
  }

  /**
   * Go's `allOutputs`: each action's state, then its copy source (a bound
   * chain's outputs in full), then the previous actions; de-duplicated by identity.
   */
  inputs(): readonly Output[] {
    const outs: Output[] = [];
    // File ops usually have a few distinct inputs: scan linearly, index only long lists.
    let seen: Set<Output> | undefined;
    const add = (o: Output | undefined) => {
      if (!o) return;
      if (seen) {
        if (seen.has(o)) return;
        seen.add(o);
      } else if (outs.includes(o)) {
        return;
      } else if (outs.length >= 16) {
        seen = new Set(outs);
        seen.add(o);
      }
      outs.push(o);
    };
    const stack: (BoundAction | undefined)[] = [this.action];
    while (stack.length > 0) {
      let b = stack.pop();
      while (b) {
        add(b.state.output());
        const sub = b.fa.sub;
        if (sub.kind === "copy") {
          if (sub.state) {
            add(sub.state.output());
          } else if (sub.fas) {
            // Walk the source chain fully before this chain's previous actions.
            stack.push(b.prev);
            b = sub.fas.bound;
            continue;
          }
        }
        b = b.prev;
      }
    }
    return outs;
  }
}

function getIndex(input: number, len: number, relative: number | undefined): number {
  return relative !== undefined ? len + relative : input;
}

// ---------------------------------------------------------------------------
// State.file

declare module "./state.js" {
  interface State {
    /**
     * Applies a chain of file actions to this state in one file op (Go's
     * `State.File`). Options are constraints (custom name, ignore cache...);
     * a platform there is accepted and dropped, as in Go.
     */
    file(action: FileAction, options?: ConstraintsOptions): State;
  }
}

State.prototype.file = function (this: State, action: FileAction, options?: ConstraintsOptions): State {
  const c = applyConstraints(newConstraints(), constraintsOpts(options));
  return this.withOutput(new FileOp(this, action, c).output());
};
