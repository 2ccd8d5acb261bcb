/**
 * `run()`: the exec op (Go's `client/llb/exec.go` plus the run-related parts of
 * `meta.go`/`state.go`): a command run on a root filesystem with extra mounts
 * (bind, cache, tmpfs, secret, ssh), its env/dir/user taken from the state.
 *
 * Go quirks mirrored on purpose (each changes the bytes or the errors):
 * - The state `run()` returns is built on the state `run()` was called on, not
 *   on the exec's own state: `st.run({ dir: "/x" }).root().getDir()` is st's dir.
 * - With `readonlyRootfs` the root "output" is the base state's output itself,
 *   so `root()` does not reach the exec; only writable mounts do.
 * - Mounts are sorted by target (Go's `slices.SortFunc`, an unstable pdqsort ported in
 *   internal/go/sort.ts, so equal targets end up in Go's order) every time Go sorts: in
 *   `inputs()`, in `marshal()` and whenever a mount output's index is read.
 *   Secret and ssh mounts are appended after the sorted mounts, unsorted.
 * - Outputs are numbered over sorted mounts that are not readonly, tmpfs,
 *   cache or forceNoOutput. A cache mount's own output therefore has no index:
 *   using it as an input fails with "invalid mount: <target>".
 * - Inputs are deduplicated by (digest, index); `inputs()` by output identity.
 * - PATH: only when caps are known (`caps` option on marshal) and lack
 *   `exec.meta.setsdefaultpath` is PATH defaulted into env (never for windows;
 *   the OS is the marshal platform's, else "linux" — Go's host default, which
 *   its Marshal always sets, so the op's own platform never decides); when the
 *   cap is present it is recorded on the op instead; with
 *   caps unknown neither happens.
 * - SSH sockets without a target get `/run/buildkit/ssh_agent.<i>` at marshal
 *   time (stored on the op); SSH_AUTH_SOCK is set to the first socket's target
 *   unless the env already has it.
 * - Caps are recorded on the op's own constraints and so stay for later
 *   marshals. Go never adds `exec.meta.cgroup.parent`, any cap for hostname or
 *   extra hosts, `exec.meta.removemountstubs.recursive` (the
 *   field is always set), `exec.mount.bind.readwrite-nooutput` (forceNoOutput)
 *   or `exec.meta.network.proxy`; `exec.meta.security` only for INSECURE; cache
 *   mounts add both `exec.mount.cache` and `exec.mount.cache.sharing`;
 *   `exec.meta.linux.resources` only for resources given to this op.
 * - When the op has no platform of its own, the first marshal copies the exec
 *   state's platform onto it (also used by outputs of later `addMount` calls);
 *   the root output's platform is only the one given to `run()`.
 * - `shlex` errors are ignored as in Go: the words before the bad one are kept
 *   (an unterminated quote in the first word leaves no args, reported as
 *   "arguments are required"). Backslash in double quotes escapes any char.
 * - `validExitCodes: []` is Go's `ValidExitCodes()` (a nil list): no codes, no
 *   cap, and it clears codes set before.
 * - Extra host IPs are written as Go's `net.IP.String()` of `net.ParseIP(ip)`:
 *   "2001:db8:0:0::1" becomes "2001:db8::1", an invalid IP becomes "<nil>".
 * - A secret with neither target nor env still counts for the
 *   `exec.mount.secret` cap but emits nothing.
 * - `getMount()` of an unknown target gives scratch; tmpfs / forceNoOutput
 *   mount outputs fail when used as an input ("... can't be used as a parent").
 * - `addMount()` on an exec that was already marshalled does not invalidate
 *   the results cached for earlier marshal constraints (Go stores under nil).
 */

