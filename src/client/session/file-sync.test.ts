import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

import { fsutil, type Long } from "../../proto/index.js";
import { canRequestData, decodePacket, decodeStat, isDirMode, ModeSymlink, type FileStat } from "./fs-stat.js";
import { decodedMetadataValues, fileSyncService, localFileReader, missingLocalHint, withMissingLocalHint, type LocalDirOptions } from "./file-sync.js";
import { BuildkitError } from "../errors.js";
import { basePath, cleanPath, dirPath } from "../../internal/go/path.js";
import { GrpcCode, GrpcStatusError, type CallContext, type MessageStream, type StreamHandler } from "./service.js";

const PT = fsutil.types.Packet.PacketType;

// ---------------------------------------------------------------------------
// A fake fsutil receiver (what the daemon runs): validates the listing like
// fsutil's Validator and Hardlinks checks, requests regular files as their
// STAT arrives, reassembles DATA, sends FIN once the listing is complete and
// every requested file is closed, then half-closes after the sender's FIN.

function comparePath(a: string, b: string): number {
  const p1 = Buffer.from(a);
  const p2 = Buffer.from(b);
  const n = Math.min(p1.length, p2.length);
  for (let i = 0; i < n; i++) {
    if (p1[i] === p2[i]) continue;
    if ((p2[i] !== 0x2f && p1[i]! < p2[i]!) || p1[i] === 0x2f) return -1;
    return 1;
  }
  return p1.length - p2.length;
}

class OrderValidator {
  private parents: Array<{ dir: string; last: string }> = [{ dir: "", last: "" }];
  handle(p: string, isDir: boolean): void {
    if (p !== cleanPath(p)) throw new Error(`unclean path ${JSON.stringify(p)}`);
    if (p.startsWith("/")) throw new Error(`absolute path ${p}`);
    let dir = dirPath(p);
    const base = basePath(p);
    if (dir === ".") dir = "";
    if (p === ".." || dir === ".." || p.startsWith("../")) throw new Error(`escape ${p}`);
    const n = this.parents.length;
    let s = 0;
    while (s < n && !(comparePath(this.parents[n - 1 - s]!.dir, dir) <= 0)) s++;
    const i = n - 1 - s;
    if (i !== n - 1) this.parents = this.parents.slice(0, i + 1);
    const top = this.parents[this.parents.length - 1]!;
    if (dir !== top.dir || Buffer.compare(Buffer.from(this.parents[i]!.last), Buffer.from(base)) >= 0) {
      throw new Error(`changes out of order: ${JSON.stringify(p)}`);
    }
    this.parents[i]!.last = base;
    if (isDir) this.parents.push({ dir: dir === "" ? base : dir + "/" + base, last: "" });
  }
}

const toBig = (v: number | Long | null | undefined): bigint => (v == null ? 0n : BigInt(v.toString()));

interface ReceiverOptions {
  /** Which listed entries to request (default: regular files that are not hardlinks). */
  request?: (stat: FileStat, id: number) => boolean;
  /** Extra REQ ids to send right after the listing ends. */
  extraRequests?: number[];
  /** Resolve writes on a later turn of the event loop. */
  slowWrites?: boolean;
  /** Send this ERR after the first STAT instead of finishing. */
  errAfterFirstStat?: string;
  /** End the stream (without FIN) after the listing. */
  closeAfterListing?: boolean;
}

class FakeReceiver implements MessageStream {
  readonly entries: FileStat[] = [];
  readonly files = new Map<string, Buffer[]>();
  readonly dataPayloads: Buffer[] = [];
  senderError: string | undefined;
  gotFin = false;
  listingDone = false;
  maxConcurrentWrites = 0;
  protocolErrors: string[] = [];

  private readonly validator = new OrderValidator();
  private readonly seenRegular = new Set<string>();
  private readonly open = new Map<number, string>();
  private finSent = false;
  private writing = 0;
  private queue: Uint8Array[] = [];
  private waiter: ((r: IteratorResult<Uint8Array>) => void) | undefined;
  private ended = false;

  constructor(private readonly opts: ReceiverOptions = {}) {}

