/**
 * `containerd.services.content.v1.Content` in the session: the daemon reads
 * and writes blobs of client-side OCI layout directories through it (local
 * cache export/import, session/content/attachable.go v0.32.2). Each call
 * names its store in the metadata `buildkit-attachable-store-id` (the first
 * value; the daemon's caller puts it first): `local:<dir>` for a local
 * cache directory, `export` / `oci:<name>` for other users. Missing header:
 * INVALID_ARGUMENT; unknown store: NOT_FOUND.
 *
 * {@link OciContentStore} is a port of containerd's local content store
 * (plugins/content/local, what Go's client opens on such a directory), with
 * the same on-disk layout so Go and we can share a directory:
 *
 * - blobs at `blobs/<alg>/<hex>`, made read-only once committed;
 * - writes in progress at `ingest/<sha256(ref)>/` (`ref`, `data`,
 *   `startedat`, `updatedat`, `total`), resumable by ref: a writer reopened
 *   for the same ref continues at the data already there;
 * - a commit checks the size and the digest, then renames the ingest data
 *   to its blob path, so a blob appears whole or not at all;
 * - one writer per ref at a time (UNAVAILABLE while locked; the daemon
 *   retries on that code);
 * - no label store: Update is FAILED_PRECONDITION, labels are dropped.
 *
 * The Write stream follows containerd's content server
 * (plugins/services/content/contentserver): one response per request;
 * an `expected` digest whose blob exists answers ALREADY_EXISTS (the daemon
 * takes that as success); an offset must match the current one (OUT_OF_RANGE),
 * offset 0 on a non-empty write restarts it; COMMIT ends the call.
 */

import { createHash, type Hash } from "node:crypto";
import { constants as fsc } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { containerd, google, Long } from "../../proto/index.js";
import { GrpcCode, GrpcStatusError, metadataValue, type CallContext, type MessageStream, type MethodHandler, type SessionService } from "./service.js";

const api = containerd.services.content.v1;

/** Metadata key naming the store of a call (session/content/attachable.go GRPCHeaderID). */
export const KEY_STORE_ID = "buildkit-attachable-store-id";

/** gRPC codes the containerd errdefs map to, beyond the shared table. */
const ALREADY_EXISTS = 6;
const OUT_OF_RANGE = 11;
const DATA_LOSS = 15;

/** Read chunk size (containerd's buffer pool: 1 MiB). */
const READ_CHUNK = 1 << 20;
/** Infos per List message (containerd sends blocks of 100). */
const LIST_BLOCK = 100;

const ALGORITHMS: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/** A parsed, validated digest. */
export interface Digest {
  algorithm: string;
  hex: string;
}

/** Parses `alg:hex` as go-digest's Parse/Validate (sha256, sha384, sha512; lower-case hex of the right length). */
export function parseDigest(value: string): Digest {
  const i = value.indexOf(":");
  const algorithm = i > 0 ? value.slice(0, i) : "";
  const hex = i > 0 ? value.slice(i + 1) : "";
  const len = ALGORITHMS[algorithm];
  if (len === undefined || hex.length !== len || !/^[a-f0-9]+$/.test(hex)) {
    throw new GrpcStatusError(GrpcCode.INVALID_ARGUMENT, `${JSON.stringify(value)} failed validation`);
  }
  return { algorithm, hex };
}

export interface ContentInfo {
  digest: string;
  size: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface ContentStatus {
  ref: string;
  offset: number;
  total: number;
  startedAt: Date;
  updatedAt: Date;
  /** Expected digest (always empty for this store, as containerd's local store). */
  expected: string;
}

const notFound = (what: string) => new GrpcStatusError(GrpcCode.NOT_FOUND, `${what}: not found`);

function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}

async function readText(file: string): Promise<string> {
  return fs.readFile(file, "utf8");
}