import { integerProblem, type IntegerField } from "./integers.js";
import { shlexSplitGo } from "../internal/go/shlex.js";
import { ipString, parseIP } from "../internal/go/net.js";
import { sortFunc } from "../internal/go/sort.js";
import { compareUtf8 } from "../internal/go/utf8.js";
import { LlbError } from "../errors.js";
import {
  addCap,
  applyConstraints,
  constraintsOpts,
  marshalConstraints,
  newConstraints,
  requirePlatform,
  type Constraints,
  type ConstraintsOpt,
  type ConstraintsOptions,
} from "./constraints.js";
import {
  CacheSharingOpt,
  MountContentCache,
  MountType,
  NetMode,
  SecurityMode,
  type Int64,
  type PbCDIDevice,
  type PbExecOp,
  type PbInput,
  type PbLinuxResources,
  type PbMeta,
  type PbMount,
  type PbSecretEnv,
  type PbUlimit,
} from "./pb.js";
import type { Platform } from "./platform.js";
import {
  finishOp,
  MarshalCache,
  State,
  StateKey,
  type HostIP,
  type MarshalResult,
  type Output,
  type StateOption,
  type UlimitName,
  type Vertex,
} from "./state.js";
import { Caps } from "./caps.js";

const NONE: readonly never[] = [];

/** `pb.RootMount`. */
const ROOT_MOUNT = "/";
/** `pb.Empty`: the input index of a scratch mount. */
const EMPTY_INPUT = -1;
/** `pb.SkipOutput`. */
const SKIP_OUTPUT = -1;

const DEFAULT_PATH_UNIX = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// ---------------------------------------------------------------------------
// Options.

/** Cache mount sharing: Go's `CacheMountShared`/`Private`/`Locked`. */
export type CacheSharing = CacheSharingOpt | "shared" | "private" | "locked";

/** Content-cache mode of a mount: Go's `MountContentCacheDefault`/`On`/`Off`. */
export type ContentCacheMode = MountContentCache | "default" | "on" | "off";

/** How a mount is made (Go's `MountOption`s). Every field is independent of the others. */
export interface MountSettings {
  /** Go's `llb.Readonly`: no output; the mount's output is the source itself. */
  readonly?: boolean;
  /** Go's `llb.SourcePath`: mount only this path of the source. */
  selector?: string;
  /** Go's `llb.ForceNoOutput`: writable but not exported as an output. */
  forceNoOutput?: boolean;
  /** Go's `llb.ContentCache`. */
  contentCache?: ContentCacheMode;
  /** Go's `llb.AsPersistentCacheDir(id, sharing)` (sharing defaults to shared). */
  cache?: { id: string; sharing?: CacheSharing };
  /** Go's `llb.Tmpfs()`; `{ size }` is `llb.TmpfsSize` in bytes. The source must be scratch. */
  tmpfs?: boolean | { size?: Int64 };
}

/** A mount given to `run()` (Go's `llb.AddMount(target, source, ...)`). */
export interface MountOptions extends MountSettings {
  target: string;
  /** The mounted state; omitted or scratch means an empty directory. */
  source?: State;
}

/**
 * A secret (Go's `llb.AddSecret` / `AddSecretWithDest`). With `target` it is
 * mounted as a file, with `env` exposed as an environment variable, with both
 * it is both. `id` defaults to `target`, else `env` (Go's `AddSecret(dest)`
 * uses dest as id; `SecretAsEnv(true)` turns dest into the env name).
 */
export interface SecretOptions {
  id?: string;
  target?: string;
  env?: string;
  /** File owner and mode (Go's `SecretFileOpt`); mode defaults to 0o400. */
  uid?: number;
  gid?: number;
  mode?: number;
  optional?: boolean;
}

/** An SSH agent socket (Go's `llb.AddSSHSocket`). */
export interface SSHOptions {
  /** Go's `SSHID`; "" means the default agent. */
  id?: string;
  /** Socket path; defaults to `/run/buildkit/ssh_agent.<index>`. */
  target?: string;
  uid?: number;
  gid?: number;
  /** Defaults to 0o600. */
  mode?: number;
  optional?: boolean;
}

/** A CDI device request (Go's `llb.AddCDIDevice`). */
export interface CDIDeviceOptions {
  name?: string;
  optional?: boolean;
}

/** Proxy variables set in the exec (Go's `llb.ProxyEnv` / `WithProxy`). */
export interface ProxyEnv {
  httpProxy?: string;
  httpsProxy?: string;
  ftpProxy?: string;
  noProxy?: string;
  allProxy?: string;
}

export interface ExtraHost {
  host: string;
  ip: string;
}

export interface Ulimit {
  name: UlimitName;
  soft: number | bigint;
  hard: number | bigint;
}

