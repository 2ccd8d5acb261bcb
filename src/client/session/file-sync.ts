/**
 * `moby.filesync.v1.FileSync`: uploads local directories (`--local name=dir`)
 * to the daemon. The daemon calls DiffCopy with the directory name and its
 * filters in the request metadata; we are the fsutil *sender*: we list the
 * filtered tree as STAT packets, then stream the files it requests.
 *
 * Behaviour follows BuildKit v0.32.2's session/filesync (filesync.go) and
 * fsutil's send.go; see fs-walk.ts for the walk and fs-stat.ts for the wire types.
 */

import { closeSync, constants as fsConstants, fstatSync, openSync, readSync, realpathSync } from "node:fs";
import * as fsp from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import type { LocalFileReader } from "../../program/build-file.js";

import {
  canRequestData,
  DATA_HEADER_RESERVE,
  decodePacket,
  encodeDataPacketInPlace,
  encodePacket,
  encodeStatPacket,
  PacketType,
  type FileStat,
} from "./fs-stat.js";
import { buildFilter, FilterPatternError, resolveRoot, walk, type Filter, type MapFunc, type MapResult } from "./fs-walk.js";
import { parseIgnoreFile } from "../../internal/go/patternmatcher.js";
import { parseBool } from "../../internal/go/strconv.js";
import { queryUnescape } from "../../internal/go/url.js";
import { BuildkitError } from "../errors.js";
import { GrpcCode, GrpcStatusError, type CallContext, type CallMetadata, type MessageStream, type SessionService } from "./service.js";

export type { FileStat } from "./fs-stat.js";
export type { MapFunc, MapResult } from "./fs-walk.js";

export const FILESYNC_SERVICE = "moby.filesync.v1.FileSync";

/** One directory the daemon may ask for by name. */
export interface LocalDirOptions {
  /** Absolute path of the directory (symlinks in it are resolved, like fsutil.NewFS). */
  dir: string;
  /**
   * Also apply an ignore file on our side, on top of the request's filters
   * (an entry must pass both). `true` reads `<dir>/.dockerignore`; a string
   * names the file (relative to `dir`, or absolute). Default: off, as in
   * buildctl: the Dockerfile frontend reads `.dockerignore` itself and sends
   * it as exclude patterns. Use it for other frontends / plain LLB; do not
   * set it on the `dockerfile` local (it would hide an ignored Dockerfile).
   */
  dockerignore?: boolean | string;
  /**
   * Keep the real uid/gid. Default false: both are sent as 0, like buildctl
   * (uid/gid are part of the daemon's content cache keys).
   */
  keepOwner?: boolean;
  /** Called for each listed entry after the uid/gid reset; may change the stat or drop entries. */
  mapStat?: MapFunc;
  /**
   * How entries are lstat'ed (and small files read, see SYNC_READ_MAX):
   * "batch" (default; synchronous calls in small batches between turns of the
   * event loop, fastest on local disks) or "async" (thread pool; for slow
   * network file systems).
   */
  statMode?: "batch" | "async";
}

/** Size of the file chunks sent in DATA packets (Go's io.CopyBuffer buffer). */
export const DATA_CHUNK_SIZE = 32 * 1024;
/** Files served at the same time (fsutil's sender runs 4 workers). */
export const FILE_WORKERS = 4;
/**
 * Files listed at most this big are read with synchronous calls in "batch"
 * stat mode: open+stat+read+close in one turn of the event loop instead of
 * four trips through the thread pool, which (with the listing sent at the same
 * time) held a 20,000-file context to a few hundred files per second.
 */
export const SYNC_READ_MAX = 64 * 1024;

const KEY_DIR_NAME = "dir-name";
const KEY_INCLUDE_PATTERNS = "include-patterns";
const KEY_EXCLUDE_PATTERNS = "exclude-patterns";
const KEY_FOLLOW_PATHS = "followpaths";

/** The FileSync service serving `dirs` (keyed by the `--local` name). */
export function fileSyncService(dirs: ReadonlyMap<string, LocalDirOptions>): SessionService {
  return {
    name: FILESYNC_SERVICE,
    methods: {
      DiffCopy: { kind: "stream", handler: (stream, ctx) => diffCopy(dirs, stream, ctx) },
      TarStream: {
        kind: "stream",
        handler: async () => {
          throw new GrpcStatusError(GrpcCode.UNIMPLEMENTED, "TarStream is not supported, use DiffCopy");
        },
      },
    },
  };
}