  private push(msg: Uint8Array): void {
    if (this.ended) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: msg, done: false });
    } else this.queue.push(msg);
  }

  private end(): void {
    this.ended = true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: undefined, done: true });
    }
  }

  private sendPacket(type: number, id = 0, data?: string): void {
    const msg = fsutil.types.Packet.encode({ type, ID: id, data: data ? Buffer.from(data) : new Uint8Array(0) }).finish();
    // the daemon's requests arrive asynchronously
    setImmediate(() => this.push(msg));
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => {
        const m = this.queue.shift();
        if (m) return Promise.resolve({ value: m, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiter = resolve));
      },
      return: () => {
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  async write(message: Uint8Array): Promise<void> {
    this.writing++;
    this.maxConcurrentWrites = Math.max(this.maxConcurrentWrites, this.writing);
    try {
      this.handle(message);
    } catch (e) {
      this.protocolErrors.push((e as Error).message);
      this.sendPacket(PT.PACKET_ERR, 0, (e as Error).message);
    }
    if (this.opts.slowWrites) await new Promise((r) => setImmediate(r));
    this.writing--;
  }

  private handle(message: Uint8Array): void {
    if (this.gotFin) throw new Error("packet after FIN");
    let p: fsutil.types.Packet;
    try {
      p = fsutil.types.Packet.decode(message);
    } catch {
      // protobufjs refuses invalid UTF-8 in string fields (Go does not): fall back to our decoder
      const d = decodePacket(message);
      const st = decodeStat(d.stat!);
      p = fsutil.types.Packet.create({ type: d.type, stat: { ...st, size: Number(st.size), modTime: Number(st.modTime), devmajor: 0, devminor: 0, xattrs: {} } });
    }
    switch (p.type) {
      case PT.PACKET_STAT: {
        if (this.listingDone) throw new Error("STAT after the end of the listing");
        if (!p.stat) {
          this.listingDone = true;
          for (const id of this.opts.extraRequests ?? []) this.sendPacket(PT.PACKET_REQ, id);
          if (this.opts.closeAfterListing) setImmediate(() => this.end());
          this.maybeFin();
          return;
        }
        const s: FileStat = {
          path: p.stat.path ?? "",
          mode: p.stat.mode ?? 0,
          uid: p.stat.uid ?? 0,
          gid: p.stat.gid ?? 0,
          size: toBig(p.stat.size),
          modTime: toBig(p.stat.modTime),
          linkname: p.stat.linkname ?? "",
          devmajor: toBig(p.stat.devmajor),
          devminor: toBig(p.stat.devminor),
        };
        const id = this.entries.length;
        this.entries.push(s);
        this.validator.handle(s.path, isDirMode(s.mode));
        if (!isDirMode(s.mode) && (s.mode & ModeSymlink) === 0) {
          if (s.linkname !== "") {
            if (!this.seenRegular.has(s.linkname)) throw new Error(`invalid link ${s.path} to unknown path: ${s.linkname}`);
          } else this.seenRegular.add(s.path);
        }
        const want = this.opts.request ? this.opts.request(s, id) : canRequestData(s.mode) && s.linkname === "";
        if (want) {
          this.open.set(id, s.path);
          this.files.set(s.path, []);
          this.sendPacket(PT.PACKET_REQ, id);
        }
        if (this.opts.errAfterFirstStat && id === 0) this.sendPacket(PT.PACKET_ERR, 0, this.opts.errAfterFirstStat);
        return;
      }
      case PT.PACKET_DATA: {
        const file = this.open.get(p.ID);
        if (file === undefined) throw new Error(`invalid file request ${p.ID}`);
        if (p.data.length === 0) {
          this.open.delete(p.ID);
          this.maybeFin();
        } else {
          this.files.get(file)!.push(Buffer.from(p.data));
          this.dataPayloads.push(Buffer.from(p.data));
        }
        return;
      }
      case PT.PACKET_FIN:
        this.gotFin = true;
        setImmediate(() => this.end());
        return;
      case PT.PACKET_ERR:
        this.senderError = Buffer.from(p.data).toString();
        setImmediate(() => this.end());
        return;
      default:
        throw new Error(`unexpected packet type ${p.type}`);
    }
  }

  private maybeFin(): void {
    if (this.finSent || !this.listingDone || this.open.size > 0 || this.opts.errAfterFirstStat || this.opts.closeAfterListing) return;
    this.finSent = true;
    this.sendPacket(PT.PACKET_FIN);
  }

  content(p: string): string | undefined {
    const chunks = this.files.get(p);
    return chunks && Buffer.concat(chunks).toString("latin1");
  }

  paths(): string[] {
    return this.entries.map((e) => e.path);
  }
}

function ctxFor(md: Record<string, string[]>, signal = new AbortController().signal): CallContext {
  return { method: "/moby.filesync.v1.FileSync/DiffCopy", metadata: new Map(Object.entries(md)), signal };
}

function handlerOf(dirs: Map<string, LocalDirOptions>, method = "DiffCopy"): StreamHandler {
  const m = fileSyncService(dirs).methods[method];
  assert.ok(m && m.kind === "stream");
  return m.handler;
}

async function run(
  opts: LocalDirOptions,
  md: Record<string, string[]>,
  ropts: ReceiverOptions = {},
): Promise<{ r: FakeReceiver; error: unknown }> {
  const r = new FakeReceiver(ropts);
  const h = handlerOf(new Map([["context", opts]]));
  let error: unknown;
  try {
    await h(r, ctxFor({ "dir-name": ["context"], ...md }));
  } catch (e) {
    error = e;
  }
  return { r, error };
}

// ---------------------------------------------------------------------------
// The test tree

let tmp: string;
let ctx: string;
let outside: string;
const big = randomBytes(100 * 1024 + 7);
const SECRET = "TOP-SECRET-OUTSIDE";
let haveFifo = false;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "filesync-test-"));
  ctx = path.join(tmp, "ctx");
  outside = path.join(tmp, "outside");
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, "secret.txt"), SECRET);
  const w = (p: string, c: string | Buffer): void => {
    fs.mkdirSync(path.dirname(path.join(ctx, p)), { recursive: true });
    fs.writeFileSync(path.join(ctx, p), c);
  };
  w(".dockerignore", "# comment\n**/*.log\n!sub/keep.log\nsecret-dir\n.dockerignore\n");
  w("a/b/c.txt", "c");
  w("a/big.bin", big);
  w("a-b", "dash");
  w("a.b", "dot");
  w("empty", "");
  w("hard1", "hard");
  w("sub/keep.log", "keep");
  w("sub/x.log", "xlog");
  w("sub/ä.txt", "umlaut");
  w("sub/日本/語.txt", "nihongo");
  w("😀", "emoji");
  w("\uE000", "pua");
  w("secret-dir/s.txt", "s");
  fs.linkSync(path.join(ctx, "hard1"), path.join(ctx, "sub/hard2"));
  fs.symlinkSync("a/b/c.txt", path.join(ctx, "link-in"));
  fs.symlinkSync(path.join(outside, "secret.txt"), path.join(ctx, "link-out"));
  fs.symlinkSync("../outside/secret.txt", path.join(ctx, "link-rel-out"));
  fs.symlinkSync(outside, path.join(ctx, "link-dir-out"));
  try {
    execFileSync("mkfifo", [path.join(ctx, "fifo")]);
    haveFifo = true;
  } catch {
    haveFifo = false;
  }
});

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const FULL = [
  ".dockerignore",
  "a",
  "a/b",
  "a/b/c.txt",
  "a/big.bin",
  "a-b",
  "a.b",
  "empty",
  "fifo",
  "hard1",
  "link-dir-out",
  "link-in",
  "link-out",
  "link-rel-out",
  "secret-dir",
  "secret-dir/s.txt",
  "sub",
  "sub/hard2",
  "sub/keep.log",
  "sub/x.log",
  "sub/ä.txt",
  "sub/日本",
  "sub/日本/語.txt",
  "\uE000", // U+E000 sorts before U+1F600 in UTF-8 (not in UTF-16)
  "😀",
];
const full = (): string[] => FULL.filter((p) => haveFifo || p !== "fifo");

