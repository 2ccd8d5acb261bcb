import { test, describe, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { containerd, Long } from "../../proto/index.js";
import { contentStoreService, KEY_STORE_ID, OciContentStore, parseDigest, parseFilter, type ContentStoreService } from "./content.js";
import { GrpcCode, GrpcStatusError, type CallContext, type MessageStream } from "./service.js";

const api = containerd.services.content.v1;
const A = api.WriteAction;
const ALREADY_EXISTS = 6;
const OUT_OF_RANGE = 11;

const sha = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const num = (v: number | Long | null | undefined) => (v === null || v === undefined ? 0 : typeof v === "number" ? v : v.toNumber());

/** Both ends of one streaming call: the test plays the daemon. */
class Pipe implements MessageStream {
  private inbox: Uint8Array[] = [];
  private closed = false;
  private wakeIn: (() => void) | undefined;
  private outbox: Uint8Array[] = [];
  private wakeOut: (() => void) | undefined;

  send(m: Uint8Array): void {
    this.inbox.push(m);
    this.wakeIn?.();
  }
  end(): void {
    this.closed = true;
    this.wakeIn?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const m = this.inbox.shift();
      if (m) {
        yield m;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((r) => (this.wakeIn = r));
      this.wakeIn = undefined;
    }
  }
  async write(m: Uint8Array): Promise<void> {
    this.outbox.push(m);
    this.wakeOut?.();
  }
  async recv(): Promise<Uint8Array> {
    while (this.outbox.length === 0) {
      await new Promise<void>((r) => (this.wakeOut = r));
      this.wakeOut = undefined;
    }
    return this.outbox.shift()!;
  }
  get pending(): number {
    return this.outbox.length;
  }
}

function ctx(storeId: string | undefined, method = "x"): CallContext {
  const md = new Map<string, string[]>();
  if (storeId !== undefined) md.set(KEY_STORE_ID, [storeId]);
  return { method, metadata: md, signal: new AbortController().signal };
}

/** A Write call driven request by request; rejects with the handler's error. */
class WriteCall {
  readonly pipe = new Pipe();
  readonly done: Promise<void>;
  constructor(svc: ContentStoreService, storeId = "local:test") {
    const h = svc.methods.Write!;
    assert.equal(h.kind, "stream");
    this.done = (h as { handler: (s: MessageStream, c: CallContext) => Promise<void> }).handler(this.pipe, ctx(storeId));
    this.done.catch(() => {});
  }
  async req(m: containerd.services.content.v1.WriteContentRequest.$Properties): Promise<containerd.services.content.v1.WriteContentResponse> {
    this.pipe.send(api.WriteContentRequest.encode(m).finish());
    const r = await Promise.race([this.pipe.recv(), this.done.then(() => undefined)]);
    if (!r) throw new Error("call ended without a response");
    return api.WriteContentResponse.decode(r);
  }
}

async function rejectsWith(p: Promise<unknown>, code: number, re?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof GrpcStatusError, `not a GrpcStatusError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (re) assert.match(err.message, re);
    return true;
  });
}

async function unary(svc: ContentStoreService, method: string, req: Uint8Array, storeId: string | null = "local:test"): Promise<Uint8Array> {
  const h = svc.methods[method]!;
  assert.equal(h.kind, "unary");
  return (h as { handler: (r: Uint8Array, c: CallContext) => Promise<Uint8Array> }).handler(req, ctx(storeId ?? undefined));
}

async function streamAll(svc: ContentStoreService, method: string, req: Uint8Array, storeId = "local:test"): Promise<Uint8Array[]> {
  const h = svc.methods[method]!;
  const pipe = new Pipe();
  pipe.send(req);
  pipe.end();
  await (h as { handler: (s: MessageStream, c: CallContext) => Promise<void> }).handler(pipe, ctx(storeId));
  const out: Uint8Array[] = [];
  while (pipe.pending > 0) out.push(await pipe.recv());
  return out;
}

/** The daemon's way of writing a blob (containerd proxy writer + content.WriteBlob). */
async function writeBlob(svc: ContentStoreService, ref: string, data: Buffer, chunk = 7, expected = sha(data)): Promise<void> {
  const w = new WriteCall(svc);
  const st = await w.req({ action: A.STAT, ref, total: data.length, expected });
  let offset = num(st.offset);
  for (let i = offset; i < data.length; i += chunk) {
    const r = await w.req({ action: A.WRITE, offset, data: data.subarray(i, i + chunk) });
    offset = num(r.offset);
  }
  const c = await w.req({ action: A.COMMIT, total: data.length, offset, expected });
  assert.equal(c.digest, expected);
  assert.equal(num(c.offset), data.length);
  await w.done;
}

let dir: string;
let store: OciContentStore;
let svc: ContentStoreService;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "tsf-content-"));
  store = new OciContentStore(dir);
  svc = contentStoreService({ "local:test": store });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("parseDigest / parseFilter", () => {
  test("digests as go-digest validates them", () => {
    assert.deepEqual(parseDigest(sha("x")), { algorithm: "sha256", hex: sha("x").slice(7) });
    assert.equal(parseDigest(`sha512:${"a".repeat(128)}`).algorithm, "sha512");
    for (const bad of ["", "sha256:", "sha256:ABC", `sha256:${"A".repeat(64)}`, `md5:${"a".repeat(32)}`, `sha256:${"a".repeat(63)}`, `sha256:../${"a".repeat(61)}`]) {
      assert.throws(() => parseDigest(bad), (e: unknown) => e instanceof GrpcStatusError && e.code === GrpcCode.INVALID_ARGUMENT, bad);
    }
  });
  test("containerd filter selectors", () => {
    assert.deepEqual(parseFilter('ref==abc,labels."a.b"~=x.*'), [
      { field: ["ref"], op: "==", value: "abc" },
      { field: ["labels", "a.b"], op: "~=", value: "x.*" },
    ]);
    assert.deepEqual(parseFilter("ref"), [{ field: ["ref"], op: "", value: "" }]);
    assert.throws(() => parseFilter('ref=="abc'), /unterminated/);
  });
});

describe("Content service: Write", () => {
  test("STAT, WRITE in chunks, COMMIT: the blob appears read-only at blobs/sha256/<hex>; the ingest is gone", async () => {
    const data = Buffer.from("hello content store, in several chunks");
    const w = new WriteCall(svc);
    const st = await w.req({ action: A.STAT, ref: "layer-1", total: data.length, expected: sha(data) });
    assert.equal(st.action, A.STAT);
    assert.equal(num(st.offset), 0);
    assert.equal(num(st.total), data.length);
    assert.equal(st.digest, sha(""));
    assert.ok(num(st.started_at?.seconds) > 0);
    const r1 = await w.req({ action: A.WRITE, offset: 0, data: data.subarray(0, 10) });
    assert.equal(num(r1.offset), 10);
    assert.equal(r1.digest, sha(data.subarray(0, 10)));
    // Mid-write: the store reports the write in progress, no blob yet.
    const status = api.StatusResponse.decode(await unary(svc, "Status", api.StatusRequest.encode({ ref: "layer-1" }).finish()));
    assert.equal(status.status?.ref, "layer-1");
    assert.equal(num(status.status?.offset), 10);
    assert.equal(num(status.status?.total), data.length);
    assert.equal(existsSync(store.blobPath(sha(data))), false);
    const r2 = await w.req({ action: A.WRITE, offset: 10, data: data.subarray(10) });
    assert.equal(num(r2.offset), data.length);
    const c = await w.req({ action: A.COMMIT, total: data.length, offset: data.length, expected: sha(data) });
    assert.equal(c.action, A.COMMIT);
    assert.equal(c.digest, sha(data));
    await w.done;
    const blob = store.blobPath(sha(data));
    assert.equal(blob, path.join(dir, "blobs", "sha256", sha(data).slice(7)));
    assert.deepEqual(readFileSync(blob), data);
    assert.equal(statSync(blob).mode & 0o222, 0, "committed blobs are read-only");
    assert.deepEqual(readdirSync(path.join(dir, "ingest")), []);
    await rejectsWith(unary(svc, "Status", api.StatusRequest.encode({ ref: "layer-1" }).finish()), GrpcCode.NOT_FOUND, /could not get status for ref "layer-1"/);
  });

  test("a blob that exists answers ALREADY_EXISTS at the first message (the daemon takes it as done)", async () => {
    const data = Buffer.from("dup");
    await writeBlob(svc, "a", data);
    const w = new WriteCall(svc);
    await rejectsWith(w.req({ action: A.STAT, ref: "b", total: 3, expected: sha(data) }), ALREADY_EXISTS, /already exists/);
    await rejectsWith(w.done, ALREADY_EXISTS);
    // Also when the expected digest only comes with the commit.
    const w2 = new WriteCall(svc);
    await w2.req({ action: A.STAT, ref: "c" });
    await w2.req({ action: A.WRITE, data });
    await rejectsWith(w2.req({ action: A.COMMIT, total: 3, offset: 3, expected: sha(data) }), ALREADY_EXISTS, /blob with expected digest/);
    assert.deepEqual(readdirSync(path.join(dir, "ingest")), [], "the duplicate write is aborted");
  });

  test("a wrong digest or size fails the commit with FAILED_PRECONDITION and places nothing", async () => {
    const data = Buffer.from("payload");
    const w = new WriteCall(svc);
    await w.req({ action: A.STAT, ref: "bad-digest" });
    await w.req({ action: A.WRITE, data });
    await rejectsWith(w.req({ action: A.COMMIT, offset: data.length, expected: sha("other") }), GrpcCode.FAILED_PRECONDITION, /unexpected commit digest/);
    assert.equal(existsSync(path.join(dir, "blobs", "sha256", sha(data).slice(7))), false);
    assert.equal(existsSync(path.join(dir, "blobs", "sha256", sha("other").slice(7))), false);
    await unary(svc, "Abort", api.AbortRequest.encode({ ref: "bad-digest" }).finish());

    const w2 = new WriteCall(svc);
    await w2.req({ action: A.STAT, ref: "bad-size" });
    await w2.req({ action: A.WRITE, data });
    await rejectsWith(w2.req({ action: A.COMMIT, total: 99, offset: data.length }), GrpcCode.FAILED_PRECONDITION, /unexpected commit size 7, expected 99/);
    assert.equal(existsSync(path.join(dir, "blobs")), false);
  });

  test("a write must happen at the current offset", async () => {
    const w = new WriteCall(svc);
    await w.req({ action: A.STAT, ref: "r" });
    await w.req({ action: A.WRITE, data: Buffer.from("abc") });
    await rejectsWith(w.req({ action: A.WRITE, offset: 7, data: Buffer.from("x") }), OUT_OF_RANGE, /write @7 must occur at current offset 3/);
  });

  test("offset 0 on a non-empty write restarts it", async () => {
    const w = new WriteCall(svc);
    await w.req({ action: A.STAT, ref: "r" });
    await w.req({ action: A.WRITE, data: Buffer.from("garbage") });
    const r = await w.req({ action: A.WRITE, offset: 0, data: Buffer.from("good") });
    assert.equal(num(r.offset), 4);
    const c = await w.req({ action: A.COMMIT, total: 4, offset: 4, expected: sha("good") });
    assert.equal(c.digest, sha("good"));
    assert.equal(readFileSync(store.blobPath(sha("good")), "utf8"), "good");
  });

  test("an interrupted write resumes where it stopped (same ref), and the digest covers all of it", async () => {
    const data = Buffer.from("0123456789abcdefghij");
    const w = new WriteCall(svc);
    await w.req({ action: A.STAT, ref: "resume", total: data.length, expected: sha(data) });
    await w.req({ action: A.WRITE, offset: 0, data: data.subarray(0, 8) });
    w.pipe.end(); // the daemon went away before committing
    await w.done;
    const statuses = api.ListStatusesResponse.decode(await unary(svc, "ListStatuses", api.ListStatusesRequest.encode({ filters: ["ref==resume"] }).finish()));
    assert.deepEqual(
      statuses.statuses.map((s) => [s.ref, num(s.offset), num(s.total)]),
      [["resume", 8, data.length]],
    );
    const none = api.ListStatusesResponse.decode(await unary(svc, "ListStatuses", api.ListStatusesRequest.encode({ filters: ["ref==other"] }).finish()));
    assert.equal(none.statuses.length, 0);
    await writeBlob(svc, "resume", data, 5);
    assert.deepEqual(readFileSync(store.blobPath(sha(data))), data);
  });

  test("one writer per ref: a second one gets UNAVAILABLE until the first ends", async () => {
    const w = new WriteCall(svc);
    await w.req({ action: A.STAT, ref: "busy" });
    const w2 = new WriteCall(svc);
    await rejectsWith(w2.req({ action: A.STAT, ref: "busy" }), GrpcCode.UNAVAILABLE, /ref busy locked/);
    w.pipe.end();
    await w.done;
    const w3 = new WriteCall(svc);
    const st = await w3.req({ action: A.STAT, ref: "busy" });
    assert.equal(num(st.offset), 0);
    w3.pipe.end();
    await w3.done;
  });

  test("Abort drops the ingest", async () => {
    const w = new WriteCall(svc);
    await w.req({ action: A.STAT, ref: "gone" });
    await w.req({ action: A.WRITE, data: Buffer.from("zz") });
    w.pipe.end();
    await w.done;
    await unary(svc, "Abort", api.AbortRequest.encode({ ref: "gone" }).finish());
    assert.deepEqual(readdirSync(path.join(dir, "ingest")), []);
  });

  test("the first message must name a ref", async () => {
    const w = new WriteCall(svc);
    await rejectsWith(w.req({ action: A.STAT }), GrpcCode.INVALID_ARGUMENT, /first message must have a reference/);
  });

  test("large writes in big messages", async () => {
    const data = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    await writeBlob(svc, "big", data, 1024 * 1024);
    assert.equal(statSync(store.blobPath(sha(data))).size, data.length);
  });
});

describe("Content service: reading", () => {
  test("Info, Read with offset/size, read to the end, read past the end", async () => {
    const data = Buffer.alloc(2 * 1024 * 1024 + 5);
    for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
    await writeBlob(svc, "r", data, 1 << 20);
    const info = api.InfoResponse.decode(await unary(svc, "Info", api.InfoRequest.encode({ digest: sha(data) }).finish())).info!;
    assert.equal(info.digest, sha(data));
    assert.equal(num(info.size), data.length);
    assert.ok(num(info.created_at?.seconds) > 0);

    const read = async (offset: number, size: number) => {
      const msgs = (await streamAll(svc, "Read", api.ReadContentRequest.encode({ digest: sha(data), offset, size }).finish())).map((m) => api.ReadContentResponse.decode(m));
      return { msgs, data: Buffer.concat(msgs.map((m) => Buffer.from(m.data))) };
    };
    const all = await read(0, 0);
    assert.deepEqual(all.data, data);
    assert.ok(all.msgs.length >= 3, "chunked");
    assert.deepEqual(all.msgs.map((m) => num(m.offset)).slice(0, 2), [0, 1 << 20]);
    assert.deepEqual((await read(100, 50)).data, data.subarray(100, 150));
    assert.deepEqual((await read(data.length - 3, 100)).data, data.subarray(data.length - 3), "a size past the end reads to the end");
    assert.deepEqual((await read(data.length, 0)).data.length, 0);
    await rejectsWith(read(data.length + 1, 0), OUT_OF_RANGE, /read past object length/);
  });

  test("Info of a missing blob is NOT_FOUND; a malformed digest INVALID_ARGUMENT", async () => {
    await rejectsWith(unary(svc, "Info", api.InfoRequest.encode({ digest: sha("nope") }).finish()), GrpcCode.NOT_FOUND, /not found/);
    await rejectsWith(unary(svc, "Info", api.InfoRequest.encode({ digest: "sha256:../../etc/passwd" }).finish()), GrpcCode.INVALID_ARGUMENT, /failed validation/);
  });

  test("List walks the blobs; Delete removes one; Update is refused (no label store)", async () => {
    await writeBlob(svc, "1", Buffer.from("one"));
    await writeBlob(svc, "2", Buffer.from("two"));
    const list = (await streamAll(svc, "List", api.ListContentRequest.encode({}).finish())).flatMap((m) => api.ListContentResponse.decode(m).info);
    assert.deepEqual(list.map((i) => i.digest).sort(), [sha("one"), sha("two")].sort());
    const filtered = (await streamAll(svc, "List", api.ListContentRequest.encode({ filters: [`digest==${sha("two")}`] }).finish())).flatMap((m) => api.ListContentResponse.decode(m).info);
    assert.deepEqual(filtered.map((i) => i.digest), [sha("two")]);
    await unary(svc, "Delete", api.DeleteContentRequest.encode({ digest: sha("one") }).finish());
    assert.equal(existsSync(store.blobPath(sha("one"))), false);
    await rejectsWith(
      unary(svc, "Update", api.UpdateRequest.encode({ info: { digest: sha("two"), labels: { a: "b" } } }).finish()),
      GrpcCode.FAILED_PRECONDITION,
      /immutable content store/,
    );
  });
});

describe("Content service: store selection", () => {
  test("missing store id is INVALID_ARGUMENT, an unknown one NOT_FOUND; stores are kept apart", async () => {
    const req = api.InfoRequest.encode({ digest: sha("x") }).finish();
    await rejectsWith(unary(svc, "Info", req, null), GrpcCode.INVALID_ARGUMENT, /request lacks metadata "buildkit-attachable-store-id"/);
    await rejectsWith(unary(svc, "Info", req, "local:elsewhere"), GrpcCode.NOT_FOUND, /unknown store local:elsewhere/);

    const dir2 = mkdtempSync(path.join(os.tmpdir(), "tsf-content2-"));
    try {
      svc.add("local:second", new OciContentStore(dir2));
      await writeBlob(svc, "x", Buffer.from("x"));
      await unary(svc, "Info", req, "local:test");
      await rejectsWith(unary(svc, "Info", req, "local:second"), GrpcCode.NOT_FOUND);
    } finally {
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  test("the first store-id value wins (the daemon puts its own first)", async () => {
    await writeBlob(svc, "x", Buffer.from("x"));
    const md = new Map<string, string[]>([[KEY_STORE_ID, ["local:test", "local:other"]]]);
    const h = svc.methods.Info as { handler: (r: Uint8Array, c: CallContext) => Promise<Uint8Array> };
    const res = api.InfoResponse.decode(await h.handler(api.InfoRequest.encode({ digest: sha("x") }).finish(), { method: "Info", metadata: md, signal: new AbortController().signal }));
    assert.equal(res.info?.digest, sha("x"));
  });
});
