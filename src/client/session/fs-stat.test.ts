import { test } from "node:test";
import assert from "node:assert/strict";
import type { BigIntStats } from "node:fs";

import { fsutil, Long } from "../../proto/index.js";
import {
  canRequestData,
  DATA_HEADER_RESERVE,
  decodePacket,
  decodeStat,
  encodeDataPacketInPlace,
  encodePacket,
  encodeStat,
  encodeStatPacket,
  goFileMode,
  ModeCharDevice,
  ModeDevice,
  ModeDir,
  ModeNamedPipe,
  ModeSetgid,
  ModeSetuid,
  ModeSocket,
  ModeSticky,
  ModeSymlink,
  PacketType,
  statFromLstat,
  type FileStat,
} from "./fs-stat.js";

const toBig = (v: number | Long): bigint => (typeof v === "number" ? BigInt(v) : BigInt(v.toString()));

function sample(over: Partial<FileStat> = {}): FileStat {
  return {
    path: "dir/ä 😀.txt",
    mode: 0o644,
    uid: 1000,
    gid: 1000,
    size: 123456789012n,
    modTime: 1795459158309564598n,
    linkname: "",
    devmajor: 0n,
    devminor: 0n,
    ...over,
  };
}

test("Go FileMode bits from st_mode", () => {
  assert.equal(goFileMode(0o100644), 0o644);
  assert.equal(goFileMode(0o040755), (ModeDir | 0o755) >>> 0);
  assert.equal(goFileMode(0o120777), ModeSymlink | 0o777);
  assert.equal(goFileMode(0o010600), ModeNamedPipe | 0o600);
  assert.equal(goFileMode(0o140755), ModeSocket | 0o755);
  assert.equal(goFileMode(0o060660), ModeDevice | 0o660);
  assert.equal(goFileMode(0o020620), ModeDevice | ModeCharDevice | 0o620);
  assert.equal(goFileMode(0o104755), ModeSetuid | 0o755);
  assert.equal(goFileMode(0o102755), ModeSetgid | 0o755);
  assert.equal(goFileMode(0o041777), (ModeDir | ModeSticky | 0o777) >>> 0);
  assert.ok(goFileMode(0o040755) > 0, "unsigned");
  assert.equal(canRequestData(0o644), true);
  assert.equal(canRequestData(ModeSetuid | 0o755), true);
  assert.equal(canRequestData(goFileMode(0o040755)), false);
  assert.equal(canRequestData(ModeSymlink | 0o777), false);
  assert.equal(canRequestData(ModeNamedPipe | 0o644), false);
});

function fakeStats(o: Partial<Record<keyof BigIntStats, bigint>>): BigIntStats {
  return { mode: 0o100644n, uid: 1n, gid: 2n, size: 10n, mtimeNs: 5n, rdev: 0n, ...o } as unknown as BigIntStats;
}

test("statFromLstat: sockets lose their type bit, dirs have size 0, devices get Linux dev numbers", () => {
  const sock = statFromLstat("s", fakeStats({ mode: 0o140755n, size: 0n }));
  assert.equal(sock.mode, 0o755);
  const dir = statFromLstat("d", fakeStats({ mode: 0o040755n, size: 4096n }));
  assert.equal(dir.size, 0n);
  assert.equal(dir.mode, (ModeDir | 0o755) >>> 0);
  // /dev/sda1 style: major 8, minor 1; and a large minor (major 259, minor 300)
  const blk = statFromLstat("b", fakeStats({ mode: 0o060660n, rdev: (8n << 8n) | 1n }));
  assert.deepEqual([blk.devmajor, blk.devminor], [8n, 1n]);
  const rdev = (259n << 8n) | (300n & 0xffn) | ((300n & ~0xffn) << 12n);
  const chr = statFromLstat("c", fakeStats({ mode: 0o020620n, rdev }));
  assert.deepEqual([chr.devmajor, chr.devminor], [259n, 300n]);
  const f = statFromLstat("f", fakeStats({ mtimeNs: 1795459158309564598n, size: 7n }));
  assert.deepEqual([f.modTime, f.size, f.uid, f.gid, f.linkname], [1795459158309564598n, 7n, 1, 2, ""]);
});