/**
 * Options of `run()` (Go's `RunOption`s). The state settings are applied to
 * the exec's state in this order: args, shlex, env (in the given order), dir,
 * user, hostname, network, security, extraHosts, ulimits, cgroupParent,
 * validExitCodes, then `with` in order — use `with` where Go's option order
 * matters (e.g. two relative `Dir`s, env set between other settings).
 * Constraints (platform, customName, ignoreCache...) apply to the op.
 * Mounts, secrets, ssh sockets and CDI devices keep their given order.
 */
export interface RunOptions extends ConstraintsOptions {
  /** The command (Go's `llb.Args`). */
  args?: readonly string[];
  /** The command split like a shell (Go's `llb.Shlex`, github.com/google/shlex). */
  shlex?: string;
  /** Environment added to the exec (Go's `llb.AddEnv`); pairs keep repeated keys in order. */
  env?: Readonly<Record<string, string>> | readonly (readonly [string, string])[];
  dir?: string;
  user?: string;
  hostname?: string;
  network?: NetMode;
  security?: SecurityMode;
  extraHosts?: readonly ExtraHost[];
  ulimits?: readonly Ulimit[];
  cgroupParent?: string;
  /** Exit codes counted as success (Go's `llb.ValidExitCodes`). */
  validExitCodes?: readonly number[];
  /** State options applied last, in order (Go's `llb.With` and StateOptions used as RunOptions). */
  with?: readonly StateOption[];
  mounts?: readonly MountOptions[];
  secrets?: readonly SecretOptions[];
  ssh?: readonly SSHOptions[];
  proxyEnv?: ProxyEnv;
  /** Go's `llb.ReadonlyRootFS()`. */
  readonlyRootfs?: boolean;
  cdiDevices?: readonly CDIDeviceOptions[];
}

// ---------------------------------------------------------------------------
// State options, named after Go's (for `with` and `State.with`).

/** Go's `llb.Args`. */
export function args(...a: string[]): StateOption {
  return (s) => s.args(...a);
}

/** Go's `llb.Shlex`: errors are ignored and the words before them kept, as in Go. */
export function shlex(cmd: string): StateOption {
  const words = shlexSplitGo(cmd).words;
  return (s) => s.withValue(StateKey.args, words);
}

/** Go's `llb.AddEnv`. */
export function addEnv(key: string, value: string): StateOption {
  return (s) => s.addEnv(key, value);
}

/** Go's `State.DelEnv`. */
export function delEnv(key: string): StateOption {
  return (s) => s.delEnv(key);
}

/** Go's `llb.Dir`: a relative path is joined to the current dir. */
export function dir(path: string): StateOption {
  return (s) => s.dir(path);
}

/** Go's `llb.User`. */
export function user(name: string): StateOption {
  return (s) => s.user(name);
}

/** Go's `llb.Hostname`. */
export function hostname(name: string): StateOption {
  return (s) => s.hostname(name);
}

/** Go's `llb.Network`. */
export function network(mode: NetMode): StateOption {
  return (s) => s.network(mode);
}

/** Go's `llb.Security`. */
export function security(mode: SecurityMode): StateOption {
  return (s) => s.security(mode);
}

/** Go's `llb.AddExtraHost` (the IP is printed as Go's `net.IP.String()`). */
export function addExtraHost(host: string, ip: string): StateOption {
  return (s) => s.addExtraHost(host, ip);
}

/** Go's `llb.AddUlimit`. */
export function addUlimit(name: UlimitName, soft: number | bigint, hard: number | bigint): StateOption {
  return (s) => s.addUlimit(name, soft, hard);
}

/** Go's `llb.WithCgroupParent`. */
export function withCgroupParent(parent: string): StateOption {
  return (s) => s.withCgroupParent(parent);
}

/** Go's `llb.ValidExitCodes`; an empty list is Go's nil list (clears earlier codes). */
export function validExitCodes(...codes: number[]): StateOption {
  const v = codes.length > 0 ? [...codes] : undefined; // Go's int32(code) truncation happens at marshal, after the check
  return (s) => s.withValue(StateKey.validExitCodes, v);
}

// Linux resource limits, one field each (Go's `MemoryLimit`, `CPUQuota`...):
// they create the resources record if needed and set one field, so they can
// refine `withLinuxResources` / the `linuxResources` option given before them.

