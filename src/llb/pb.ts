/**
 * Plain TypeScript shapes of the `pb` messages an LLB graph is made of, and
 * their encoders. Encoders follow Go's deterministic marshalling: fields in
 * number order except that `Op`'s oneof goes last, proto3 zero scalars
 * omitted, set sub-messages always written (even empty), oneof members always
 * written, map entries sorted byte-wise with key and value always present.
 */

import { ProtoWriter, sortedKeys } from "./wire.js";

export type Int64 = number | bigint;

export interface PbPlatform {
  Architecture: string;
  OS: string;
  Variant?: string;
  OSVersion?: string;
  OSFeatures?: string[];
}

export interface PbInput {
  digest: string;
  index: number;
}

export const NetMode = { UNSET: 0, HOST: 1, NONE: 2 } as const;
export type NetMode = (typeof NetMode)[keyof typeof NetMode];
export const SecurityMode = { SANDBOX: 0, INSECURE: 1 } as const;
export type SecurityMode = (typeof SecurityMode)[keyof typeof SecurityMode];
export const MountType = { BIND: 0, SECRET: 1, SSH: 2, CACHE: 3, TMPFS: 4 } as const;
export type MountType = (typeof MountType)[keyof typeof MountType];
export const MountContentCache = { DEFAULT: 0, ON: 1, OFF: 2 } as const;
export type MountContentCache = (typeof MountContentCache)[keyof typeof MountContentCache];
export const CacheSharingOpt = { SHARED: 0, PRIVATE: 1, LOCKED: 2 } as const;
export type CacheSharingOpt = (typeof CacheSharingOpt)[keyof typeof CacheSharingOpt];

export interface PbProxyEnv {
  http_proxy?: string;
  https_proxy?: string;
  ftp_proxy?: string;
  no_proxy?: string;
  all_proxy?: string;
}

export interface PbHostIP {
  Host: string;
  IP: string;
}

export interface PbUlimit {
  Name: string;
  Soft: Int64;
  Hard: Int64;
}

export interface PbMeta {
  args: readonly string[];
  env: readonly string[];
  cwd?: string;
  user?: string;
  proxy_env?: PbProxyEnv;
  extraHosts?: PbHostIP[];
  hostname?: string;
  ulimit?: PbUlimit[];
  cgroupParent?: string;
  removeMountStubsRecursive?: boolean;
  validExitCodes?: number[];
}

export interface PbSecretOpt {
  ID?: string;
  uid?: number;
  gid?: number;
  mode?: number;
  optional?: boolean;
}

export type PbSSHOpt = PbSecretOpt;

export interface PbMount {
  input: number;
  selector?: string;
  dest: string;
  output: number;
  readonly?: boolean;
  mountType?: MountType;
  TmpfsOpt?: { size?: Int64 };
  cacheOpt?: { ID?: string; sharing?: CacheSharingOpt };
  secretOpt?: PbSecretOpt;
  SSHOpt?: PbSSHOpt;
  resultID?: string;
  contentCache?: MountContentCache;
}

export interface PbSecretEnv {
  ID: string;
  name: string;
  optional?: boolean;
}

export interface PbCDIDevice {
  name: string;
  optional?: boolean;
}

export interface PbExecOp {
  meta: PbMeta;
  mounts: PbMount[];
  network?: NetMode;
  security?: SecurityMode;
  secretenv?: PbSecretEnv[];
  cdiDevices?: PbCDIDevice[];
}

export interface PbSourceOp {
  identifier: string;
  attrs: Record<string, string>;
}

export interface PbNamedUserOpt {
  name: string;
  input: number;
}

/** `UserOpt` oneof: exactly one of byName / byID. */
export type PbUserOpt = { byName: PbNamedUserOpt } | { byID: number };

export interface PbChownOpt {
  user?: PbUserOpt;
  group?: PbUserOpt;
}

