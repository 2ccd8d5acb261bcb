/**
 * fsutil's wire types, hand-encoded: `fsutil.types.Stat` (types/stat.proto)
 * and `fsutil.types.Packet` (types/wire.proto), plus the conversion of a
 * Node `lstat` result into a Stat the way fsutil's `mkstat`/`setUnixOpt` do
 * on Unix (Go os.FileMode bits, nanosecond mtime, Linux-style dev numbers).
 */

import { isUtf8 } from "node:buffer";
import type { BigIntStats } from "node:fs";

// Go os.FileMode bits (io/fs).
export const ModeDir = 0x80000000;
export const ModeAppend = 0x40000000;
export const ModeExclusive = 0x20000000;
export const ModeTemporary = 0x10000000;
export const ModeSymlink = 0x08000000;
export const ModeDevice = 0x04000000;
export const ModeNamedPipe = 0x02000000;
export const ModeSocket = 0x01000000;
export const ModeSetuid = 0x00800000;
export const ModeSetgid = 0x00400000;
export const ModeCharDevice = 0x00200000;
export const ModeSticky = 0x00100000;
export const ModeIrregular = 0x00080000;
export const ModePerm = 0o777;
/** Dir | Symlink | NamedPipe | Socket | Device | CharDevice | Irregular. */
export const ModeType = (ModeDir | ModeSymlink | ModeNamedPipe | ModeSocket | ModeDevice | ModeCharDevice | ModeIrregular) >>> 0;

/** One entry of an fsutil listing. */
export interface FileStat {
  /** Relative `/`-separated path (never the root, never `.`/`..` components). */
  path: string;
  /** Go os.FileMode bits (not POSIX st_mode). */
  mode: number;
  uid: number;
  gid: number;
  /** Byte size (0 for directories). */
  size: bigint;
  /** Modification time, nanoseconds since the Unix epoch. */
  modTime: bigint;
  /** Symlink target, or for a hardlink the path of the first listed link; else "". */
  linkname: string;
  devmajor: bigint;
  devminor: bigint;
  /** Extended attributes (never filled by the walker: Node has no xattr API). */
  xattrs?: Map<string, Uint8Array>;
  /** Raw path bytes when the name is not valid UTF-8 (then `path` is lossy); used on the wire. */
  pathRaw?: Uint8Array;
  /** Raw linkname bytes when it is not valid UTF-8; used on the wire. */
  linknameRaw?: Uint8Array;
}

/** True for a mode with no type bits: a regular file (or hardlink), the only entries whose data may be requested. */
export function canRequestData(mode: number): boolean {
  return ((mode & ModeType) >>> 0) === 0;
}

export function isDirMode(mode: number): boolean {
  return ((mode & ModeDir) >>> 0) !== 0;
}

export function isSymlinkMode(mode: number): boolean {
  return (mode & ModeSymlink) !== 0;
}

const S_IFMT = 0o170000;
const S_IFSOCK = 0o140000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;
const S_IFBLK = 0o060000;
const S_IFDIR = 0o040000;
const S_IFCHR = 0o020000;
const S_IFIFO = 0o010000;

/** Go `os.Lstat(...).Mode()` on Unix, from a POSIX st_mode. */
export function goFileMode(stMode: number): number {
  let m = stMode & ModePerm;
  switch (stMode & S_IFMT) {
    case S_IFBLK:
      m |= ModeDevice;
      break;
    case S_IFCHR:
      m |= ModeDevice | ModeCharDevice;
      break;
    case S_IFDIR:
      m |= ModeDir;
      break;
    case S_IFIFO:
      m |= ModeNamedPipe;
      break;
    case S_IFLNK:
      m |= ModeSymlink;
      break;
    case S_IFREG:
      break;
    case S_IFSOCK:
      m |= ModeSocket;
      break;
  }
  if (stMode & 0o2000) m |= ModeSetgid;
  if (stMode & 0o4000) m |= ModeSetuid;
  if (stMode & 0o1000) m |= ModeSticky;
  return m >>> 0;
}

/**
 * fsutil `mkstat` + `setUnixOpt` without the hardlink and symlink parts
 * (the walker fills `linkname`): Go mode bits with the socket bit cleared,
 * uid/gid, size (0 for dirs), mtime in ns, dev numbers for devices.
 */