function setLinuxResource<K extends keyof PbLinuxResources>(key: K, value: PbLinuxResources[K]): ConstraintsOpt {
  return (c) => {
    (c.metadata.linux_resources ??= {})[key] = value;
  };
}

/** Go's `llb.MemoryLimit` (bytes; int64: numbers up to 2^53, bigints beyond). */
export function memoryLimit(limit: number | bigint): ConstraintsOpt {
  return setLinuxResource("memory", checkedInteger("memoryLimit", limit, "int64"));
}

/** Go's `llb.MemorySwapLimit` (int64). */
export function memorySwapLimit(limit: number | bigint): ConstraintsOpt {
  return setLinuxResource("memorySwap", checkedInteger("memorySwapLimit", limit, "int64"));
}

/** Go's `llb.CPUShares` (uint64). */
export function cpuShares(shares: number | bigint): ConstraintsOpt {
  return setLinuxResource("cpuShares", checkedInteger("cpuShares", shares, "uint64"));
}

/** Go's `llb.CPUPeriod` (uint64). */
export function cpuPeriod(period: number | bigint): ConstraintsOpt {
  return setLinuxResource("cpuPeriod", checkedInteger("cpuPeriod", period, "uint64"));
}

/** Go's `llb.CPUQuota` (int64). */
export function cpuQuota(quota: number | bigint): ConstraintsOpt {
  return setLinuxResource("cpuQuota", checkedInteger("cpuQuota", quota, "int64"));
}

/** `value`, or an LlbError naming `what` when it does not fit `field` (a Go type error, so it fails at once). */
function checkedInteger(what: string, value: number | bigint, field: IntegerField): number | bigint {
  const problem = integerProblem(what, value, field);
  if (problem) throw new LlbError(problem);
  return value;
}

/** Go's `llb.CpusetCpus`. */
export function cpusetCpus(cpus: string): ConstraintsOpt {
  return setLinuxResource("cpusetCpus", cpus);
}

/** Go's `llb.CpusetMems`. */
export function cpusetMems(mems: string): ConstraintsOpt {
  return setLinuxResource("cpusetMems", mems);
}

function applyStateOptions(s: State, o: RunOptions): State {
  if (o.args) s = s.args(...o.args);
  if (o.shlex !== undefined) s = shlex(o.shlex)(s);
  if (o.env) {
    const pairs = Array.isArray(o.env) ? (o.env as readonly (readonly [string, string])[]) : Object.entries(o.env);
    for (const [k, v] of pairs) s = s.addEnv(k, v);
  }
  if (o.dir !== undefined) s = s.dir(o.dir);
  if (o.user !== undefined) s = s.user(o.user);
  if (o.hostname !== undefined) s = s.hostname(o.hostname);
  if (o.network !== undefined) s = s.network(o.network);
  if (o.security !== undefined) s = s.security(o.security);
  for (const h of o.extraHosts ?? []) s = s.addExtraHost(h.host, h.ip);
  for (const u of o.ulimits ?? []) s = s.addUlimit(u.name, u.soft, u.hard);
  if (o.cgroupParent !== undefined) s = s.withCgroupParent(o.cgroupParent);
  if (o.validExitCodes) s = validExitCodes(...o.validExitCodes)(s);
  for (const f of o.with ?? []) s = f(s);
  return s;
}

// ---------------------------------------------------------------------------
// The op.

interface Mount {
  target: string;
  readonly: boolean;
  source: Output | undefined;
  output: Output | undefined;
  selector: string;
  cacheID: string;
  tmpfs: boolean;
  tmpfsSize: Int64;
  cacheSharing: CacheSharingOpt;
  noOutput: boolean;
  contentCache: MountContentCache;
}

interface SecretInfo {
  id: string;
  target: string | undefined;
  env: string | undefined;
  mode: number;
  uid: number;
  gid: number;
  optional: boolean;
}

interface SSHInfo {
  id: string;
  target: string;
  mode: number;
  uid: number;
  gid: number;
  optional: boolean;
}

/** An output that fails when used as an input (Go's `output{err: ...}`). */
class ErrorOutput implements Output {
  constructor(
    private readonly v: Vertex,
    private readonly message: string,
  ) {}

  vertex(): Vertex {
    return this.v;
  }

  toInput(): PbInput {
    throw new LlbError(this.message);
  }

  platform(): Platform | undefined {
    return undefined;
  }
}

