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
 * - Mounts are sorted by target (Go's `slices.SortFunc`, an unstable pdqsort we
 *   port so equal targets end up in Go's order) every time Go sorts: in
 *   `inputs()`, in `marshal()` and whenever a mount output's index is read.
 *   Secret and ssh mounts are appended after the sorted mounts, unsorted.
 * - Outputs are numbered over sorted mounts that are not readonly, tmpfs,
 *   cache or forceNoOutput. A cache mount's own output therefore has no index:
 *   using it as an input fails with "invalid mount: <target>".
 * - Inputs are deduplicated by (digest, index); `inputs()` by output identity.
 * - PATH: only when caps are known (`caps` option on marshal) and lack
 *   `exec.meta.setsdefaultpath` is PATH defaulted into env (never for windows;
 *   the OS is the marshal platform's, else the op's, else "linux" — Go's host
 *   default); when the cap is present it is recorded on the op instead; with
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

import { shlexSplitGo } from "./shlex.js";
import { parseIPv4Fields } from "./goip.js";
export { shlexSplitGo };
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
  soft: number;
  hard: number;
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
export function addUlimit(name: UlimitName, soft: number, hard: number): StateOption {
  return (s) => s.addUlimit(name, soft, hard);
}

/** Go's `llb.WithCgroupParent`. */
export function withCgroupParent(parent: string): StateOption {
  return (s) => s.withCgroupParent(parent);
}

/** Go's `llb.ValidExitCodes`; an empty list is Go's nil list (clears earlier codes). */
export function validExitCodes(...codes: number[]): StateOption {
  const v = codes.length > 0 ? codes.map((x) => x | 0) : undefined;
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

/** Go's `llb.MemoryLimit`. */
export function memoryLimit(limit: number): ConstraintsOpt {
  return setLinuxResource("memory", limit);
}

/** Go's `llb.MemorySwapLimit`. */
export function memorySwapLimit(limit: number): ConstraintsOpt {
  return setLinuxResource("memorySwap", limit);
}

/** Go's `llb.CPUShares`. */
export function cpuShares(shares: number): ConstraintsOpt {
  return setLinuxResource("cpuShares", shares);
}

/** Go's `llb.CPUPeriod`. */
export function cpuPeriod(period: number): ConstraintsOpt {
  return setLinuxResource("cpuPeriod", period);
}

/** Go's `llb.CPUQuota`. */
export function cpuQuota(quota: number): ConstraintsOpt {
  return setLinuxResource("cpuQuota", quota);
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
    pdqsortFunc(this.mounts, compareMounts);
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
    for (const m of this.mounts) {
      if (m.source) m.source.vertex(c)?.validate(c);
    }
    this.validated = true;
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
        // Go reads the marshal platform, which defaults to the host's (linux here).
        const os = c.platform?.os ?? own.platform?.os ?? "linux";
        if (os !== "windows") env = env.setDefault("PATH", DEFAULT_PATH_UNIX);
      } else {
        addCap(own, "exec.meta.setsdefaultpath");
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
      addCap(own, "exec.validexitcode");
    }
    const hosts = (base.value(StateKey.extraHost) as readonly HostIP[] | undefined) ?? NONE;
    if (hosts.length > 0) meta.extraHosts = hosts.map((h) => ({ Host: h.host, IP: goIPString(h.ip) }));
    const ulimits = (base.value(StateKey.ulimit) as readonly PbUlimit[] | undefined) ?? NONE;
    if (ulimits.length > 0) {
      addCap(own, "exec.meta.ulimit");
      meta.ulimit = ulimits.map((u) => ({ Name: u.Name, Soft: u.Soft, Hard: u.Hard }));
    }
    if (own.metadata.linux_resources) addCap(own, "exec.meta.linux.resources");

    const net = base.getNetwork();
    const sec = base.getSecurity();
    const peo: PbExecOp = { meta, mounts: [], network: net, security: sec };
    if (net !== NetMode.UNSET) addCap(own, "exec.meta.network");
    if (sec === SecurityMode.INSECURE) addCap(own, "exec.meta.security");
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
      addCap(own, "exec.meta.proxyenv");
    }
    addCap(own, "exec.meta.base");

    for (const m of this.mounts) {
      if (m.selector !== "") addCap(own, "exec.mount.selector");
      if (m.cacheID !== "") {
        addCap(own, "exec.mount.cache");
        addCap(own, "exec.mount.cache.sharing");
      } else if (m.tmpfs) {
        addCap(own, "exec.mount.tmpfs");
        if (m.tmpfsSize > 0) addCap(own, "exec.mount.tmpfs.size");
      } else if (m.source) {
        addCap(own, "exec.mount.bind");
      }
      if (m.contentCache !== MountContentCache.DEFAULT) addCap(own, "exec.mount.cache.content");
    }
    if (this.secrets.length > 0) {
      addCap(own, "exec.mount.secret");
      if (this.secrets.some((s) => s.env !== undefined)) addCap(own, "exec.secretenv");
    }
    if (this.ssh.length > 0) addCap(own, "exec.mount.ssh");
    if (this.cdiDevices.length > 0) {
      addCap(own, "exec.meta.cdi");
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


// ---------------------------------------------------------------------------
// Go's net.IP.String(net.ParseIP(s)).

function parseIPv6(s: string): number[] | undefined {
  if (s.includes("%")) return undefined; // zones make net.ParseIP fail
  const ip = new Array<number>(16).fill(0);
  let ellipsis = -1;
  if (s.startsWith("::")) {
    ellipsis = 0;
    s = s.slice(2);
    if (s === "") return ip;
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const c = s.charCodeAt(off);
      if (c >= 48 && c <= 57) acc = acc * 16 + c - 48;
      else if (c >= 97 && c <= 102) acc = acc * 16 + c - 87;
      else if (c >= 65 && c <= 70) acc = acc * 16 + c - 55;
      else break;
      if (off > 3 || acc > 0xffff) return undefined;
    }
    if (off === 0) return undefined;
    if (off < s.length && s[off] === ".") {
      if (ellipsis < 0 && i !== 12) return undefined;
      if (i + 4 > 16) return undefined;
      const f: number[] = [];
      if (!parseIPv4Fields(s, f)) return undefined;
      for (let k = 0; k < 4; k++) ip[i + k] = f[k]!;
      s = "";
      i += 4;
      break;
    }
    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;
    s = s.slice(off);
    if (s === "") break;
    if (s[0] !== ":" || s.length === 1) return undefined;
    s = s.slice(1);
    if (s[0] === ":") {
      if (ellipsis >= 0) return undefined;
      ellipsis = i;
      s = s.slice(1);
      if (s === "") break;
    }
  }
  if (s !== "") return undefined;
  if (i < 16) {
    if (ellipsis < 0) return undefined;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j]!;
    for (let j = ellipsis; j < ellipsis + n; j++) ip[j] = 0;
  } else if (ellipsis >= 0) {
    return undefined;
  }
  return ip;
}