function assertNoSecret(r: FakeReceiver): void {
  for (const d of r.dataPayloads) assert.ok(!d.toString("latin1").includes(SECRET), "outside content was sent");
}

// ---------------------------------------------------------------------------

test("full tree: order, stats, contents, symlinks never followed, hardlinks", async () => {
  const { r, error } = await run({ dir: ctx }, {}, { slowWrites: true });
  assert.equal(error, undefined);
  assert.deepEqual(r.protocolErrors, []);
  assert.equal(r.gotFin, true);
  assert.deepEqual(r.paths(), full());
  const by = new Map(r.entries.map((e) => [e.path, e]));

  // contents of every regular file, reassembled from 32 KiB chunks
  assert.equal(r.content("a/b/c.txt"), "c");
  assert.deepEqual(Buffer.concat(r.files.get("a/big.bin")!), big);
  assert.ok(r.files.get("a/big.bin")!.every((c) => c.length <= 32 * 1024));
  assert.equal(r.content("empty"), "");
  assert.equal(r.content("sub/日本/語.txt"), Buffer.from("nihongo").toString("latin1"));
  assert.equal(r.content("\uE000"), "pua");
  assert.equal(r.content("hard1"), "hard");
  assert.equal(r.files.has("sub/hard2"), false, "hardlink is not requested");

  // symlinks are links with the raw readlink target
  assert.equal(by.get("link-in")!.linkname, "a/b/c.txt");
  assert.equal(by.get("link-out")!.linkname, path.join(outside, "secret.txt"));
  assert.equal(by.get("link-rel-out")!.linkname, "../outside/secret.txt");
  assert.equal(by.get("link-dir-out")!.linkname, outside);
  for (const l of ["link-in", "link-out", "link-rel-out", "link-dir-out"]) {
    assert.equal(by.get(l)!.mode, ModeSymlink | 0o777);
    assert.equal(by.get(l)!.size, BigInt(by.get(l)!.linkname.length));
  }
  assertNoSecret(r);

  // hardlink: the later path points at the first listed one, with the real size
  assert.equal(by.get("sub/hard2")!.linkname, "hard1");
  assert.equal(by.get("sub/hard2")!.size, 4n);
  assert.equal(by.get("hard1")!.linkname, "");

  // stats: Go FileMode bits, sizes, exact ns mtimes, uid/gid reset to 0
  const st = fs.lstatSync(path.join(ctx, "a/big.bin"), { bigint: true });
  assert.equal(by.get("a/big.bin")!.modTime, st.mtimeNs);
  assert.equal(by.get("a/big.bin")!.size, BigInt(big.length));
  assert.equal(by.get("a/big.bin")!.mode, Number(st.mode) & 0o7777);
  assert.equal(by.get("a")!.mode >>> 0, (0x80000000 | (Number(fs.statSync(path.join(ctx, "a")).mode) & 0o777)) >>> 0);
  assert.equal(by.get("a")!.size, 0n);
  assert.ok(r.entries.every((e) => e.uid === 0 && e.gid === 0));
  if (haveFifo) assert.equal(by.get("fifo")!.mode & 0x02000000, 0x02000000);
});