export interface PbFileActionCopy {
  src: string;
  dest: string;
  owner?: PbChownOpt;
  mode?: number;
  followSymlink?: boolean;
  dirCopyContents?: boolean;
  attemptUnpackDockerCompatibility?: boolean;
  createDestPath?: boolean;
  allowWildcard?: boolean;
  allowEmptyWildcard?: boolean;
  timestamp?: Int64;
  include_patterns?: readonly string[];
  exclude_patterns?: readonly string[];
  alwaysReplaceExistingDestPaths?: boolean;
  modeStr?: string;
  required_paths?: readonly string[];
}

export interface PbFileActionMkFile {
  path: string;
  mode?: number;
  data?: Uint8Array;
  owner?: PbChownOpt;
  timestamp?: Int64;
}

export interface PbFileActionMkDir {
  path: string;
  mode?: number;
  makeParents?: boolean;
  owner?: PbChownOpt;
  timestamp?: Int64;
}

export interface PbFileActionRm {
  path: string;
  allowNotFound?: boolean;
  allowWildcard?: boolean;
}

export interface PbFileActionSymlink {
  oldpath: string;
  newpath: string;
  owner?: PbChownOpt;
  timestamp?: Int64;
}

export interface PbFileAction {
  input: number;
  secondaryInput: number;
  output: number;
  copy?: PbFileActionCopy;
  mkfile?: PbFileActionMkFile;
  mkdir?: PbFileActionMkDir;
  rm?: PbFileActionRm;
  symlink?: PbFileActionSymlink;
}

export interface PbFileOp {
  actions: PbFileAction[];
}

export interface PbMergeOp {
  inputs: { input: number }[];
}

export interface PbDiffOp {
  lower: { input: number };
  upper: { input: number };
}

export interface PbBuildOp {
  builder: number;
  inputs: Record<string, { input: number }>;
  def?: PbDefinition;
  attrs: Record<string, string>;
}

export interface PbPassthroughOp {
  id: string;
  outputs: number[];
}

/** `Op`: inputs, platform, constraints and exactly one op kind. */
export interface PbOp {
  inputs: PbInput[];
  platform?: PbPlatform;
  constraints?: { filter: string[] };
  exec?: PbExecOp;
  source?: PbSourceOp;
  file?: PbFileOp;
  build?: PbBuildOp;
  merge?: PbMergeOp;
  diff?: PbDiffOp;
  passthrough?: PbPassthroughOp;
}

export interface PbProgressGroup {
  id?: string;
  name?: string;
  weak?: boolean;
}

export interface PbLinuxResources {
  memory?: Int64;
  memorySwap?: Int64;
  cpuShares?: Int64;
  cpuPeriod?: Int64;
  cpuQuota?: Int64;
  cpusetCpus?: string;
  cpusetMems?: string;
}

export interface PbOpMetadata {
  ignore_cache?: boolean;
  description?: Record<string, string>;
  export_cache?: { Value?: boolean };
  caps?: Record<string, boolean>;
  progress_group?: PbProgressGroup;
  linux_resources?: PbLinuxResources;
}

export interface PbPosition {
  line: number;
  character: number;
}

/** Positions may be absent, as in Go's zero `pb.Range{}` (nil Start/End, not written). */
export interface PbRange {
  start?: PbPosition;
  end?: PbPosition;
}

export interface PbLocation {
  sourceIndex: number;
  ranges: PbRange[];
}

export interface PbSourceInfo {
  filename: string;
  data?: Uint8Array;
  definition?: PbDefinition;
  language?: string;
}

export interface PbSource {
  locations: Record<string, { locations: PbLocation[] }>;
  infos: PbSourceInfo[];
}

export interface PbDefinition {
  def: Uint8Array[];
  metadata: Record<string, PbOpMetadata>;
  Source?: PbSource;
}

// ---------------------------------------------------------------------------
// Encoders. Each writes the body of a message into `w`.

function writePlatform(w: ProtoWriter, p: PbPlatform): void {
  w.string(1, p.Architecture);
  w.string(2, p.OS);
  w.string(3, p.Variant);
  w.string(4, p.OSVersion);
  if (p.OSFeatures) for (const f of p.OSFeatures) w.stringAlways(5, f);
}