/** Go's time.Time.MarshalText (RFC 3339 with fractional seconds) is what the ingest files hold. */
async function readTime(file: string): Promise<Date> {
  const d = new Date((await readText(file)).trim());
  if (Number.isNaN(d.getTime())) throw new Error(`could not parse timestamp file ${file}`);
  return d;
}

/** Writes a file via a temporary name and a rename, so readers never see half of it. */
async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await fs.writeFile(tmp, data, { mode });
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

async function syncDir(dir: string): Promise<void> {
  const h = await fs.open(dir, fsc.O_RDONLY);
  try {
    await h.sync();
  } catch {
    // Some file systems refuse fsync on directories; the rename is done either way.
  } finally {
    await h.close();
  }
}

// ---------------------------------------------------------------------------
// Filters (containerd's filter syntax, the subset these stores need).

type Selector = { field: string[]; op: "" | "==" | "!=" | "~="; value: string };

/** Parses one containerd filter: comma-separated selectors `field`, `field==v`, `field!=v`, `field~=re`; values may be quoted. */
export function parseFilter(filter: string): Selector[] {
  const out: Selector[] = [];
  let i = 0;
  const fail = (msg: string) => new GrpcStatusError(GrpcCode.INVALID_ARGUMENT, `filters: ${msg} in ${JSON.stringify(filter)}`);
  const readPart = (stopAt: RegExp): string => {
    if (filter[i] === '"' || filter[i] === "/" || filter[i] === "|") {
      const q = filter[i]!;
      let s = "";
      i++;
      while (i < filter.length && filter[i] !== q) {
        if (filter[i] === "\\" && q === '"' && i + 1 < filter.length) i++;
        s += filter[i++];
      }
      if (filter[i] !== q) throw fail("unterminated quoted value");
      i++;
      return s;
    }
    const start = i;
    while (i < filter.length && !stopAt.test(filter[i]!)) i++;
    return filter.slice(start, i).trim();
  };
  while (i < filter.length) {
    const field: string[] = [readPart(/[.,=!~]/)];
    while (filter[i] === ".") {
      i++;
      field.push(readPart(/[.,=!~]/));
    }
    if (field.some((f) => f === "")) throw fail("empty field name");
    let op: Selector["op"] = "";
    let value = "";
    const two = filter.slice(i, i + 2);
    if (two === "==" || two === "!=" || two === "~=") {
      op = two;
      i += 2;
      value = readPart(/,/);
    }
    out.push({ field, op, value });
    if (i < filter.length) {
      if (filter[i] !== ",") throw fail(`unexpected ${JSON.stringify(filter[i])}`);
      i++;
    }
  }
  return out;
}

/** True when `lookup` satisfies any of `filters` (no filters: everything matches). */
function matchFilters(filters: readonly string[], lookup: (field: string[]) => string | undefined): boolean {
  const parsed = filters.filter((f) => f !== "").map(parseFilter);
  if (parsed.length === 0) return true;
  return parsed.some((selectors) =>
    selectors.every((s) => {
      const v = lookup(s.field);
      if (v === undefined) return false;
      switch (s.op) {
        case "":
          return true;
        case "==":
          return v === s.value;
        case "!=":
          return v !== s.value;
        case "~=":
          try {
            return new RegExp(s.value).test(v);
          } catch {
            throw new GrpcStatusError(GrpcCode.INVALID_ARGUMENT, `filters: bad regular expression ${JSON.stringify(s.value)}`);
          }
      }
    }),
  );
}

// ---------------------------------------------------------------------------
// The store.

/** A content store on an OCI layout directory, laid out as containerd's local store. */
export class OciContentStore {
  readonly root: string;
  private readonly locks = new Map<string, Date>();

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  blobPath(digest: string): string {
    const d = parseDigest(digest);
    return path.join(this.root, "blobs", d.algorithm, d.hex);
  }

  /** Ingest directory of a ref: a digest of the ref keeps the path short and safe. */
  ingestPath(ref: string): string {
    return path.join(this.root, "ingest", createHash("sha256").update(ref).digest("hex"));
  }