test("stats are stable between runs and follow content changes", async () => {
  const a = await run({ dir: ctx }, {});
  const b = await run({ dir: ctx }, {});
  assert.deepEqual(a.r.entries, b.r.entries);
  const f = path.join(ctx, "a-b");
  const before = fs.lstatSync(f, { bigint: true }).mtimeNs;
  fs.writeFileSync(f, "DASH"); // same size
  fs.utimesSync(f, new Date(Number(before / 1000000n) + 5000), new Date(Number(before / 1000000n) + 5000));
  const c = await run({ dir: ctx }, {});
  const e = c.r.entries.find((x) => x.path === "a-b")!;
  assert.notEqual(e.modTime, before);
  assert.equal(c.r.content("a-b"), "DASH");
  fs.writeFileSync(f, "dash");
});

test("exclude patterns: **, ! re-include, pruned directories", async () => {
  const { r, error } = await run({ dir: ctx }, { "exclude-patterns": ["**/*.log", "!sub/keep.log", "a/b", "secret-dir"] });
  assert.equal(error, undefined);
  assert.deepEqual(
    r.paths(),
    full().filter((p) => !["a/b", "a/b/c.txt", "sub/x.log", "secret-dir", "secret-dir/s.txt"].includes(p)),
  );
  // a parent that is excluded is still listed (lazily) when an exception re-includes a child
  const r2 = (await run({ dir: ctx }, { "exclude-patterns": ["sub", "!sub/日本/語.txt"] })).r;
  assert.deepEqual(
    r2.paths().filter((p) => p.startsWith("sub")),
    ["sub", "sub/日本", "sub/日本/語.txt"],
  );
  // wildcard exceptions disable pruning but keep the semantics
  const r3 = (await run({ dir: ctx }, { "exclude-patterns": ["*", "!**/*.txt"] })).r;
  assert.deepEqual(r3.paths(), ["a", "a/b", "a/b/c.txt", "secret-dir", "secret-dir/s.txt", "sub", "sub/ä.txt", "sub/日本", "sub/日本/語.txt"]);
});

