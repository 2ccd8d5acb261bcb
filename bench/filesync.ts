/**
 * `node dist/bench/filesync.js [files] [totalMB]`: local context upload speed.
 * Builds a tree of `files` files (default 20,000 in 200 directories, `totalMB`
 * MB in all, default 500) in a temp dir, then measures:
 *  - the filtered walk + lstat alone (both stat modes), median of 5;
 *  - DiffCopy against an in-memory receiver that requests nothing (an
 *    unchanged context: the listing only);
 *  - DiffCopy requesting every file (a first upload), with peak RSS.
 */

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { fileSyncService } from "../src/client/session/file-sync.js";
import { canRequestData, decodePacket, decodeStat, encodePacket, PacketType } from "../src/client/session/fs-stat.js";
import { buildFilter, resolveRoot, walk } from "../src/client/session/fs-walk.js";
import type { MessageStream } from "../src/client/session/service.js";

const files = Number(process.argv[2] ?? 20000);
const totalMB = Number(process.argv[3] ?? 500);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function makeTree(root: string): void {
  const dirs = Math.max(1, Math.round(files / 100));
  const per = Math.ceil(files / dirs);
  const size = Math.floor((totalMB * 1024 * 1024) / files);
  const block = Buffer.alloc(size, 0x61);
  let n = 0;
  for (let d = 0; d < dirs && n < files; d++) {
    const dir = path.join(root, `g${d % 10}`, `d${d}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let f = 0; f < per && n < files; f++, n++) fs.writeFileSync(path.join(dir, `file${f}.txt`), block);
  }
}

/** A receiver that requests regular files (or none) and counts bytes. */
class NullReceiver implements MessageStream {
  bytes = 0;
  stats = 0;
  private queue: Uint8Array[] = [];
  private waiter: ((r: IteratorResult<Uint8Array>) => void) | undefined;
  private open = 0;
  private listed = false;
  private done = false;
  constructor(private readonly requestAll: boolean) {}
  private push(m: Uint8Array | undefined): void {
    const r: IteratorResult<Uint8Array> = m ? { value: m, done: false } : { value: undefined, done: true };
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(r);
    } else if (m) this.queue.push(m);
    else this.done = true;
  }
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => {
        const m = this.queue.shift();
        if (m) return Promise.resolve({ value: m, done: false });
        if (this.done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((r) => (this.waiter = r));
      },
    };
  }
  async write(msg: Uint8Array): Promise<void> {
    const p = decodePacket(msg);
    if (p.type === PacketType.STAT) {
      if (!p.stat) {
        this.listed = true;
      } else {
        const id = this.stats++;
        if (this.requestAll && canRequestData(decodeStat(p.stat).mode)) {
          this.open++;
          this.push(encodePacket(PacketType.REQ, id));
        }
      }
    } else if (p.type === PacketType.DATA) {
      if (p.data.length === 0) this.open--;
      else this.bytes += p.data.length;
    } else if (p.type === PacketType.FIN) {
      this.push(undefined);
      return;
    }
    if (this.listed && this.open === 0) {
      this.listed = false;
      this.push(encodePacket(PacketType.FIN));
    }
  }
}

async function diffCopy(root: string, requestAll: boolean): Promise<{ ms: number; bytes: number; stats: number; peakRss: number }> {
  const svc = fileSyncService(new Map([["context", { dir: root }]]));
  const m = svc.methods["DiffCopy"]!;
  if (m.kind !== "stream") throw new Error("DiffCopy is not a stream");
  const r = new NullReceiver(requestAll);
  let peakRss = process.memoryUsage().rss;
  const iv = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  await m.handler(r, { method: "/moby.filesync.v1.FileSync/DiffCopy", metadata: new Map([["dir-name", ["context"]]]), signal: new AbortController().signal });
  const ms = performance.now() - t0;
  clearInterval(iv);
  return { ms, bytes: r.bytes, stats: r.stats, peakRss };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-filesync-"));
try {
  const t0 = performance.now();
  makeTree(tmp);
  console.log(`tree: ${files} files, ${totalMB} MB, made in ${(performance.now() - t0).toFixed(0)} ms`);
  const root = await resolveRoot(tmp);
  const filter = await buildFilter(root, {});
  for (const stat of ["batch", "async"] as const) {
    const times: number[] = [];
    let n = 0;
    for (let i = 0; i < 5; i++) {
      n = 0;
      const s = performance.now();
      await walk(root, filter, { stat }, () => void n++);
      times.push(performance.now() - s);
    }
    console.log(`walk+lstat (${stat}): ${n} entries, median ${median(times).toFixed(0)} ms, min ${Math.min(...times).toFixed(0)} ms`);
  }
  const none = await diffCopy(root, false);
  console.log(`DiffCopy, nothing requested: ${none.stats} STATs in ${none.ms.toFixed(0)} ms`);
  const all = await diffCopy(root, true);
  const mb = all.bytes / 1024 / 1024;
  console.log(
    `DiffCopy, every file requested: ${mb.toFixed(0)} MB in ${all.ms.toFixed(0)} ms (${((mb / all.ms) * 1000).toFixed(0)} MB/s), peak RSS ${(all.peakRss / 1e6).toFixed(0)} MB`,
  );
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
