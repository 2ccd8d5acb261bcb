// Drift test: proto/ must describe exactly the wire schema of the upstream Go
// modules (github.com/moby/buildkit v0.32.2 and the versions its go.mod requires).
//
// For every file in proto/ it loads the upstream definition from Go's module cache
// (downloading it with `go mod download` if needed) and compares packages, imports,
// file options, messages, fields (number, type, label, map, oneof, options),
// oneofs, reserved ranges, enums and services/methods in both directions.
//
// Upstream sources:
//   - buildkit, fsutil, containerd/api: the .proto files inside the module zips.
//   - google/rpc/status.proto and grpc/health/v1/health.proto: those module zips
//     ship no .proto files (only .pb.go), so the serialized FileDescriptorProto
//     embedded in status.pb.go / health.pb.go (rawDesc) is decoded instead.
//   - google/protobuf/*: protobufjs's bundled copies, for both sides (not compared).
//   - vtprotobuf's ext.proto: replaced by an empty stub; `(vtproto.*)` options are
//     Go code-generation hints, dropped from ours and ignored here.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { isAbsolute, join, relative, sep } from "node:path";
import protobuf from "protobufjs";
import { protoFiles, protoRoot } from "../../src/proto/schema.js";

const require = createRequire(import.meta.url);
// Loading the extension adds Root.fromDescriptor and the descriptor.proto types.
const descriptorExt = require("protobufjs/ext/descriptor") as {
  FileDescriptorProto: {
    decode(b: Uint8Array): unknown;
    toObject(m: unknown, o: object): FileDescriptorJson;
  };
  FileDescriptorSet: { fromObject(o: object): unknown; toObject(m: unknown, o: object): { file: object[] } };
};
const fromDescriptor = (protobuf.Root as unknown as {
  fromDescriptor(set: unknown, opts?: { keepCase?: boolean }): protobuf.Root;
}).fromDescriptor;

interface FileDescriptorJson {
  name?: string;
  package?: string;
  dependency?: string[];
  syntax?: string;
  options?: Record<string, unknown>;
}

const BUILDKIT = { path: "github.com/moby/buildkit", version: "v0.32.2" };

// Prefix of import path -> module path (as required by buildkit's go.mod).
const MODULE_PREFIXES: Record<string, string> = {
  "github.com/moby/buildkit/": "github.com/moby/buildkit",
  "github.com/tonistiigi/fsutil/": "github.com/tonistiigi/fsutil",
  "github.com/containerd/containerd/api/": "github.com/containerd/containerd/api",
};

// Files whose upstream only exists as a descriptor embedded in generated Go code.
const GO_DESCRIPTOR_FILES: Record<string, { module: string; goFile: string; symbol: string }> = {
  "google/rpc/status.proto": {
    module: "google.golang.org/genproto/googleapis/rpc",
    goFile: "status/status.pb.go",
    symbol: "file_google_rpc_status_proto_rawDesc",
  },
  "grpc/health/v1/health.proto": {
    module: "google.golang.org/grpc",
    goFile: "health/grpc_health_v1/health.pb.go",
    symbol: "file_grpc_health_v1_health_proto_rawDesc",
  },
};

const VTPROTO_EXT = "github.com/planetscale/vtprotobuf/vtproto/ext.proto";

// ---------------------------------------------------------------------------
// Go module cache

function goEnv(): NodeJS.ProcessEnv {
  // -mod=vendor/readonly etc. in GOFLAGS make sense only inside a module.
  const flags = (process.env.GOFLAGS ?? "").split(/\s+/).filter((f) => f && !f.startsWith("-mod="));
  return { ...process.env, GOFLAGS: flags.join(" "), GO111MODULE: "on" };
}

function modCacheDir(): string {
  if (process.env.GOMODCACHE) return process.env.GOMODCACHE;
  try {
    const out = execFileSync("go", ["env", "GOMODCACHE"], { env: goEnv(), encoding: "utf8" }).trim();
    if (out) return out;
  } catch {
    // fall through
  }
  const gopath = (process.env.GOPATH ?? "").split(":")[0] || join(homedir(), "go");
  return join(gopath, "pkg", "mod");
}

