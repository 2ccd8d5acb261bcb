/**
 * `moby.filesync.v1.FileSend`: the daemon's exporters stream their output
 * to us (session/filesync/filesync.go `SyncTarget`, v0.32.2).
 *
 * The metadata `buildkit-attachable-exporter-id` (decimal index into
 * `SolveRequest.Exporters`; missing or unparsable = 0, as Go's chooser) picks
 * the target:
 *
 * - **file** (`tar`, `oci`, `docker`): the stream carries `BytesMessage{data}`
 *   chunks. They go to a temp file beside the destination
 *   (`.<name>.tsfrontend-<random>.tmp`), which is renamed over the
 *   destination only once the daemon half-closed the stream. A symlinked
 *   destination is written through (as `os.Create` would).
 * - **stdout**: the same chunks, streamed through as they come.
 * - **dir** (`local`): the stream carries fsutil `Packet`s and we are the
 *   fsutil *receiver* (fsutil receive.go / rootdiskwriter.go): every STAT is
 *   validated (fsutil's order validator and hardlink validator, plus: no
 *   `.`, no NUL), entries are created in a private staging directory, every
 *   regular file is requested (`REQ` by id) and written from `DATA`, and
 *   once the listing has ended and every file is complete the tree is
 *   placed at the destination, *then* `FIN` is sent — so, as with Go, when
 *   the daemon's export returns the files are in place.
 *
 * Placement ("an interrupted export never leaves half a result"):
 *
 * - The staging directory is created next to the destination (same file
 *   system; if the destination is a mount point, inside it as a hidden
 *   `.tsfrontend-export-*` directory) and removed on any error or abort.
 * - Destination missing: the staging directory is renamed to it (new
 *   destinations get mode 0700, like buildctl's `MkdirAll(dest, 0700)`).
 * - Destination is a directory, `mode=copy` (the default): like buildctl
 *   (fsutil `Merge: true`) the export is merged into it — entries not in the
 *   export are kept, exported paths replace what was there (files and
 *   symlinks by an atomic rename over the old entry, directories are merged
 *   and get the exported metadata, a type change moves the old entry aside
 *   first). Only renames happen in this phase; it is not interrupted by the
 *   abort signal.
 * - `mode=delete` (needs the daemon's `buildkit-exporter-multi-platform`
 *   header, as Go checks): the result replaces the directory: the old one is
 *   renamed aside, the staged one renamed in, the old one deleted; the
 *   destination directory keeps its own mode and owner.
 * - Directory modes and mtimes are applied after placement, deepest first,
 *   so read-only directories never block the move.
 * - With `placement: "deferred"` nothing is placed when the stream ends; the
 *   caller calls {@link FileSendService.commit} once the solve succeeded (or
 *   {@link FileSendService.discard}). Default `"immediate"`.
 *
 * Names are bytes end to end: a Stat's path and linkname are Go strings
 * (any bytes; Linux names need not be UTF-8), decoded with fs-stat.ts's
 * decoder (protobufjs refuses non-UTF-8 strings), validated as byte strings
 * and written with Buffer paths; placement reads directories as bytes too.
 *
 * Metadata: Go FileMode bits (permissions plus setuid/setgid/sticky), mtimes
 * (ns on the wire; Node sets them to about 1 µs), uid/gid only when
 * `preserveOwnership` (default off: the files are the client user's, as
 * buildctl's and buildx's receiver makes them, filesync `syncTargetDiffCopy`
 * setting every entry's uid/gid to the caller's). Symlinks get lutimes, no chmod.
 * FIFOs and device nodes are made with `mkfifo`/`mknod`. Xattrs are not
 * written (Node has no API; Go writes them best effort).
 */

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fsSync from "node:fs";
import { constants as fsc } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { moby } from "../../proto/index.js";
import { decodePacket, decodeStat, encodePacket, PacketType, type DecodedPacket, type FileStat } from "./fs-stat.js";
import { GrpcCode, GrpcStatusError, type CallContext, type MessageStream, type MethodHandler, type SessionService } from "./service.js";
import { cleanPath } from "../../internal/go/path.js";
import { ErrorCode, TsfError } from "../../errors.js";
import { isSpecialFile } from "../../internal/node/special-file.js";

/** Metadata keys of session/filesync/filesync.go. */
export const KEY_EXPORTER_ID = "buildkit-attachable-exporter-id";
export const KEY_EXPORTER_META_PREFIX = "exporter-md-";
export const KEY_EXPORTER_MULTI_PLATFORM = "buildkit-exporter-multi-platform";

/** Where one exporter's output goes. */
export type FileSendTarget =
  | { kind: "file"; path: string; exporter?: string }
  | { kind: "stdout"; stream?: NodeJS.WritableStream; exporter?: string }
  | { kind: "dir"; path: string; mode?: "copy" | "delete"; exporter?: string };

/** One finished (placed) export. */
export interface ExportedOutput {
  /** Exporter index. */
  id: number;
  target: FileSendTarget;
  /** `exporter-md-*` metadata of the stream (repeated keys joined with `,`, as Go does). */
  metadata: Record<string, string>;
  /** Bytes received: file content for file/stdout targets, regular-file data for dirs. */
  bytes: number;
  /** Entries received (dir targets). */
  entries?: number;
}

export interface FileSendOptions {
  /** Targets by exporter index: an array (index = id), a Map or a record. */
  targets: readonly (FileSendTarget | undefined)[] | ReadonlyMap<number, FileSendTarget> | Readonly<Record<number, FileSendTarget>>;
  /** `"immediate"` (default): place each result when its stream completes. `"deferred"`: keep it staged until `commit()`. */
  placement?: "immediate" | "deferred";
  /** lchown entries to the exported uid/gid (as root). Default false: the client user's, as buildctl. */
  preserveOwnership?: boolean;
  /** Called after each result is placed. */
  onExported?: (output: ExportedOutput) => void;
}