export function statFromLstat(path: string, st: BigIntStats): FileStat {
  const stMode = Number(st.mode);
  const mode = goFileMode(stMode);
  const isDir = (stMode & S_IFMT) === S_IFDIR;
  let devmajor = 0n;
  let devminor = 0n;
  // setUnixOpt tests `Mode&S_IFBLK != 0 || Mode&S_IFCHR != 0` (true for more than devices; rdev is 0 for those)
  if (!isDir && (stMode & (S_IFBLK | S_IFCHR)) !== 0) {
    const rdev = BigInt.asUintN(64, st.rdev);
    devmajor = (rdev >> 8n) & 0xfffn;
    devminor = (rdev & 0xffn) | ((rdev >> 12n) & 0xfff00n);
  }
  return {
    path,
    mode: (mode & ~ModeSocket) >>> 0,
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: isDir ? 0n : st.size,
    modTime: st.mtimeNs,
    linkname: "",
    devmajor,
    devminor,
  };
}

// ---------------------------------------------------------------------------
// Protobuf encoding

export const PacketType = {
  STAT: 0,
  REQ: 1,
  DATA: 2,
  FIN: 3,
  ERR: 4,
} as const;
export type PacketTypeValue = (typeof PacketType)[keyof typeof PacketType];

const utf8 = new TextEncoder();

