/**
 * Build-cache import/export plumbing of a solve, as Go's client does it
 * (client/solve.go `parseCacheOptions` and the index update after the
 * solve, v0.32.2):
 *
 * - `type=local,dest=DIR` (export): DIR is created, served in the session as
 *   the content store `local:DIR` (the daemon writes the cache blobs there),
 *   and once the solve succeeded the `cache.manifest` descriptor of the
 *   exporter response is put into `DIR/index.json` under the tag `latest`
 *   (or `tag=...`), replacing the previous entry of that tag. `reset=true`
 *   then deletes the blobs no index entry reaches.
 * - `type=local,src=DIR` (import): without `digest=`, the digest is looked
 *   up in `DIR/index.json` by tag (`latest` or `tag=...`) and added to the
 *   attributes the daemon gets; the store is served as `local:DIR`. A
 *   directory, index entry or blob that is not there skips that import with
 *   a warning (the build runs without it), as buildctl does.
 * - Every other type (registry, inline, gha, s3, ...) is passed through.
 *
 * The attribute values stay exactly as given (the store id is `local:` plus
 * the `dest`/`src` string, which the daemon derives the same way).
 */

import { existsSync, statSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { TsfError, ErrorCode } from "../errors.js";
import { ContentStoreService, OciContentStore } from "./session/content.js";
import type { SessionService } from "./session/service.js";
import { parseBool } from "../internal/go/strconv.js";

/** One cache exporter or importer (`CacheOptionsEntry`). */
export interface CacheOptionsEntry {
  type: string;
  attrs: Record<string, string>;
}

/** OCI descriptor, as written into index.json. */
export interface OciDescriptor {
  mediaType?: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface OciIndex {
  schemaVersion?: number;
  mediaType?: string;
  manifests?: OciDescriptor[];
  [key: string]: unknown;
}

/** Exporter response key holding the JSON descriptor of the exported cache manifest. */
export const CACHE_MANIFEST_KEY = "cache.manifest";
const ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";
const ANNOTATION_IMAGE_NAME = "io.containerd.image.name";
const MEDIA_TYPE_INDEX = "application/vnd.oci.image.index.v1+json";

/** A local cache/OCI layout directory problem (unreadable index.json, ...). */
export class CacheStoreError extends TsfError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(ErrorCode.Io, message, options);
  }
}

export interface PrepareCacheOptions {
  /** Called for each local import that is skipped, and for reset problems. */
  onWarning?: (message: string) => void;
}

/** What a solve sends and serves for its cache options, and what it does afterwards. */
export interface PreparedCache {
  exports: CacheOptionsEntry[];
  /** Imports to send (local ones with their `digest`, unusable local ones left out). */
  imports: CacheOptionsEntry[];
  /** The content store service for local directories; absent when there are none. */
  contentStore?: ContentStoreService;
  sessionServices: SessionService[];
  /** Updates the index.json of local export directories from the exporter response (and applies `reset=true`). */
  finish(exporterResponse: Readonly<Record<string, string>>): Promise<void>;
}

/**
 * Turns the cache options of a solve into what goes on the wire and the
 * session's content stores. Creates local export directories (mode 0755).
 */