/** The FileSend session service; also holds deferred results. */
export class FileSendService implements SessionService {
  readonly name = "moby.filesync.v1.FileSend";
  readonly methods: Readonly<Record<string, MethodHandler>>;
  /** Every result placed so far. */
  readonly exported: ExportedOutput[] = [];
  private readonly targets = new Map<number, FileSendTarget>();
  private readonly placement: "immediate" | "deferred";
  private readonly preserveOwnership: boolean;
  private readonly onExported: ((output: ExportedOutput) => void) | undefined;
  private readonly staged: Staged[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private readonly locks = new Map<string, Promise<void>>();

  constructor(options: FileSendOptions) {
    const t = options.targets;
    if (Array.isArray(t)) t.forEach((v, i) => v && this.targets.set(i, v));
    else if (t instanceof Map) for (const [k, v] of t) this.targets.set(k, v);
    else for (const [k, v] of Object.entries(t as Record<string, FileSendTarget>)) this.targets.set(Number(k), v);
    this.placement = options.placement ?? "immediate";
    this.preserveOwnership = options.preserveOwnership ?? false;
    this.onExported = options.onExported;
    this.methods = { DiffCopy: { kind: "stream", handler: (stream, ctx) => this.track(this.diffCopy(stream, ctx)) } };
  }

  /** Places every deferred result (waits for streams still running first). */
  async commit(): Promise<void> {
    await this.settled();
    const items = this.staged.splice(0);
    let firstError: unknown;
    for (const s of items) {
      if (firstError !== undefined) {
        await s.discard();
        continue;
      }
      try {
        await this.withLock(s.key, () => s.place());
        this.done(s.output);
      } catch (err) {
        firstError = err;
        await s.discard();
      }
    }
    if (firstError !== undefined) throw firstError;
  }

  /** Drops every deferred result (waits for streams still running first). */
  async discard(): Promise<void> {
    await this.settled();
    for (const s of this.staged.splice(0)) await s.discard();
  }

  /** Resolves when no stream is being received. */
  async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private track(p: Promise<void>): Promise<void> {
    const t = p.then(
      () => {},
      () => {},
    );
    this.inflight.add(t);
    void t.then(() => this.inflight.delete(t));
    return p;
  }

  private async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const chained = prev.then(() => next);
    this.locks.set(key, chained);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(key) === chained) this.locks.delete(key);
    }
  }

  private done(output: ExportedOutput): void {
    this.exported.push(output);
    try {
      this.onExported?.(output);
    } catch {
      // A reporting callback must not fail the export.
    }
  }

  private async diffCopy(stream: MessageStream, ctx: CallContext): Promise<void> {
    const id = exporterID(ctx);
    const target = this.targets.get(id);
    if (!target) throw new GrpcStatusError(GrpcCode.NOT_FOUND, `exporter ${id} not found`);
    const metadata: Record<string, string> = {};
    for (const [k, v] of ctx.metadata) if (k.startsWith(KEY_EXPORTER_META_PREFIX)) metadata[k.slice(KEY_EXPORTER_META_PREFIX.length)] = v.join(",");
    const output: ExportedOutput = { id, target, metadata, bytes: 0 };

    if (target.kind === "stdout") {
      output.bytes = await copyToWritable(stream, target.stream ?? process.stdout, ctx.signal);
      this.done(output);
      return;
    }
    if (target.kind === "file") {
      const staged = await receiveFileStaged(stream, target.path, ctx.signal);
      output.bytes = staged.bytes;
      await this.finish(staged.staged(output), output);
      return;
    }
    const deleteMode = target.mode === "delete";
    if (deleteMode && !(ctx.metadata.get(KEY_EXPORTER_MULTI_PLATFORM) ?? []).includes("1")) {
      throw new Error("local exporter mode=delete requires a BuildKit daemon with multi-platform local export support");
    }
    const layout = await prepareDirStaging(target.path);
    let placed = false;
    try {
      const tree = await receiveTree(stream, layout.staging, {
        signal: ctx.signal,
        preserveOwnership: this.preserveOwnership,
        beforeFin: async (tree) => {
          output.bytes = tree.bytes;
          output.entries = tree.entries;
          if (this.placement === "immediate") {
            await this.withLock(layout.dest, () => placeDirectory(layout, tree.dirs, deleteMode, this.preserveOwnership));
            placed = true;
          }
        },
      });
      if (placed) this.done(output);
      else
        this.staged.push({
          key: layout.dest,
          output,
          place: () => placeDirectory(layout, tree.dirs, deleteMode, this.preserveOwnership),
          discard: () => dropStaging(layout),
        });
    } catch (err) {
      if (!placed) await dropStaging(layout);
      throw err;
    }
  }

  private async finish(s: Staged, output: ExportedOutput): Promise<void> {
    if (this.placement === "deferred") {
      this.staged.push(s);
      return;
    }
    try {
      await this.withLock(s.key, () => s.place());
    } catch (err) {
      await s.discard();
      throw err;
    }
    this.done(output);
  }
}

interface Staged {
  key: string;
  output: ExportedOutput;
  place(): Promise<void>;
  discard(): Promise<void>;
}

/** Creates the FileSend service for `targets` (index = exporter id). */
export function fileSendService(options: FileSendOptions): FileSendService {
  return new FileSendService(options);
}

/**
 * Checks, before anything is built, that every target can be written: buildctl
 * creates a file destination when it parses `--output` (`os.Create`), so an
 * unwritable path fails at once, not after the build. Here a file target's
 * staging file (the directory the atomic rename happens in) and a directory
 * target's staging directory (in its nearest existing ancestor, where
 * `MkdirAll` would start) are created and removed again, so nothing is left.
 * Throws a {@link TargetError} naming the destination.
 */
export async function checkTargets(targets: readonly (FileSendTarget | undefined)[]): Promise<void> {
  for (const t of targets) {
    if (t?.kind === "file") await probeFileTarget(t.path);
    else if (t?.kind === "dir") await probeDirTarget(t.path);
  }
}