/** Go's case-encoding of module paths in the module cache ("Foo" -> "!foo"). */
function escapeModulePath(p: string): string {
  return p.replace(/[A-Z]/g, (c) => "!" + c.toLowerCase());
}

let scratch: string | undefined;
function scratchDir(): string {
  if (!scratch) {
    scratch = mkdtempSync(join(tmpdir(), "tsfrontend-proto-drift-"));
    writeFileSync(join(scratch, "go.mod"), "module tsfrontend.invalid/protodrift\n\ngo 1.21\n");
  }
  return scratch;
}

/** Ensures mod@version is in the module cache and returns its directory. */
function moduleDir(mod: string, version: string): string {
  let err: unknown;
  try {
    const out = execFileSync("go", ["mod", "download", "-json", `${mod}@${version}`], {
      cwd: scratchDir(),
      env: goEnv(),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const info = JSON.parse(out) as { Dir?: string; Error?: string };
    if (info.Dir && existsSync(info.Dir)) return info.Dir;
    err = info.Error;
  } catch (e) {
    err = e instanceof Error && "stdout" in e ? `${e.message}\n${String((e as { stdout: unknown }).stdout)}` : e;
  }
  // Without a working `go`, accept an already extracted module.
  const dir = join(modCacheDir(), `${escapeModulePath(mod)}@${escapeModulePath(version)}`);
  if (existsSync(dir)) return dir;
  throw new Error(`cannot get ${mod}@${version} into the Go module cache: ${String(err)}`);
}

/** `require` versions from a go.mod (both block and single-line forms); honours `replace`. */
function parseGoModRequires(text: string): Map<string, string> {
  const reqs = new Map<string, string>();
  const lines = text.replace(/\/\/.*$/gm, "").split("\n");
  let block: string | null = null;
  const replaces: string[][] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    if (block) {
      if (line === ")") block = null;
      else if (block === "require") {
        const [m, v] = line.split(/\s+/);
        if (m && v) reqs.set(m, v);
      } else if (block === "replace") replaces.push(line.split(/\s+/));
      continue;
    }
    let m = /^(require|replace)\s*\($/.exec(line);
    if (m) {
      block = m[1]!;
      continue;
    }
    m = /^require\s+(\S+)\s+(\S+)$/.exec(line);
    if (m) reqs.set(m[1]!, m[2]!);
    m = /^replace\s+(.*)$/.exec(line);
    if (m) replaces.push(m[1]!.split(/\s+/));
  }
  for (const r of replaces) {
    // old [v] => new [v]
    const arrow = r.indexOf("=>");
    const oldMod = r[0]!;
    const newMod = r[arrow + 1];
    const newVer = r[arrow + 2];
    if (reqs.has(oldMod)) {
      if (newMod !== oldMod || !newVer) throw new Error(`go.mod replaces ${oldMod}; the drift test does not handle that`);
      reqs.set(oldMod, newVer);
    }
  }
  return reqs;
}

// ---------------------------------------------------------------------------
// Go embedded descriptors (rawDesc as []byte{0x..} or as a concatenated string const)

function goRawDescriptor(goSource: string, symbol: string): Uint8Array {
  const arr = new RegExp(`var ${symbol} = \\[\\]byte\\{([\\s\\S]*?)\\n\\}`).exec(goSource);
  if (arr) return Uint8Array.from(arr[1]!.match(/0x[0-9a-fA-F]{2}/g)!.map((h) => parseInt(h, 16)));
  const str = new RegExp(`const ${symbol} = ((?:\\s*"(?:[^"\\\\\\n]|\\\\.)*"\\s*\\+?)+)`).exec(goSource);
  if (!str) throw new Error(`no ${symbol} in Go source`);
  const bytes: number[] = [];
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, "\\": 92, "'": 39, a: 7, b: 8, f: 12, v: 11 };
  for (const lit of str[1]!.match(/"(?:[^"\\\n]|\\.)*"/g)!) {
    const s = lit.slice(1, -1);
    for (let i = 0; i < s.length; i++) {
      const c = s[i]!;
      if (c !== "\\") {
        bytes.push(...Buffer.from(c, "utf8"));
        continue;
      }
      const e = s[++i]!;
      if (e in simple) bytes.push(simple[e]!);
      else if (e === "x") {
        bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
        i += 2;
      } else if (/[0-7]/.test(e)) {
        bytes.push(parseInt(s.slice(i, i + 3), 8));
        i += 2;
      } else if (e === "u" || e === "U") {
        const n = e === "u" ? 4 : 8;
        bytes.push(...Buffer.from(String.fromCodePoint(parseInt(s.slice(i + 1, i + 1 + n), 16)), "utf8"));
        i += n;
      } else throw new Error(`unsupported Go escape \\${e}`);
    }
  }
  return Uint8Array.from(bytes);
}