export async function prepareCache(
  cacheExports: readonly CacheOptionsEntry[] = [],
  cacheImports: readonly CacheOptionsEntry[] = [],
  options: PrepareCacheOptions = {},
): Promise<PreparedCache> {
  const warn = options.onWarning ?? (() => {});
  const stores = new Map<string, OciContentStore>();
  const storeFor = (dir: string) => {
    const id = `local:${dir}`;
    let s = stores.get(id);
    if (!s) {
      s = new OciContentStore(dir);
      stores.set(id, s);
    }
    return s;
  };
  const toUpdate = new Map<string, string>(); // dir -> tag
  const toReset: string[] = [];

  const exports: CacheOptionsEntry[] = [];
  for (const ex of cacheExports) {
    const attrs = { ...ex.attrs };
    if (ex.type === "local") {
      const dir = attrs.dest ?? "";
      if (dir === "") throw new CacheStoreError("local cache exporter requires dest");
      try {
        await fs.mkdir(dir, { recursive: true, mode: 0o755 });
      } catch (err) {
        throw new CacheStoreError(`cannot create cache directory ${dir}: ${(err as Error).message}`, { cause: err });
      }
      storeFor(dir);
      toUpdate.set(dir, attrs.tag ?? "latest");
      if (attrs.reset !== undefined) {
        const b = parseBool(attrs.reset);
        if (b === undefined) throw new CacheStoreError(`failed to parse reset attribute ${JSON.stringify(attrs.reset)}`);
        if (b) toReset.push(dir);
      }
    } else if (ex.type === "registry" && !attrs.ref) {
      throw new CacheStoreError("registry cache exporter requires ref");
    }
    exports.push({ type: ex.type, attrs });
  }

  const imports: CacheOptionsEntry[] = [];
  for (const im of cacheImports) {
    const attrs = { ...im.attrs };
    if (im.type === "local") {
      const dir = attrs.src ?? "";
      if (dir === "") throw new CacheStoreError("local cache importer requires src");
      if (!existsSync(dir) || !statSync(dir).isDirectory()) {
        warn(`local cache import at ${dir} not found: no such directory`);
        continue;
      }
      const store = new OciContentStore(dir);
      if (!attrs.digest) {
        const tag = attrs.tag ?? "latest";
        if (tag === "") throw new CacheStoreError('local cache importer requires either explicit digest, "latest" tag or custom tag on index.json');
        let desc: OciDescriptor | undefined;
        try {
          desc = await indexGet(dir, tag);
        } catch (err) {
          warn(`local cache import at ${dir} skipped due to err: ${(err as Error).message}`);
          continue;
        }
        if (!desc) {
          warn(`local cache import at ${dir} skipped: no digest found for tag ${tag}`);
          continue;
        }
        attrs.digest = desc.digest;
      }
      try {
        await store.info(attrs.digest!);
      } catch (err) {
        warn(`local cache import at ${dir} skipped: digest ${attrs.digest} unavailable: ${(err as Error).message}`);
        continue;
      }
      if (!stores.has(`local:${dir}`)) stores.set(`local:${dir}`, store);
    } else if (im.type === "registry" && !attrs.ref) {
      throw new CacheStoreError("registry cache importer requires ref");
    }
    imports.push({ type: im.type, attrs });
  }

  const contentStore = stores.size > 0 ? new ContentStoreService(stores) : undefined;
  return {
    exports,
    imports,
    ...(contentStore ? { contentStore } : {}),
    sessionServices: contentStore ? [contentStore] : [],
    async finish(exporterResponse) {
      const raw = exporterResponse[CACHE_MANIFEST_KEY];
      if (raw) {
        let desc: OciDescriptor;
        try {
          desc = JSON.parse(raw) as OciDescriptor;
        } catch (err) {
          throw new CacheStoreError(`the daemon's ${CACHE_MANIFEST_KEY} is not JSON: ${(err as Error).message}`, { cause: err });
        }
        for (const [dir, tag] of toUpdate) await indexPut(dir, desc, { tag });
      }
      for (const dir of toReset) {
        try {
          await resetStore(dir);
        } catch (err) {
          warn(`failed to reset cache store ${dir}: ${(err as Error).message}`);
        }
      }
    },
  };
}

// ---------------------------------------------------------------------------
// index.json (Go's client/ociindex)