  async info(digest: string): Promise<ContentInfo> {
    const p = this.blobPath(digest);
    try {
      const st = await fs.stat(p);
      return { digest, size: st.size, createdAt: st.mtime, updatedAt: st.atime };
    } catch (err) {
      if (isErrno(err, "ENOENT")) throw notFound(`content ${digest}`);
      throw err;
    }
  }

  /** Every blob matching `filters` (fields `digest`, `size`). */
  async walk(filters: readonly string[] = []): Promise<ContentInfo[]> {
    const out: ContentInfo[] = [];
    const blobs = path.join(this.root, "blobs");
    let algs: string[];
    try {
      algs = await fs.readdir(blobs);
    } catch (err) {
      if (isErrno(err, "ENOENT")) return out;
      throw err;
    }
    for (const alg of algs.sort()) {
      if (ALGORITHMS[alg] === undefined) continue;
      for (const hex of (await fs.readdir(path.join(blobs, alg))).sort()) {
        const digest = `${alg}:${hex}`;
        let info: ContentInfo;
        try {
          parseDigest(digest);
          info = await this.info(digest);
        } catch {
          continue; // not a blob, or gone meanwhile
        }
        const match = matchFilters(filters, (f) => (f.length !== 1 ? undefined : f[0] === "digest" ? info.digest : f[0] === "size" ? String(info.size) : undefined));
        if (match) out.push(info);
      }
    }
    return out;
  }

