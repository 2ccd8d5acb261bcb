import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs/promises";
import { lstatSync, readdirSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { fsutil, moby, Long } from "../../proto/index.js";
import { encodeStatPacket } from "./fs-stat.js";
import { GrpcCode, GrpcStatusError, type CallContext, type MessageStream } from "./service.js";
import { checkTargets, comparePath, fileSendService, goModeToPosix, TargetError, PathValidator, receiveTree, removeTree, type FileSendService, type FileSendTarget } from "./file-send.js";

const Packet = fsutil.types.Packet;
const T = fsutil.types.Packet.PacketType;
type Stat = fsutil.types.Stat.$Properties;

const DIR = 0x80000000;
const SYMLINK = 0x08000000;
const SETUID = 0x00800000;
const isRoot = process.getuid?.() === 0;

// ---------------------------------------------------------------------------
// In-memory fsutil sender (what the daemon's fsutil.Send does).

interface Entry {
  path: string;
  mode: number;
  data?: string | Buffer;
  linkname?: string;
  /** Exact path bytes (any, like a Go string) instead of `path`; sent with our own encoder (protobufjs refuses non-UTF-8). */
  pathRaw?: Buffer;
  linknameRaw?: Buffer;
  uid?: number;
  gid?: number;
  mtime?: bigint;
}

interface SenderOptions {
  /** DATA chunk size. */
  chunk?: number;
  /** Calls after this many packets have been sent (e.g. to abort). */
  onPacket?: (count: number, pkt: fsutil.types.Packet.$Properties) => void;
  /** Send all DATA round-robin across requested files once the listing is done. */
  interleave?: boolean;
  /** Replace the sender's reply to FIN. */
  noFinReply?: boolean;
  /** Stop (EOF) after this many packets. */
  eofAfter?: number;
  /** Extra raw packets sent right after the listing. */
  afterListing?: fsutil.types.Packet.$Properties[];
}

class FakeSender implements MessageStream {
  readonly received: fsutil.types.Packet[] = [];
  private queue: Uint8Array[] = [];
  private ended = false;
  private wake: (() => void) | undefined;
  private sent = 0;
  private requested: number[] = [];

  constructor(
    private readonly entries: Entry[],
    private readonly opts: SenderOptions = {},
    private readonly signal?: AbortSignal,
  ) {
    entries.forEach((e) => (e.pathRaw || e.linknameRaw ? this.pushRaw(rawStatPacket(e)) : this.push({ type: T.PACKET_STAT, stat: toStat(e) })));
    this.push({ type: T.PACKET_STAT });
    for (const p of opts.afterListing ?? []) this.push(p);
    signal?.addEventListener("abort", () => this.end());
  }

  get reqs(): number[] {
    return this.received.filter((p) => p.type === T.PACKET_REQ).map((p) => p.ID);
  }

  private push(p: fsutil.types.Packet.$Properties): void {
    this.pushRaw(Packet.encode(p).finish(), p);
  }

  private pushRaw(bytes: Uint8Array, p: fsutil.types.Packet.$Properties = { type: T.PACKET_STAT }): void {
    if (this.ended) return;
    if (this.opts.eofAfter !== undefined && this.sent >= this.opts.eofAfter) {
      this.end();
      return;
    }
    this.sent++;
    this.queue.push(bytes);
    this.opts.onPacket?.(this.sent, p);
    this.notify();
  }

  private end(): void {
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private sendFile(id: number): void {
    const e = this.entries[id]!;
    const data = Buffer.from(e.data ?? "");
    const chunk = this.opts.chunk ?? 32 * 1024;
    for (let i = 0; i < data.length; i += chunk) this.push({ type: T.PACKET_DATA, ID: id, data: data.subarray(i, i + chunk) });
    this.push({ type: T.PACKET_DATA, ID: id });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const m = this.queue.shift();
      if (m) {
        yield m;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  async write(message: Uint8Array): Promise<void> {
    const p = Packet.decode(message);
    this.received.push(p);
    if (p.type === T.PACKET_REQ) {
      if (this.opts.interleave) {
        this.requested.push(p.ID);
        const files = this.entries.filter((e) => (e.mode & 0xfff80000) === 0 && !e.linkname).length;
        if (this.requested.length === files) this.sendInterleaved();
      } else {
        this.sendFile(p.ID);
      }
    } else if (p.type === T.PACKET_FIN) {
      if (!this.opts.noFinReply) this.push({ type: T.PACKET_FIN });
      this.end();
    } else if (p.type === T.PACKET_ERR) {
      this.end();
    }
  }

  private sendInterleaved(): void {
    const chunk = this.opts.chunk ?? 4;
    const bufs = this.requested.map((id) => ({ id, data: Buffer.from(this.entries[id]!.data ?? ""), off: 0, done: false }));
    let active = bufs.length;
    while (active > 0) {
      active = 0;
      for (const b of bufs) {
        if (b.done) continue;
        active++;
        if (b.off < b.data.length) {
          this.push({ type: T.PACKET_DATA, ID: b.id, data: b.data.subarray(b.off, b.off + chunk) });
          b.off += chunk;
        } else {
          this.push({ type: T.PACKET_DATA, ID: b.id });
          b.done = true;
        }
      }
    }
  }
}

function toStat(e: Entry): Stat {
  const data = e.data === undefined ? 0 : Buffer.byteLength(e.data);
  return {
    path: e.path,
    mode: e.mode >>> 0,
    uid: e.uid ?? 0,
    gid: e.gid ?? 0,
    size: e.mode & DIR ? 0 : data,
    modTime: Long.fromString(String(e.mtime ?? 1_700_000_000_123_456_000n)),
    linkname: e.linkname ?? "",
  };
}

/** A STAT packet with the entry's exact path/linkname bytes. */
function rawStatPacket(e: Entry): Uint8Array {
  const data = e.data === undefined ? 0 : Buffer.byteLength(e.data);
  const pathRaw = e.pathRaw ?? Buffer.from(e.path);
  const linknameRaw = e.linknameRaw ?? Buffer.from(e.linkname ?? "");
  return encodeStatPacket({
    path: pathRaw.toString("utf8"),
    pathRaw,
    mode: e.mode >>> 0,
    uid: e.uid ?? 0,
    gid: e.gid ?? 0,
    size: BigInt(e.mode & DIR ? 0 : data),
    modTime: e.mtime ?? 1_700_000_000_123_456_000n,
    linkname: linknameRaw.toString("utf8"),
    linknameRaw,
    devmajor: 0n,
    devminor: 0n,
  });
}

function ctxFor(id: number | undefined, signal: AbortSignal, extra: Record<string, string[]> = {}): CallContext {
  const md = new Map<string, string[]>(Object.entries(extra));
  if (id !== undefined) md.set("buildkit-attachable-exporter-id", [String(id)]);
  return { method: "/moby.filesync.v1.FileSend/DiffCopy", metadata: md, signal };
}

function call(svc: FileSendService, stream: MessageStream, ctx: CallContext): Promise<void> {
  const m = svc.methods.DiffCopy!;
  assert.equal(m.kind, "stream");
  return (m as { kind: "stream"; handler: (s: MessageStream, c: CallContext) => Promise<void> }).handler(stream, ctx);
}

async function tmpdir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), "tsf-filesend-"));
  t.after(() => removeTree(d));
  return d;
}

