/**
 * One OCI layout tarball from the OCI tarballs of several nodes: every blob
 * of every input (copied once), the merged index as a blob, `index.json`
 * naming it, and `oci-layout`, in the member order buildkit's oci exporter
 * writes (oci-layout, index.json, then blobs). Plain ustar headers (member
 * names are `blobs/sha256/<64 hex>`, under 100 bytes). Written to a
 * temporary file renamed over `dest`, so an interrupted merge leaves nothing.
 */

import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, join, basename } from "node:path";
import { scanTar } from "../client/oci-archive.js";
import { isSpecialFile } from "../internal/node/special-file.js";
import type { Descriptor } from "../client/image-inspect.js";
import { MediaType } from "../client/image-inspect.js";
import { parseNormalizedNamed, tagNameOnly } from "../llb/reference.js";
import { goMapOrder } from "../internal/go/json.js";

const BLOCK = 512;

/** A ustar header for a regular file (mode 0644, mtime 0, as buildkit's deterministic exports). */
export function tarHeader(name: string, size: number): Buffer {
  if (Buffer.byteLength(name) > 99) throw new Error(`tar member name too long: ${name}`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, "utf8");
  const oct = (v: number, off: number, len: number) => h.write(v.toString(8).padStart(len - 1, "0") + "\0", off, "ascii");
  oct(0o644, 100, 8);
  oct(0, 108, 8);
  oct(0, 116, 8);
  oct(size, 124, 12);
  oct(0, 136, 12);
  h.fill(0x20, 148, 156); // checksum placeholder: spaces
  h.write("0", 156, "ascii");
  h.write("ustar\0", 257, "ascii");
  h.write("00", 263, "ascii");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "ascii");
  return h;
}

function pad(size: number): Buffer {
  const r = size % BLOCK;
  return Buffer.alloc(r === 0 ? 0 : BLOCK - r);
}

/**
 * The entries of the merged layout's index.json, as buildkit's oci exporter
 * writes them (containerd's archive exporter `WithManifest`): one per image
 * name (`name=`, normalised with the default tag), each with
 * `io.containerd.image.name` (the full name) and
 * `org.opencontainers.image.ref.name` (what follows the repository: the tag),
 * or one without a name; every entry with `org.opencontainers.image.created`
 * and the `annotation-index-descriptor.*` ones.
 */
export function ociLayoutEntries(index: Descriptor, options: { names: readonly string[]; created: string; annotations?: Readonly<Record<string, string>> }): Descriptor[] {
  const base: Record<string, string> = { ...(options.annotations ?? {}), "org.opencontainers.image.created": options.created };
  const entry = (extra: Record<string, string>): Descriptor => {
    return { mediaType: index.mediaType, digest: index.digest, size: index.size, annotations: goMapOrder({ ...base, ...extra }) };
  };
  if (options.names.length === 0) return [entry({})];
  return options.names.map((n) => {
    const ref = tagNameOnly(parseNormalizedNamed(n));
    const full = ref.toString();
    const object = ref.tag ? (ref.digest ? `${ref.tag}@${ref.digest}` : ref.tag) : ref.digest ? `@${ref.digest}` : "";
    return entry({ "io.containerd.image.name": full, ...(object ? { "org.opencontainers.image.ref.name": object } : {}) });
  });
}

/** Writes the merged layout: `inputs` are OCI tarballs, `index` the merged index (written as a blob), `entries` index.json's. */
export function writeMergedOciTar(dest: string, inputs: readonly string[], index: { bytes: Uint8Array; descriptor: Descriptor }, entries: readonly Descriptor[]): void {
  // A device or FIFO (/dev/null, /dev/stdout) is written into; a file is written beside and renamed over.
  const direct = isSpecialFile(dest);
  const tmp = direct ? dest : join(dirname(dest), `.${basename(dest)}.tsfrontend-merge-${process.pid}`);
  const out = openSync(tmp, "w");
  const opened: number[] = [];
  try {
    const write = (b: Uint8Array) => {
      let off = 0;
      while (off < b.length) off += writeSync(out, b, off, b.length - off);
    };
    const member = (name: string, data: Uint8Array) => {
      write(tarHeader(name, data.length));
      write(data);
      write(pad(data.length));
    };
    member("oci-layout", Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
    member("index.json", Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: entries })));
    const written = new Set<string>();
    const indexName = `blobs/${index.descriptor.digest.replace(":", "/")}`;
    member(indexName, index.bytes);
    written.add(indexName);
    const chunk = Buffer.alloc(1 << 20);
    for (const input of inputs) {
      const fd = openSync(input, "r");
      opened.push(fd);
      const members = scanTar(fd, fstatSync(fd).size);
      for (const [name, m] of members) {
        if (!name.startsWith("blobs/") || written.has(name)) continue;
        written.add(name);
        write(tarHeader(name, m.size));
        let done = 0;
        while (done < m.size) {
          const n = readSync(fd, chunk, 0, Math.min(chunk.length, m.size - done), m.offset + done);
          if (n <= 0) throw new Error(`${input}: ${name} is truncated`);
          write(chunk.subarray(0, n));
          done += n;
        }
        write(pad(m.size));
      }
    }
    write(Buffer.alloc(BLOCK * 2));
    closeSync(out);
    if (!direct) renameSync(tmp, dest);
  } catch (err) {
    try {
      closeSync(out);
    } catch {
      // already closed
    }
    if (!direct) rmSync(tmp, { force: true });
    throw err;
  } finally {
    for (const fd of opened) closeSync(fd);
  }
}