/** @internal `net.ParseIP(s).String()` of Go. */
export function goIPString(s: string): string {
  let ip: number[] | undefined;
  for (let k = 0; k < s.length; k++) {
    const ch = s[k];
    if (ch === ".") {
      const f: number[] = [];
      if (parseIPv4Fields(s, f)) ip = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...f];
      break;
    }
    if (ch === ":") {
      ip = parseIPv6(s);
      break;
    }
    if (ch === "%") break;
  }
  if (!ip) return "<nil>";
  let v4mapped = ip[10] === 0xff && ip[11] === 0xff;
  for (let k = 0; k < 10 && v4mapped; k++) if (ip[k] !== 0) v4mapped = false;
  if (v4mapped) return ip.slice(12).join(".");
  const g: number[] = [];
  for (let k = 0; k < 8; k++) g.push(ip[2 * k]! * 256 + ip[2 * k + 1]!);
  let zs = 255;
  let ze = 255;
  for (let k = 0; k < 8; k++) {
    let j = k;
    while (j < 8 && g[j] === 0) j++;
    const l = j - k;
    if (l >= 2 && l > ze - zs) {
      zs = k;
      ze = j;
    }
  }
  let out = "";
  for (let k = 0; k < 8; k++) {
    if (k === zs) {
      out += "::";
      k = ze;
      if (k >= 8) break;
    } else if (k > 0) {
      out += ":";
    }
    out += g[k]!.toString(16);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Byte-wise string order (Go's strings.Compare on UTF-8 = code point order).

function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (code points above U+FFFF) sort after U+E000..U+FFFF in UTF-8.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Go's slices.SortFunc (pdqsort, not stable), ported so equal targets keep Go's order.

type Cmp<E> = (a: E, b: E) => number;

function swap<E>(d: E[], i: number, j: number): void {
  const t = d[i]!;
  d[i] = d[j]!;
  d[j] = t;
}

function insertionSort<E>(d: E[], a: number, b: number, cmp: Cmp<E>): void {
  for (let i = a + 1; i < b; i++) {
    for (let j = i; j > a && cmp(d[j]!, d[j - 1]!) < 0; j--) swap(d, j, j - 1);
  }
}

function siftDown<E>(d: E[], lo: number, hi: number, first: number, cmp: Cmp<E>): void {
  let root = lo;
  for (;;) {
    let child = 2 * root + 1;
    if (child >= hi) break;
    if (child + 1 < hi && cmp(d[first + child]!, d[first + child + 1]!) < 0) child++;
    if (!(cmp(d[first + root]!, d[first + child]!) < 0)) return;
    swap(d, first + root, first + child);
    root = child;
  }
}

function heapSort<E>(d: E[], a: number, b: number, cmp: Cmp<E>): void {
  const first = a;
  const hi = b - a;
  for (let i = Math.floor((hi - 1) / 2); i >= 0; i--) siftDown(d, i, hi, first, cmp);
  for (let i = hi - 1; i >= 0; i--) {
    swap(d, first, first + i);
    siftDown(d, 0, i, first, cmp);
  }
}

function bitsLen(n: number): number {
  return n === 0 ? 0 : 32 - Math.clz32(n);
}

/** @internal Sorts `d` in place exactly as Go's `slices.SortFunc`. */
export function pdqsortFunc<E>(d: E[], cmp: Cmp<E>): void {
  pdqsort(d, 0, d.length, bitsLen(d.length), cmp);
}

const enum Hint {
  Unknown,
  Increasing,
  Decreasing,
}

function pdqsort<E>(d: E[], a: number, b: number, limit: number, cmp: Cmp<E>): void {
  let wasBalanced = true;
  let wasPartitioned = true;
  for (;;) {
    const length = b - a;
    if (length <= 12) {
      insertionSort(d, a, b, cmp);
      return;
    }
    if (limit === 0) {
      heapSort(d, a, b, cmp);
      return;
    }
    if (!wasBalanced) {
      breakPatterns(d, a, b);
      limit--;
    }
    let [pivot, hint] = choosePivot(d, a, b, cmp);
    if (hint === Hint.Decreasing) {
      reverseRange(d, a, b);
      pivot = b - 1 - (pivot - a);
      hint = Hint.Increasing;
    }
    if (wasBalanced && wasPartitioned && hint === Hint.Increasing) {
      if (partialInsertionSort(d, a, b, cmp)) return;
    }
    if (a > 0 && !(cmp(d[a - 1]!, d[pivot]!) < 0)) {
      a = partitionEqual(d, a, b, pivot, cmp);
      continue;
    }
    const [mid, alreadyPartitioned] = partition(d, a, b, pivot, cmp);
    wasPartitioned = alreadyPartitioned;
    const leftLen = mid - a;
    const rightLen = b - mid;
    const balanceThreshold = Math.floor(length / 8);
    if (leftLen < rightLen) {
      wasBalanced = leftLen >= balanceThreshold;
      pdqsort(d, a, mid, limit, cmp);
      a = mid + 1;
    } else {
      wasBalanced = rightLen >= balanceThreshold;
      pdqsort(d, mid + 1, b, limit, cmp);
      b = mid;
    }
  }
}

function partition<E>(d: E[], a: number, b: number, pivot: number, cmp: Cmp<E>): [number, boolean] {
  swap(d, a, pivot);
  let i = a + 1;
  let j = b - 1;
  while (i <= j && cmp(d[i]!, d[a]!) < 0) i++;
  while (i <= j && !(cmp(d[j]!, d[a]!) < 0)) j--;
  if (i > j) {
    swap(d, j, a);
    return [j, true];
  }
  swap(d, i, j);
  i++;
  j--;
  for (;;) {
    while (i <= j && cmp(d[i]!, d[a]!) < 0) i++;
    while (i <= j && !(cmp(d[j]!, d[a]!) < 0)) j--;
    if (i > j) break;
    swap(d, i, j);
    i++;
    j--;
  }
  swap(d, j, a);
  return [j, false];
}

function partitionEqual<E>(d: E[], a: number, b: number, pivot: number, cmp: Cmp<E>): number {
  swap(d, a, pivot);
  let i = a + 1;
  let j = b - 1;
  for (;;) {
    while (i <= j && !(cmp(d[a]!, d[i]!) < 0)) i++;
    while (i <= j && cmp(d[a]!, d[j]!) < 0) j--;
    if (i > j) break;
    swap(d, i, j);
    i++;
    j--;
  }
  return i;
}

function partialInsertionSort<E>(d: E[], a: number, b: number, cmp: Cmp<E>): boolean {
  const maxSteps = 5;
  const shortestShifting = 50;
  let i = a + 1;
  for (let step = 0; step < maxSteps; step++) {
    while (i < b && !(cmp(d[i]!, d[i - 1]!) < 0)) i++;
    if (i === b) return true;
    if (b - a < shortestShifting) return false;
    swap(d, i, i - 1);
    if (i - a >= 2) {
      for (let j = i - 1; j >= 1; j--) {
        if (!(cmp(d[j]!, d[j - 1]!) < 0)) break;
        swap(d, j, j - 1);
      }
    }
    if (b - i >= 2) {
      for (let j = i + 1; j < b; j++) {
        if (!(cmp(d[j]!, d[j - 1]!) < 0)) break;
        swap(d, j, j - 1);
      }
    }
  }
  return false;
}

const U64 = (1n << 64n) - 1n;

function breakPatterns<E>(d: E[], a: number, b: number): void {
  const length = b - a;
  if (length < 8) return;
  let r = BigInt(length);
  const modulus = 1 << bitsLen(length);
  for (let idx = a + Math.floor(length / 4) * 2 - 1; idx <= a + Math.floor(length / 4) * 2 + 1; idx++) {
    r ^= (r << 13n) & U64;
    r ^= r >> 7n;
    r ^= (r << 17n) & U64;
    let other = Number(r & BigInt(modulus - 1));
    if (other >= length) other -= length;
    swap(d, idx, a + other);
  }
}

function choosePivot<E>(d: E[], a: number, b: number, cmp: Cmp<E>): [number, Hint] {
  const shortestNinther = 50;
  const maxSwaps = 4 * 3;
  const l = b - a;
  const swaps = { n: 0 };
  let i = a + Math.floor(l / 4) * 1;
  let j = a + Math.floor(l / 4) * 2;
  let k = a + Math.floor(l / 4) * 3;
  if (l >= 8) {
    if (l >= shortestNinther) {
      i = median(d, i - 1, i, i + 1, swaps, cmp);
      j = median(d, j - 1, j, j + 1, swaps, cmp);
      k = median(d, k - 1, k, k + 1, swaps, cmp);
    }
    j = median(d, i, j, k, swaps, cmp);
  }
  if (swaps.n === 0) return [j, Hint.Increasing];
  if (swaps.n === maxSwaps) return [j, Hint.Decreasing];
  return [j, Hint.Unknown];
}

function order2<E>(d: E[], a: number, b: number, swaps: { n: number }, cmp: Cmp<E>): [number, number] {
  if (cmp(d[b]!, d[a]!) < 0) {
    swaps.n++;
    return [b, a];
  }
  return [a, b];
}

function median<E>(d: E[], a: number, b: number, c: number, swaps: { n: number }, cmp: Cmp<E>): number {
  [a, b] = order2(d, a, b, swaps, cmp);
  [b, c] = order2(d, b, c, swaps, cmp);
  [a, b] = order2(d, a, b, swaps, cmp);
  return b;
}

function reverseRange<E>(d: E[], a: number, b: number): void {
  let i = a;
  let j = b - 1;
  while (i < j) {
    swap(d, i, j);
    i++;
    j--;
  }
}