// ---------------------------------------------------------------------------
// Schema summaries: flat maps "key" -> "description", grouped per file.

interface FileSummary {
  header: Map<string, string>;
  defs: Map<string, string>;
}

function camelToSnake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

function fmtOptions(opts: Record<string, unknown> | undefined): string {
  if (!opts) return "";
  const keys = Object.keys(opts).filter((k) => !k.startsWith("(vtproto.")).sort();
  if (!keys.length) return "";
  return " [" + keys.map((k) => `${k}=${JSON.stringify(opts[k])}`).join(", ") + "]";
}

function fmtReserved(r: Array<number[] | string> | undefined): string {
  if (!r || !r.length) return "";
  return r.map((x) => (typeof x === "string" ? JSON.stringify(x) : `${x[0]} to ${x[1]}`)).sort().join(", ");
}

function fieldTypeName(f: protobuf.Field): string {
  return f.resolvedType ? f.resolvedType.fullName : f.type;
}

function describeField(f: protobuf.Field): string {
  const parts: string[] = [`#${f.id}`];
  if (f instanceof protobuf.MapField) parts.push(`map<${f.keyType}, ${fieldTypeName(f)}>`);
  else {
    if (f.repeated) parts.push("repeated");
    else if (f.options?.["proto3_optional"]) parts.push("optional");
    else if (f.required) parts.push("required");
    parts.push(fieldTypeName(f));
  }
  if (f.partOf) parts.push(`oneof ${f.partOf.name}`);
  const opts = { ...(f.options ?? {}) };
  delete opts["proto3_optional"];
  return parts.join(" ") + fmtOptions(opts);
}

function summarizeObject(obj: protobuf.ReflectionObject, out: Map<string, string>): void {
  const name = obj.fullName.replace(/^\./, "");
  if (obj instanceof protobuf.Type) {
    out.set(`message ${name}`, "message" + fmtOptions(obj.options));
    for (const f of obj.fieldsArray) out.set(`field ${name}.${f.name}`, describeField(f));
    for (const o of obj.oneofsArray) {
      out.set(`oneof ${name}.${o.name}`, `{${o.fieldsArray.map((f) => f.name).join(", ")}}` + fmtOptions(o.options));
    }
    const reserved = fmtReserved(obj.reserved as Array<number[] | string>);
    if (reserved) out.set(`reserved ${name}`, reserved);
    const ext = fmtReserved(obj.extensions as Array<number[]>);
    if (ext) out.set(`extensions ${name}`, ext);
  } else if (obj instanceof protobuf.Enum) {
    out.set(`enum ${name}`, "enum" + fmtOptions(obj.options));
    for (const [k, v] of Object.entries(obj.values)) {
      out.set(`enum value ${name}.${k}`, `= ${v}` + fmtOptions(obj.valuesOptions?.[k] as Record<string, unknown>));
    }
    const reserved = fmtReserved(obj.reserved as Array<number[] | string>);
    if (reserved) out.set(`reserved ${name}`, reserved);
  } else if (obj instanceof protobuf.Service) {
    out.set(`service ${name}`, "service" + fmtOptions(obj.options));
    for (const m of obj.methodsArray) {
      const req = m.resolvedRequestType?.fullName ?? m.requestType;
      const res = m.resolvedResponseType?.fullName ?? m.responseType;
      out.set(
        `rpc ${name}.${m.name}`,
        `(${m.requestStream ? "stream " : ""}${req}) returns (${m.responseStream ? "stream " : ""}${res})` + fmtOptions(m.options),
      );
    }
  } else if (obj instanceof protobuf.Field) {
    out.set(`extension ${name}`, describeField(obj));
  }
  if (obj instanceof protobuf.Namespace) for (const n of obj.nestedArray) summarizeObject(n, out);
}