/** Everything in `dir` that looks like our staging/temp/trash leftovers. */
function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.includes("tsfrontend-"));
}

const tree: Entry[] = [
  { path: "bin", mode: DIR | 0o755, mtime: 1_600_000_000_000_000_000n },
  { path: "bin/tool", mode: 0o755, data: "#!/bin/sh\necho hi\n" },
  { path: "bin/tool2", mode: 0o755, linkname: "bin/tool", data: "#!/bin/sh\necho hi\n" },
  { path: "empty", mode: 0o600, data: "" },
  { path: "etc", mode: DIR | 0o750, uid: 1234, gid: 4321 },
  { path: "etc/abs", mode: SYMLINK | 0o777, linkname: "/etc/passwd" },
  { path: "etc/conf", mode: 0o640, data: "x".repeat(100_000), uid: 1234, gid: 4321, mtime: 1_500_000_000_500_000_000n },
  { path: "etc/link", mode: SYMLINK | 0o777, linkname: "../bin/tool" },
  { path: "ro", mode: DIR | 0o555 },
  { path: "ro/file", mode: 0o444, data: "read only" },
  { path: "suid", mode: SETUID | 0o755, data: "s" },
];

describe("path rules", () => {
  test("comparePath sorts / before every other byte", () => {
    assert.ok(comparePath("a/b", "a-b") < 0);
    assert.ok(comparePath("a-b", "a/b") > 0);
    assert.ok(comparePath("a", "a/b") < 0);
    assert.ok(comparePath("", "a") < 0);
    assert.equal(comparePath("x", "x"), 0);
  });

  test("validator accepts fsutil walk order and rejects the rest", () => {
    const v = new PathValidator();
    v.check("a", true);
    v.check("a/b", false);
    v.check("a-b", false);
    v.check("b", true);
    v.check("b/c", true);
    v.check("b/c/d", false);
    v.check("c", false);
    assert.throws(() => new PathValidator().check("a/b", false), /out of order/);
    const v2 = new PathValidator();
    v2.check("a-b", false);
    assert.throws(() => v2.check("a", true), /out of order/); // siblings must increase
    const v3 = new PathValidator();
    v3.check("a", false); // a file
    assert.throws(() => v3.check("a/x", false), /out of order/); // children of non-directories
    const v4 = new PathValidator();
    v4.check("b", false);
    assert.throws(() => v4.check("b", false), /out of order/); // duplicates
    for (const bad of ["../x", "..", "/etc/passwd", "a/../b", "a//b", "./a", "a/", "", ".", "a\0b"]) {
      assert.throws(() => new PathValidator().check(bad, false), /unclean|absolute|escapes|invalid path/, JSON.stringify(bad));
    }
  });

  test("Go FileMode to chmod bits", () => {
    assert.equal(goModeToPosix(0o644), 0o644);
    assert.equal(goModeToPosix(DIR | 0o755), 0o755);
    assert.equal(goModeToPosix(SETUID | 0x00400000 | 0x00100000 | 0o755), 0o7755);
  });
});