/** A destination that cannot be written. `path` is the destination as given. */
export class TargetError extends TsfError {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(ErrorCode.Io, message, options);
  }
}

function targetProblem(dest: string, err: unknown, what: string): TargetError {
  const code = errCode(err);
  const why =
    code === "EACCES" || code === "EPERM"
      ? "permission denied"
      : code === "EROFS"
        ? "read-only file system"
        : code === "ENOTDIR"
          ? "a parent is not a directory"
          : code === "ENOENT"
            ? "its directory does not allow creating files"
            : (err as Error).message;
  return new TargetError(dest, `cannot create ${what} ${dest}: ${why}`, { cause: err });
}

async function probeFileTarget(dest: string): Promise<void> {
  let real: string;
  try {
    real = await resolveFileDest(dest);
  } catch (err) {
    throw err instanceof Error && !errCode(err) ? new TargetError(dest, err.message) : targetProblem(dest, err, "file");
  }
  if (isSpecialFile(real)) {
    // Written into as it is (see receiveFileStaged): it must take writes, nothing is made beside it.
    await fs.access(real, fsc.W_OK).catch((err: unknown) => {
      throw targetProblem(dest, err, "file");
    });
    return;
  }
  const tmp = path.join(path.dirname(real), `.${path.basename(real)}.tsfrontend-${randomSuffix()}.tmp`);
  try {
    const fh = await fs.open(tmp, "wx", 0o666);
    await fh.close();
  } catch (err) {
    throw targetProblem(dest, err, "file");
  }
  await fs.rm(tmp, { force: true }).catch(() => {});
}

async function probeDirTarget(dest: string): Promise<void> {
  let dir = path.resolve(dest);
  try {
    // Where the staging directory goes: beside dest, or where MkdirAll would start creating.
    let st = await lstatOrUndefined(dir);
    if (st?.isSymbolicLink()) {
      dir = await fs.realpath(dir).catch(() => dir);
      st = await lstatOrUndefined(dir);
    }
    if (st && !st.isDirectory()) throw new TargetError(dest, `destination ${dest} exists and is not a directory`);
    let at = path.dirname(dir);
    for (;;) {
      const a = await fs.stat(at).catch((err: unknown) => {
        if (errCode(err) === "ENOENT") return undefined;
        throw err;
      });
      if (a) {
        if (!a.isDirectory()) throw Object.assign(new Error(`${at} is not a directory`), { code: "ENOTDIR" });
        break;
      }
      at = path.dirname(at);
    }
    let probe: string;
    try {
      probe = await fs.mkdtemp(path.join(at, ".tsfrontend-probe-"));
    } catch (err) {
      // dest may be a writable mount point in a read-only parent: staging then goes inside it.
      if (!st) throw err;
      probe = await fs.mkdtemp(path.join(dir, ".tsfrontend-probe-"));
    }
    await fs.rmdir(probe).catch(() => {});
  } catch (err) {
    if (err instanceof TargetError) throw err;
    throw targetProblem(dest, err, "directory");
  }
}

/** Go's chooser: first value, base-10 integer, anything else = 0. */
function exporterID(ctx: CallContext): number {
  const v = ctx.metadata.get(KEY_EXPORTER_ID)?.[0];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return 0;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : 0;
}

// ---------------------------------------------------------------------------
// Stream helpers

function canceled(signal?: AbortSignal): GrpcStatusError {
  const reason = signal?.reason instanceof Error && signal.reason.name !== "AbortError" ? `: ${signal.reason.message}` : "";
  return new GrpcStatusError(GrpcCode.CANCELLED, `export canceled${reason}`);
}

/** Incoming messages; throws a CANCELLED error as soon as `signal` fires. */
async function* messages(stream: MessageStream, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const it = stream[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(canceled(signal));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    for (;;) {
      if (signal?.aborted) throw canceled(signal);
      const r = await Promise.race([it.next(), aborted]);
      if (r.done) return;
      yield r.value;
    }
  } finally {
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    void it.return?.()?.catch(() => {});
  }
}

function bytesMessageData(raw: Uint8Array): Uint8Array {
  try {
    return moby.filesync.v1.BytesMessage.decode(raw).data ?? new Uint8Array();
  } catch (err) {
    throw new Error(`malformed BytesMessage from the daemon: ${(err as Error).message}`);
  }
}

async function copyToWritable(stream: MessageStream, out: NodeJS.WritableStream, signal: AbortSignal): Promise<number> {
  let bytes = 0;
  for await (const raw of messages(stream, signal)) {
    const data = bytesMessageData(raw);
    if (data.length === 0) continue;
    bytes += data.length;
    if (!out.write(data)) {
      await new Promise<void>((resolve, reject) => {
        const cleanup = () => {
          out.off("drain", onDrain);
          out.off("error", onError);
          signal.removeEventListener("abort", onAbort);
        };
        const onDrain = () => (cleanup(), resolve());
        const onError = (err: Error) => (cleanup(), reject(err));
        const onAbort = () => (cleanup(), reject(canceled(signal)));
        out.on("drain", onDrain);
        out.on("error", onError);
        signal.addEventListener("abort", onAbort, { once: true });
      });
    }
  }
  if (signal.aborted) throw canceled(signal);
  return bytes;
}

// ---------------------------------------------------------------------------
// Leftover cleanup if the process exits mid-export.

const live = new Set<string>();
let exitHook = false;
function trackLive(p: string): void {
  live.add(p);
  if (!exitHook) {
    exitHook = true;
    process.once("exit", () => {
      for (const q of live) {
        try {
          fsSync.rmSync(q, { recursive: true, force: true });
        } catch {
          // best effort
        }
      }
    });
  }
}