test("include patterns: parents listed lazily, prefix pruning", async () => {
  const { r } = await run({ dir: ctx }, { "include-patterns": ["a/b", "sub/*.txt"] });
  assert.deepEqual(r.paths(), ["a", "a/b", "a/b/c.txt", "sub", "sub/ä.txt"]);
  assert.equal(r.content("a/b/c.txt"), "c");
  const r2 = (await run({ dir: ctx }, { "include-patterns": ["sub/日本"], "exclude-patterns": ["**/語.txt"] })).r;
  assert.deepEqual(r2.paths(), ["sub", "sub/日本"]);
});

test("followpaths: symlinks resolved inside the root, targets included, outside never read", async () => {
  const { r } = await run({ dir: ctx }, { followpaths: ["link-in"] });
  assert.deepEqual(r.paths(), ["a", "a/b", "a/b/c.txt", "link-in"]);
  assert.equal(r.content("a/b/c.txt"), "c");

  const r2 = (await run({ dir: ctx }, { followpaths: ["link-out", "link-rel-out", "link-dir-out/secret.txt", "does-not-exist"] })).r;
  assert.deepEqual(r2.paths(), ["link-dir-out", "link-out", "link-rel-out"]);
  assertNoSecret(r2);

  const r3 = (await run({ dir: ctx }, { followpaths: ["sub/*.log", "/a/b/"] })).r;
  assert.deepEqual(r3.paths(), ["a", "a/b", "a/b/c.txt", "sub", "sub/keep.log", "sub/x.log"]);

  // "." among the followpaths disables the include filter altogether
  const r4 = (await run({ dir: ctx }, { followpaths: [".", "link-in"] })).r;
  assert.deepEqual(r4.paths(), full());
});

test(".dockerignore on request, combined with the request's excludes (both apply)", async () => {
  const { r } = await run({ dir: ctx, dockerignore: true }, { "exclude-patterns": ["a", "sub/keep.log"] });
  assert.deepEqual(
    r.paths(),
    full().filter((p) => ![".dockerignore", "a", "a/b", "a/b/c.txt", "a/big.bin", "secret-dir", "secret-dir/s.txt", "sub/keep.log", "sub/x.log"].includes(p)),
  );
  // without the option the file is just another file
  const r2 = (await run({ dir: ctx }, {})).r;
  assert.ok(r2.paths().includes("secret-dir/s.txt"));
  // a named ignore file; a missing one is no error
  fs.writeFileSync(path.join(tmp, "other.ignore"), "sub\n");
  const r3 = (await run({ dir: ctx, dockerignore: path.join(tmp, "other.ignore") }, {})).r;
  assert.ok(!r3.paths().some((p) => p.startsWith("sub")));
  const r4 = await run({ dir: ctx, dockerignore: "nope.ignore" }, {});
  assert.equal(r4.error, undefined);
  assert.deepEqual(r4.r.paths(), full());
});