function writeStringMap(w: ProtoWriter, field: number, m: Record<string, string> | undefined): void {
  if (!m) return;
  for (const k of sortedKeys(m)) {
    w.begin(field);
    w.stringAlways(1, k);
    w.stringAlways(2, m[k]!);
    w.end();
  }
}

function writeMeta(w: ProtoWriter, m: PbMeta): void {
  for (const a of m.args) w.stringAlways(1, a);
  for (const e of m.env) w.stringAlways(2, e);
  w.string(3, m.cwd);
  w.string(4, m.user);
  if (m.proxy_env) {
    const p = m.proxy_env;
    w.begin(5);
    w.string(1, p.http_proxy);
    w.string(2, p.https_proxy);
    w.string(3, p.ftp_proxy);
    w.string(4, p.no_proxy);
    w.string(5, p.all_proxy);
    w.end();
  }
  if (m.extraHosts) {
    for (const h of m.extraHosts) {
      w.begin(6);
      w.string(1, h.Host);
      w.string(2, h.IP);
      w.end();
    }
  }
  w.string(7, m.hostname);
  if (m.ulimit) {
    for (const u of m.ulimit) {
      w.begin(9);
      w.string(1, u.Name);
      w.int(2, u.Soft);
      w.int(3, u.Hard);
      w.end();
    }
  }
  w.string(10, m.cgroupParent);
  w.bool(11, m.removeMountStubsRecursive);
  w.packedInts(12, m.validExitCodes);
}

function writeSecretOpt(w: ProtoWriter, field: number, s: PbSecretOpt): void {
  w.begin(field);
  w.string(1, s.ID);
  w.int(2, s.uid);
  w.int(3, s.gid);
  w.int(4, s.mode);
  w.bool(5, s.optional);
  w.end();
}

function writeMount(w: ProtoWriter, m: PbMount): void {
  w.int(1, m.input);
  w.string(2, m.selector);
  w.string(3, m.dest);
  w.int(4, m.output);
  w.bool(5, m.readonly);
  w.int(6, m.mountType);
  if (m.TmpfsOpt) {
    w.begin(19);
    w.int(1, m.TmpfsOpt.size);
    w.end();
  }
  if (m.cacheOpt) {
    w.begin(20);
    w.string(1, m.cacheOpt.ID);
    w.int(2, m.cacheOpt.sharing);
    w.end();
  }
  if (m.secretOpt) writeSecretOpt(w, 21, m.secretOpt);
  if (m.SSHOpt) writeSecretOpt(w, 22, m.SSHOpt);
  w.string(23, m.resultID);
  w.int(24, m.contentCache);
}

function writeExecOp(w: ProtoWriter, e: PbExecOp): void {
  w.begin(1);
  writeMeta(w, e.meta);
  w.end();
  for (const m of e.mounts) {
    w.begin(2);
    writeMount(w, m);
    w.end();
  }
  w.int(3, e.network);
  w.int(4, e.security);
  if (e.secretenv) {
    for (const s of e.secretenv) {
      w.begin(5);
      w.string(1, s.ID);
      w.string(2, s.name);
      w.bool(3, s.optional);
      w.end();
    }
  }
  if (e.cdiDevices) {
    for (const d of e.cdiDevices) {
      w.begin(6);
      w.string(1, d.name);
      w.bool(2, d.optional);
      w.end();
    }
  }
}

function writeUserOpt(w: ProtoWriter, field: number, u: PbUserOpt): void {
  w.begin(field);
  if ("byName" in u) {
    w.begin(1);
    w.string(1, u.byName.name);
    w.int(2, u.byName.input);
    w.end();
  } else {
    w.intAlways(2, u.byID);
  }
  w.end();
}

function writeChown(w: ProtoWriter, field: number, c: PbChownOpt | undefined): void {
  if (!c) return;
  w.begin(field);
  if (c.user) writeUserOpt(w, 1, c.user);
  if (c.group) writeUserOpt(w, 2, c.group);
  w.end();
}