/** Top-level definitions of a root, grouped by the file (import path) that defines them. */
function definitionsByFile(root: protobuf.Root, fileOf: (obj: protobuf.ReflectionObject) => string | null): Map<string, Map<string, string>> {
  const byFile = new Map<string, Map<string, string>>();
  const visit = (ns: protobuf.Namespace): void => {
    for (const obj of ns.nestedArray) {
      const isPlainNamespace = obj instanceof protobuf.Namespace && !(obj instanceof protobuf.Type) &&
        !(obj instanceof protobuf.Service);
      if (isPlainNamespace) {
        visit(obj as protobuf.Namespace);
        continue;
      }
      const file = fileOf(obj);
      if (file === null) continue;
      if (!byFile.has(file)) byFile.set(file, new Map());
      summarizeObject(obj, byFile.get(file)!);
    }
  };
  visit(root);
  return byFile;
}

function isBundledGoogle(obj: protobuf.ReflectionObject): boolean {
  return obj.fullName.startsWith(".google.protobuf.");
}

/** Header of a .proto file from its text (package, syntax, imports, file options). */
function headerFromSource(source: string): Map<string, string> {
  const parsed = protobuf.parse(source, { keepCase: true });
  const h = new Map<string, string>();
  h.set("package", parsed.package ?? "");
  const syntax = /^\s*syntax\s*=\s*"([^"]+)"/m.exec(source.replace(/\/\/.*$/gm, ""));
  h.set("syntax", syntax?.[1] ?? "proto2");
  const imports = [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])].filter((i) => i !== VTPROTO_EXT).sort();
  h.set("imports", imports.join(", "));
  const ns = parsed.package ? parsed.root.lookup(parsed.package) : parsed.root;
  const opts = { ...(parsed.root.options ?? {}), ...(ns?.options ?? {}) };
  for (const k of Object.keys(opts)) if (k.startsWith("(vtproto.")) delete opts[k];
  for (const k of Object.keys(opts).sort()) h.set(`option ${k}`, JSON.stringify(opts[k]));
  return h;
}

function headerFromDescriptor(fd: FileDescriptorJson): Map<string, string> {
  const h = new Map<string, string>();
  h.set("package", fd.package ?? "");
  h.set("syntax", fd.syntax || "proto2");
  h.set("imports", [...(fd.dependency ?? [])].sort().join(", "));
  const opts = fd.options ?? {};
  for (const k of Object.keys(opts).map((k) => [camelToSnake(k), k] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    h.set(`option ${k[0]}`, JSON.stringify(opts[k[1]]));
  }
  return h;
}

// ---------------------------------------------------------------------------
// Loading

function listProtos(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".proto")) out.push(relative(dir, p).split(sep).join("/"));
    }
  };
  walk(dir);
  return out.sort();
}

const common = (protobuf as unknown as { common: { get(f: string): { nested: Record<string, protobuf.AnyNestedObject> } | null } }).common;

function isCommon(target: string): boolean {
  return target.startsWith("google/protobuf/") && common.get(target) != null;
}

function commonJson(target: string): { nested: Record<string, protobuf.AnyNestedObject> } {
  const json = common.get(target);
  if (!json) throw new Error(`not a bundled protobufjs file: ${target}`);
  return json;
}