  /** Reads `[offset, offset+size)` of a blob in chunks; size <= 0 or past the end reads to the end. */
  async *read(digest: string, offset = 0, size = 0): AsyncGenerator<{ offset: number; data: Buffer }> {
    const info = await this.info(digest);
    let off = Math.max(0, offset);
    if (off > info.size) throw new GrpcStatusError(OUT_OF_RANGE, `read past object length ${info.size} bytes`);
    const end = size <= 0 || off + size > info.size ? info.size : off + size;
    const h = await fs.open(this.blobPath(digest), "r");
    try {
      while (off < end) {
        const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, end - off));
        const { bytesRead } = await h.read(buf, 0, buf.length, off);
        if (bytesRead === 0) break;
        yield { offset: off, data: buf.subarray(0, bytesRead) };
        off += bytesRead;
      }
    } finally {
      await h.close();
    }
  }

  /** Removes a blob (no error when it is not there, as containerd's RemoveAll). */
  async delete(digest: string): Promise<void> {
    await fs.rm(this.blobPath(digest), { recursive: true, force: true });
  }

  /** Status of the write in progress for `ref`. */
  async status(ref: string): Promise<ContentStatus> {
    return this.statusAt(this.ingestPath(ref));
  }

  private async statusAt(ingest: string): Promise<ContentStatus> {
    let dataStat;
    let ref: string;
    try {
      dataStat = await fs.stat(path.join(ingest, "data"));
      ref = await readText(path.join(ingest, "ref"));
    } catch (err) {
      if (isErrno(err, "ENOENT")) throw notFound(`ingest ${path.basename(ingest)}`);
      throw err;
    }
    const startedAt = await readTime(path.join(ingest, "startedat"));
    let updatedAt = await readTime(path.join(ingest, "updatedat"));
    // updatedat is not rewritten on every write; the data file's mtime may be newer.
    if (dataStat.mtime > updatedAt) updatedAt = dataStat.mtime;
    let total = 0;
    try {
      const t = Number.parseInt((await readText(path.join(ingest, "total"))).trim(), 10);
      if (Number.isFinite(t)) total = t;
    } catch {
      // No total recorded.
    }
    return { ref, offset: dataStat.size, total, startedAt, updatedAt, expected: "" };
  }

  /** Writes in progress matching `filters` (field `ref`). */
  async listStatuses(filters: readonly string[] = []): Promise<ContentStatus[]> {
    let names: string[];
    try {
      names = await fs.readdir(path.join(this.root, "ingest"));
    } catch (err) {
      if (isErrno(err, "ENOENT")) return [];
      throw err;
    }
    const out: ContentStatus[] = [];
    for (const n of names.sort()) {
      let st: ContentStatus;
      try {
        st = await this.statusAt(path.join(this.root, "ingest", n));
      } catch {
        continue; // completed or aborted meanwhile
      }
      if (matchFilters(filters, (f) => (f.length === 1 && f[0] === "ref" ? st.ref : undefined))) out.push(st);
    }
    return out;
  }

  /** Drops the write in progress for `ref` (no error when there is none, as containerd's RemoveAll). */
  async abort(ref: string): Promise<void> {
    await fs.rm(this.ingestPath(ref), { recursive: true, force: true });
  }

  /**
   * Opens (or resumes) the writer for `ref`. With `expected` naming a blob
   * that is already there: ALREADY_EXISTS. While another writer holds `ref`:
   * UNAVAILABLE.
   */
  async writer(ref: string, options: { total?: number; expected?: string } = {}): Promise<ContentWriter> {
    if (ref === "") throw new GrpcStatusError(GrpcCode.INVALID_ARGUMENT, "ref must not be empty: invalid argument");
    const since = this.locks.get(ref);
    if (since) throw new GrpcStatusError(GrpcCode.UNAVAILABLE, `ref ${ref} locked for ${Date.now() - since.getTime()}ms (since ${since.toISOString()}): unavailable`);
    this.locks.set(ref, new Date());
    try {
      return await this.openWriter(ref, options.total ?? 0, options.expected ?? "");
    } catch (err) {
      this.locks.delete(ref);
      throw err;
    }
  }

  private async openWriter(ref: string, total: number, expected: string): Promise<ContentWriter> {
    let algorithm = "sha256";
    if (expected !== "") {
      algorithm = parseDigest(expected).algorithm;
      if (await exists(this.blobPath(expected))) throw new GrpcStatusError(ALREADY_EXISTS, `content ${expected}: already exists`);
    }
    const ingest = this.ingestPath(ref);
    await fs.mkdir(path.dirname(ingest), { recursive: true });
    const dataPath = path.join(ingest, "data");
    let resumed: { status: ContentStatus; hash: Hash } | undefined;
    try {
      await fs.mkdir(ingest, { mode: 0o755 });
    } catch (err) {
      if (!isErrno(err, "EEXIST")) throw err;
      resumed = await this.resume(ingest, ref, total, algorithm);
    }
    let startedAt: Date;
    let updatedAt: Date;
    let offset = 0;
    let hash: Hash;
    if (resumed) {
      ({ startedAt, updatedAt, offset } = resumed.status);
      total = resumed.status.total;
      hash = resumed.hash;
    } else {
      startedAt = new Date();
      updatedAt = startedAt;
      hash = createHash(algorithm);
      await fs.writeFile(path.join(ingest, "ref"), ref, { mode: 0o666 });
      await fs.writeFile(path.join(ingest, "startedat"), startedAt.toISOString());
      await fs.writeFile(path.join(ingest, "updatedat"), startedAt.toISOString());
      if (total > 0) await fs.writeFile(path.join(ingest, "total"), String(total), { mode: 0o666 });
      else await fs.rm(path.join(ingest, "total"), { force: true });
    }
    const handle = await fs.open(dataPath, fsc.O_WRONLY | fsc.O_CREAT, 0o666);
    try {
      // A stale data file of a broken ingest must not survive past what is written now.
      if (!resumed) await handle.truncate(0);
    } catch (err) {
      await handle.close();
      throw err;
    }
    return new ContentWriter(this, { ref, ingest, handle, offset, total, algorithm, hash, startedAt, updatedAt });
  }

  /** An existing ingest for `ref`, re-hashed up to its current offset; undefined when it cannot be resumed. */
  private async resume(ingest: string, ref: string, total: number, algorithm: string): Promise<{ status: ContentStatus; hash: Hash } | undefined> {
    try {
      const status = await this.statusAt(ingest);
      if (status.ref !== ref) return undefined;
      if (total > 0 && status.total > 0 && total !== status.total) return undefined;
      const hash = createHash(algorithm);
      let offset = 0;
      const h = await fs.open(path.join(ingest, "data"), "r");
      try {
        const buf = Buffer.allocUnsafe(READ_CHUNK);
        for (;;) {
          const { bytesRead } = await h.read(buf, 0, buf.length, offset);
          if (bytesRead === 0) break;
          hash.update(buf.subarray(0, bytesRead));
          offset += bytesRead;
        }
      } finally {
        await h.close();
      }
      return { status: { ...status, offset }, hash };
    } catch {
      return undefined;
    }
  }

  /** @internal */
  unlock(ref: string): void {
    this.locks.delete(ref);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.stat(p);
    return true;
  } catch (err) {
    if (isErrno(err, "ENOENT")) return false;
    throw err;
  }
}