function randomSuffix(): string {
  return randomBytes(6).toString("hex");
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

async function lstatOrUndefined(p: string | Buffer) {
  try {
    return await fs.lstat(p);
  } catch (err) {
    if (errCode(err) === "ENOENT") return undefined;
    throw err;
  }
}

/** Removes a tree even when it contains read-only directories (non-root). */
export async function removeTree(p: string | Buffer): Promise<void> {
  try {
    await fs.rm(p, { recursive: true, force: true });
    return;
  } catch (err) {
    if (errCode(err) !== "EACCES" && errCode(err) !== "EPERM") throw err;
  }
  await makeTreeWritable(p);
  await fs.rm(p, { recursive: true, force: true });
}

async function makeTreeWritable(p: string | Buffer): Promise<void> {
  const st = await lstatOrUndefined(p);
  if (!st?.isDirectory()) return;
  await fs.chmod(p, (st.mode | 0o700) & 0o7777).catch(() => {});
  for (const name of await fs.readdir(p, { encoding: "buffer" }).catch(() => [] as Buffer[])) await makeTreeWritable(joinBytes(p, name));
}

// ---------------------------------------------------------------------------
// File target

/** The real file a file destination names: follows a symlink, refuses directories. */
async function resolveFileDest(dest: string): Promise<string> {
  let real = path.resolve(dest);
  const lst = await lstatOrUndefined(real);
  if (lst?.isSymbolicLink()) {
    try {
      real = await fs.realpath(real);
    } catch {
      // dangling: replace the link itself
    }
  }
  const st = await lstatOrUndefined(real);
  if (st?.isDirectory()) throw new Error(`destination file is a directory: ${dest}`);
  return real;
}

async function receiveFileStaged(stream: MessageStream, dest: string, signal: AbortSignal) {
  const real = await resolveFileDest(dest);
  if (isSpecialFile(real)) return receiveIntoSpecialFile(stream, real, signal);
  const tmp = path.join(path.dirname(real), `.${path.basename(real)}.tsfrontend-${randomSuffix()}.tmp`);
  trackLive(tmp);
  const drop = async () => {
    await fs.rm(tmp, { force: true }).catch(() => {});
    live.delete(tmp);
  };
  let bytes: number;
  try {
    bytes = await writeStream(await fs.open(tmp, "wx", 0o666), stream, signal);
  } catch (err) {
    await drop();
    throw err;
  }
  return {
    bytes,
    staged: (output: ExportedOutput): Staged => ({
      key: real,
      output,
      place: async () => {
        const st = await lstatOrUndefined(real);
        if (st?.isDirectory()) throw new Error(`destination file is a directory: ${dest}`);
        await fs.rename(tmp, real);
        live.delete(tmp);
      },
      discard: drop,
    }),
  };
}

/** Writes the stream's bytes to `fh` and closes it; resolves with the count. */
async function writeStream(fh: fs.FileHandle, stream: MessageStream, signal: AbortSignal): Promise<number> {
  let bytes = 0;
  try {
    for await (const raw of messages(stream, signal)) {
      const data = bytesMessageData(raw);
      if (data.length === 0) continue;
      await fh.write(data);
      bytes += data.length;
    }
    if (signal.aborted) throw canceled(signal);
  } finally {
    await fh.close();
  }
  return bytes;
}

/**
 * A device or FIFO destination (/dev/null, /dev/stdout, a named pipe) is written into as it is, as
 * buildctl does: renaming a staged file over it would replace it. Nothing there to keep whole.
 */
async function receiveIntoSpecialFile(stream: MessageStream, real: string, signal: AbortSignal) {
  return {
    bytes: await writeStream(await fs.open(real, "w"), stream, signal),
    staged: (output: ExportedOutput): Staged => ({ key: real, output, place: async () => {}, discard: async () => {} }),
  };
}

// ---------------------------------------------------------------------------
// Go FileMode

const MODE_DIR = 0x80000000;
const MODE_SYMLINK = 0x08000000;
const MODE_DEVICE = 0x04000000;
const MODE_NAMED_PIPE = 0x02000000;
const MODE_SOCKET = 0x01000000;
const MODE_SETUID = 0x00800000;
const MODE_SETGID = 0x00400000;
const MODE_CHAR_DEVICE = 0x00200000;
const MODE_STICKY = 0x00100000;
const MODE_IRREGULAR = 0x00080000;
const MODE_TYPE = MODE_DIR | MODE_SYMLINK | MODE_NAMED_PIPE | MODE_SOCKET | MODE_DEVICE | MODE_CHAR_DEVICE | MODE_IRREGULAR;

/** Go `os.FileMode` → the mode `chmod(2)` takes (perm + setuid/setgid/sticky). */
export function goModeToPosix(mode: number): number {
  const m = mode >>> 0;
  let out = m & 0o777;
  if (m & MODE_SETUID) out |= 0o4000;
  if (m & MODE_SETGID) out |= 0o2000;
  if (m & MODE_STICKY) out |= 0o1000;
  return out;
}

/** ns since the epoch → seconds for `utimes` (Node keeps about 1 µs). */
function nsToSeconds(ns: bigint): number {
  const s = ns / 1_000_000_000n;
  const r = ns % 1_000_000_000n;
  return Number(s) + Number(r) / 1e9;
}

// ---------------------------------------------------------------------------
// Byte paths
//
// Paths on the wire are Go strings: any bytes, not necessarily UTF-8 (a Linux
// file name is bytes). The receiver keeps each path as a *byte string* (one
// char per byte, latin1), so validation, ordering and lookups work on the
// exact bytes, and hands file system calls Buffers.

const SLASH = Buffer.from("/");

function byteString(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
}

/** A byte string quoted for a message (its bytes read as UTF-8). */
function showPath(p: string): string {
  return JSON.stringify(Buffer.from(p, "latin1").toString("utf8"));
}

/** `dir/name` as a Buffer path; strings are UTF-8, Buffers raw bytes. */
function joinBytes(dir: string | Buffer, name: string | Buffer): Buffer {
  return Buffer.concat([typeof dir === "string" ? Buffer.from(dir) : dir, SLASH, typeof name === "string" ? Buffer.from(name) : name]);
}

// ---------------------------------------------------------------------------
// Path validation (fsutil validator.go / hardlinks.go, plus a few of our own)

/** fsutil `ComparePath` on byte strings (one char per byte): byte-wise, except that `/` sorts before every other byte. */
export function comparePath(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c1 = a.charCodeAt(i);
    const c2 = b.charCodeAt(i);
    if (c1 === c2) continue;
    if ((c2 !== 0x2f && c1 < c2) || c1 === 0x2f) return -1;
    return 1;
  }
  return a.length - b.length;
}

