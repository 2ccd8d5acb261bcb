/** A minimal tar reader for tests: ustar headers, GNU long names and PAX records (path, linkpath, uid, gid, xattrs). */

export interface TarEntry {
  name: string;
  /** `0` file, `5` dir, `2` symlink, `1` hardlink, ... */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkname: string;
  data: Buffer;
  /** The entry's PAX records (e.g. `SCHILY.xattr.user.x`). */
  pax: Record<string, string>;
}

function str(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const nul = s.indexOf(0);
  return (nul < 0 ? s : s.subarray(0, nul)).toString("utf8");
}

function octal(b: Buffer, off: number, len: number): number {
  const s = str(b, off, len).trim();
  return s === "" ? 0 : parseInt(s, 8);
}

function pax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < data.length) {
    const sp = data.indexOf(0x20, off);
    if (sp < 0) break;
    const len = parseInt(data.subarray(off, sp).toString(), 10);
    const rec = data.subarray(sp + 1, off + len - 1).toString("utf8");
    const eq = rec.indexOf("=");
    out[rec.slice(0, eq)] = rec.slice(eq + 1);
    off += len;
  }
  return out;
}

/** Reads every entry of an uncompressed tar archive. */
export function readTar(buf: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  let off = 0;
  let next: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156] || 0x30);
    const data = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === "x") {
      next = { ...next, ...pax(data) };
      continue;
    }
    if (type === "g") continue;
    if (type === "L") {
      longName = str(data, 0, data.length);
      continue;
    }
    if (type === "K") {
      longLink = str(data, 0, data.length);
      continue;
    }
    const magic = str(h, 257, 6);
    const prefix = magic.startsWith("ustar") ? str(h, 345, 155) : "";
    let name = prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100);
    let linkname = str(h, 157, 100);
    name = next["path"] ?? longName ?? name;
    linkname = next["linkpath"] ?? longLink ?? linkname;
    const uid = next["uid"] !== undefined ? Number(next["uid"]) : octal(h, 108, 8);
    const gid = next["gid"] !== undefined ? Number(next["gid"]) : octal(h, 116, 8);
    out.push({ name, type: type === "\0" ? "0" : type, mode: octal(h, 100, 8), uid, gid, size, linkname, data: Buffer.from(data), pax: next });
    next = {};
    longName = undefined;
    longLink = undefined;
  }
  return out;
}