/** Root that loads by Go import path; `locate` maps an import path to a file on disk. */
function loadRoot(files: string[], locate: (importPath: string) => string, sources?: Map<string, string>): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string): string => {
    if (isCommon(target)) return target;
    if (isAbsolute(target)) return target;
    return locate(target);
  };
  if (sources) {
    // In-memory files (used for the mutation self-check).
    const parseFile = (importPath: string, seen: Set<string>): void => {
      if (seen.has(importPath)) return;
      seen.add(importPath);
      if (isCommon(importPath)) {
        root.addJSON(commonJson(importPath).nested);
        return;
      }
      const text = sources.get(importPath) ?? readFileSync(locate(importPath), "utf8");
      (protobuf.parse as unknown as { filename: string }).filename = locate(importPath);
      const parsed = protobuf.parse(text, root, { keepCase: true });
      for (const imp of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) parseFile(imp, seen);
    };
    const seen = new Set<string>();
    for (const f of files) parseFile(f, seen);
  } else {
    root.loadSync(files.map(locate), { keepCase: true });
  }
  root.resolveAll();
  return root;
}

interface Upstream {
  files: Map<string, FileSummary>;
  versions: Map<string, string>;
}

let vtprotoStub: string | undefined;
function vtprotoStubFile(): string {
  if (!vtprotoStub) {
    vtprotoStub = join(scratchDir(), "vtproto-ext-stub.proto");
    writeFileSync(vtprotoStub, 'syntax = "proto3";\npackage vtproto;\n');
  }
  return vtprotoStub;
}

function loadUpstream(ourFiles: string[]): Upstream {
  const bkDir = moduleDir(BUILDKIT.path, BUILDKIT.version);
  const requires = parseGoModRequires(readFileSync(join(bkDir, "go.mod"), "utf8"));
  const versions = new Map<string, string>([[BUILDKIT.path, BUILDKIT.version]]);
  const dirs = new Map<string, string>([[BUILDKIT.path, bkDir]]);
  const dirOf = (mod: string): string => {
    let d = dirs.get(mod);
    if (!d) {
      const v = requires.get(mod);
      if (!v) throw new Error(`${BUILDKIT.path}@${BUILDKIT.version} go.mod does not require ${mod}`);
      versions.set(mod, v);
      d = moduleDir(mod, v);
      dirs.set(mod, d);
    }
    return d;
  };

  const ours = protoRoot();
  const locate = (importPath: string): string => {
    if (importPath === VTPROTO_EXT) return vtprotoStubFile();
    for (const [prefix, mod] of Object.entries(MODULE_PREFIXES)) {
      if (importPath.startsWith(prefix)) return join(dirOf(mod), importPath.slice(prefix.length));
    }
    // Files without an upstream .proto (status, health) are only imported for their
    // types; their own definitions are checked against the Go descriptors below.
    return join(ours, importPath);
  };
  const unlocate = new Map<string, string>();
  const locateRecording = (p: string): string => {
    const l = locate(p);
    unlocate.set(l, p);
    return l;
  };

  const files = new Map<string, FileSummary>();
  const protoSourced = ourFiles.filter((f) => !(f in GO_DESCRIPTOR_FILES));
  for (const f of protoSourced) {
    const path = locateRecording(f);
    if (!existsSync(path)) throw new Error(`upstream has no ${f} (looked at ${path})`);
  }
  const root = loadRoot(protoSourced, locateRecording);
  const defs = definitionsByFile(root, (obj) => (isBundledGoogle(obj) ? null : unlocate.get(obj.filename ?? "") ?? obj.filename ?? "?"));
  for (const f of protoSourced) {
    files.set(f, { header: headerFromSource(readFileSync(locate(f), "utf8")), defs: defs.get(f) ?? new Map() });
  }

  for (const [f, src] of Object.entries(GO_DESCRIPTOR_FILES)) {
    if (!ourFiles.includes(f)) continue;
    const goFile = join(dirOf(src.module), src.goFile);
    const raw = goRawDescriptor(readFileSync(goFile, "utf8"), src.symbol);
    const fdMsg = descriptorExt.FileDescriptorProto.decode(raw);
    const fd = descriptorExt.FileDescriptorProto.toObject(fdMsg, { enums: String, defaults: false });
    assert.equal(fd.name, f, `${goFile}: descriptor is for ${fd.name}`);
    // Dependencies (google/protobuf/*) are not in the descriptor; add protobufjs's copies.
    const depFiles: object[] = [];
    for (const dep of fd.dependency ?? []) {
      assert.ok(isCommon(dep), `${f}: unexpected dependency ${dep}`);
      const depRoot = new protobuf.Root();
      depRoot.loadSync(dep, { keepCase: true });
      const depSet = (depRoot as unknown as { toDescriptor(e: string): unknown }).toDescriptor("proto3");
      depFiles.push(...descriptorExt.FileDescriptorSet.toObject(depSet, { enums: String }).file);
    }
    const droot = fromDescriptor(descriptorExt.FileDescriptorSet.fromObject({ file: [...depFiles, fd] }), { keepCase: true });
    const ddefs = definitionsByFile(droot, (obj) => (isBundledGoogle(obj) ? null : f));
    files.set(f, { header: headerFromDescriptor(fd), defs: ddefs.get(f) ?? new Map() });
  }
  return { files, versions };
}