/**
 * Reads one file of a served dir where it is, without a transfer: what the
 * Dockerfile builder uses for the build file and `.dockerignore` when the
 * client converts (program/build-file.ts `LocalFileReader`). Bytes, `null`
 * when the file is not there, `undefined` when this side cannot say what
 * the transfer would show (an unknown local, a dir with our own ignore file
 * or stat mapping, a symlink on the way, a path leaving the dir): then the
 * caller reads it through the daemon as before.
 */
export function localFileReader(dirs: ReadonlyMap<string, LocalDirOptions>): LocalFileReader {
  const roots = new Map<string, Promise<string | undefined>>();
  return async (localName, path) => {
    const d = dirs.get(localName);
    if (!d || d.dockerignore || d.mapStat) return undefined;
    const rel = posix.normalize(path.replace(/^\/+/, ""));
    if (rel === "." || rel === ".." || rel.startsWith("../")) return undefined;
    let root = roots.get(localName);
    if (!root) roots.set(localName, (root = resolveRoot(d.dir).catch(() => undefined)));
    const dir = await root;
    if (!dir) return undefined;
    const full = join(dir, rel);
    try {
      // fsutil sends a symlink as a symlink: only a plain file reached without one reads the same here.
      if ((await fsp.realpath(full)) !== full) return undefined;
      const st = await fsp.lstat(full);
      return st.isFile() ? new Uint8Array(await fsp.readFile(full)) : undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") return undefined;
      // Not there, unless a symlinked folder on the way would lead the transfer elsewhere.
      const parent = dirname(full);
      return (await fsp.realpath(parent).catch(() => undefined)) === parent ? null : undefined;
    }
  };
}

// ---------------------------------------------------------------------------
// Metadata

/** Go's url.QueryUnescape; "" on malformed input (filesync ignores the error). */
function queryUnescapeOrEmpty(s: string): string {
  try {
    return queryUnescape(s);
  } catch {
    return "";
  }
}

/** filesync decodeOpts: values of `<key>` are QueryUnescape'd when `<key>-encoded` is a true bool. */
export function decodedMetadataValues(md: CallMetadata, key: string): string[] | undefined {
  const values = md.get(key);
  if (values === undefined) return undefined;
  const enc = md.get(key + "-encoded");
  if (enc && enc.length > 0 && parseBool(enc[0]!) === true) return values.map(queryUnescapeOrEmpty);
  return [...values];
}

// ---------------------------------------------------------------------------
// DiffCopy

interface Prepared {
  root: string;
  filter: Filter;
  map: MapFunc | undefined;
  statMode: "batch" | "async" | undefined;
}

async function prepare(dirs: ReadonlyMap<string, LocalDirOptions>, md: CallMetadata): Promise<Prepared> {
  const dirName = decodedMetadataValues(md, KEY_DIR_NAME)?.[0] ?? "";
  const opts = dirs.get(dirName);
  if (!opts) throw new GrpcStatusError(GrpcCode.NOT_FOUND, `no access allowed to dir ${JSON.stringify(dirName)}`);

  let root: string;
  try {
    root = await resolveRoot(opts.dir);
  } catch (e) {
    throw new GrpcStatusError(GrpcCode.NOT_FOUND, `local dir ${JSON.stringify(dirName)}: ${errText(e)}`);
  }

  const extra: string[][] = [];
  if (opts.dockerignore) {
    const file = typeof opts.dockerignore === "string" ? opts.dockerignore : ".dockerignore";
    const path = file.startsWith("/") ? file : root + "/" + file;
    let content: Buffer | undefined;
    try {
      content = await fsp.readFile(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") {
        throw new GrpcStatusError(GrpcCode.FAILED_PRECONDITION, `failed to read ${path}: ${errText(e)}`);
      }
    }
    if (content) extra.push(parseIgnoreFile(content));
  }

  let filter: Filter;
  try {
    filter = await buildFilter(root, {
      includePatterns: decodedMetadataValues(md, KEY_INCLUDE_PATTERNS),
      excludePatterns: decodedMetadataValues(md, KEY_EXCLUDE_PATTERNS),
      followPaths: decodedMetadataValues(md, KEY_FOLLOW_PATHS),
      extraExcludePatterns: extra,
    });
  } catch (e) {
    if (e instanceof FilterPatternError) throw new GrpcStatusError(GrpcCode.INVALID_ARGUMENT, e.message);
    throw e;
  }

  const keepOwner = opts.keepOwner ?? false;
  const user = opts.mapStat;
  const map: MapFunc | undefined =
    keepOwner && !user
      ? undefined
      : (p: string, st: FileStat): MapResult | void => {
          if (!keepOwner) {
            st.uid = 0;
            st.gid = 0;
          }
          return user ? user(p, st) : undefined;
        };
  return { root, filter, map, statMode: opts.statMode };
}