function varintSize(v: number): number {
  // v: non-negative integer < 2^53
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** The two 32-bit halves of `v` as an unsigned 64-bit value (int64 as Go's varint writes it). */
function halves(v: bigint): [hi: number, lo: number] {
  const u = BigInt.asUintN(64, v);
  return [Number(u >> 32n), Number(u & 0xffffffffn)];
}

// Values past 2^53 (modification times in ns, negative int64s) are split into 32-bit halves
// once: a BigInt shift per 7 bits was most of the time of encoding a stat.
function bigVarintSize(v: bigint): number {
  if (v >= 0n && v < 0x20000000000000n) return varintSize(Number(v));
  const [hi] = halves(v);
  return Math.ceil((64 - Math.clz32(hi)) / 7);
}

class Writer {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start = 0,
  ) {
    this.pos = start;
  }
  /** `s` as UTF-8, `length` bytes (its Buffer.byteLength): written in place, no copy made first. */
  utf8(s: string, length: number): void {
    this.buf.write(s, this.pos, length, "utf8");
    this.pos += length;
  }
  byte(b: number): void {
    this.buf[this.pos++] = b;
  }
  varint(v: number): void {
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }
  bigVarint(v: bigint): void {
    if (v >= 0n && v < 0x20000000000000n) {
      this.varint(Number(v));
      return;
    }
    let [hi, lo] = halves(v);
    while (hi !== 0 || lo >= 0x80) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo;
  }
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
}

interface StatParts {
  /** Raw path bytes (pathRaw), else the path is written from the string. */
  pathRaw: Uint8Array | undefined;
  pathLength: number;
  linkname: Uint8Array;
  xattrs: Array<[Uint8Array, Uint8Array, number]>; // key, value, entry length
  size: number;
}

function statParts(s: FileStat): StatParts {
  // Listing thousands of paths: encoded straight into the packet (writeStat), not into a copy first.
  const pathRaw = s.pathRaw;
  const pathLength = pathRaw ? pathRaw.length : Buffer.byteLength(s.path, "utf8");
  const linkname = s.linknameRaw ?? (s.linkname === "" ? new Uint8Array(0) : utf8.encode(s.linkname));
  let size = 0;
  if (pathLength > 0) size += 1 + varintSize(pathLength) + pathLength;
  if (s.mode !== 0) size += 1 + varintSize(s.mode >>> 0);
  if (s.uid !== 0) size += 1 + varintSize(s.uid >>> 0);
  if (s.gid !== 0) size += 1 + varintSize(s.gid >>> 0);
  if (s.size !== 0n) size += 1 + bigVarintSize(s.size);
  if (s.modTime !== 0n) size += 1 + bigVarintSize(s.modTime);
  if (linkname.length > 0) size += 1 + varintSize(linkname.length) + linkname.length;
  if (s.devmajor !== 0n) size += 1 + bigVarintSize(s.devmajor);
  if (s.devminor !== 0n) size += 1 + bigVarintSize(s.devminor);
  const xattrs: Array<[Uint8Array, Uint8Array, number]> = [];
  if (s.xattrs) {
    for (const [k, v] of s.xattrs) {
      const kb = utf8.encode(k);
      let n = 0;
      if (kb.length > 0) n += 1 + varintSize(kb.length) + kb.length;
      if (v.length > 0) n += 1 + varintSize(v.length) + v.length;
      xattrs.push([kb, v, n]);
      size += 1 + varintSize(n) + n;
    }
  }
  return { pathRaw, pathLength, linkname, xattrs, size };
}

function writeStat(w: Writer, s: FileStat, p: StatParts): void {
  if (p.pathLength > 0) {
    w.byte(0x0a);
    w.varint(p.pathLength);
    if (p.pathRaw) w.bytes(p.pathRaw);
    else w.utf8(s.path, p.pathLength);
  }
  if (s.mode !== 0) {
    w.byte(0x10);
    w.varint(s.mode >>> 0);
  }
  if (s.uid !== 0) {
    w.byte(0x18);
    w.varint(s.uid >>> 0);
  }
  if (s.gid !== 0) {
    w.byte(0x20);
    w.varint(s.gid >>> 0);
  }
  if (s.size !== 0n) {
    w.byte(0x28);
    w.bigVarint(s.size);
  }
  if (s.modTime !== 0n) {
    w.byte(0x30);
    w.bigVarint(s.modTime);
  }
  if (p.linkname.length > 0) {
    w.byte(0x3a);
    w.varint(p.linkname.length);
    w.bytes(p.linkname);
  }
  if (s.devmajor !== 0n) {
    w.byte(0x40);
    w.bigVarint(s.devmajor);
  }
  if (s.devminor !== 0n) {
    w.byte(0x48);
    w.bigVarint(s.devminor);
  }
  for (const [k, v, n] of p.xattrs) {
    w.byte(0x52);
    w.varint(n);
    if (k.length > 0) {
      w.byte(0x0a);
      w.varint(k.length);
      w.bytes(k);
    }
    if (v.length > 0) {
      w.byte(0x12);
      w.varint(v.length);
      w.bytes(v);
    }
  }
}

/** Encodes a `fsutil.types.Stat` message. */
export function encodeStat(s: FileStat): Uint8Array {
  const p = statParts(s);
  const w = new Writer(Buffer.allocUnsafe(p.size));
  writeStat(w, s, p);
  return w.buf;
}

/** Encodes `Packet{type: STAT, stat}`. */
export function encodeStatPacket(s: FileStat): Uint8Array {
  const p = statParts(s);
  // Every byte is written (the size is exact); small packets come from Buffer's pool.
  const w = new Writer(Buffer.allocUnsafe(1 + varintSize(p.size) + p.size));
  w.byte(0x12);
  w.varint(p.size);
  writeStat(w, s, p);
  return w.buf;
}

/** Encodes a packet without a stat: `{type, ID, data}` (zero fields omitted, as proto3 does). */
export function encodePacket(type: PacketTypeValue, id = 0, data?: Uint8Array): Uint8Array {
  let size = 0;
  if (type !== 0) size += 1 + varintSize(type);
  if (id !== 0) size += 1 + varintSize(id >>> 0);
  const dlen = data ? data.length : 0;
  if (dlen > 0) size += 1 + varintSize(dlen) + dlen;
  const w = new Writer(Buffer.alloc(size));
  if (type !== 0) {
    w.byte(0x08);
    w.varint(type);
  }
  if (id !== 0) {
    w.byte(0x18);
    w.varint(id >>> 0);
  }
  if (dlen > 0) {
    w.byte(0x22);
    w.varint(dlen);
    w.bytes(data!);
  }
  return w.buf;
}

/** Bytes to reserve in front of a data chunk for encodeDataPacketInPlace. */
export const DATA_HEADER_RESERVE = 16;

/**
 * Builds `Packet{type: DATA, ID: id, data: buf[reserve, reserve+n)}` in place:
 * writes the header right before the data and returns the subarray. Avoids
 * copying file chunks.
 */
export function encodeDataPacketInPlace(buf: Uint8Array, id: number, n: number): Uint8Array {
  const header = new Writer(Buffer.alloc(DATA_HEADER_RESERVE));
  header.byte(0x08);
  header.varint(PacketType.DATA);
  if (id !== 0) {
    header.byte(0x18);
    header.varint(id >>> 0);
  }
  if (n > 0) {
    header.byte(0x22);
    header.varint(n);
  }
  const start = DATA_HEADER_RESERVE - header.pos;
  buf.set(header.buf.subarray(0, header.pos), start);
  return buf.subarray(start, DATA_HEADER_RESERVE + n);
}

/** A decoded packet; `stat` is kept as raw bytes (decode it with decodeStat when needed). */
export interface DecodedPacket {
  type: number;
  id: number;
  data: Uint8Array;
  stat?: Uint8Array;
}

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new Error("truncated varint");
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new Error("varint too long");
  }
  smallVarint(): number {
    // fast path for values < 2^28
    let result = 0;
    for (let i = 0; i < 4; i++) {
      if (this.pos >= this.buf.length) throw new Error("truncated varint");
      const b = this.buf[this.pos++]!;
      result |= (b & 0x7f) << (7 * i);
      if (b < 0x80) return result;
    }
    this.pos -= 4;
    const v = this.varint();
    return Number(BigInt.asUintN(53, v));
  }
  bytes(): Uint8Array {
    const n = this.smallVarint();
    if (this.pos + n > this.buf.length) throw new Error("truncated bytes field");
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.bytes();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.buf.length) throw new Error("truncated field");
  }
}