function writeFileAction(w: ProtoWriter, a: PbFileAction): void {
  w.int(1, a.input);
  w.int(2, a.secondaryInput);
  w.int(3, a.output);
  if (a.copy) {
    const c = a.copy;
    w.begin(4);
    w.string(1, c.src);
    w.string(2, c.dest);
    writeChown(w, 3, c.owner);
    w.int(4, c.mode);
    w.bool(5, c.followSymlink);
    w.bool(6, c.dirCopyContents);
    w.bool(7, c.attemptUnpackDockerCompatibility);
    w.bool(8, c.createDestPath);
    w.bool(9, c.allowWildcard);
    w.bool(10, c.allowEmptyWildcard);
    w.int(11, c.timestamp);
    if (c.include_patterns) for (const p of c.include_patterns) w.stringAlways(12, p);
    if (c.exclude_patterns) for (const p of c.exclude_patterns) w.stringAlways(13, p);
    w.bool(14, c.alwaysReplaceExistingDestPaths);
    w.string(15, c.modeStr);
    if (c.required_paths) for (const p of c.required_paths) w.stringAlways(16, p);
    w.end();
  } else if (a.mkfile) {
    const m = a.mkfile;
    w.begin(5);
    w.string(1, m.path);
    w.int(2, m.mode);
    w.bytes(3, m.data);
    writeChown(w, 4, m.owner);
    w.int(5, m.timestamp);
    w.end();
  } else if (a.mkdir) {
    const m = a.mkdir;
    w.begin(6);
    w.string(1, m.path);
    w.int(2, m.mode);
    w.bool(3, m.makeParents);
    writeChown(w, 4, m.owner);
    w.int(5, m.timestamp);
    w.end();
  } else if (a.rm) {
    const r = a.rm;
    w.begin(7);
    w.string(1, r.path);
    w.bool(2, r.allowNotFound);
    w.bool(3, r.allowWildcard);
    w.end();
  } else if (a.symlink) {
    const s = a.symlink;
    w.begin(8);
    w.string(1, s.oldpath);
    w.string(2, s.newpath);
    writeChown(w, 3, s.owner);
    w.int(4, s.timestamp);
    w.end();
  }
}

function writeOpMetadata(w: ProtoWriter, m: PbOpMetadata): void {
  w.bool(1, m.ignore_cache);
  writeStringMap(w, 2, m.description);
  if (m.export_cache) {
    w.begin(4);
    w.bool(1, m.export_cache.Value);
    w.end();
  }
  if (m.caps) {
    for (const k of sortedKeys(m.caps)) {
      w.begin(5);
      w.stringAlways(1, k);
      w.boolAlways(2, m.caps[k]!);
      w.end();
    }
  }
  if (m.progress_group) {
    const g = m.progress_group;
    w.begin(6);
    w.string(1, g.id);
    w.string(2, g.name);
    w.bool(3, g.weak);
    w.end();
  }
  if (m.linux_resources) {
    const r = m.linux_resources;
    w.begin(7);
    w.int(1, r.memory);
    w.int(2, r.memorySwap);
    w.int(3, r.cpuShares);
    w.int(4, r.cpuPeriod);
    w.int(5, r.cpuQuota);
    w.string(6, r.cpusetCpus);
    w.string(7, r.cpusetMems);
    w.end();
  }
}

const DIGEST_TIE = 2 ** 20;

function hexValue(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
}

function isHexTail(k: string): boolean {
  for (let j = 15; j < k.length; j++) if (hexValue(k.charCodeAt(j)) < 0) return false;
  return true;
}

/**
 * Op digest keys (`sha256:` + 64 lowercase hex) in byte order, as `sortedKeys`
 * gives them, but without 1.7M string comparisons for 100k ops: keys are
 * ordered by their first 32 bits in a native numeric sort, and the rare runs
 * with equal first bits by full comparison. Undefined when a key is not such
 * a digest (or there are too many), so the caller falls back to `sortedKeys`.
 */