describe("local (directory) target", () => {
  test("receives a tree into a new destination", async (t) => {
    const base = await tmpdir(t);
    const dest = path.join(base, "out", "sub");
    const exported: unknown[] = [];
    const svc = fileSendService({ targets: [undefined, { kind: "dir", path: dest }], onExported: (o) => exported.push(o) });
    const ac = new AbortController();
    const sender = new FakeSender(tree, { chunk: 7000 });
    await call(svc, sender, ctxFor(1, ac.signal));

    // Every regular non-hardlink file was requested, once, by its STAT index; FIN sent last.
    assert.deepEqual(sender.reqs, [1, 3, 6, 9, 10]);
    assert.equal(sender.received.at(-1)!.type, T.PACKET_FIN);

    assert.equal(await fs.readFile(path.join(dest, "bin/tool"), "utf8"), "#!/bin/sh\necho hi\n");
    assert.equal((await fs.stat(path.join(dest, "bin/tool"))).ino, (await fs.stat(path.join(dest, "bin/tool2"))).ino);
    assert.equal((await fs.readFile(path.join(dest, "etc/conf"))).length, 100_000);
    assert.equal(await fs.readFile(path.join(dest, "empty"), "utf8"), "");
    assert.equal(await fs.readlink(path.join(dest, "etc/link")), "../bin/tool");
    assert.equal(await fs.readlink(path.join(dest, "etc/abs")), "/etc/passwd");
    assert.equal((await fs.stat(path.join(dest, "bin/tool"))).mode & 0o7777, 0o755);
    assert.equal((await fs.stat(path.join(dest, "etc/conf"))).mode & 0o7777, 0o640);
    assert.equal((await fs.stat(path.join(dest, "etc"))).mode & 0o7777, 0o750);
    assert.equal((await fs.stat(path.join(dest, "ro"))).mode & 0o7777, 0o555);
    assert.equal((await fs.stat(path.join(dest, "ro/file"))).mode & 0o7777, 0o444);
    assert.equal((await fs.stat(path.join(dest, "suid"))).mode & 0o7777, 0o4755);
    assert.equal((await fs.stat(dest)).mode & 0o7777, 0o700);
    const conf = await fs.stat(path.join(dest, "etc/conf"), { bigint: true });
    assert.ok(Math.abs(Number(conf.mtimeNs - 1_500_000_000_500_000_000n)) < 2000, String(conf.mtimeNs));
    const bin = await fs.stat(path.join(dest, "bin"), { bigint: true });
    assert.ok(Math.abs(Number(bin.mtimeNs - 1_600_000_000_000_000_000n)) < 2000, String(bin.mtimeNs));
    // The files are the client user's, as buildctl's receiver makes them (the exported uid/gid only with preserveOwnership).
    assert.deepEqual([conf.uid, conf.gid], [BigInt(process.getuid!()), BigInt(process.getgid!())]);
    assert.deepEqual(leftovers(path.join(base, "out")), []);
    assert.equal(exported.length, 1);
    assert.equal((exported[0] as { entries: number }).entries, tree.length);
  });

  test("file names that are not UTF-8 arrive byte for byte (Latin-1 names, a link and a hardlink to one)", async (t) => {
    const base = await tmpdir(t);
    const dest = path.join(base, "out");
    const l1 = (s: string) => Buffer.from(s, "latin1");
    const dir = l1("d\xe9j\xe0"); // "déjà" in Latin-1
    const file = l1("d\xe9j\xe0/caf\xe9");
    const send = (data: string) => [
      { path: "", pathRaw: dir, mode: DIR | 0o751, mtime: 1_600_000_000_000_000_000n },
      { path: "", pathRaw: file, mode: 0o640, data },
      { path: "", pathRaw: l1("d\xe9j\xe0/hard"), linknameRaw: file, mode: 0o640, data },
      { path: "", pathRaw: l1("f\xff"), mode: 0o600, data: "ff" },
      { path: "", pathRaw: l1("link\xfe"), linknameRaw: file, mode: SYMLINK | 0o777 },
    ];
    const abs = (rel: Buffer) => Buffer.concat([Buffer.from(dest + "/"), rel]);
    for (const data of ["first", "second"]) {
      // the second export merges into the first (mode=copy): names read back from disk are bytes too
      const svc = fileSendService({ targets: [{ kind: "dir", path: dest }] });
      const sender = new FakeSender(send(data));
      await call(svc, sender, ctxFor(0, new AbortController().signal));
      assert.deepEqual(sender.reqs, [1, 3]);
      assert.deepEqual(readdirSync(dest, { encoding: "buffer" }).sort(Buffer.compare), [dir, l1("f\xff"), l1("link\xfe")]);
      assert.deepEqual(readdirSync(abs(dir), { encoding: "buffer" }).sort(Buffer.compare), [l1("caf\xe9"), l1("hard")]);
      assert.equal(await fs.readFile(abs(file), "utf8"), data);
      assert.equal(lstatSync(abs(file)).ino, lstatSync(abs(l1("d\xe9j\xe0/hard"))).ino);
      assert.equal(lstatSync(abs(file)).mode & 0o7777, 0o640);
      assert.equal(await fs.readFile(abs(l1("f\xff")), "utf8"), "ff");
      assert.deepEqual(await fs.readlink(abs(l1("link\xfe")), { encoding: "buffer" }), file);
      const d = lstatSync(abs(dir), { bigint: true });
      assert.equal(Number(d.mode & 0o7777n), 0o751);
      assert.ok(Math.abs(Number(d.mtimeNs - 1_600_000_000_000_000_000n)) < 2000, String(d.mtimeNs));
      assert.deepEqual(leftovers(base), []);
    }
  });

  test("interleaved DATA with few open files", async (t) => {
    const base = await tmpdir(t);
    const dest = path.join(base, "out");
    const entries: Entry[] = [];
    for (let i = 0; i < 12; i++) entries.push({ path: `f${String(i).padStart(2, "0")}`, mode: 0o644, data: `file ${i} `.repeat(i + 1) });
    const svc = fileSendService({ targets: [{ kind: "dir", path: dest }] });
    await call(svc, new FakeSender(entries, { interleave: true, chunk: 3 }), ctxFor(0, new AbortController().signal));
    for (let i = 0; i < 12; i++) assert.equal(await fs.readFile(path.join(dest, entries[i]!.path), "utf8"), `file ${i} `.repeat(i + 1));
  });

  test("preserveOwnership (as root): the exported uid/gid are kept", { skip: process.getuid?.() !== 0 ? "needs root" : false }, async (t) => {
    const base = await tmpdir(t);
    const dest = path.join(base, "out");
    const svc = fileSendService({ targets: [{ kind: "dir", path: dest }], preserveOwnership: true });
    await call(svc, new FakeSender([{ path: "f", mode: 0o644, data: "x", uid: 1234, gid: 4321 }]), ctxFor(0, new AbortController().signal));
    const st = await fs.stat(path.join(dest, "f"));
    assert.deepEqual([st.uid, st.gid], [1234, 4321]);
  });

  test("receiveTree keeps at most maxOpenFiles open and reopens in append mode", async (t) => {
    const root = await tmpdir(t);
    const entries: Entry[] = [];
    for (let i = 0; i < 6; i++) entries.push({ path: `f${i}`, mode: 0o644, data: `${i}`.repeat(50) });
    const got = await receiveTree(new FakeSender(entries, { interleave: true, chunk: 5 }), root, { maxOpenFiles: 2 });
    assert.equal(got.files, 6);
    assert.equal(got.bytes, 300);
    for (let i = 0; i < 6; i++) assert.equal(await fs.readFile(path.join(root, `f${i}`), "utf8"), `${i}`.repeat(50));
  });

  test("merges into an existing directory like buildctl (mode=copy)", async (t) => {
    const base = await tmpdir(t);
    const dest = path.join(base, "out");
    const outside = path.join(base, "outside");
    await fs.mkdir(outside);
    await fs.mkdir(path.join(dest, "keep"), { recursive: true });
    await fs.writeFile(path.join(dest, "keep/old"), "old");
    await fs.writeFile(path.join(dest, "bin"), "was a file"); // export has a dir here
    await fs.mkdir(path.join(dest, "empty")); // export has a file here
    await fs.writeFile(path.join(dest, "empty/x"), "x");
    await fs.symlink(outside, path.join(dest, "etc")); // export has a dir here: the link is replaced, not followed
    await fs.writeFile(path.join(dest, "suid"), "old suid");
    const svc = fileSendService({ targets: [{ kind: "dir", path: dest }] });
    await call(svc, new FakeSender(tree), ctxFor(0, new AbortController().signal));
    assert.equal(await fs.readFile(path.join(dest, "keep/old"), "utf8"), "old");
    assert.ok((await fs.lstat(path.join(dest, "bin"))).isDirectory());
    assert.ok((await fs.lstat(path.join(dest, "empty"))).isFile());
    assert.ok((await fs.lstat(path.join(dest, "etc"))).isDirectory());
    assert.equal(await fs.readFile(path.join(dest, "suid"), "utf8"), "s");
    assert.deepEqual(readdirSync(outside), []);
    assert.deepEqual(leftovers(base), []);
    assert.deepEqual(leftovers(dest), []);
  });

  test("exporting twice into the same directory (read-only dirs from the first run)", async (t) => {
    const base = await tmpdir(t);
    const dest = path.join(base, "out");
    const svc = fileSendService({ targets: [{ kind: "dir", path: dest }] });
    await call(svc, new FakeSender(tree), ctxFor(0, new AbortController().signal));
    const changed = tree.map((e) => (e.path === "ro/file" ? { ...e, data: "second" } : e));
    await call(svc, new FakeSender(changed), ctxFor(0, new AbortController().signal));
    assert.equal(await fs.readFile(path.join(dest, "ro/file"), "utf8"), "second");
    assert.equal((await fs.stat(path.join(dest, "ro"))).mode & 0o7777, 0o555);
    assert.equal((await fs.stat(dest)).mode & 0o7777, 0o700);
    assert.deepEqual(leftovers(base), []);
  });

  test("concurrent per-platform streams for one exporter land side by side", async (t) => {
    const base = await tmpdir(t);
    const dest = path.join(base, "out");
    const svc = fileSendService({ targets: [{ kind: "dir", path: dest }] });
    const platform = (p: string): Entry[] => [
      { path: p, mode: DIR | 0o755 },
      { path: `${p}/f`, mode: 0o644, data: p.repeat(1000) },
    ];
    await Promise.all(["linux_amd64", "linux_arm64", "linux_arm_v7"].map((p) => call(svc, new FakeSender(platform(p), { chunk: 100 }), ctxFor(0, new AbortController().signal))));
    assert.deepEqual(readdirSync(dest).sort(), ["linux_amd64", "linux_arm64", "linux_arm_v7"]);
    assert.equal(await fs.readFile(path.join(dest, "linux_arm64/f"), "utf8"), "linux_arm64".repeat(1000));
    assert.deepEqual(leftovers(base), []);
  });

  test("mode=delete replaces the directory and needs the daemon's multi-platform header", async (t) => {
    const base = await tmpdir(t);
    const dest = path.join(base, "out");
    await fs.mkdir(dest, { mode: 0o751 });
    await fs.chmod(dest, 0o751);
    await fs.writeFile(path.join(dest, "stale"), "stale");
    const svc = fileSendService({ targets: [{ kind: "dir", path: dest, mode: "delete" }] });
    await assert.rejects(call(svc, new FakeSender(tree), ctxFor(0, new AbortController().signal)), /mode=delete requires/);
    await call(svc, new FakeSender(tree), ctxFor(0, new AbortController().signal, { "buildkit-exporter-multi-platform": ["1"] }));
    assert.deepEqual(readdirSync(dest).sort(), ["bin", "empty", "etc", "ro", "suid"]);
    assert.equal((await fs.stat(dest)).mode & 0o7777, 0o751);
    assert.deepEqual(leftovers(base), []);
  });

  const malicious: [string, Entry[], RegExp][] = [
    ["parent escape", [{ path: "../evil", mode: 0o644, data: "x" }], /escapes/],
    ["absolute path", [{ path: "/tmp/evil", mode: 0o644, data: "x" }], /absolute/],
    ["unclean path", [{ path: "a", mode: DIR | 0o755 }, { path: "a/../../evil", mode: 0o644 }], /unclean/],
    ["double slash", [{ path: "a", mode: DIR | 0o755 }, { path: "a//b", mode: 0o644 }], /unclean/],
    ["dot", [{ path: ".", mode: DIR | 0o755 }], /invalid path/],
    ["empty path", [{ path: "", mode: 0o644 }], /unclean/],
    ["child before parent", [{ path: "a/b", mode: 0o644 }], /out of order/],
    ["siblings out of order", [{ path: "b", mode: 0o644 }, { path: "a", mode: 0o644 }], /out of order/],
    ["through a symlink", [{ path: "l", mode: SYMLINK | 0o777, linkname: "__OUTSIDE__" }, { path: "l/evil", mode: 0o644, data: "x" }], /out of order/],
    ["hardlink to unknown path", [{ path: "h", mode: 0o644, linkname: "nope" }], /unknown path/],
    ["hardlink escaping", [{ path: "h", mode: 0o644, linkname: "../../etc/passwd" }], /unknown path/],
    ["hardlink to a symlink", [{ path: "l", mode: SYMLINK | 0o777, linkname: "/etc/passwd" }, { path: "m", mode: 0o644, linkname: "l" }], /unknown path/],
    ["duplicate path", [{ path: "a", mode: 0o644, data: "1" }, { path: "a", mode: 0o644, data: "2" }], /out of order/],
  ];
  for (const [name, entries, re] of malicious) {
    test(`rejects ${name}; nothing is left behind`, async (t) => {
      const base = await tmpdir(t);
      const outside = path.join(base, "outside");
      await fs.mkdir(outside);
      const dest = path.join(base, "out");
      const fixed = entries.map((e) => ({ ...e, linkname: e.linkname === "__OUTSIDE__" ? outside : e.linkname }));
      const svc = fileSendService({ targets: [{ kind: "dir", path: dest }] });
      const sender = new FakeSender(fixed);
      await assert.rejects(call(svc, sender, ctxFor(0, new AbortController().signal)), re);
      const err = sender.received.find((p) => p.type === T.PACKET_ERR);
      assert.ok(err, "an ERR packet is sent");
      assert.match(Buffer.from(err.data).toString(), re);
      assert.equal(sender.received.some((p) => p.type === T.PACKET_FIN), false);
      assert.deepEqual(readdirSync(base).sort(), ["outside"]);
      assert.deepEqual(readdirSync(outside), []);
    });
  }

  test("abort mid-transfer leaves the existing destination untouched", async (t) => {
    const base = await tmpdir(t);
    const dest = path.join(base, "out");
    await fs.mkdir(dest);
    await fs.writeFile(path.join(dest, "suid"), "previous");
    const ac = new AbortController();
    const svc = fileSendService({ targets: [{ kind: "dir", path: dest }] });
    // Abort after a few DATA packets of etc/conf.
    let data = 0;
    const sender = new FakeSender(tree, { chunk: 1000, onPacket: (_n, p) => p.type === T.PACKET_DATA && ++data === 20 && ac.abort() }, ac.signal);
    await assert.rejects(call(svc, sender, ctxFor(0, ac.signal)), (err: unknown) => err instanceof GrpcStatusError && err.code === GrpcCode.CANCELLED);
    assert.deepEqual(readdirSync(dest), ["suid"]);
    assert.equal(await fs.readFile(path.join(dest, "suid"), "utf8"), "previous");
    assert.deepEqual(readdirSync(base), ["out"]);
  });

  test("abort mid-transfer into a new destination creates nothing", async (t) => {
    const base = await tmpdir(t);
    const dest = path.join(base, "out");
    const ac = new AbortController();
    const svc = fileSendService({ targets: [{ kind: "dir", path: dest }] });
    const sender = new FakeSender(tree, { onPacket: (n) => n === 4 && ac.abort() }, ac.signal);
    await assert.rejects(call(svc, sender, ctxFor(0, ac.signal)), /canceled/);
    assert.deepEqual(readdirSync(base), []);
  });

  test("the daemon hanging up early, or an ERR from it, fails without a result", async (t) => {
    const base = await tmpdir(t);
    const dest = path.join(base, "out");
    const svc = fileSendService({ targets: [{ kind: "dir", path: dest }] });
    await assert.rejects(call(svc, new FakeSender(tree, { eofAfter: 8 }), ctxFor(0, new AbortController().signal)), /ended the transfer/);
    await assert.rejects(
      call(svc, new FakeSender(tree, { afterListing: [{ type: T.PACKET_ERR, data: Buffer.from("boom") }] }), ctxFor(0, new AbortController().signal)),
      /error from sender: boom/,
    );
    await assert.rejects(call(svc, new FakeSender(tree, { afterListing: [{ type: T.PACKET_DATA, ID: 99, data: Buffer.from("x") }] }), ctxFor(0, new AbortController().signal)), /invalid file request 99/);
    assert.deepEqual(readdirSync(base), []);
  });

  test("a cancel after our FIN is success (how the daemon hangs up)", async (t) => {
    const base = await tmpdir(t);
    const dest = path.join(base, "out");
    const ac = new AbortController();
    const svc = fileSendService({ targets: [{ kind: "dir", path: dest }] });
    const sender = new FakeSender([{ path: "a", mode: 0o644, data: "a" }], { noFinReply: true }, ac.signal);
    const p = call(svc, sender, ctxFor(0, ac.signal));
    // The fake ends the stream after our FIN without answering; either outcome must leave the result.
    await p;
    assert.equal(await fs.readFile(path.join(dest, "a"), "utf8"), "a");
  });

  test("deferred placement: nothing appears until commit(); discard() leaves nothing", async (t) => {
    const base = await tmpdir(t);
    const a = path.join(base, "a");
    const b = path.join(base, "b.tar");
    const svc = fileSendService({ targets: [{ kind: "dir", path: a }, { kind: "file", path: b }], placement: "deferred" });
    await call(svc, new FakeSender(tree), ctxFor(0, new AbortController().signal));
    await call(svc, bytesStream(["hello ", "world"]), ctxFor(1, new AbortController().signal));
    assert.deepEqual(readdirSync(base).filter((n) => !n.startsWith(".")), []);
    await svc.commit();
    assert.ok((await fs.stat(path.join(a, "bin/tool"))).isFile());
    assert.equal(await fs.readFile(b, "utf8"), "hello world");
    assert.deepEqual(leftovers(base), []);

    const c = path.join(base, "c");
    const svc2 = fileSendService({ targets: [{ kind: "dir", path: c }], placement: "deferred" });
    await call(svc2, new FakeSender(tree), ctxFor(0, new AbortController().signal));
    await svc2.discard();
    assert.deepEqual(leftovers(base), []);
    assert.equal(readdirSync(base).includes("c"), false);
  });
});

