/**
 * Reading images from an OCI image layout (image-spec v1.1 `image-layout.md`):
 * a tarball (`-o type=oci`, `oci-archive:PATH`), a docker-archive tarball
 * (`-o type=docker`, which buildkit v0.32.2 writes with the OCI layout beside
 * `manifest.json`), or a layout directory (`oci:DIR`). The tar is scanned for
 * its headers only; the small JSON blobs are read on demand and checked
 * against their digests, layers only for presence and size.
 */

import { closeSync, openSync, readSync, statSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { ImageError, MediaType, verifyDigest, type BlobSource, type Descriptor } from "./image-inspect.js";
import { sha256Digest } from "../llb/digest.js";

interface TarMember {
  offset: number;
  size: number;
}

function cString(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const nul = s.indexOf(0);
  return (nul < 0 ? s : s.subarray(0, nul)).toString("utf8");
}

function octal(b: Buffer, start: number, len: number): number {
  const f = b.subarray(start, start + len);
  if (f[0]! & 0x80) {
    // base-256 (GNU) for sizes of 8 GiB and more
    let n = 0;
    for (let i = 1; i < f.length; i++) n = n * 256 + f[i]!;
    return n;
  }
  const s = cString(b, start, len).trim();
  return s === "" ? 0 : parseInt(s, 8);
}

/** Parses PAX extended header records (`LEN key=value\n`). */
function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(data.subarray(i, sp).toString("ascii"), 10);
    if (!(len > 0)) break;
    const rec = data.subarray(sp + 1, i + len - 1).toString("utf8");
    const eq = rec.indexOf("=");
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/** The regular files of a tar (ustar, PAX and GNU long names), by name with `./` stripped; contents are not read. */
export function scanTar(fd: number, fileSize: number): Map<string, TarMember> {
  const members = new Map<string, TarMember>();
  const header = Buffer.alloc(512);
  let pos = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  const readAt = (buf: Buffer, at: number) => {
    let n = 0;
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, at + n);
      if (r === 0) break;
      n += r;
    }
    return n;
  };
  while (pos + 512 <= fileSize) {
    if (readAt(header, pos) < 512) break;
    if (header.every((b) => b === 0)) break;
    const magic = cString(header, 257, 6);
    if (pos === 0 && magic !== "ustar" && magic !== "ustar ") {
      // Old-style tar without magic is fine as long as the checksum holds.
      let sum = 0;
      for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
      if (sum !== octal(header, 148, 8)) throw new ImageError("not a tar archive");
    }
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 0x30);
    const dataAt = pos + 512;
    const next = dataAt + Math.ceil(size / 512) * 512;
    const readData = () => {
      const b = Buffer.alloc(size);
      readAt(b, dataAt);
      return b;
    };
    if (type === "L") {
      longName = cString(readData(), 0, size);
    } else if (type === "x") {
      pax = paxRecords(readData());
    } else if (type === "g") {
      // Global header: nothing we need.
    } else {
      let name = cString(header, 0, 100);
      const prefix = magic.startsWith("ustar") ? cString(header, 345, 155) : "";
      if (prefix) name = `${prefix}/${name}`;
      if (longName !== undefined) name = longName;
      if (pax["path"] !== undefined) name = pax["path"];
      const realSize = pax["size"] !== undefined ? Number(pax["size"]) : size;
      if (type === "0" || type === "\0" || type === "7") members.set(name.replace(/^(\.\/)+/, ""), { offset: dataAt, size: realSize });
      longName = undefined;
      pax = {};
    }
    pos = next;
  }
  return members;
}

/** Where the image is: a tar or a layout directory. */
interface Layout {
  has(name: string): boolean;
  size(name: string): number | undefined;
  read(name: string): Buffer;
  close(): void;
}