/** The output of an exec mount; its index is read when used, as in Go. */
class MountOutput implements Output {
  constructor(
    private readonly exec: ExecOp,
    private readonly plat: Platform | undefined,
    private readonly mount: Mount,
  ) {}

  vertex(): Vertex {
    return this.exec;
  }

  toInput(c: Constraints): PbInput {
    const index = this.exec.mountIndex(this.mount);
    return { digest: this.exec.marshal(c).digest, index };
  }

  platform(): Platform | undefined {
    return this.plat;
  }
}

function sharingValue(s: CacheSharing | undefined): CacheSharingOpt {
  switch (s) {
    case undefined:
    case "shared":
      return CacheSharingOpt.SHARED;
    case "private":
      return CacheSharingOpt.PRIVATE;
    case "locked":
      return CacheSharingOpt.LOCKED;
    default:
      return s;
  }
}

function contentCacheValue(m: ContentCacheMode | undefined): MountContentCache {
  switch (m) {
    case undefined:
    case "default":
      return MountContentCache.DEFAULT;
    case "on":
      return MountContentCache.ON;
    case "off":
      return MountContentCache.OFF;
    default:
      return m;
  }
}

function compareMounts(a: Mount, b: Mount): number {
  return compareUtf8(a.target, b.target);
}

/** The exec op (Go's `ExecOp`). Build it with `State.run()`. */
export class ExecOp implements Vertex {
  private readonly cache = new MarshalCache();
  private readonly mounts: Mount[] = [];
  private readonly root: Output | undefined;
  private validated = false;
  private readonly secrets: readonly SecretInfo[];
  private readonly ssh: readonly SSHInfo[];
  private readonly cdiDevices: readonly PbCDIDevice[];

  /** @internal Use `State.run()`. */
  constructor(
    private readonly base: State,
    private readonly proxyEnv: ProxyEnv | undefined,
    readonlyRoot: boolean,
    private readonly constraints: Constraints,
    extras: Pick<RunOptions, "secrets" | "ssh" | "cdiDevices"> = {},
  ) {
    this.secrets = !extras.secrets?.length ? NONE : extras.secrets.map((s) => ({
      id: s.id ?? s.target ?? s.env ?? "",
      target: s.target,
      env: s.env,
      mode: s.mode ?? 0o400,
      uid: s.uid ?? 0,
      gid: s.gid ?? 0,
      optional: s.optional === true,
    }));
    this.ssh = !extras.ssh?.length ? NONE : extras.ssh.map((s) => ({
      id: s.id ?? "",
      target: s.target ?? "",
      mode: s.mode ?? 0o600,
      uid: s.uid ?? 0,
      gid: s.gid ?? 0,
      optional: s.optional === true,
    }));
    this.cdiDevices = !extras.cdiDevices?.length ? NONE : extras.cdiDevices.map((d) => ({ name: d.name ?? "", optional: d.optional === true }));
    const rootSource = base.output();
    const rootMount = this.newMount(ROOT_MOUNT, rootSource);
    rootMount.readonly = readonlyRoot;
    this.mounts.push(rootMount);
    this.root = readonlyRoot ? rootSource : new MountOutput(this, constraints.platform, rootMount);
    rootMount.output = this.root;
  }

  private newMount(target: string, source: Output | undefined): Mount {
    return {
      target,
      readonly: false,
      source,
      output: undefined,
      selector: "",
      cacheID: "",
      tmpfs: false,
      tmpfsSize: 0,
      cacheSharing: CacheSharingOpt.SHARED,
      noOutput: false,
      contentCache: MountContentCache.DEFAULT,
    };
  }