interface WriterState {
  ref: string;
  ingest: string;
  handle: fs.FileHandle;
  offset: number;
  total: number;
  algorithm: string;
  hash: Hash;
  startedAt: Date;
  updatedAt: Date;
}

/** One write transaction; holds the ref's lock until committed or closed. */
export class ContentWriter {
  private handle: fs.FileHandle | undefined;
  private hash: Hash;
  private offset: number;
  private readonly total: number;
  private updatedAt: Date;

  constructor(
    private readonly store: OciContentStore,
    private readonly s: WriterState,
  ) {
    this.handle = s.handle;
    this.hash = s.hash;
    this.offset = s.offset;
    this.total = s.total;
    this.updatedAt = s.updatedAt;
  }

  get ref(): string {
    return this.s.ref;
  }

  status(): ContentStatus {
    return { ref: this.s.ref, offset: this.offset, total: this.total, startedAt: this.s.startedAt, updatedAt: this.updatedAt, expected: "" };
  }

  /** Digest of what was written so far. */
  digest(): string {
    return `${this.s.algorithm}:${this.hash.copy().digest("hex")}`;
  }

  private open(): fs.FileHandle {
    if (!this.handle) throw new GrpcStatusError(GrpcCode.FAILED_PRECONDITION, "cannot write on closed writer: failed precondition");
    return this.handle;
  }