// ---------------------------------------------------------------------------
// File / stdout targets

function bytesStream(chunks: string[], opts: { abortAt?: number; ac?: AbortController } = {}): MessageStream {
  return {
    async *[Symbol.asyncIterator]() {
      let i = 0;
      for (const c of chunks) {
        if (opts.abortAt === i++) {
          opts.ac!.abort();
          return;
        }
        yield moby.filesync.v1.BytesMessage.encode({ data: Buffer.from(c) }).finish();
        await new Promise((r) => setImmediate(r));
      }
    },
    async write() {
      throw new Error("the receiver of a file target never writes");
    },
  };
}

describe("file and stdout targets", () => {
  test("tar/oci/docker chunks go to a temp file renamed into place; exporter-md metadata is passed on", async (t) => {
    const base = await tmpdir(t);
    const dest = path.join(base, "out.tar");
    await fs.writeFile(dest, "previous");
    const seen: { metadata: Record<string, string>; bytes: number }[] = [];
    const svc = fileSendService({ targets: [{ kind: "file", path: dest }], onExported: (o) => seen.push(o) });
    await call(svc, bytesStream(["abc", "def"]), ctxFor(0, new AbortController().signal, { "exporter-md-containerimage.digest": ["sha256:1"], "exporter-md-image.name": ["a", "b"] }));
    assert.equal(await fs.readFile(dest, "utf8"), "abcdef");
    assert.deepEqual(seen[0]!.metadata, { "containerimage.digest": "sha256:1", "image.name": "a,b" });
    assert.equal(seen[0]!.bytes, 6);
    assert.deepEqual(readdirSync(base), ["out.tar"]);
  });

  test("abort keeps the previous file and removes the temp file", async (t) => {
    const base = await tmpdir(t);
    const dest = path.join(base, "out.tar");
    await fs.writeFile(dest, "previous");
    const ac = new AbortController();
    const svc = fileSendService({ targets: [{ kind: "file", path: dest }] });
    await assert.rejects(call(svc, bytesStream(["abc", "def", "ghi"], { abortAt: 2, ac }), ctxFor(0, ac.signal)), /canceled/);
    assert.equal(await fs.readFile(dest, "utf8"), "previous");
    assert.deepEqual(readdirSync(base), ["out.tar"]);
  });

  test("writes through a symlinked destination; refuses a directory", async (t) => {
    const base = await tmpdir(t);
    await fs.writeFile(path.join(base, "real.tar"), "");
    await fs.symlink("real.tar", path.join(base, "link.tar"));
    const svc = fileSendService({ targets: [{ kind: "file", path: path.join(base, "link.tar") }, { kind: "file", path: base }] });
    await call(svc, bytesStream(["x"]), ctxFor(0, new AbortController().signal));
    assert.equal(await fs.readFile(path.join(base, "real.tar"), "utf8"), "x");
    assert.ok(lstatSync(path.join(base, "link.tar")).isSymbolicLink());
    await assert.rejects(call(svc, bytesStream(["x"]), ctxFor(1, new AbortController().signal)), /is a directory/);
  });

  test("stdout streams through", async () => {
    const out = new PassThrough();
    const got: Buffer[] = [];
    out.on("data", (b: Buffer) => got.push(b));
    const target: FileSendTarget = { kind: "stdout", stream: out };
    const svc = fileSendService({ targets: [target] });
    await call(svc, bytesStream(["12", "34"]), ctxFor(undefined, new AbortController().signal));
    assert.equal(Buffer.concat(got).toString(), "1234");
  });

  test("exporter ids: missing = 0, unknown = NOT_FOUND", async () => {
    const out = new PassThrough();
    out.resume();
    const svc = fileSendService({ targets: new Map([[0, { kind: "stdout", stream: out } as FileSendTarget]]) });
    await call(svc, bytesStream(["x"]), ctxFor(undefined, new AbortController().signal));
    await call(svc, bytesStream(["x"]), { ...ctxFor(undefined, new AbortController().signal), metadata: new Map([["buildkit-attachable-exporter-id", ["junk"]]]) });
    await assert.rejects(call(svc, bytesStream(["x"]), ctxFor(3, new AbortController().signal)), (err: unknown) => err instanceof GrpcStatusError && err.code === GrpcCode.NOT_FOUND && /exporter 3 not found/.test(err.message));
  });
});