  /** Adds a mount and returns its output (Go's `ExecOp.AddMount`). */
  addMount(target: string, source: Output | undefined, opts: MountSettings = {}): Output | undefined {
    const m = this.newMount(target, source);
    if (opts.readonly) m.readonly = true;
    if (opts.selector !== undefined) m.selector = opts.selector;
    if (opts.forceNoOutput) m.noOutput = true;
    if (opts.contentCache !== undefined) m.contentCache = contentCacheValue(opts.contentCache);
    if (opts.cache) {
      m.cacheID = opts.cache.id;
      m.cacheSharing = sharingValue(opts.cache.sharing);
    }
    if (opts.tmpfs) {
      m.tmpfs = true;
      m.tmpfsSize = typeof opts.tmpfs === "object" ? (opts.tmpfs.size ?? 0) : 0;
    }
    this.mounts.push(m);
    if (m.readonly) {
      m.output = source;
    } else if (m.tmpfs) {
      m.output = new ErrorOutput(this, `tmpfs mount for ${target} can't be used as a parent`);
    } else if (m.noOutput) {
      m.output = new ErrorOutput(this, `mount marked no-output and ${target} can't be used as a parent`);
    } else {
      m.output = new MountOutput(this, this.constraints.platform, m);
    }
    this.validated = false;
    return m.output;
  }

  /** The output of the mount at `target`, if any (Go's `ExecOp.GetMount`). */
  getMount(target: string): Output | undefined {
    for (const m of this.mounts) if (m.target === target) return m.output;
    return undefined;
  }

  private sortMounts(): void {
    sortFunc(this.mounts, compareMounts);
  }

  /** @internal The output index of mount `m` (over sorted mounts, as Go computes it on every read). */
  mountIndex(m: Mount): number {
    this.sortMounts();
    let i = 0;
    for (const m2 of this.mounts) {
      if (m2.noOutput || m2.readonly || m2.tmpfs || m2.cacheID !== "") continue;
      if (m2 === m) return i;
      i++;
    }
    throw new LlbError(`invalid mount: ${m.target}`);
  }

  validate(c: Constraints): void {
    if (this.validated) return;
    if (this.base.getArgs().length === 0) throw new LlbError("arguments are required");
    if (this.base.getDir() === "") throw new LlbError("working directory is required");
    this.validateIntegers();
    for (const m of this.mounts) {
      if (m.source) m.source.vertex(c)?.validate(c);
    }
    this.validated = true;
  }

  /**
   * Integer options against the types of Go's API (see integers.ts): `int`
   * parameters (exit codes, secret and ssh ids and modes) are then truncated
   * to their uint32/int32 fields as Go's conversions do.
   */
  private validateIntegers(): void {
    const problems: (string | undefined)[] = [];
    for (const x of this.base.getValidExitCodes() ?? []) problems.push(integerProblem("validExitCodes", x, "int64"));
    for (const u of this.base.getUlimits()) {
      problems.push(integerProblem(`ulimit ${u.Name} soft`, u.Soft, "int64"), integerProblem(`ulimit ${u.Name} hard`, u.Hard, "int64"));
    }
    for (const m of this.mounts) if (m.tmpfs) problems.push(integerProblem(`tmpfs size of ${m.target}`, m.tmpfsSize, "int64"));
    for (const [kind, list] of [["secret", this.secrets], ["ssh", this.ssh]] as const) {
      for (const x of list) {
        const name = `${kind} ${JSON.stringify(x.id)}`;
        problems.push(integerProblem(`${name} uid`, x.uid, "int64"), integerProblem(`${name} gid`, x.gid, "int64"), integerProblem(`${name} mode`, x.mode, "int64"));
      }
    }
    const problem = problems.find((p) => p !== undefined);
    if (problem) throw new LlbError(problem);
  }