test("encodeStat/encodeStatPacket decode with the generated protobuf code", () => {
  const cases: FileStat[] = [
    sample(),
    sample({ mode: (ModeDir | 0o755) >>> 0, size: 0n, uid: 0, gid: 0 }),
    sample({ mode: ModeSymlink | 0o777, linkname: "../ä/target", size: 11n }),
    sample({ modTime: -1234567890123n }), // before 1970
    sample({ devmajor: 259n, devminor: 300n, mode: ModeDevice | ModeCharDevice | 0o620 }),
    sample({ xattrs: new Map([["user.a", new Uint8Array([1, 2, 3])], ["security.capability", new Uint8Array(0)]]) }),
    sample({ size: 0n, modTime: 0n, mode: 0, uid: 0, gid: 0 }),
    // around 2^53 (the number fast path), 2^56, 2^63 and negative: every varint length
    sample({ size: 0x1fffffffffffffn, modTime: 0x20000000000000n }),
    sample({ size: 0x100000000000000n, modTime: 1796520798079469902n }),
    sample({ size: 0x7fffffffffffffffn, modTime: -1n, devmajor: 0xffffffffn, devminor: 0x100000000n }),
    ...[0x7fn, 0x80n, 0x3fffn, 0x4000n, 0x7ffffffffn, 0x800000000n, 0x3ffffffffffn, 0x40000000000n, 0x1ffffffffffffffn, 0xffffffffffffffffn - 0x8000000000000000n].map((v) =>
      sample({ size: v, modTime: -v }),
    ),
  ];
  for (const s of cases) {
    const pb = fsutil.types.Stat.decode(encodeStat(s));
    assert.equal(pb.path, s.path);
    assert.equal(pb.mode, s.mode);
    assert.equal(pb.uid, s.uid);
    assert.equal(pb.gid, s.gid);
    assert.equal(toBig(pb.size), s.size);
    assert.equal(toBig(pb.modTime), s.modTime);
    assert.equal(pb.linkname, s.linkname);
    assert.equal(toBig(pb.devmajor), s.devmajor);
    assert.equal(toBig(pb.devminor), s.devminor);
    assert.deepEqual(
      Object.entries(pb.xattrs ?? {}).map(([k, v]) => [k, [...v]]),
      [...(s.xattrs ?? new Map<string, Uint8Array>())].map(([k, v]) => [k, [...v]]),
    );
    // and our own decoder agrees
    const back = decodeStat(encodeStat(s));
    const plain = (x: Map<string, Uint8Array> | undefined) => x && [...x].map(([k, v]) => [k, [...v]]);
    assert.deepEqual({ ...back, xattrs: plain(back.xattrs) }, { ...s, xattrs: plain(s.xattrs) });

    const p = fsutil.types.Packet.decode(encodeStatPacket(s));
    assert.equal(p.type, fsutil.types.Packet.PacketType.PACKET_STAT);
    assert.equal(p.stat?.path, s.path);
    assert.equal(toBig(p.stat?.modTime ?? 0), s.modTime);
    // byte-identical to protobufjs' encoding (fields in number order, zero values omitted)
    const ref = fsutil.types.Packet.encode({
      type: fsutil.types.Packet.PacketType.PACKET_STAT,
      stat: {
        path: s.path,
        mode: s.mode,
        uid: s.uid,
        gid: s.gid,
        size: Long.fromString(s.size.toString()),
        modTime: Long.fromString(s.modTime.toString()),
        linkname: s.linkname,
        devmajor: Long.fromString(s.devmajor.toString()),
        devminor: Long.fromString(s.devminor.toString()),
        xattrs: Object.fromEntries(s.xattrs ?? []),
      },
    }).finish();
    if (!s.xattrs) assert.deepEqual(Buffer.from(encodeStatPacket(s)), Buffer.from(ref));
  }
});

test("raw (non-UTF-8) path bytes go on the wire as they are", () => {
  const raw = Buffer.from([0x61, 0x2f, 0xff, 0xfe]);
  const s = sample({ path: raw.toString("utf8"), pathRaw: raw, linkname: "x", linknameRaw: Buffer.from([0x80]) });
  const back = decodeStat(encodeStat(s));
  assert.deepEqual(Buffer.from(back.pathRaw!), raw);
  assert.deepEqual(Buffer.from(back.linknameRaw!), Buffer.from([0x80]));
  assert.equal(decodeStat(encodeStat(sample())).pathRaw, undefined);
});

test("packets: terminator is empty, DATA in place, decode skips unknown fields", () => {
  assert.equal(encodePacket(PacketType.STAT).length, 0);
  assert.deepEqual(fsutil.types.Packet.decode(encodePacket(PacketType.STAT)).stat ?? null, null);
  const fin = fsutil.types.Packet.decode(encodePacket(PacketType.FIN));
  assert.equal(fin.type, fsutil.types.Packet.PacketType.PACKET_FIN);
  const err = fsutil.types.Packet.decode(encodePacket(PacketType.ERR, 0, Buffer.from("boom")));
  assert.equal(Buffer.from(err.data).toString(), "boom");

  for (const [id, n] of [
    [0, 5],
    [7, 0],
    [300, 32768],
    [0xffffffff, 127],
    [1, 128],
  ] as const) {
    const buf = new Uint8Array(DATA_HEADER_RESERVE + n);
    for (let i = 0; i < n; i++) buf[DATA_HEADER_RESERVE + i] = i & 0xff;
    const msg = encodeDataPacketInPlace(buf, id, n);
    const p = fsutil.types.Packet.decode(msg);
    assert.equal(p.type, fsutil.types.Packet.PacketType.PACKET_DATA);
    assert.equal(p.ID, id);
    assert.equal(p.data.length, n);
    if (n > 0) assert.equal(p.data[n - 1], (n - 1) & 0xff);
    const ours = decodePacket(msg);
    assert.deepEqual([ours.type, ours.id, ours.data.length], [PacketType.DATA, id, n]);
  }

  const req = fsutil.types.Packet.encode({ type: fsutil.types.Packet.PacketType.PACKET_REQ, ID: 4242 }).finish();
  // append unknown fields of every wire type: varint 11, fixed64 12, bytes 13, fixed32 14, varint 300 (2-byte tag)
  const extra = Buffer.from([
    11 << 3, 0x96, 0x01, (12 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8, (13 << 3) | 2, 2, 9, 9, (14 << 3) | 5, 1, 2, 3, 4, 0xe0, 0x12, 0x01,
  ]);
  const d = decodePacket(Buffer.concat([req, extra]));
  assert.deepEqual([d.type, d.id], [PacketType.REQ, 4242]);
  assert.throws(() => decodePacket(Buffer.from([0x0a])), /truncated/); // field 1 with a length but no bytes
  assert.throws(() => decodePacket(Buffer.from([0x22, 0x05, 0x01])), /truncated/);
  assert.throws(() => decodePacket(Buffer.from([0x1b])), /wire type/);
});