export function sortedDigestKeys(m: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>): string[] | undefined {
  const keys = m instanceof Map ? [...(m as ReadonlyMap<string, unknown>).keys()] : Object.keys(m);
  const n = keys.length;
  if (n < 64 || n >= DIGEST_TIE) return undefined;
  const order = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    if (k.length !== 71 || !k.startsWith("sha256:")) return undefined;
    let prefix = 0;
    for (let j = 7; j < 15; j++) {
      const d = hexValue(k.charCodeAt(j));
      if (d < 0) return undefined;
      prefix = prefix * 16 + d;
    }
    order[i] = prefix * DIGEST_TIE + i;
  }
  order.sort();
  const out: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = keys[order[i]! % DIGEST_TIE]!;
  // Equal 32-bit prefixes: insertion sort of the run by the full key, which must be hex
  // there (ASCII, so UTF-16 order is byte order).
  for (let i = 1; i < n; i++) {
    if (Math.floor(order[i]! / DIGEST_TIE) !== Math.floor(order[i - 1]! / DIGEST_TIE)) continue;
    if (!isHexTail(out[i]!) || !isHexTail(out[i - 1]!)) return undefined;
    const k = out[i]!;
    let j = i - 1;
    while (j >= 0 && Math.floor(order[j]! / DIGEST_TIE) === Math.floor(order[i]! / DIGEST_TIE) && out[j]! > k) {
      out[j + 1] = out[j]!;
      j--;
    }
    out[j + 1] = k;
  }
  return out;
}

/** The sorted keys of `rec` when they are exactly `sorted` (a Definition's op digests usually are). */
function sameKeys(rec: Readonly<Record<string, unknown>>, sorted: readonly string[] | undefined): readonly string[] {
  if (sorted) {
    let n = 0;
    for (const k in rec) if (Object.prototype.hasOwnProperty.call(rec, k)) n++;
    if (n === sorted.length && sorted.every((k) => Object.prototype.hasOwnProperty.call(rec, k))) return sorted;
  }
  return sortedDigestKeys(rec) ?? sortedKeys(rec);
}

function writeSource(w: ProtoWriter, s: PbSource, digests?: readonly string[]): void {
  for (const k of sameKeys(s.locations, digests)) {
    w.begin(1);
    w.stringAlways(1, k);
    w.begin(2);
    for (const loc of s.locations[k]!.locations) {
      w.begin(1);
      w.int(1, loc.sourceIndex);
      for (const r of loc.ranges) {
        w.begin(2);
        if (r.start) {
          w.begin(1);
          w.int(1, r.start.line);
          w.int(2, r.start.character);
          w.end();
        }
        if (r.end) {
          w.begin(2);
          w.int(1, r.end.line);
          w.int(2, r.end.character);
          w.end();
        }
        w.end();
      }
      w.end();
    }
    w.end();
    w.end();
  }
  for (const info of s.infos) {
    w.begin(2);
    w.string(1, info.filename);
    w.bytes(2, info.data);
    if (info.definition) {
      w.begin(3);
      writeDefinition(w, info.definition);
      w.end();
    }
    w.string(4, info.language);
    w.end();
  }
}

function writeDefinition(w: ProtoWriter, d: PbDefinition): void {
  writeDefinitionParts(w, d.def, d.metadata, d.Source);
}

function writeDefinitionParts(
  w: ProtoWriter,
  def: readonly Uint8Array[],
  metadata: ReadonlyMap<string, PbOpMetadata> | Readonly<Record<string, PbOpMetadata>>,
  source: PbSource | undefined,
): void {
  for (const b of def) w.bytesAlways(1, b);
  const map = metadata instanceof Map ? (metadata as ReadonlyMap<string, PbOpMetadata>) : undefined;
  const rec = metadata as Readonly<Record<string, PbOpMetadata>>;
  const keys = sortedDigestKeys(metadata) ?? sortedKeys(metadata);
  for (const k of keys) {
    w.begin(2);
    w.stringAlways(1, k);
    w.begin(2);
    writeOpMetadata(w, map ? map.get(k)! : rec[k]!);
    w.end();
    w.end();
  }
  if (source) {
    w.begin(3);
    writeSource(w, source, keys);
    w.end();
  }
}