function tarLayout(path: string): Layout {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new ImageError(`cannot open ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const head = Buffer.alloc(2);
  readSync(fd, head, 0, 2, 0);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    closeSync(fd);
    throw new ImageError(`${path} is gzip-compressed: decompress it first (an OCI archive is a plain tar)`);
  }
  let members: Map<string, TarMember>;
  try {
    members = scanTar(fd, statSync(path).size);
  } catch (e) {
    closeSync(fd);
    throw e instanceof ImageError ? new ImageError(`${path} is not an OCI archive: ${e.message}`) : e;
  }
  return {
    has: (n) => members.has(n),
    size: (n) => members.get(n)?.size,
    read: (n) => {
      const m = members.get(n)!;
      const b = Buffer.alloc(m.size);
      let got = 0;
      while (got < m.size) {
        const r = readSync(fd, b, got, m.size - got, m.offset + got);
        if (r === 0) break;
        got += r;
      }
      return b;
    },
    close: () => closeSync(fd),
  };
}

function dirLayout(dir: string): Layout {
  return {
    has: (n) => existsSync(join(dir, n)),
    size: (n) => (existsSync(join(dir, n)) ? statSync(join(dir, n)).size : undefined),
    read: (n) => readFileSync(join(dir, n)),
    close: () => {},
  };
}

/** How an archive reference is written: `oci-archive:PATH`, `docker-archive:PATH`, `oci:DIR`, or a path to a `.tar`. */
export function parseArchiveRef(s: string): { kind: "tar" | "dir"; path: string } | undefined {
  for (const p of ["oci-archive:", "docker-archive:"]) if (s.startsWith(p)) return { kind: "tar", path: s.slice(p.length) };
  if (s.startsWith("oci:")) return { kind: "dir", path: s.slice(4) };
  if (/\.tar$/i.test(s)) return { kind: "tar", path: s };
  return undefined;
}

function blobPath(digest: string): string {
  const m = /^([a-z0-9]+):([a-f0-9]+)$/.exec(digest);
  if (!m) throw new ImageError(`invalid digest ${digest}`);
  return `blobs/${m[1]}/${m[2]}`;
}

/** A {@link BlobSource} for an OCI layout in a tarball or directory. Close it when done. */
export function archiveSource(ref: { kind: "tar" | "dir"; path: string }): BlobSource & { close(): void } {
  const { kind, path } = ref;
  if (kind === "dir" && !existsSync(join(path, "index.json"))) throw new ImageError(`${path} is not an OCI layout directory (no index.json)`);
  const layout = kind === "tar" ? tarLayout(path) : dirLayout(path);
  const display = `${kind === "tar" ? "oci-archive" : "oci"}:${path}`;
  try {
    if (!layout.has("index.json")) {
      const why = layout.has("manifest.json") ? " (a docker save archive without an OCI layout is not supported)" : "";
      throw new ImageError(`${path} is not an OCI archive: no index.json${why}`);
    }
    if (layout.has("oci-layout")) {
      let version: unknown;
      try {
        version = (JSON.parse(layout.read("oci-layout").toString("utf8")) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
      } catch {
        // Reported below.
      }
      if (typeof version !== "string") throw new ImageError(`${path} is not an OCI archive: oci-layout has no imageLayoutVersion`);
    }
  } catch (e) {
    layout.close();
    throw e;
  }
  const blob = (d: Descriptor): Buffer => {
    const name = blobPath(d.digest);
    if (!layout.has(name)) throw new ImageError(`${display}: blob ${d.digest} is missing`);
    const b = layout.read(name);
    verifyDigest(b, d.digest, `${display}: blob`);
    return b;
  };
  return {
    name: display,
    async root() {
      const bytes = layout.read("index.json");
      let top: { manifests?: Descriptor[]; mediaType?: string };
      try {
        top = JSON.parse(bytes.toString("utf8")) as typeof top;
      } catch {
        throw new ImageError(`${path} is not an OCI archive: index.json is not valid JSON`);
      }
      const entries = Array.isArray(top.manifests) ? top.manifests : [];
      if (entries.length === 0) throw new ImageError(`${display}: index.json lists no image`);
      if (entries.length === 1) {
        // The usual case (buildkit's exporters): one entry naming the image index or manifest.
        const d = entries[0]!;
        return { bytes: blob(d), descriptor: d };
      }
      // Several images in one layout: index.json is the index shown.
      return { bytes, descriptor: { mediaType: top.mediaType ?? MediaType.ociIndex, digest: sha256Digest(bytes), size: bytes.length } };
    },
    async fetch(d) {
      return blob(d);
    },
    async checkLayer(d) {
      const size = layout.size(blobPath(d.digest));
      if (size === undefined) throw new ImageError(`${display}: layer ${d.digest} is missing`);
      if (size !== d.size) throw new ImageError(`${display}: layer ${d.digest} has ${size} bytes, the manifest says ${d.size}`);
    },
    close: () => layout.close(),
  };
}