async function readIndex(dir: string): Promise<OciIndex | undefined> {
  const file = path.join(dir, "index.json");
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CacheStoreError(`could not read ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (text.length === 0) return {};
  try {
    return JSON.parse(text) as OciIndex;
  } catch (err) {
    throw new CacheStoreError(`could not unmarshal ${file} (${JSON.stringify(text.slice(0, 200))}): ${(err as Error).message}`, { cause: err });
  }
}

/** The descriptor tagged `tag` in `dir/index.json` (containerd image name first, then the OCI ref name), as ociindex.Get. */
export async function indexGet(dir: string, tag: string): Promise<OciDescriptor | undefined> {
  const idx = await readIndex(dir);
  if (!idx) throw new CacheStoreError(`could not read ${path.join(dir, "index.json")}: no such file`);
  const manifests = idx.manifests ?? [];
  return manifests.find((m) => m.annotations?.[ANNOTATION_IMAGE_NAME] === tag) ?? manifests.find((m) => m.annotations?.[ANNOTATION_REF_NAME] === tag);
}

/**
 * Puts `desc` into `dir/index.json` under a tag (or image name), replacing
 * entries with the same names, and writes `oci-layout` (ociindex.Put).
 * index.json is replaced atomically (temporary file + rename) and the
 * update is serialised by a lock file beside it.
 */
export async function indexPut(dir: string, desc: OciDescriptor, name: { tag: string } | { name: string; refName?: string }): Promise<void> {
  const file = path.join(dir, "index.json");
  await withLock(`${file}.lock`, async () => {
    await writeAtomic(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    const idx: OciIndex = (await readIndex(dir)) ?? {};
    if (!idx.schemaVersion) idx.schemaVersion = 2;
    if (!idx.mediaType) idx.mediaType = MEDIA_TYPE_INDEX;
    const entry: OciDescriptor = { ...desc, annotations: { ...(desc.annotations ?? {}) } };
    let imgName = "";
    let refName: string;
    if ("tag" in name) {
      refName = name.tag;
    } else {
      imgName = name.name;
      refName = name.refName ?? name.name;
    }
    if (imgName !== "") entry.annotations![ANNOTATION_IMAGE_NAME] = imgName;
    entry.annotations![ANNOTATION_REF_NAME] = refName;
    const kept = (idx.manifests ?? []).filter(
      (m) => (m.annotations?.[ANNOTATION_REF_NAME] ?? "") !== refName || (m.annotations?.[ANNOTATION_IMAGE_NAME] ?? "") !== imgName,
    );
    idx.manifests = [...kept, entry];
    await writeAtomic(file, JSON.stringify(idx));
  });
}

async function writeAtomic(file: string, data: string): Promise<void> {
  const tmp = `${file}.tsfrontend-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const h = await fs.open(tmp, "w", 0o644);
    try {
      await h.writeFile(data);
      await h.sync();
    } finally {
      await h.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw new CacheStoreError(`could not write ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** An exclusive lock file (O_EXCL); waits up to 10 s for another holder, taking over a lock left by a dead process. */
async function withLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const h = await fs.open(lockFile, "wx", 0o644);
      await h.writeFile(String(process.pid));
      await h.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw new CacheStoreError(`could not lock ${lockFile}: ${(err as Error).message}`, { cause: err });
      const holder = Number.parseInt(await fs.readFile(lockFile, "utf8").catch(() => ""), 10);
      if (Number.isFinite(holder) && holder > 0 && !alive(holder)) {
        await fs.rm(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new CacheStoreError(`could not lock ${lockFile}: held by ${Number.isFinite(holder) ? `pid ${holder}` : "another process"}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockFile, { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

// ---------------------------------------------------------------------------
// reset=true (client/solve.go resetCacheStore)

const MANIFEST_TYPES = new Set(["application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"]);
const INDEX_TYPES = new Set([MEDIA_TYPE_INDEX, "application/vnd.docker.distribution.manifest.list.v2+json"]);

/** Deletes every blob of `dir` that no index.json entry reaches (manifests, indexes, configs, layers). */
export async function resetStore(dir: string): Promise<string[]> {
  const idx = await readIndex(dir);
  if (!idx) throw new CacheStoreError(`reset: failed to read ${path.join(dir, "index.json")}`);
  const store = new OciContentStore(dir);
  const referenced = new Set<string>();
  const queue: OciDescriptor[] = [...(idx.manifests ?? [])];
  while (queue.length > 0) {
    const d = queue.shift()!;
    if (referenced.has(d.digest)) continue;
    referenced.add(d.digest);
    if (!d.mediaType || (!MANIFEST_TYPES.has(d.mediaType) && !INDEX_TYPES.has(d.mediaType))) continue;
    let doc: { config?: OciDescriptor; layers?: OciDescriptor[]; manifests?: OciDescriptor[] };
    try {
      doc = JSON.parse(await fs.readFile(store.blobPath(d.digest), "utf8")) as typeof doc;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw new CacheStoreError(`reset: failed to read ${d.digest}: ${(err as Error).message}`, { cause: err });
    }
    if (MANIFEST_TYPES.has(d.mediaType)) {
      if (doc.config) queue.push(doc.config);
      queue.push(...(doc.layers ?? []));
    } else {
      queue.push(...(doc.manifests ?? []));
    }
  }
  const deleted: string[] = [];
  for (const info of await store.walk()) {
    if (referenced.has(info.digest)) continue;
    await store.delete(info.digest);
    deleted.push(info.digest);
  }
  return deleted;
}