/** Writes an `Op`: inputs, platform, constraints, then the op kind (Go writes oneofs last). */
export function writeOp(w: ProtoWriter, op: PbOp): void {
  for (const inp of op.inputs) {
    w.begin(1);
    w.string(1, inp.digest);
    w.int(2, inp.index);
    w.end();
  }
  if (op.platform) {
    w.begin(10);
    writePlatform(w, op.platform);
    w.end();
  }
  if (op.constraints) {
    w.begin(11);
    for (const f of op.constraints.filter) w.stringAlways(1, f);
    w.end();
  }
  if (op.exec) {
    w.begin(2);
    writeExecOp(w, op.exec);
    w.end();
  } else if (op.source) {
    w.begin(3);
    w.string(1, op.source.identifier);
    writeStringMap(w, 2, op.source.attrs);
    w.end();
  } else if (op.file) {
    w.begin(4);
    for (const a of op.file.actions) {
      w.begin(2);
      writeFileAction(w, a);
      w.end();
    }
    w.end();
  } else if (op.build) {
    const b = op.build;
    w.begin(5);
    w.int(1, b.builder);
    for (const k of sortedKeys(b.inputs)) {
      w.begin(2);
      w.stringAlways(1, k);
      w.begin(2);
      w.int(1, b.inputs[k]!.input);
      w.end();
      w.end();
    }
    if (b.def) {
      w.begin(3);
      writeDefinition(w, b.def);
      w.end();
    }
    writeStringMap(w, 4, b.attrs);
    w.end();
  } else if (op.merge) {
    w.begin(6);
    for (const inp of op.merge.inputs) {
      w.begin(1);
      w.int(1, inp.input);
      w.end();
    }
    w.end();
  } else if (op.diff) {
    w.begin(7);
    w.begin(1);
    w.int(1, op.diff.lower.input);
    w.end();
    w.begin(2);
    w.int(1, op.diff.upper.input);
    w.end();
    w.end();
  } else if (op.passthrough) {
    w.begin(8);
    w.string(1, op.passthrough.id);
    w.packedInts(2, op.passthrough.outputs);
    w.end();
  }
}

const sharedWriter = new ProtoWriter(4096);

// Op bytes are small and kept as long as the graph: carve them out of shared 64 KiB slabs
// (views, like Node's Buffer pool) rather than allocating one ArrayBuffer per op.
const SLAB_SIZE = 64 * 1024;
let slab = new Uint8Array(SLAB_SIZE);
let slabPos = 0;

/** Encodes one op with Go's deterministic byte layout. */
export function encodeOp(op: PbOp): Uint8Array {
  sharedWriter.reset();
  writeOp(sharedWriter, op);
  const n = sharedWriter.length;
  if (n > SLAB_SIZE / 8) return sharedWriter.finish();
  if (slabPos + n > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabPos = 0;
  }
  sharedWriter.copyInto(slab, slabPos);
  const out = slab.subarray(slabPos, slabPos + n);
  slabPos += n;
  return out;
}

/** Encodes a whole `Definition`; maps are sorted so the bytes are reproducible. */
export function encodeDefinition(d: PbDefinition): Uint8Array {
  return encodeDefinitionParts(d.def, d.metadata, d.Source);
}

/** {@link encodeDefinition} from a Definition's parts, without copying its metadata map into a record. */
export function encodeDefinitionParts(
  def: readonly Uint8Array[],
  metadata: ReadonlyMap<string, PbOpMetadata> | Readonly<Record<string, PbOpMetadata>>,
  source: PbSource | undefined,
): Uint8Array {
  // Op bytes plus about what each op's metadata and source-location entries take.
  let size = 1024;
  for (const b of def) size += b.length + 4;
  const w = new ProtoWriter(size + def.length * 224);
  writeDefinitionParts(w, def, metadata, source);
  return w.finishOwned();
}

export function encodeOpMetadata(m: PbOpMetadata): Uint8Array {
  const w = new ProtoWriter(128);
  writeOpMetadata(w, m);
  return w.finish();
}