  /** Appends `data` at the current offset. */
  async write(data: Uint8Array): Promise<number> {
    const h = this.open();
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await h.write(data, done, data.length - done, this.offset + done);
      if (bytesWritten === 0) break;
      done += bytesWritten;
    }
    this.hash.update(data.subarray(0, done));
    this.offset += done;
    this.updatedAt = new Date();
    return done;
  }

  /** Restarts the write (only size 0 is supported, as containerd). */
  async truncate(size: number): Promise<void> {
    if (size !== 0) throw new Error("Truncate: unsupported size");
    await this.open().truncate(0);
    this.offset = 0;
    this.hash = createHash(this.s.algorithm);
  }

  /**
   * Checks size (when > 0) and digest (when given) and moves the data to its
   * blob path. A blob already there: ALREADY_EXISTS (the ingest is removed).
   */
  async commit(size: number, expected: string): Promise<void> {
    try {
      const h = this.handle;
      this.handle = undefined;
      if (!h) throw new GrpcStatusError(GrpcCode.FAILED_PRECONDITION, "cannot commit on closed writer: failed precondition");
      let actual: number;
      try {
        await h.sync();
        actual = (await h.stat()).size;
      } finally {
        await h.close();
      }
      if (size > 0 && size !== actual) {
        throw new GrpcStatusError(GrpcCode.FAILED_PRECONDITION, `unexpected commit size ${actual}, expected ${size}: failed precondition`);
      }
      const dataPath = path.join(this.s.ingest, "data");
      let digest = this.digest();
      if (expected !== "") {
        const want = parseDigest(expected);
        if (want.algorithm !== this.s.algorithm) {
          // Opened without an expected algorithm: hash the finished data again with the commit's.
          const rehash = createHash(want.algorithm);
          rehash.update(await fs.readFile(dataPath));
          digest = `${want.algorithm}:${rehash.digest("hex")}`;
        }
        if (digest !== expected) {
          throw new GrpcStatusError(GrpcCode.FAILED_PRECONDITION, `unexpected commit digest ${digest}, expected ${expected}: failed precondition`);
        }
      }
      const target = this.store.blobPath(digest);
      await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
      if (await exists(target)) {
        await fs.rm(this.s.ingest, { recursive: true, force: true });
        throw new GrpcStatusError(ALREADY_EXISTS, `content ${digest}: already exists`);
      }
      await fs.rename(dataPath, target);
      await syncDir(path.dirname(target));
      const now = new Date();
      await fs.utimes(target, now, now).catch(() => {});
      await fs.rm(this.s.ingest, { recursive: true, force: true }).catch(() => {});
      // Read-only from now on, keeping the read bits the umask allowed.
      const mode = (await fs.stat(target)).mode & 0o777;
      await fs.chmod(target, mode & ~0o333).catch(() => {});
    } finally {
      this.store.unlock(this.s.ref);
    }
  }

  /** Leaves the write resumable: flushes the data, records updatedat, releases the ref. */
  async close(): Promise<void> {
    const h = this.handle;
    if (!h) return;
    this.handle = undefined;
    try {
      await h.sync().catch(() => {});
      await h.close();
      await writeFileAtomic(path.join(this.s.ingest, "updatedat"), this.updatedAt.toISOString()).catch(() => {});
    } finally {
      this.store.unlock(this.s.ref);
    }
  }
}

// ---------------------------------------------------------------------------
// The gRPC service.

type PbTimestamp = google.protobuf.Timestamp.$Properties;