test("encoded metadata values are QueryUnescape'd", async () => {
  const md = new Map<string, string[]>([
    ["exclude-patterns", ["sub%2F%C3%A4.txt", "%E6%97%A5%E6%9C%AC", "a+b", "a+b%20c", "bad%zz", "\ufeffx"]],
    ["exclude-patterns-encoded", ["true"]],
    ["followpaths", ["%E6%97%A5"]],
  ]);
  assert.deepEqual(decodedMetadataValues(md, "exclude-patterns"), ["sub/ä.txt", "日本", "a b", "a b c", "", "\ufeffx"]);
  assert.deepEqual(decodedMetadataValues(md, "followpaths"), ["%E6%97%A5"], "not marked encoded");
  assert.equal(decodedMetadataValues(md, "include-patterns"), undefined);

  const { r } = await run({ dir: ctx }, { "exclude-patterns": ["sub%2F%C3%A4.txt", "**%2F%E6%97%A5%E6%9C%AC"], "exclude-patterns-encoded": ["1"] });
  assert.deepEqual(
    r.paths(),
    full().filter((p) => !["sub/ä.txt", "sub/日本", "sub/日本/語.txt"].includes(p)),
  );
});

test("unknown dir-name is NOT_FOUND; TarStream is UNIMPLEMENTED; bad patterns are INVALID_ARGUMENT", async () => {
  const h = handlerOf(new Map([["context", { dir: ctx }]]));
  await assert.rejects(h(new FakeReceiver(), ctxFor({ "dir-name": ["nope"] })), (e: unknown) => {
    assert.ok(e instanceof GrpcStatusError);
    assert.equal(e.code, GrpcCode.NOT_FOUND);
    assert.match(e.message, /no access allowed to dir "nope"/);
    return true;
  });
  await assert.rejects(h(new FakeReceiver(), ctxFor({})), (e: unknown) => e instanceof GrpcStatusError && e.code === GrpcCode.NOT_FOUND);
  const missing = handlerOf(new Map([["context", { dir: path.join(tmp, "missing") }]]));
  await assert.rejects(missing(new FakeReceiver(), ctxFor({ "dir-name": ["context"] })), (e: unknown) => e instanceof GrpcStatusError && e.code === GrpcCode.NOT_FOUND);
  const tar = handlerOf(new Map(), "TarStream");
  await assert.rejects(tar(new FakeReceiver(), ctxFor({})), (e: unknown) => e instanceof GrpcStatusError && e.code === GrpcCode.UNIMPLEMENTED);
  await assert.rejects(h(new FakeReceiver(), ctxFor({ "dir-name": ["context"], "exclude-patterns": ["a["] })), (e: unknown) => {
    return e instanceof GrpcStatusError && e.code === GrpcCode.INVALID_ARGUMENT && /invalid excludepatterns/.test(e.message);
  });
});

test("requests for directories, symlinks, unknown or repeated ids are rejected", async () => {
  const idOf = (p: string): number => full().indexOf(p);
  for (const bad of ["a", "link-in", "link-dir-out", "fifo"]) {
    if (bad === "fifo" && !haveFifo) continue;
    const { error } = await run({ dir: ctx }, {}, { extraRequests: [idOf(bad)] });
    assert.ok(error instanceof Error, bad);
    assert.match(error.message, new RegExp(`invalid file id ${idOf(bad)}`));
  }
  const dup = await run({ dir: ctx }, {}, { extraRequests: [idOf("a-b")] });
  assert.match((dup.error as Error).message, /invalid file id/);
  const unknown = await run({ dir: ctx }, {}, { extraRequests: [99999] });
  assert.match((unknown.error as Error).message, /invalid file id 99999/);
  // a hardlink entry may be requested: its data is the file's
  const hl = await run({ dir: ctx }, {}, { request: (s) => canRequestData(s.mode) });
  assert.equal(hl.error, undefined);
  assert.equal(hl.r.content("sub/hard2"), "hard");
});

test("receiver errors, early end of stream and cancellation fail the call", async () => {
  const e1 = await run({ dir: ctx }, {}, { errAfterFirstStat: "disk full" });
  assert.match((e1.error as Error).message, /error from receiver: disk full/);
  const e2 = await run({ dir: ctx }, {}, { closeAfterListing: true });
  assert.match((e2.error as Error).message, /before FIN/);

  const ac = new AbortController();
  const r = new FakeReceiver({ slowWrites: true });
  const h = handlerOf(new Map([["context", { dir: ctx }]]));
  const p = h(r, ctxFor({ "dir-name": ["context"] }, ac.signal));
  setImmediate(() => ac.abort(new Error("session closed")));
  await assert.rejects(p, /session closed/);
});