function loadOurs(ourFiles: string[], overrides?: Map<string, string>): Map<string, FileSummary> {
  const dir = protoRoot();
  const locate = (p: string): string => join(dir, p);
  const root = loadRoot(ourFiles, locate, overrides);
  const defs = definitionsByFile(root, (obj) =>
    isBundledGoogle(obj) ? null : relative(dir, obj.filename ?? "?").split(sep).join("/"));
  const files = new Map<string, FileSummary>();
  for (const f of ourFiles) {
    const text = overrides?.get(f) ?? readFileSync(locate(f), "utf8");
    files.set(f, { header: headerFromSource(text), defs: defs.get(f) ?? new Map() });
  }
  return files;
}

// ---------------------------------------------------------------------------
// Diff

function diffMaps(where: string, up: Map<string, string>, ours: Map<string, string>, out: string[]): void {
  for (const [k, v] of up) {
    if (!ours.has(k)) out.push(`${where}: missing ${k}: ${v}`);
    else if (ours.get(k) !== v) out.push(`${where}: changed ${k}: upstream [${v}] ours [${ours.get(k)}]`);
  }
  for (const [k, v] of ours) if (!up.has(k)) out.push(`${where}: extra ${k}: ${v}`);
}

function diffSchemas(up: Map<string, FileSummary>, ours: Map<string, FileSummary>): string[] {
  const out: string[] = [];
  for (const [f, u] of up) {
    const o = ours.get(f);
    if (!o) {
      out.push(`${f}: missing file`);
      continue;
    }
    // Guards against a file-attribution bug making both sides vacuously equal.
    if (!u.defs.size) out.push(`${f}: no upstream definitions found (test bug?)`);
    if (!o.defs.size) out.push(`${f}: no definitions found in ours`);
    diffMaps(f, u.header, o.header, out);
    diffMaps(f, u.defs, o.defs, out);
  }
  for (const f of ours.keys()) if (!up.has(f)) out.push(`${f}: extra file (no upstream)`);
  return out;
}

// ---------------------------------------------------------------------------
// Tests

const ourFiles = listProtos(protoRoot());
let cachedUpstream: Upstream | undefined;
const upstream = (): Upstream => (cachedUpstream ??= loadUpstream(ourFiles));

after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test("proto/ holds exactly the schema files the project declares", () => {
  assert.deepEqual(ourFiles, Object.values(protoFiles).slice().sort());
});