  marshal(c: Constraints): MarshalResult {
    const cached = this.cache.get(c);
    if (cached) return cached;
    this.validate(c);
    this.sortMounts();

    const base = this.base;
    let env = base.env();
    if (this.ssh.length > 0) {
      this.ssh.forEach((s, i) => {
        if (s.target === "") s.target = `/run/buildkit/ssh_agent.${i}`;
      });
      if (env.get("SSH_AUTH_SOCK") === undefined) env = env.addOrReplace("SSH_AUTH_SOCK", this.ssh[0]!.target);
    }
    const own = this.constraints;
    if (c.caps !== undefined) {
      if (!c.caps.has("exec.meta.setsdefaultpath")) {
        // Go reads the marshal platform, which its Marshal always sets (the host's, linux here,
        // when none is given), so the exec's own platform never decides (exec.go:166-172).
        const os = c.platform?.os ?? "linux";
        if (os !== "windows") env = env.setDefault("PATH", DEFAULT_PATH_UNIX);
      } else {
        addCap(own, Caps.ExecMetaSetsDefaultPath);
      }
    }

    const meta: PbMeta = {
      args: base.getArgs(),
      env: env.entries(),
      cwd: base.getDir(),
      user: base.getUser(),
      hostname: base.getHostname(),
      cgroupParent: base.getCgroupParent(),
      removeMountStubsRecursive: true,
    };
    const codes = base.getValidExitCodes();
    if (codes !== undefined) {
      meta.validExitCodes = codes.map((x) => x | 0);
      addCap(own, Caps.ExecValidExitCode);
    }
    const hosts = (base.value(StateKey.extraHost) as readonly HostIP[] | undefined) ?? NONE;
    if (hosts.length > 0) meta.extraHosts = hosts.map((h) => ({ Host: h.host, IP: ipString(parseIP(h.ip)) }));
    const ulimits = (base.value(StateKey.ulimit) as readonly PbUlimit[] | undefined) ?? NONE;
    if (ulimits.length > 0) {
      addCap(own, Caps.ExecMetaUlimit);
      meta.ulimit = ulimits.map((u) => ({ Name: u.Name, Soft: u.Soft, Hard: u.Hard }));
    }
    if (own.metadata.linux_resources) addCap(own, Caps.ExecMetaLinuxResources);

    const net = base.getNetwork();
    const sec = base.getSecurity();
    const peo: PbExecOp = { meta, mounts: [], network: net, security: sec };
    if (net !== NetMode.UNSET) addCap(own, Caps.ExecMetaNetwork);
    if (sec === SecurityMode.INSECURE) addCap(own, Caps.ExecMetaSecurity);
    else if (sec !== SecurityMode.SANDBOX) throw new LlbError(`invalid security mode ${sec as number}`);

    const p = this.proxyEnv;
    if (p) {
      meta.proxy_env = {
        http_proxy: p.httpProxy ?? "",
        https_proxy: p.httpsProxy ?? "",
        ftp_proxy: p.ftpProxy ?? "",
        no_proxy: p.noProxy ?? "",
        all_proxy: p.allProxy ?? "",
      };
      addCap(own, Caps.ExecMetaProxy);
    }
    addCap(own, Caps.ExecMetaBase);

    for (const m of this.mounts) {
      if (m.selector !== "") addCap(own, Caps.ExecMountSelector);
      if (m.cacheID !== "") {
        addCap(own, Caps.ExecMountCache);
        addCap(own, Caps.ExecMountCacheSharing);
      } else if (m.tmpfs) {
        addCap(own, Caps.ExecMountTmpfs);
        if (m.tmpfsSize > 0) addCap(own, Caps.ExecMountTmpfsSize);
      } else if (m.source) {
        addCap(own, Caps.ExecMountBind);
      }
      if (m.contentCache !== MountContentCache.DEFAULT) addCap(own, Caps.ExecMountContentCache);
    }
    if (this.secrets.length > 0) {
      addCap(own, Caps.ExecMountSecret);
      if (this.secrets.some((s) => s.env !== undefined)) addCap(own, Caps.ExecSecretEnv);
    }
    if (this.ssh.length > 0) addCap(own, Caps.ExecMountSSH);
    if (this.cdiDevices.length > 0) {
      addCap(own, Caps.ExecMetaCDI);
      peo.cdiDevices = this.cdiDevices.map((d) => ({ ...d }));
    }

    if (!own.platform) {
      const sp = base.getPlatform();
      if (sp) own.platform = sp;
    }
    const mc = marshalConstraints(c, own);
    const platform = requirePlatform(mc, "exec");

    const inputs: PbInput[] = [];
    let outIndex = 0;
    for (const m of this.mounts) {
      let inputIndex = inputs.length;
      if (m.source) {
        if (m.tmpfs) throw new LlbError("tmpfs mounts must use scratch");
        const inp = m.source.toInput(c);
        const found = inputs.findIndex((x) => x.digest === inp.digest && x.index === inp.index);
        if (found >= 0) inputIndex = found;
        else inputs.push(inp);
      } else {
        inputIndex = EMPTY_INPUT;
      }
      let outputIndex = SKIP_OUTPUT;
      if (!m.noOutput && !m.readonly && m.cacheID === "" && !m.tmpfs) outputIndex = outIndex++;
      const pm: PbMount = { input: inputIndex, dest: m.target, readonly: m.readonly, output: outputIndex, selector: m.selector };
      if (m.cacheID !== "") {
        pm.mountType = MountType.CACHE;
        pm.cacheOpt = { ID: m.cacheID };
        // Go's switch only maps the three known modes; others leave sharing unset.
        if (m.cacheSharing === CacheSharingOpt.PRIVATE || m.cacheSharing === CacheSharingOpt.LOCKED) pm.cacheOpt.sharing = m.cacheSharing;
      }
      if (m.contentCache === MountContentCache.ON || m.contentCache === MountContentCache.OFF) pm.contentCache = m.contentCache;
      if (m.tmpfs) {
        pm.mountType = MountType.TMPFS;
        pm.TmpfsOpt = { size: m.tmpfsSize };
      }
      peo.mounts.push(pm);
    }

    const secretenv: PbSecretEnv[] = [];
    for (const s of this.secrets) {
      if (s.env !== undefined) secretenv.push({ ID: s.id, name: s.env, optional: s.optional });
      if (s.target !== undefined) {
        peo.mounts.push({
          input: EMPTY_INPUT,
          dest: s.target,
          output: 0,
          mountType: MountType.SECRET,
          secretOpt: { ID: s.id, uid: s.uid >>> 0, gid: s.gid >>> 0, optional: s.optional, mode: s.mode >>> 0 },
        });
      }
    }
    if (secretenv.length > 0) peo.secretenv = secretenv;
    for (const s of this.ssh) {
      peo.mounts.push({
        input: EMPTY_INPUT,
        dest: s.target,
        output: 0,
        mountType: MountType.SSH,
        SSHOpt: { ID: s.id, uid: s.uid >>> 0, gid: s.gid >>> 0, mode: s.mode >>> 0, optional: s.optional },
      });
    }

    return finishOp(
      this.cache,
      c,
      { inputs, platform, constraints: { filter: mc.filter }, exec: peo },
      mc.metadata,
      own.sourceLocations,
    );
  }