test("checkTargets: an unwritable file or dir target fails before any export, and the check leaves nothing", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "tsf-check-"));
  try {
    await fs.writeFile(path.join(dir, "f"), "x");
    await checkTargets([{ kind: "file", path: path.join(dir, "out.tar") }, { kind: "dir", path: path.join(dir, "new", "deeper") }, { kind: "dir", path: dir }, undefined]);
    assert.deepEqual(readdirSync(dir), ["f"]);
    await assert.rejects(checkTargets([{ kind: "file", path: path.join(dir, "f", "out.tar") }]), (e: unknown) => e instanceof TargetError && /cannot create file .*f\/out\.tar: a parent is not a directory/.test(e.message));
    await assert.rejects(checkTargets([{ kind: "file", path: dir }]), /destination file is a directory/);
    await assert.rejects(checkTargets([{ kind: "dir", path: path.join(dir, "f", "sub") }]), /cannot create directory .*f\/sub: a parent is not a directory/);
    await assert.rejects(checkTargets([{ kind: "dir", path: path.join(dir, "f") }]), /exists and is not a directory/);
    await assert.rejects(checkTargets([{ kind: "file", path: "/proc/tsf-x.tar" }]), /cannot create file \/proc\/tsf-x\.tar/);
    assert.deepEqual(readdirSync(dir), ["f"]);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