async function diffCopy(dirs: ReadonlyMap<string, LocalDirOptions>, stream: MessageStream, ctx: CallContext): Promise<void> {
  ctx.signal.throwIfAborted();
  const prep = await prepare(dirs, ctx.metadata);
  await new Sender(stream, prep, ctx.signal).run();
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

interface FileToSend {
  readonly id: number;
  readonly abs: string | Buffer;
  readonly path: string;
  readonly dev: bigint;
  readonly ino: bigint;
  /** Size at listing time (a hint: the file may have changed since). */
  readonly size: bigint;
}

/** A FIFO of requested files, consumed by the workers. */
class FileQueue {
  private readonly items: FileToSend[] = [];
  private head = 0;
  private waiters: Array<(f: FileToSend | undefined) => void> = [];
  private closed = false;

  push(f: FileToSend): void {
    const w = this.waiters.shift();
    if (w) w(f);
    else this.items.push(f);
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters) w(undefined);
    this.waiters = [];
  }

  /** Files requested and not yet taken by a worker. */
  get waiting(): number {
    return this.items.length - this.head;
  }

  next(): Promise<FileToSend | undefined> {
    if (this.head < this.items.length) {
      const f = this.items[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items.splice(0, this.head);
        this.head = 0;
      }
      return Promise.resolve(f);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** The fsutil sender for one DiffCopy call. */
class Sender {
  private readonly ac = new AbortController();
  private failure: { error: unknown } | undefined;
  private writeTail: Promise<void> = Promise.resolve();
  /** id -> file, for listed entries whose data may be requested and has not been yet. */
  private readonly files = new Map<number, FileToSend>();
  private readonly queue = new FileQueue();
  private walkDone = false;
  /** Workers sending a file now. */
  private sending = 0;

  constructor(
    private readonly stream: MessageStream,
    private readonly prep: Prepared,
    signal: AbortSignal,
  ) {
    if (signal.aborted) this.fail(signal.reason ?? new Error("cancelled"));
    else signal.addEventListener("abort", () => this.fail(signal.reason ?? new Error("cancelled")), { once: true });
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    this.ac.abort(error);
    this.queue.close();
  }

  /** Serialises writes: each waits for the previous one's backpressure promise. */
  private send(msg: Uint8Array): Promise<void> {
    const p = this.writeTail.then(() => {
      if (this.failure) throw this.failure.error;
      return this.stream.write(msg);
    });
    this.writeTail = p.catch(() => undefined);
    return p;
  }

  async run(): Promise<void> {
    const signal = this.ac.signal;
    const aborted = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener("abort", () => resolve(), { once: true });
    });

    const walkTask = this.walk().catch(async (e: unknown) => {
      if (!this.failure) {
        // tell the receiver why (best effort), like fsutil's sender
        await this.send(encodePacket(PacketType.ERR, 0, Buffer.from(errText(e)))).catch(() => undefined);
        this.fail(e);
      }
    });
    const workers: Promise<void>[] = [];
    for (let i = 0; i < FILE_WORKERS; i++) {
      workers.push(this.worker().catch((e: unknown) => this.fail(e)));
    }
    // The reader finishes on FIN (after answering it); it is not awaited on
    // failure, since the peer may never end its side.
    const readTask = this.read().then(
      (fin) => fin,
      (e: unknown) => {
        this.fail(e);
        return false;
      },
    );

    const fin = await Promise.race([readTask, aborted.then(() => false)]);
    if (fin) {
      // the receiver is done: no more requests
      this.queue.close();
    }
    await walkTask;
    await Promise.all(workers);
    if (this.failure) throw this.failure.error;
  }

  private async walk(): Promise<void> {
    let id = 0;
    await walk(this.prep.root, this.prep.filter, { map: this.prep.map, signal: this.ac.signal, stat: this.prep.statMode, contended: () => this.sending > 0 || this.queue.waiting > 0 }, async (e) => {
      const stat = e.stat;
      if (canRequestData(stat.mode)) {
        this.files.set(id, { id, abs: e.abs, path: stat.path, dev: e.dev, ino: e.ino, size: stat.size });
      }
      id++;
      await this.send(encodeStatPacket(stat));
    });
    // end of listing: a STAT packet without a stat (an empty message)
    await this.send(encodePacket(PacketType.STAT));
    this.walkDone = true;
  }

  /** Reads the receiver's packets until FIN (true) or the end of the stream (error). */
  private async read(): Promise<boolean> {
    const it = this.stream[Symbol.asyncIterator]();
    for (;;) {
      if (this.failure) return false;
      const r = await it.next();
      if (r.done) {
        if (this.failure) return false;
        throw new Error("receiver closed the stream before FIN");
      }
      let p;
      try {
        p = decodePacket(r.value);
      } catch (e) {
        throw new Error(`invalid packet from receiver: ${errText(e)}`);
      }
      switch (p.type) {
        case PacketType.ERR:
          throw new Error(`error from receiver: ${Buffer.from(p.data).toString("utf8")}`);
        case PacketType.REQ: {
          const f = this.files.get(p.id);
          if (!f) throw new Error(`invalid file id ${p.id}`);
          this.files.delete(p.id);
          this.queue.push(f);
          break;
        }
        case PacketType.FIN:
          await this.send(encodePacket(PacketType.FIN));
          if (!this.walkDone) {
            // fsutil's receiver only sends FIN after the whole listing; the
            // walk is about to end or the peer misbehaves: stop either way
            this.files.clear();
          }
          return true;
        default:
          // STAT/DATA are not sent by a receiver; fsutil ignores them
          break;
      }
    }
  }

  private async worker(): Promise<void> {
    for (;;) {
      const f = await this.queue.next();
      if (!f || this.failure) return;
      this.sending++;
      try {
        await this.sendFile(f);
      } finally {
        this.sending--;
      }
    }
  }

  private async sendFile(f: FileToSend): Promise<void> {
    if (this.prep.statMode !== "async" && f.size <= BigInt(SYNC_READ_MAX)) {
      let packets: Uint8Array[] | undefined;
      try {
        packets = this.readSmallFile(f);
      } catch (e) {
        throw new Error(`failed to send ${f.path}: ${errText(e)}`);
      }
      if (packets) {
        for (const p of packets) {
          if (this.failure) return;
          await this.send(p);
        }
        await this.send(encodePacket(PacketType.DATA, f.id));
        return;
      }
      // grew past SYNC_READ_MAX since the listing: read it like a big file
    }
    let fh: fsp.FileHandle | undefined;
    try {
      fh = await fsp.open(f.abs, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    } catch {
      // like fsutil: a file that cannot be opened is sent empty
      fh = undefined;
    }
    try {
      if (fh && !(await this.sameFile(fh, f))) {
        await fh.close();
        fh = undefined;
      }
      if (fh) {
        for (;;) {
          if (this.failure) return;
          const buf = new Uint8Array(DATA_HEADER_RESERVE + DATA_CHUNK_SIZE);
          const { bytesRead } = await fh.read(buf, DATA_HEADER_RESERVE, DATA_CHUNK_SIZE, null);
          if (bytesRead === 0) break;
          await this.send(encodeDataPacketInPlace(buf, f.id, bytesRead));
          // a short read of a regular file is its end: saves a read per file
          if (bytesRead < DATA_CHUNK_SIZE) break;
        }
      }
      await this.send(encodePacket(PacketType.DATA, f.id));
    } catch (e) {
      throw new Error(`failed to send ${f.path}: ${errText(e)}`);
    } finally {
      await fh?.close().catch(() => undefined);
    }
  }

  /**
   * Reads a small file synchronously into DATA packets, with the same checks
   * as sendFile (none if it cannot be opened or is no longer the listed file);
   * undefined if it is now bigger than SYNC_READ_MAX.
   */
  private readSmallFile(f: FileToSend): Uint8Array[] | undefined {
    let fd: number;
    try {
      fd = openSync(f.abs, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    } catch {
      return []; // like fsutil: a file that cannot be opened is sent empty
    }
    try {
      const st = fstatSync(fd, { bigint: true });
      if (!st.isFile() || !this.isUnderRoot(st, f, () => realpathSync(f.abs))) return [];
      const packets: Uint8Array[] = [];
      let total = 0;
      // first read sized to the listed size + 1, so an unchanged file ends with one short read
      let len = Math.min(DATA_CHUNK_SIZE, Number(f.size) + 1);
      for (;;) {
        const buf = Buffer.allocUnsafe(DATA_HEADER_RESERVE + len);
        const n = readSync(fd, buf, DATA_HEADER_RESERVE, len, null);
        if (n === 0) break;
        total += n;
        if (total > SYNC_READ_MAX) return undefined;
        packets.push(encodeDataPacketInPlace(buf, f.id, n));
        if (n < len) break;
        len = DATA_CHUNK_SIZE;
      }
      return packets;
    } finally {
      closeSync(fd);
    }
  }

  /** Same inode as listed, or else a real path still under the root (see sameFile). */
  private isUnderRoot(st: { dev: bigint; ino: bigint }, f: FileToSend, realpath: () => string): boolean {
    if (st.dev === f.dev && st.ino === f.ino) return true;
    try {
      return realpath().startsWith(this.prep.root.endsWith("/") ? this.prep.root : this.prep.root + "/");
    } catch {
      return false;
    }
  }

  /**
   * The opened file must still be a regular file inside the root: O_NOFOLLOW
   * refuses a final symlink; if the inode changed since the listing (e.g. an
   * editor replaced the file), its real path must still be under the root.
   */
  private async sameFile(fh: fsp.FileHandle, f: FileToSend): Promise<boolean> {
    const st = await fh.stat({ bigint: true });
    if (!st.isFile()) return false;
    if (st.dev === f.dev && st.ino === f.ino) return true;
    try {
      const real = await fsp.realpath(f.abs);
      return real.startsWith(this.prep.root.endsWith("/") ? this.prep.root : this.prep.root + "/");
    } catch {
      return false;
    }
  }
}

// ---------------------------------------------------------------------------
// Missing `--local`: what to say when the build reads a dir the session does not serve.

/** buildkit's words: our (and Go's) FileSync for an unknown name, and session/filesync when no FileSync is hosted at all. */
const NO_ACCESS = /\bno access allowed to dir "((?:[^"\\]|\\.)*)"/;
const NO_LOCALS = /\bno local sources enabled\b/;