function timestamp(d: Date): PbTimestamp {
  const ms = d.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: Long.fromNumber(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

function toNumber(v: number | Long | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === "number" ? v : v.toNumber();
}

function pbInfo(i: ContentInfo): containerd.services.content.v1.Info.$Properties {
  return { digest: i.digest, size: Long.fromNumber(i.size), created_at: timestamp(i.createdAt), updated_at: timestamp(i.updatedAt), labels: {} };
}

function pbStatus(s: ContentStatus): containerd.services.content.v1.Status.$Properties {
  return {
    started_at: timestamp(s.startedAt),
    updated_at: timestamp(s.updatedAt),
    ref: s.ref,
    offset: Long.fromNumber(s.offset),
    total: Long.fromNumber(s.total),
    expected: s.expected,
  };
}

const EMPTY = new Uint8Array(0);

async function firstMessage(stream: MessageStream): Promise<Uint8Array | undefined> {
  for await (const m of stream) return m;
  return undefined;
}

/** The Content service over a set of stores keyed by store id; stores may be added until the session starts serving. */
export class ContentStoreService implements SessionService {
  readonly name = "containerd.services.content.v1.Content";
  readonly methods: Readonly<Record<string, MethodHandler>>;
  private readonly stores = new Map<string, OciContentStore>();

  constructor(stores: ReadonlyMap<string, OciContentStore> | Readonly<Record<string, OciContentStore>> = {}) {
    const entries = stores instanceof Map ? [...stores] : Object.entries(stores as Record<string, OciContentStore>);
    for (const [id, s] of entries) this.stores.set(id, s);
    this.methods = {
      Info: { kind: "unary", handler: (req, ctx) => this.infoCall(req, ctx) },
      Update: { kind: "unary", handler: (req, ctx) => this.updateCall(req, ctx) },
      List: { kind: "stream", handler: (s, ctx) => this.listCall(s, ctx) },
      Delete: { kind: "unary", handler: (req, ctx) => this.deleteCall(req, ctx) },
      Read: { kind: "stream", handler: (s, ctx) => this.readCall(s, ctx) },
      Status: { kind: "unary", handler: (req, ctx) => this.statusCall(req, ctx) },
      ListStatuses: { kind: "unary", handler: (req, ctx) => this.listStatusesCall(req, ctx) },
      Write: { kind: "stream", handler: (s, ctx) => this.writeCall(s, ctx) },
      Abort: { kind: "unary", handler: (req, ctx) => this.abortCall(req, ctx) },
    };
  }

  /** Serves `store` under `id` (e.g. `local:<dir>`). */
  add(id: string, store: OciContentStore): void {
    this.stores.set(id, store);
  }

  get(id: string): OciContentStore | undefined {
    return this.stores.get(id);
  }

  get ids(): string[] {
    return [...this.stores.keys()];
  }

  private choose(ctx: CallContext): OciContentStore {
    const id = metadataValue(ctx.metadata, KEY_STORE_ID);
    if (id === undefined) throw new GrpcStatusError(GrpcCode.INVALID_ARGUMENT, `request lacks metadata ${JSON.stringify(KEY_STORE_ID)}: invalid argument`);
    const store = this.stores.get(id);
    if (!store) throw new GrpcStatusError(GrpcCode.NOT_FOUND, `unknown store ${id}: not found`);
    return store;
  }

  private async infoCall(req: Uint8Array, ctx: CallContext): Promise<Uint8Array> {
    const store = this.choose(ctx);
    const r = api.InfoRequest.decode(req);
    parseDigest(r.digest);
    return api.InfoResponse.encode({ info: pbInfo(await store.info(r.digest)) }).finish();
  }

  private async updateCall(req: Uint8Array, ctx: CallContext): Promise<Uint8Array> {
    this.choose(ctx);
    const r = api.UpdateRequest.decode(req);
    parseDigest(r.info?.digest ?? "");
    throw new GrpcStatusError(GrpcCode.FAILED_PRECONDITION, "update not supported on immutable content store: failed precondition");
  }

  private async listCall(stream: MessageStream, ctx: CallContext): Promise<void> {
    const store = this.choose(ctx);
    const r = api.ListContentRequest.decode((await firstMessage(stream)) ?? EMPTY);
    const infos = await store.walk(r.filters ?? []);
    for (let i = 0; i < infos.length; i += LIST_BLOCK) {
      await stream.write(api.ListContentResponse.encode({ info: infos.slice(i, i + LIST_BLOCK).map(pbInfo) }).finish());
    }
  }

  private async deleteCall(req: Uint8Array, ctx: CallContext): Promise<Uint8Array> {
    const store = this.choose(ctx);
    const r = api.DeleteContentRequest.decode(req);
    parseDigest(r.digest);
    await store.delete(r.digest);
    return EMPTY;
  }

  private async readCall(stream: MessageStream, ctx: CallContext): Promise<void> {
    const store = this.choose(ctx);
    const r = api.ReadContentRequest.decode((await firstMessage(stream)) ?? EMPTY);
    parseDigest(r.digest);
    for await (const chunk of store.read(r.digest, toNumber(r.offset), toNumber(r.size))) {
      if (ctx.signal.aborted) throw new GrpcStatusError(GrpcCode.CANCELLED, "read canceled");
      await stream.write(api.ReadContentResponse.encode({ offset: Long.fromNumber(chunk.offset), data: chunk.data }).finish());
    }
  }

  private async statusCall(req: Uint8Array, ctx: CallContext): Promise<Uint8Array> {
    const store = this.choose(ctx);
    const r = api.StatusRequest.decode(req);
    try {
      return api.StatusResponse.encode({ status: pbStatus(await store.status(r.ref)) }).finish();
    } catch (err) {
      if (err instanceof GrpcStatusError) throw new GrpcStatusError(err.code, `could not get status for ref ${JSON.stringify(r.ref)}: ${err.message}`);
      throw err;
    }
  }

  private async listStatusesCall(req: Uint8Array, ctx: CallContext): Promise<Uint8Array> {
    const store = this.choose(ctx);
    const r = api.ListStatusesRequest.decode(req);
    const statuses = await store.listStatuses(r.filters ?? []);
    return api.ListStatusesResponse.encode({ statuses: statuses.map(pbStatus) }).finish();
  }

  private async abortCall(req: Uint8Array, ctx: CallContext): Promise<Uint8Array> {
    const store = this.choose(ctx);
    await store.abort(api.AbortRequest.decode(req).ref);
    return EMPTY;
  }

  /** containerd's contentserver Write loop: one response per request, COMMIT ends the call. */
  private async writeCall(stream: MessageStream, ctx: CallContext): Promise<void> {
    const store = this.choose(ctx);
    const it = stream[Symbol.asyncIterator]();
    const next = async (): Promise<containerd.services.content.v1.WriteContentRequest | undefined> => {
      const m = await it.next();
      return m.done ? undefined : api.WriteContentRequest.decode(m.value);
    };
    let req = await next();
    if (!req) return;
    const ref = req.ref;
    if (ref === "") throw new GrpcStatusError(GrpcCode.INVALID_ARGUMENT, "first message must have a reference");
    let total = toNumber(req.total);
    let expected = req.expected;
    const w = await store.writer(ref, { total, expected });
    const onAbort = () => void w.close();
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        const action = req.action;
        const ws = w.status();
        let offset = ws.offset;
        let digest = "";
        let startedAt: PbTimestamp | undefined;
        let updatedAt: PbTimestamp | undefined;
        let msgTotal = 0;
        if (req.expected !== "") {
          expected = req.expected;
          parseDigest(expected);
          if (await exists(store.blobPath(expected))) {
            await w.close();
            await store.abort(ref);
            throw new GrpcStatusError(ALREADY_EXISTS, `blob with expected digest ${expected} exists`);
          }
        }
        const reqTotal = toNumber(req.total);
        if (reqTotal > 0) total = reqTotal;
        if (action === api.WriteAction.STAT) {
          digest = w.digest();
          startedAt = timestamp(ws.startedAt);
          updatedAt = timestamp(ws.updatedAt);
          msgTotal = total;
        } else if (action === api.WriteAction.WRITE || action === api.WriteAction.COMMIT) {
          const reqOffset = toNumber(req.offset);
          if (reqOffset > 0 && reqOffset !== ws.offset) {
            throw new GrpcStatusError(OUT_OF_RANGE, `write @${reqOffset} must occur at current offset ${ws.offset}`);
          }
          if (reqOffset === 0 && ws.offset > 0) {
            await w.truncate(0);
            offset = 0;
          }
          const data = req.data ?? EMPTY;
          if (data.length > 0) {
            const n = await w.write(data);
            if (n !== data.length) throw new GrpcStatusError(DATA_LOSS, `wrote ${n} of ${data.length} bytes`);
            offset += n;
          }
          if (action === api.WriteAction.COMMIT) await w.commit(total, expected);
          digest = w.digest();
        } else {
          throw new GrpcStatusError(GrpcCode.INVALID_ARGUMENT, `unknown write action ${String(action)}`);
        }
        await stream.write(
          api.WriteContentResponse.encode({
            action,
            offset: Long.fromNumber(offset),
            total: Long.fromNumber(msgTotal),
            digest,
            ...(startedAt ? { started_at: startedAt } : {}),
            ...(updatedAt ? { updated_at: updatedAt } : {}),
          }).finish(),
        );
        if (action === api.WriteAction.COMMIT) return;
        req = await next();
        if (!req) return;
      }
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
      await w.close();
    }
  }
}

/** The Content service serving `stores` (store id → store). */
export function contentStoreService(stores: ReadonlyMap<string, OciContentStore> | Readonly<Record<string, OciContentStore>> = {}): ContentStoreService {
  return new ContentStoreService(stores);
}