/** Decodes a `fsutil.types.Packet`, skipping unknown fields; throws on malformed input. */
export function decodePacket(buf: Uint8Array): DecodedPacket {
  const r = new Reader(buf);
  const p: DecodedPacket = { type: 0, id: 0, data: new Uint8Array(0) };
  while (!r.done) {
    const tag = r.smallVarint();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1 && wt === 0) p.type = Number(BigInt.asIntN(32, r.varint()));
    else if (field === 2 && wt === 2) p.stat = r.bytes();
    else if (field === 3 && wt === 0) p.id = Number(BigInt.asUintN(32, r.varint()));
    else if (field === 4 && wt === 2) p.data = r.bytes();
    else if (field === 0) throw new Error("invalid field number 0");
    else r.skip(wt);
  }
  return p;
}

const utf8d = new TextDecoder();

/**
 * Decodes a `fsutil.types.Stat`. Go's protobuf `string` fields carry any
 * bytes: `path`/`linkname` are decoded as UTF-8 (lossy for other bytes), and
 * the exact bytes are kept in `pathRaw`/`linknameRaw` when they are not valid
 * UTF-8, or always with `keepRaw` (then both are set, empty when absent).
 */
export function decodeStat(buf: Uint8Array, keepRaw = false): FileStat {
  const r = new Reader(buf);
  const s: FileStat = { path: "", mode: 0, uid: 0, gid: 0, size: 0n, modTime: 0n, linkname: "", devmajor: 0n, devminor: 0n };
  while (!r.done) {
    const tag = r.smallVarint();
    const field = tag >>> 3;
    const wt = tag & 7;
    const lengthDelimited = field === 1 || field === 7 || field === 10;
    switch ((lengthDelimited ? wt === 2 : wt === 0) ? field : -1) {
      case 1:
        s.pathRaw = r.bytes();
        s.path = utf8d.decode(s.pathRaw);
        break;
      case 2:
        s.mode = Number(BigInt.asUintN(32, r.varint()));
        break;
      case 3:
        s.uid = Number(BigInt.asUintN(32, r.varint()));
        break;
      case 4:
        s.gid = Number(BigInt.asUintN(32, r.varint()));
        break;
      case 5:
        s.size = BigInt.asIntN(64, r.varint());
        break;
      case 6:
        s.modTime = BigInt.asIntN(64, r.varint());
        break;
      case 7:
        s.linknameRaw = r.bytes();
        s.linkname = utf8d.decode(s.linknameRaw);
        break;
      case 8:
        s.devmajor = BigInt.asIntN(64, r.varint());
        break;
      case 9:
        s.devminor = BigInt.asIntN(64, r.varint());
        break;
      case 10: {
        const entry = new Reader(r.bytes());
        let key = "";
        let value: Uint8Array = new Uint8Array(0);
        while (!entry.done) {
          const t = entry.smallVarint();
          if (t === 0x0a) key = utf8d.decode(entry.bytes());
          else if (t === 0x12) value = entry.bytes();
          else entry.skip(t & 7);
        }
        (s.xattrs ??= new Map()).set(key, value);
        break;
      }
      default:
        if (field === 0) throw new Error("invalid field number 0");
        r.skip(wt);
    }
  }
  if (keepRaw) {
    s.pathRaw ??= new Uint8Array(0);
    s.linknameRaw ??= new Uint8Array(0);
    return s;
  }
  if (s.pathRaw && isUtf8(s.pathRaw)) delete s.pathRaw;
  if (s.linknameRaw && isUtf8(s.linknameRaw)) delete s.linknameRaw;
  return s;
}