export interface MissingLocalContext {
  /** The local names the session serves (`--local NAME=DIR`). */
  given: readonly string[];
  /** The failing vertex's name, e.g. `local://context` (Go llb.Local's default name). */
  vertexName?: string;
  /** Names the build is known to read, e.g. `context` and `dockerfile` for the dockerfile frontend. */
  expected?: readonly string[];
  /** The flag that gives local dirs. Default `--local`. */
  flag?: string;
}

/**
 * What to do when a daemon error says the build read a local directory the
 * session does not serve (`--local NAME=DIR` missing), or undefined when the
 * message is about something else.
 */
export function missingLocalHint(message: string, context: MissingLocalContext): string | undefined {
  const flag = context.flag ?? "--local";
  const add = (names: readonly string[]) => `add ${names.map((n) => `${flag} ${n}=DIR`).join(" ")} (the build reads the local director${names.length === 1 ? "y" : "ies"} ${names.map((n) => JSON.stringify(n)).join(", ")})`;
  const m = NO_ACCESS.exec(message);
  if (m) {
    let name = m[1]!;
    try {
      name = JSON.parse(`"${name}"`) as string;
    } catch {
      // Go's %q escapes that JSON does not know: keep them as they are.
    }
    return add([name]);
  }
  if (!NO_LOCALS.test(message)) return undefined;
  const fromVertex = /^local:\/\/(.+)$/.exec(context.vertexName ?? "")?.[1];
  if (fromVertex) return add([fromVertex]);
  const missing = (context.expected ?? []).filter((n) => !context.given.includes(n));
  if (missing.length > 0) return add(missing);
  return `the build reads a local directory that was not given: add ${flag} NAME=DIR (NAME as in the program's local("NAME"))`;
}

/**
 * The same error with the missing-`--local` hint appended when the daemon
 * could not read a local directory; any other value is returned as it is
 * (cause and details kept, as withEntitlementHint does).
 */
export function withMissingLocalHint<T>(err: T, context: MissingLocalContext): T | BuildkitError {
  if (!(err instanceof BuildkitError)) return err;
  const hint = missingLocalHint(err.message, context);
  if (!hint || err.message.includes(hint)) return err;
  return new BuildkitError(err.reason, `${err.message}: ${hint}`, { cause: err, details: err.details });
}