/**
 * fsutil's order validator: clean relative paths, depth-first, siblings
 * strictly increasing, parents seen as directories. Paths are byte strings
 * (one char per byte), so the order is the byte order Go uses.
 */
export class PathValidator {
  private parents: { dir: string; last: string }[] = [{ dir: "", last: "" }];

  check(p: string, isDir: boolean): void {
    if (p.includes("\0")) throw new Error(`invalid path ${showPath(p)}: contains NUL`);
    if (p !== cleanPath(p)) throw new Error(`unclean path ${showPath(p)}`);
    if (p.startsWith("/")) throw new Error(`absolute path ${showPath(p)}`);
    if (p === ".") throw new Error(`invalid path "." (the root is never sent)`);
    const slash = p.lastIndexOf("/");
    const dir = slash < 0 ? "" : p.slice(0, slash);
    const base = slash < 0 ? p : p.slice(slash + 1);
    if (p === ".." || dir === ".." || p.startsWith("../")) throw new Error(`path escapes the destination: ${showPath(p)}`);
    let i = this.parents.length - 1;
    while (i > 0 && comparePath(this.parents[i]!.dir, dir) > 0) i--;
    this.parents.length = i + 1;
    const top = this.parents[i]!;
    // byte strings: JS string order is byte order
    if (dir !== top.dir || (top.last !== "" && top.last >= base)) {
      throw new Error(`changes out of order: ${showPath(p)} ${showPath(top.dir === "" ? top.last : top.last === "" ? top.dir : `${top.dir}/${top.last}`)}`);
    }
    top.last = base;
    if (isDir) this.parents.push({ dir: p, last: "" });
  }
}

// ---------------------------------------------------------------------------
// The fsutil receiver

export interface ReceivedDir {
  /** Path relative to the tree root, `/`-separated: the bytes received. */
  rel: Buffer;
  mode: number;
  uid: number;
  gid: number;
  mtimeNs: bigint;
}

export interface ReceivedTree {
  /** Directories in pre-order; their metadata is applied after placement. */
  dirs: ReceivedDir[];
  entries: number;
  files: number;
  bytes: number;
}

export interface ReceiveTreeOptions {
  signal?: AbortSignal;
  /** lchown entries to the exported uid/gid. Default false. */
  preserveOwnership?: boolean;
  /**
   * Runs once every entry and file is written, before FIN is sent (to place
   * the result). Without it, directory metadata is applied in `root` itself.
   */
  beforeFin?: (tree: ReceivedTree) => Promise<void>;
  /** Most files kept open at once while their DATA interleaves. Default 16. */
  maxOpenFiles?: number;
}

interface PendingFile {
  /** Byte string of the path. */
  rel: string;
  abs: Buffer;
  stat: FileStat;
  /** On disk (created empty, closed). */
  created: boolean;
  /** The create running on the thread pool. */
  creating?: Promise<void>;
  createError?: Error;
  fd?: number;
}

/** Files created ahead on the thread pool at once. */
const CREATES_IN_FLIGHT = 32;

const O_CREATE = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW;
const O_REOPEN = fsc.O_WRONLY | fsc.O_APPEND | fsc.O_NOFOLLOW;

function execFileAsync(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")}: ${String(stderr).trim() || err.message}`));
      else resolve();
    });
  });
}

/** Owner, mode and mtime of a file we have open (chmod after chown: chown clears setuid/setgid). */
function applyFdMetadata(fd: number, stat: FileStat, preserveOwnership: boolean): void {
  if (preserveOwnership) fsSync.fchownSync(fd, stat.uid, stat.gid);
  fsSync.fchmodSync(fd, goModeToPosix(stat.mode));
  const t = nsToSeconds(stat.modTime);
  fsSync.futimesSync(fd, t, t);
}

/** The same by path (symlinks: lchown/lutimes, no chmod; FIFOs and devices are never opened). */
function applyPathMetadata(abs: Buffer, stat: FileStat, preserveOwnership: boolean, symlink: boolean): void {
  if (preserveOwnership) fsSync.lchownSync(abs, stat.uid, stat.gid);
  const t = nsToSeconds(stat.modTime);
  if (symlink) {
    fsSync.lutimesSync(abs, t, t);
    return;
  }
  fsSync.chmodSync(abs, goModeToPosix(stat.mode));
  fsSync.utimesSync(abs, t, t);
}

function writeAll(fd: number, data: Uint8Array): void {
  for (let off = 0; off < data.length; ) off += fsSync.writeSync(fd, data, off, data.length - off);
}

/** Applies directory modes, owners and mtimes under `root`, deepest first; skips anything that is not a directory. */
export function applyDirMetadata(root: string, dirs: readonly ReceivedDir[], preserveOwnership: boolean): void {
  const rootBytes = Buffer.from(root);
  for (let i = dirs.length - 1; i >= 0; i--) {
    const d = dirs[i]!;
    const abs = joinBytes(rootBytes, d.rel);
    let st: fsSync.Stats;
    try {
      st = fsSync.lstatSync(abs);
    } catch (err) {
      if (errCode(err) === "ENOENT") continue;
      throw err;
    }
    if (!st.isDirectory()) continue;
    if (preserveOwnership) fsSync.lchownSync(abs, d.uid, d.gid);
    fsSync.chmodSync(abs, goModeToPosix(d.mode));
    const t = nsToSeconds(d.mtimeNs);
    fsSync.utimesSync(abs, t, t);
  }
}

