/**
 * The fake gateway of the Dockerfile goldens' `build` level, the TypeScript
 * twin of test/dockerfile/go/gateway.go: `solve` records each request and
 * answers with a ref whose files are the case's (request.files, then its
 * context dir on disk; the Dockerfile under its name), image configs come
 * from the stub table, no inputs, every LLB and gateway cap, warnings
 * recorded. What it records has the Go program's JSON shape.
 */

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { posix, join } from "node:path";
import type { FileStat, GatewayClient, GatewayResult, GatewaySolveRequest, GatewaySolveResult, ResultRef } from "../../src/gateway/types.js";
import { Caps, normalizePlatform, parsePlatform, sha256Digest, type Definition, type Platform, type ResolveMode } from "../../src/llb/index.js";
import type { StubResolver } from "./stub-resolver.js";
import { normalizeProgressGroups, type Request } from "./ts-side.js";

/** buildkit v0.32.2's gateway cap ids (frontend/gateway/pb/caps.go), all of which the fake supports. */
const gatewayCaps = [
  "solve.base",
  "solve.inlinereturn",
  "resolveimage",
  "resolveimage.resolvemode",
  "readfile",
  "return",
  "returnmap",
  "readdir",
  "statfile",
  "importcaches",
  "proto.refarray",
  "reference.output",
  "frontend.inputs",
  "gateway.solve.metadata",
  "gateway.exec",
  "gateway.exec.extrahosts",
  "gateway.exec.secretenv",
  "gateway.exec.signals",
  "gateway.exec.filesystem",
  "frontend.caps",
  "gateway.solve.evaluate",
  "gateway.evaluate",
  "gateway.warnings",
  "reference.attestations",
  "source.metaresolver",
];

/** A recorded definition: base64 of its bytes (progress groups renamed) and each op's digest (Go: jsonDef). */
export function definitionJson(def: Definition): { definition: string; digests: string[] } {
  def = normalizeProgressGroups(def);
  return { definition: Buffer.from(def.toBytes()).toString("base64"), digests: def.def.map((op) => sha256Digest(op)) };
}

/** Metadata values as the Go side prints them: UTF-8 text as is, anything else as `base64:...`. */
export function textOrBase64(b: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(b);
  } catch {
    return "base64:" + Buffer.from(b).toString("base64");
  }
}

/** What a frontend's warning carries (LLBBridge Warn), as far as the goldens compare it. */
interface Warning {
  level: number;
  message: string;
  detail?: readonly Uint8Array[];
  url?: string;
  ranges?: readonly { start: { line: number; character: number }; end: { line: number; character: number } }[];
}

export class FakeGateway implements GatewayClient {
  readonly workerPlatforms: readonly Platform[];
  readonly caps: ReadonlySet<string> = new Set(gatewayCaps);
  readonly llbCaps: ReadonlySet<string> = new Set(Object.values(Caps));
  readonly solves: Record<string, unknown>[] = [];
  readonly warnings: Record<string, unknown>[] = [];
  returned: GatewayResult | { error: Error } | undefined;
  private readonly files = new Map<string, Uint8Array>();
  private nextID = 0;

  constructor(
    private readonly stub: StubResolver,
    dockerfile: Uint8Array,
    private readonly contextDir: string | undefined,
    req: Request,
  ) {
    this.workerPlatforms = (req.buildPlatforms?.length ? req.buildPlatforms : ["linux/amd64"]).map((p) => normalizePlatform(parsePlatform(p)));
    for (const [k, v] of Object.entries(req.files ?? {})) this.files.set(k, new TextEncoder().encode(v));
    this.files.set(req.opts?.["filename"] || "Dockerfile", dockerfile);
  }

  async solve(req: GatewaySolveRequest): Promise<GatewaySolveResult> {
    const rec: Record<string, unknown> = {};
    if (req.definition) rec["definition"] = definitionJson(req.definition);
    if (req.frontend) {
      rec["frontend"] = req.frontend;
      rec["frontendOpt"] = req.frontendOpt ?? null;
    }
    this.solves.push(rec);
    if (!req.definition) return { metadata: {} };
    return { ref: { id: `ref-${this.nextID++}`, definition: req.definition }, metadata: {} };
  }

  /** The solves in the Go program's order (sorted: platforms are solved in parallel there). */
  sortedSolves(): Record<string, unknown>[] {
    const key = (m: Record<string, unknown>) => (m["definition"] ? "d" + (m["definition"] as { definition: string }).definition : "f" + String(m["frontend"] ?? ""));
    return [...this.solves].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  private read(name: string): Uint8Array {
    const clean = posix.normalize("/" + name).slice(1);
    const have = this.files.get(clean);
    if (have) return have;
    if (this.contextDir) {
      const p = join(this.contextDir, clean);
      if (existsSync(p) && statSync(p).isFile()) return readFileSync(p);
    }
    throw new Error(`open ${clean}: no such file or directory`);
  }

  async readFile(_ref: ResultRef, path: string, range?: { offset: number; length: number }): Promise<Uint8Array> {
    const dt = this.read(path);
    if (!range) return dt;
    const start = Math.min(range.offset, dt.length);
    return dt.subarray(start, Math.min(start + range.length, dt.length));
  }

  async statFile(_ref: ResultRef, path: string): Promise<FileStat> {
    const dt = this.read(path);
    return { path: posix.basename(path), mode: 0o644, uid: 0, gid: 0, size: dt.length, modTime: 0n, linkname: "" };
  }

  async readDir(_ref: ResultRef, path: string): Promise<FileStat[]> {
    if (!this.contextDir) return [];
    return readdirSync(join(this.contextDir, path), { withFileTypes: true }).map((e) => {
      const st = statSync(join(this.contextDir!, path, e.name));
      return { path: e.name, mode: (st.mode & 0o777) | (e.isDirectory() ? 0x80000000 : 0), uid: 0, gid: 0, size: st.size, modTime: 0n, linkname: "" };
    });
  }

  async resolveImageConfig(ref: string, options: { platform: Platform | undefined; resolveMode: ResolveMode }): Promise<{ ref: string; digest: string; config: Uint8Array }> {
    return this.stub.resolveImageConfig(ref, options);
  }

  async inputs(): Promise<Record<string, Definition>> {
    return {};
  }

  async warn(digest: string, w: Warning): Promise<void> {
    this.warnings.push({
      vertex: digest,
      msg: w.message,
      level: w.level,
      url: w.url ?? "",
      detail: (w.detail ?? []).map((d) => new TextDecoder().decode(d)),
      ranges: (w.ranges ?? []).map((r) => ({ start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } })),
    });
  }

  async return(result: GatewayResult | { error: Error }): Promise<void> {
    this.returned = result;
  }
}