test("a walk error is reported to the receiver as ERR", async () => {
  // passes filepath.Match's check, fails when first compiled during the walk
  const { r, error } = await run({ dir: ctx }, { "exclude-patterns": ["[Local-Only]"] });
  assert.match((error as Error).message, /failed to match excludepatterns/);
  assert.match(r.senderError ?? "", /failed to match excludepatterns/);
});

test("writes are serialised (backpressure): never two writes in flight", async () => {
  const { r } = await run({ dir: ctx }, {}, { slowWrites: true });
  assert.equal(r.maxConcurrentWrites, 1);
});

test("mapStat and keepOwner", async () => {
  const f = path.join(ctx, "a.b");
  const isRoot = process.getuid?.() === 0;
  if (isRoot) fs.lchownSync(f, 1234, 5678);
  try {
    const kept = (await run({ dir: ctx, keepOwner: true }, {})).r.entries.find((e) => e.path === "a.b")!;
    // As root the owner was just changed; otherwise it is the test's own.
    const owner = fs.lstatSync(f);
    assert.deepEqual([kept.uid, kept.gid], isRoot ? [1234, 5678] : [owner.uid, owner.gid]);
    const reset = (await run({ dir: ctx }, {})).r.entries.find((e) => e.path === "a.b")!;
    assert.deepEqual([reset.uid, reset.gid], [0, 0]);
  } finally {
    if (isRoot) fs.lchownSync(f, 0, 0);
  }
  const seen: string[] = [];
  const { r } = await run(
    {
      dir: ctx,
      mapStat: (p, st) => {
        seen.push(p);
        if (p === "secret-dir") return "skipdir";
        if (p.endsWith(".log")) return "exclude";
        if (p === "a-b") st.mode = 0o600;
        return undefined;
      },
    },
    {},
  );
  assert.ok(!r.paths().some((p) => p.startsWith("secret-dir") || p.endsWith(".log")));
  assert.equal(r.entries.find((e) => e.path === "a-b")!.mode, 0o600);
  assert.ok(seen.includes("secret-dir") && !seen.includes("secret-dir/s.txt"));
});