/**
 * Receives one fsutil transfer into `root` (an existing, empty directory we
 * own). Resolves when the sender's FIN arrives (or the stream ends after our
 * FIN). On error, sends ERR (best effort) and rejects; the caller removes `root`.
 *
 * Speed: a transfer is tens of thousands of small packets, so each is handled
 * with synchronous file system calls on the event loop (a handful of
 * microseconds each, against tens for a trip through the thread pool, and no
 * waiting between packets), except creating files, the one costly call (a
 * journal transaction; hundreds of microseconds on a busy disk): regular files
 * are created empty on the thread pool as their STATs arrive
 * ({@link CREATES_IN_FLIGHT} at once, ahead of their data, as Go creates them
 * at STAT in the walker goroutine while other goroutines write), then written
 * synchronously as DATA arrives, and get their owner, mode and mtime through
 * the descriptor before it is closed. FIFOs and devices (mkfifo/mknod) and the
 * placement before FIN are asynchronous too.
 */
export async function receiveTree(stream: MessageStream, root: string, options: ReceiveTreeOptions = {}): Promise<ReceivedTree> {
  const preserve = options.preserveOwnership ?? false;
  const maxOpen = Math.max(1, options.maxOpenFiles ?? 16);
  const rootBytes = byteString(Buffer.from(root));
  const absOf = (rel: string) => Buffer.from(`${rootBytes}/${rel}`, "latin1");
  const validator = new PathValidator();
  const seenFiles = new Set<string>();
  const pending = new Map<number, PendingFile>();
  const pendingByPath = new Map<string, PendingFile>();
  const open = new Map<number, PendingFile>();
  const tree: ReceivedTree = { dirs: [], entries: 0, files: 0, bytes: 0 };
  let nextID = 0;
  let listingDone = false;
  let sentFin = false;

  // Create-ahead: files waiting to be created, in STAT order.
  const toCreate: PendingFile[] = [];
  let toCreateHead = 0;
  let creating = 0;
  let stopped = false;
  const creates = new Set<Promise<void>>();
  const startCreate = (f: PendingFile): Promise<void> => {
    creating++;
    const done = new Promise<void>((resolve) => {
      const finish = (err: Error | null) => {
        if (err) f.createError = err;
        else f.created = true;
        creating--;
        resolve();
        pumpCreates();
      };
      fsSync.open(f.abs, O_CREATE, 0o600, (err, fd) => (err ? finish(err) : fsSync.close(fd, finish)));
    });
    f.creating = done;
    creates.add(done);
    void done.then(() => creates.delete(done));
    return done;
  };
  const pumpCreates = () => {
    while (!stopped && creating < CREATES_IN_FLIGHT && toCreateHead < toCreate.length) {
      const f = toCreate[toCreateHead++]!;
      if (!f.creating) void startCreate(f);
    }
    if (toCreateHead === toCreate.length) {
      toCreate.length = 0;
      toCreateHead = 0;
    }
  };
  /** Resolves once `f` exists (starting its create now if it is still queued); throws its create error. */
  const created = async (f: PendingFile): Promise<void> => {
    if (!f.created) await (f.creating ?? startCreate(f));
    if (f.createError) throw f.createError;
  };

  const openFile = (f: PendingFile): number => fsSync.openSync(f.abs, O_REOPEN);

  // REQs are written by their own loop, never awaited by the read loop: the
  // daemon's sender stops reading REQs while its file workers wait to send us
  // DATA, so a read loop waiting for a REQ write to drain would deadlock.
  const reqs: number[] = [];
  let reqsRunning = false;
  let reqError: unknown;
  const sendReq = (id: number) => {
    reqs.push(id);
    if (reqsRunning) return;
    reqsRunning = true;
    void (async () => {
      try {
        for (let i = 0; i < reqs.length; i++) await stream.write(encodePacket(PacketType.REQ, reqs[i]!));
      } catch (err) {
        reqError ??= err;
      } finally {
        reqs.length = 0;
        reqsRunning = false;
      }
    })();
  };

  const closeFile = (id: number, f: PendingFile) => {
    open.delete(id);
    const fd = f.fd;
    f.fd = undefined;
    if (fd !== undefined) fsSync.closeSync(fd);
  };

  /** FIFOs and devices: made under a temporary name in root (mkfifo/mknod take string paths), then renamed into place. */
  const makeNode = async (abs: Buffer, stat: FileStat, cmd: string, args: string[]) => {
    const tmp = `${root}/.tsfrontend-node-${randomSuffix()}`;
    await execFileAsync(cmd, ["-m", "600", tmp, ...args]);
    fsSync.renameSync(tmp, abs);
    applyPathMetadata(abs, stat, preserve, false);
  };

  /** Creates the entry; returns a promise only for what must be awaited (a REQ write, mkfifo/mknod). */
  const handleStat = (stat: FileStat): Promise<void> | undefined => {
    const p = byteString(stat.pathRaw!);
    const mode = stat.mode >>> 0;
    const isDir = (mode & MODE_DIR) !== 0;
    const isSymlink = (mode & MODE_SYMLINK) !== 0;
    const id = nextID++;
    validator.check(p, isDir);
    const linkname = byteString(stat.linknameRaw!);
    // Hardlink validator: a link must name a non-link entry already received.
    if (!isDir && !isSymlink) {
      if (linkname !== "") {
        if (!seenFiles.has(linkname)) throw new Error(`invalid link ${showPath(p)} to unknown path: ${showPath(linkname)}`);
      } else {
        seenFiles.add(p);
      }
    }
    tree.entries++;
    const abs = absOf(p);
    if (isDir) {
      fsSync.mkdirSync(abs, 0o700);
      tree.dirs.push({ rel: Buffer.from(p, "latin1"), mode, uid: stat.uid, gid: stat.gid, mtimeNs: stat.modTime });
      return undefined;
    }
    if (isSymlink) {
      fsSync.symlinkSync(Buffer.from(linkname, "latin1"), abs);
      applyPathMetadata(abs, stat, preserve, true);
      return undefined;
    }
    if (linkname !== "") {
      const target = pendingByPath.get(linkname);
      const link = () => {
        fsSync.linkSync(absOf(linkname), abs);
        // All names share the inode: a target still being written gets its metadata when it completes.
        if (!target) applyPathMetadata(abs, stat, preserve, false);
      };
      if (target && !target.created) return created(target).then(link);
      link();
      return undefined;
    }
    if (mode & MODE_NAMED_PIPE) return makeNode(abs, stat, "mkfifo", []);
    if (mode & MODE_DEVICE) return makeNode(abs, stat, "mknod", [mode & MODE_CHAR_DEVICE ? "c" : "b", stat.devmajor.toString(), stat.devminor.toString()]);
    if ((mode & MODE_TYPE) === 0) {
      const f: PendingFile = { rel: p, abs, stat, created: false };
      pending.set(id, f);
      pendingByPath.set(p, f);
      tree.files++;
      toCreate.push(f);
      pumpCreates();
      sendReq(id);
      return undefined;
    }
    // Sockets and irregular files arrive as empty regular files, as with Go's receiver.
    const fd = fsSync.openSync(abs, O_CREATE, 0o600);
    try {
      applyFdMetadata(fd, stat, preserve);
    } finally {
      fsSync.closeSync(fd);
    }
    return undefined;
  };

  const handleData = (id: number, data: Uint8Array): Promise<void> | undefined => {
    const f = pending.get(id);
    if (!f) throw new Error(`invalid file request ${id}`);
    if (!f.created) return created(f).then(() => handleData(id, data));
    if (data.length === 0) {
      const fd = f.fd ?? openFile(f);
      open.delete(id);
      f.fd = undefined;
      try {
        applyFdMetadata(fd, f.stat, preserve);
      } finally {
        fsSync.closeSync(fd);
      }
      pending.delete(id);
      pendingByPath.delete(f.rel);
      return undefined;
    }
    if (f.fd === undefined) {
      if (open.size >= maxOpen) {
        const [oldID, oldest] = open.entries().next().value as [number, PendingFile];
        closeFile(oldID, oldest);
      }
      f.fd = openFile(f);
    } else {
      open.delete(id);
    }
    open.set(id, f);
    writeAll(f.fd, data);
    tree.bytes += data.length;
    return undefined;
  };

  const maybeFinish = async () => {
    if (!listingDone || pending.size > 0 || sentFin) return;
    if (options.beforeFin) await options.beforeFin(tree);
    else applyDirMetadata(root, tree.dirs, preserve);
    sentFin = true;
    await stream.write(encodePacket(PacketType.FIN));
  };

  try {
    let finished = false;
    for await (const raw of messages(stream, options.signal)) {
      let pkt: DecodedPacket;
      let stat: FileStat | undefined;
      try {
        pkt = decodePacket(raw);
        if (pkt.stat) stat = decodeStat(pkt.stat, true);
      } catch (err) {
        throw new Error(`malformed fsutil packet from the daemon: ${(err as Error).message}`);
      }
      switch (pkt.type) {
        case PacketType.STAT:
          if (listingDone) throw new Error("STAT after the end of the listing");
          if (!stat) listingDone = true;
          else {
            const wait = handleStat(stat);
            if (wait) await wait;
          }
          break;
        case PacketType.DATA: {
          const wait = handleData(pkt.id, pkt.data);
          if (wait) await wait;
          break;
        }
        case PacketType.FIN:
          if (!sentFin) throw new Error("sender finished before the transfer was complete");
          finished = true;
          break;
        case PacketType.ERR:
          throw new Error(`error from sender: ${Buffer.from(pkt.data).toString("utf8")}`);
        case PacketType.REQ:
          throw new Error("unexpected REQ packet from the sender");
        default:
          throw new Error(`unknown fsutil packet type ${String(pkt.type)}`);
      }
      if (reqError !== undefined) throw reqError;
      if (finished) break;
      if (listingDone && pending.size === 0) await maybeFinish();
    }
    if (!finished && !sentFin) {
      if (options.signal?.aborted) throw canceled(options.signal);
      throw new Error("the daemon ended the transfer before it was complete");
    }
    return tree;
  } catch (err) {
    // After our FIN everything is written; a cancel from the daemon then is how it hangs up.
    if (sentFin && err instanceof GrpcStatusError && err.code === GrpcCode.CANCELLED) return tree;
    // No create may land in root after we return (the caller removes it).
    stopped = true;
    await Promise.allSettled([...creates]);
    for (const [id, f] of open) {
      try {
        closeFile(id, f);
      } catch {
        // already failing
      }
    }
    if (!(err instanceof GrpcStatusError && err.code === GrpcCode.CANCELLED)) {
      const msg = err instanceof Error ? err.message : String(err);
      await Promise.race([stream.write(encodePacket(PacketType.ERR, 0, Buffer.from(msg, "utf8"))).catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------
// Directory target: staging and placement

export interface DirLayout {
  /** The real destination (symlinks resolved). */
  dest: string;
  /** Staging directory (receives the tree). */
  staging: string;
  /** True when staging is inside `dest` (dest is on another file system than its parent). */
  inside: boolean;
}

/** Creates the staging directory for a directory destination. */
export async function prepareDirStaging(destPath: string): Promise<DirLayout> {
  let dest = path.resolve(destPath);
  const lst = await lstatOrUndefined(dest);
  if (lst?.isSymbolicLink()) {
    try {
      dest = await fs.realpath(dest);
    } catch {
      throw new Error(`destination ${destPath} is a dangling symlink`);
    }
  }
  const st = await lstatOrUndefined(dest);
  if (st && !st.isDirectory()) throw new Error(`destination ${destPath} exists and is not a directory`);
  const parent = path.dirname(dest);
  await fs.mkdir(parent, { recursive: true });
  let inside = false;
  if (st) inside = parent === dest || (await fs.stat(parent)).dev !== st.dev;
  const base = path.basename(dest) || "root";
  const staging = await fs.mkdtemp(inside ? path.join(dest, ".tsfrontend-export-") : path.join(parent, `.${base}.tsfrontend-export-`));
  trackLive(staging);
  return { dest, staging, inside };
}

async function dropStaging(layout: DirLayout): Promise<void> {
  await removeTree(layout.staging).catch(() => {});
  live.delete(layout.staging);
}

/** A fresh, empty directory next to `staging` (same file system) for entries being replaced. */
async function makeTrash(layout: DirLayout): Promise<string> {
  const t = await fs.mkdtemp(layout.inside ? path.join(layout.dest, ".tsfrontend-trash-") : path.join(path.dirname(layout.staging), ".tsfrontend-trash-"));
  trackLive(t);
  return t;
}

/** Directories made writable for the placement (keyed by their path bytes as a byte string). */
class WritableDirs {
  private readonly restore = new Map<string, { dir: Buffer; mode: number }>();
  constructor(private readonly root: boolean) {}
  /** Makes `dir` writable for us if it is not (non-root); remembers the mode. */
  async ensure(dir: string | Buffer): Promise<void> {
    const b = typeof dir === "string" ? Buffer.from(dir) : dir;
    const key = b.toString("latin1");
    if (this.root || this.restore.has(key)) return;
    try {
      await fs.access(b, fs.constants.W_OK | fs.constants.X_OK);
    } catch {
      const st = await fs.lstat(b);
      this.restore.set(key, { dir: b, mode: st.mode & 0o7777 });
      await fs.chmod(b, (st.mode | 0o300) & 0o7777);
    }
  }
  /** Restores the modes, except of directories in `except` (path bytes as byte strings), which got their exported mode. */
  async undo(except: Set<string>): Promise<void> {
    for (const [key, { dir, mode }] of this.restore) if (!except.has(key)) await fs.chmod(dir, mode).catch(() => {});
  }
}

/** Moves the staged tree into dest as described in the module comment. */
async function placeDirectory(layout: DirLayout, dirs: readonly ReceivedDir[], deleteMode: boolean, preserveOwnership: boolean): Promise<void> {
  const { dest, staging, inside } = layout;
  const isRoot = process.getuid?.() === 0;
  const writable = new WritableDirs(isRoot);
  let trash: string | undefined;
  const getTrash = async () => (trash ??= await makeTrash(layout));
  try {
    const st = await lstatOrUndefined(dest);
    if (st && !st.isDirectory()) throw new Error(`destination ${dest} exists and is not a directory`);
    if (!st && !inside) {
      await fs.mkdir(path.dirname(dest), { recursive: true });
      try {
        await fs.rename(staging, dest);
        live.delete(staging);
      } catch (err) {
        if (errCode(err) !== "EEXIST" && errCode(err) !== "ENOTEMPTY") throw err;
        await mergeInto(staging, dest, getTrash, writable);
      }
    } else if (deleteMode && !inside) {
      const old = path.join(await getTrash(), "old");
      await fs.rename(dest, old);
      try {
        await fs.rename(staging, dest);
        live.delete(staging);
      } catch (err) {
        await fs.rename(old, dest).catch(() => {});
        throw err;
      }
      if (isRoot && preserveOwnership) await fs.lchown(dest, st!.uid, st!.gid).catch(() => {});
      await fs.chmod(dest, st!.mode & 0o7777);
    } else if (deleteMode) {
      // dest is a mount point: empty it (into trash inside it), then move the staged entries in.
      await writable.ensure(dest);
      const t = await getTrash();
      const keep = new Set([Buffer.from(path.basename(staging)).toString("latin1"), Buffer.from(path.basename(t)).toString("latin1")]);
      for (const name of await fs.readdir(dest, { encoding: "buffer" })) {
        if (!keep.has(name.toString("latin1"))) await fs.rename(joinBytes(dest, name), joinBytes(t, name));
      }
      for (const name of await fs.readdir(staging, { encoding: "buffer" })) await fs.rename(joinBytes(staging, name), joinBytes(dest, name));
    } else {
      await mergeInto(staging, dest, getTrash, writable);
    }
    applyDirMetadata(dest, dirs, preserveOwnership);
    await writable.undo(new Set(dirs.map((d) => joinBytes(dest, d.rel).toString("latin1"))));
  } finally {
    await dropStaging(layout);
    if (trash) {
      await removeTree(trash).catch(() => {});
      live.delete(trash);
    }
  }
}

/** Merges `src` into `dst` (fsutil Merge: keep what is not exported, replace what is). Never follows symlinks in `dst`. Names are bytes. */
async function mergeInto(src: string | Buffer, dst: string | Buffer, trash: () => Promise<string>, writable: WritableDirs): Promise<void> {
  const names = await fs.readdir(src, { encoding: "buffer" });
  if (names.length > 0) await writable.ensure(dst);
  for (const name of names) {
    const s = joinBytes(src, name);
    const d = joinBytes(dst, name);
    const sst = await fs.lstat(s);
    const dst2 = await lstatOrUndefined(d);
    if (!dst2) {
      await fs.rename(s, d);
    } else if (sst.isDirectory() && dst2.isDirectory()) {
      await mergeInto(s, d, trash, writable);
    } else if (!sst.isDirectory() && !dst2.isDirectory()) {
      await fs.rename(s, d);
    } else {
      // Type change: move the old entry aside (or delete it if it cannot be moved), then rename the new one in.
      try {
        await fs.rename(d, joinBytes(await trash(), Buffer.concat([Buffer.from(`${randomSuffix()}-`), name])));
      } catch {
        await removeTree(d);
      }
      await fs.rename(s, d);
    }
  }
}