  output(): Output | undefined {
    return this.root;
  }

  inputs(): readonly Output[] {
    this.sortMounts();
    const out: Output[] = [];
    // Execs have few mounts: a linear scan beats a Set.
    for (const m of this.mounts) if (m.source && !out.includes(m.source)) out.push(m.source);
    return out;
  }
}

/**
 * The result of `run()` (Go's `ExecState`): a State naming the root filesystem
 * after the command, plus access to the exec's other mounts.
 */
export class ExecState extends State {
  /** The exec op behind this state. */
  readonly exec: ExecOp;

  /** @internal Use `State.run()`. */
  constructor(s: State, exec: ExecOp) {
    super(s.out, s.prev, s.key, s.reduce, s.absolute, s.asyncOut, s.defaults);
    this.exec = exec;
  }

  /** The root filesystem after the command. */
  root(): State {
    return this;
  }

  /** The state of the mount at `target` after the command; scratch if there is none. */
  getMount(target: string): State {
    return State.fromOutput(this.exec.getMount(target));
  }

  /**
   * Adds a mount to the exec and returns its state after the command
   * (Go's `ExecState.AddMount`): built on `source`'s values.
   */
  addMount(target: string, source: State, options?: MountSettings): State {
    return source.withOutput(this.exec.addMount(target, source.output(), options));
  }
}

declare module "./state.js" {
  interface State {
    /**
     * Runs a command on this state (Go's `State.Run`).
     *
     * @example
     * const es = image("golang").run({ shlex: "go build -o /out/app .", dir: "/src",
     *   mounts: [{ target: "/src", source: local("context"), readonly: true },
     *            { target: "/root/.cache/go-build", cache: { id: "go-build" } }] });
     * const bin = es.addMount("/out", scratch());
     */
    run(options?: RunOptions): ExecState;
  }
}

State.prototype.run = function (this: State, options: RunOptions = {}): ExecState {
  const st = applyStateOptions(this, options);
  const c = applyConstraints(newConstraints(), constraintsOpts(options));
  const exec = new ExecOp(st, options.proxyEnv ? { ...options.proxyEnv } : undefined, options.readonlyRootfs === true, c, options);
  for (const m of options.mounts ?? []) exec.addMount(m.target, m.source?.output(), m);
  return new ExecState(this.withOutput(exec.output()), exec);
};