test("unix sockets are listed as empty regular files, like fsutil", async () => {
  const dir = fs.mkdtempSync(path.join(tmp, "sock-"));
  fs.writeFileSync(path.join(dir, "f"), "x");
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(path.join(dir, "s.sock"), resolve));
  try {
    const { r, error } = await run({ dir }, {});
    assert.equal(error, undefined);
    assert.deepEqual(r.paths(), ["f", "s.sock"]);
    const s = r.entries[1]!;
    assert.equal(canRequestData(s.mode), true);
    assert.equal(r.content("s.sock"), "");
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test("a directory symlink as root is resolved; a file root is refused", async () => {
  const link = path.join(tmp, "ctx-link");
  fs.symlinkSync(ctx, link);
  const { r } = await run({ dir: link }, {});
  assert.deepEqual(r.paths(), full());
  const file = await run({ dir: path.join(ctx, "a-b") }, {});
  assert.ok(file.error instanceof GrpcStatusError && /not a directory/.test(file.error.message));
});

test("non-UTF-8 names go on the wire byte for byte", async () => {
  const dir = fs.mkdtempSync(path.join(tmp, "raw-"));
  const name = Buffer.from([0x66, 0xff, 0x2e, 0x74]); // "f\xff.t"
  fs.writeFileSync(Buffer.concat([Buffer.from(dir + "/"), name]), "raw");
  fs.writeFileSync(path.join(dir, "g"), "g");
  const r = new FakeReceiver();
  const stats: FileStat[] = [];
  const h = handlerOf(new Map([["context", { dir }]]));
  const origWrite = r.write.bind(r);
  r.write = async (m: Uint8Array): Promise<void> => {
    const p = decodePacket(m);
    if (p.stat) stats.push(decodeStat(p.stat));
    return origWrite(m);
  };
  await h(r, ctxFor({ "dir-name": ["context"] }));
  assert.equal(stats.length, 2);
  assert.deepEqual(Buffer.from(stats[0]!.pathRaw ?? []), name);
  assert.equal(stats[1]!.path, "g");
  assert.equal(stats[1]!.pathRaw, undefined);
  assert.equal(r.content(stats[0]!.path), "raw");
});

test("many files: 3,000 files in 30 directories", async () => {
  const dir = fs.mkdtempSync(path.join(tmp, "many-"));
  for (let d = 0; d < 30; d++) {
    fs.mkdirSync(path.join(dir, `d${d}`));
    for (let f = 0; f < 100; f++) fs.writeFileSync(path.join(dir, `d${d}`, `f${f}`), `${d}/${f}`);
  }
  const t0 = performance.now();
  const { r, error } = await run({ dir }, {});
  const ms = performance.now() - t0;
  assert.equal(error, undefined);
  assert.equal(r.entries.length, 3030);
  assert.equal(r.content("d29/f99"), "29/99");
  assert.ok(ms < 30000, `took ${ms} ms`);
});

test("missing --local: buildkit's errors get a hint naming the flag", () => {
  const given = ["other"];
  assert.equal(
    missingLocalHint('rpc error: code = NotFound desc = no access allowed to dir "context"', { given }),
    'add --local context=DIR (the build reads the local directory "context")',
  );
  // No FileSync hosted at all: the name comes from the vertex (Go llb.Local's default name), else from what the frontend reads.
  assert.equal(missingLocalHint("no local sources enabled", { given: [], vertexName: "local://ctx" }), 'add --local ctx=DIR (the build reads the local directory "ctx")');
  assert.equal(
    missingLocalHint("failed to read dockerfile: no local sources enabled", { given: [], vertexName: "[internal] load build definition from Dockerfile", expected: ["context", "dockerfile"] }),
    'add --local context=DIR --local dockerfile=DIR (the build reads the local directories "context", "dockerfile")',
  );
  assert.match(missingLocalHint("no local sources enabled", { given: [] })!, /add --local NAME=DIR/);
  assert.equal(missingLocalHint("something else", { given }), undefined);
  const err = new BuildkitError("NOT_FOUND", 'no access allowed to dir "context"', { details: { vertex: "sha256:x" } });
  const hinted = withMissingLocalHint(err, { given }) as BuildkitError;
  assert.match(hinted.message, /: add --local context=DIR/);
  assert.equal(hinted.details.vertex, "sha256:x");
  assert.equal(withMissingLocalHint(hinted, { given }), hinted);
});

test("localFileReader: a plain file's bytes, null when absent, undefined wherever the transfer could show something else", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsf-localread-"));
  try {
    fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM scratch\n");
    fs.mkdirSync(path.join(dir, "sub"));
    fs.writeFileSync(path.join(dir, "sub", "f"), "x");
    fs.symlinkSync("Dockerfile", path.join(dir, "link"));
    fs.symlinkSync("sub", path.join(dir, "sublink"));
    fs.writeFileSync(path.join(dir, "..", `${path.basename(dir)}-outside`), "secret");
    const read = localFileReader(new Map<string, LocalDirOptions>([["ctx", { dir }], ["filtered", { dir, dockerignore: true }]]));
    assert.equal(new TextDecoder().decode((await read("ctx", "Dockerfile"))!), "FROM scratch\n");
    assert.equal(new TextDecoder().decode((await read("ctx", "/sub/f"))!), "x");
    assert.equal(await read("ctx", ".dockerignore"), null);
    assert.equal(await read("ctx", "sub/missing"), null);
    assert.equal(await read("ctx", "link"), undefined, "a symlink is sent as one");
    assert.equal(await read("ctx", "sublink/f"), undefined, "through a symlinked folder");
    assert.equal(await read("ctx", "sublink/missing"), undefined);
    assert.equal(await read("ctx", "sub"), undefined, "a folder");
    assert.equal(await read("ctx", `../${path.basename(dir)}-outside`), undefined, "outside the dir");
    assert.equal(await read("other", "Dockerfile"), undefined, "an unknown local");
    assert.equal(await read("filtered", "Dockerfile"), undefined, "our own ignore file applies on top");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.join(path.dirname(dir), `${path.basename(dir)}-outside`), { force: true });
  }
});