test("proto/ matches upstream buildkit v0.32.2 and the module versions its go.mod requires", () => {
  const up = upstream();
  const diffs = diffSchemas(up.files, loadOurs(ourFiles));
  const versions = [...up.versions].map(([m, v]) => `${m}@${v}`).join(", ");
  const defsChecked = [...up.files.values()].reduce((n, f) => n + f.defs.size, 0);
  assert.ok(defsChecked > 500, `suspiciously few definitions compared (${defsChecked})`);
  if (diffs.length) {
    assert.fail(`proto/ drifted from upstream (${versions}):\n  ${diffs.join("\n  ")}`);
  }
});

test("fsutil version comes from buildkit's go.mod", () => {
  const up = upstream();
  const fsutil = up.versions.get("github.com/tonistiigi/fsutil");
  assert.ok(fsutil, "fsutil was not resolved");
  const header = readFileSync(join(protoRoot(), protoFiles.fsutilStat), "utf8").split("\n")[0];
  assert.ok(header?.includes(`@${fsutil} `), `proto/${protoFiles.fsutilStat} header names another fsutil version: ${header}`);
});

test("self-check: mutations of ours are detected", () => {
  const up = upstream();
  const opsPath = protoFiles.ops;
  const ops = readFileSync(join(protoRoot(), opsPath), "utf8");
  const health = readFileSync(join(protoRoot(), protoFiles.health), "utf8");
  const gateway = readFileSync(join(protoRoot(), protoFiles.gateway), "utf8");

  const cases: Array<{ name: string; file: string; from: RegExp; to: string; expect: RegExp }> = [
    { name: "field number", file: opsPath, from: /(\bstring OSVersion = )4;/, to: "$19;", expect: /changed field pb\.Platform\.OSVersion/ },
    { name: "field type", file: opsPath, from: /(\n\s*)int64 index = 2;/, to: "$1int32 index = 2;", expect: /changed field pb\.Input\.index/ },
    { name: "repeated", file: opsPath, from: /repeated string OSFeatures = 5;/, to: "string OSFeatures = 5;", expect: /changed field pb\.Platform\.OSFeatures/ },
    { name: "enum value", file: opsPath, from: /\bINSECURE = 1;/, to: "INSECURE = 3;", expect: /changed enum value pb\.SecurityMode\.INSECURE/ },
    { name: "extra field", file: opsPath, from: /(message Platform \{)/, to: "$1\n\tstring Extra = 99;", expect: /extra field pb\.Platform\.Extra/ },
    { name: "oneof membership", file: opsPath, from: /(\n\s*)(PassthroughOp passthrough = 8;)\n(\s*)\}/, to: "$1}$1$2", expect: /changed (oneof pb\.Op\.op|field pb\.Op\.passthrough)/ },
    { name: "streaming", file: protoFiles.health, from: /returns \(stream HealthCheckResponse\)/, to: "returns (HealthCheckResponse)", expect: /changed rpc grpc\.health\.v1\.Health\.Watch/ },
    { name: "rpc request type", file: protoFiles.gateway, from: /rpc Ping\(PingRequest\)/, to: "rpc Ping(PongResponse)", expect: /changed rpc moby\.buildkit\.v1\.frontend\.LLBBridge\.Ping/ },
  ];
  const originals = new Map<string, string>([[opsPath, ops], [protoFiles.health, health], [protoFiles.gateway, gateway]]);
  for (const c of cases) {
    const text = originals.get(c.file)!;
    const mutated = text.replace(c.from, c.to);
    assert.notEqual(mutated, text, `self-check "${c.name}": pattern did not apply`);
    const overrides = new Map<string, string>([[c.file, mutated]]);
    const diffs = diffSchemas(up.files, loadOurs(ourFiles, overrides));
    assert.ok(diffs.some((d) => c.expect.test(d)), `self-check "${c.name}" not detected; diffs:\n  ${diffs.join("\n  ")}`);
  }
  // And the unmutated in-memory path reports nothing.
  assert.deepEqual(diffSchemas(up.files, loadOurs(ourFiles, new Map<string, string>([[opsPath, ops]]))), []);
});
