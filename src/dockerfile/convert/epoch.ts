/**
 * SOURCE_DATE_EPOCH: port of buildkit v0.32.2
 * frontend/dockerfile/dockerfile2llb/epoch.go. The value is a Unix time, or
 * `context`, a named context or a stage (`FROM scratch` plus one remote ADD)
 * whose source's time is asked from the daemon: a git commit's committer time,
 * an HTTP Last-Modified, else the newest file in a downloaded archive.
 */

import { createRequire } from "node:module";
import { DockerfileError } from "../../errors.js";
import { basePath } from "../../internal/go/path.js";
import { equalFold } from "../../internal/go/strings.js";
import { parseURL } from "../../internal/go/url.js";
import { EnvList, git, http, State, withCaps, type GitOptions } from "../../llb/index.js";
import { decodeOp } from "../../llb/decode.js";
import { parseDigest } from "../../llb/reference.js";
import type { PbSourceOp } from "../../llb/pb.js";
import type { AddCommand, KeyValuePairOptional, Stage } from "../instructions/commands.js";
import { withLocation } from "../parser/errors.js";
import type { Lex } from "../shell/lex.js";
import { isHTTPSource } from "./convert-copy.js";
import { envListGetter } from "./dispatch-state.js";
import { parseGitRef } from "../../program/git-ref.js";
import type { ConvertOpt, DockerfileClient } from "./options.js";

interface SourceDateEpochStateOpt {
  logName: string;
}

/** node:zlib, loaded on first use: only archive sources need it, and its load would be part of every conversion's start. */
let zlibModule: typeof import("node:zlib") | undefined;
function zlib(): typeof import("node:zlib") {
  return (zlibModule ??= createRequire(import.meta.url)("node:zlib") as typeof import("node:zlib"));
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** epoch.go resolveSourceDateEpochValue: the time SOURCE_DATE_EPOCH names, or undefined. */
export async function resolveSourceDateEpochValue(
  v: string,
  opt: ConvertOpt,
  stages: readonly Stage[],
  globalArgs: EnvList,
  shlex: Lex,
): Promise<Date | undefined> {
  if (v === "") return undefined;
  if (/^[+-]?[0-9]+$/.test(v)) {
    const n = BigInt(v);
    if (n <= 9223372036854775807n && n >= -9223372036854775808n) return new Date(Number(n) * 1000);
  }
  const [state, stateOpt] = await resolveSourceDateEpochState(v, opt, stages, globalArgs, shlex);
  if (state === undefined || opt.client === undefined) return undefined;
  return resolveSourceDateEpochFromState(state, opt.client, stateOpt);
}

/** epoch.go formatSourceDateEpochValue: Unix seconds, "" for none. */
export function formatSourceDateEpochValue(tm: Date | undefined): string {
  if (tm === undefined) return "";
  return String(Math.floor(tm.getTime() / 1000));
}

async function resolveSourceDateEpochState(
  value: string,
  opt: ConvertOpt,
  stages: readonly Stage[],
  globalArgs: EnvList,
  shlex: Lex,
): Promise<[State | undefined, SourceDateEpochStateOpt]> {
  const none: SourceDateEpochStateOpt = { logName: "" };
  if (value === "context") {
    if (opt.client === undefined) return [undefined, none];
    const st = await opt.client.mainContext();
    return [st, { logName: "[internal] resolve main build context metadata" }];
  }
  if (opt.client !== undefined) {
    const nc = await opt.client.namedContext(value, {});
    if (nc !== undefined) {
      const { state } = await nc.load();
      return [state, { logName: "[internal] resolve SOURCE_DATE_EPOCH named context " + value }];
    }
  }
  for (const stage of stages) {
    if (!equalFold(stage.name, value)) continue;
    const args = globalArgs.delete("SOURCE_DATE_EPOCH");
    let sourceState: State;
    try {
      sourceState = sourceDateEpochStageSource(stage, opt.config.buildArgs, args, shlex);
    } catch (e) {
      throw withLocation(e, stage.location);
    }
    return [sourceState, { logName: "[internal] resolve SOURCE_DATE_EPOCH source stage " + stage.name }];
  }
  throw new DockerfileError(`invalid SOURCE_DATE_EPOCH: ${value}`);
}

function sourceDateEpochStageSource(stage: Stage, buildArgs: Readonly<Record<string, string>>, globalArgs: EnvList, shlex: Lex): State {
  let stageBaseName: string;
  try {
    stageBaseName = shlex.processWord(stage.baseName, envListGetter(globalArgs)).result;
  } catch (e) {
    throw new DockerfileError(`failed to process source stage base name ${JSON.stringify(stage.baseName)}: ${errMessage(e)}`, { cause: e });
  }
  if (stageBaseName !== "scratch") throw new DockerfileError("SOURCE_DATE_EPOCH stage must use FROM scratch");
  let env = globalArgs;
  let sourceState: State | undefined;
  for (const cmd of stage.commands) {
    switch (cmd.kind) {
      case "arg":
        env = applySourceDateEpochStageArgs(cmd.args, env, buildArgs, shlex);
        break;
      case "add":
        if (sourceState !== undefined) throw new DockerfileError("SOURCE_DATE_EPOCH stage must contain exactly one remote ADD");
        sourceState = sourceDateEpochAddSource(cmd, env, shlex);
        break;
      default:
        throw new DockerfileError(`SOURCE_DATE_EPOCH stage does not meet source-only requirements: unsupported ${cmd.name()} instruction`);
    }
  }
  if (sourceState === undefined) throw new DockerfileError("SOURCE_DATE_EPOCH stage must contain exactly one remote ADD");
  return sourceState;
}

function applySourceDateEpochStageArgs(args: readonly KeyValuePairOptional[], env: EnvList, buildArgs: Readonly<Record<string, string>>, shlex: Lex): EnvList {
  for (const arg of args) {
    if (Object.hasOwn(buildArgs, arg.key)) {
      env = env.addOrReplace(arg.key, buildArgs[arg.key]!);
      continue;
    }
    if (arg.value === undefined) continue;
    env = env.addOrReplace(arg.key, shlex.processWord(arg.value, envListGetter(env)).result);
  }
  return env;
}

function sourceDateEpochAddSource(cmd: AddCommand, env: EnvList, shlex: Lex): State {
  if (cmd.sourceContents.length !== 0 || cmd.sourcePaths.length !== 1) {
    throw new DockerfileError("SOURCE_DATE_EPOCH stage must contain exactly one remote ADD source");
  }
  const getter = envListGetter(env);
  const src = shlex.processWord(cmd.sourcePaths[0]!, getter).result;
  if (isHTTPSource(src)) {
    let checksum = "";
    if (cmd.checksum !== "") {
      const expanded = shlex.processWord(cmd.checksum, getter).result;
      try {
        checksum = parseDigest(expanded);
      } catch (e) {
        throw new DockerfileError(errMessage(e), { cause: e });
      }
    }
    return http(src, { filename: sourceDateEpochHTTPFilename(src), ...(checksum !== "" ? { checksum } : {}) });
  }
  const parsed = parseGitRef(src);
  if (parsed.err !== undefined && parsed.isGit) throw new DockerfileError(parsed.err);
  const gitRef = parsed.gitRef;
  if (parsed.err === undefined && gitRef !== undefined && !gitRef.indistinguishableFromLocal) {
    const o: GitOptions = { ref: gitRef.ref };
    if (cmd.keepGitDir === true || gitRef.keepGitDir === true) o.keepGitDir = true;
    if (cmd.checksum !== "") o.checksum = shlex.processWord(cmd.checksum, getter).result;
    else if (gitRef.checksum !== "") o.checksum = gitRef.checksum;
    if (gitRef.subDir !== "") o.subdir = gitRef.subDir;
    if (gitRef.submodules === false) o.skipSubmodules = true;
    return git(gitRef.remote, "", o);
  }
  throw new DockerfileError("SOURCE_DATE_EPOCH stage source must be a single HTTP(S) or Git ADD");
}

function sourceDateEpochHTTPFilename(src: string): string {
  try {
    const u = parseURL(src);
    const base = basePath(u.path);
    if (base !== "." && base !== "/") return base;
  } catch {
    // fall through
  }
  return "__unnamed__";
}

async function resolveSourceDateEpochFromState(st: State, client: DockerfileClient, opt: SourceDateEpochStateOpt): Promise<Date | undefined> {
  const sourceOp = await sourceOpFromState(st, client);
  if (sourceOp === undefined) return undefined;
  if (client.resolveSourceMetadata === undefined) return undefined;
  const isGit = sourceOp.identifier.startsWith("git://");
  const isHTTP = sourceOp.identifier.startsWith("http://") || sourceOp.identifier.startsWith("https://");
  const md = await client.resolveSourceMetadata(sourceOp, { logName: opt.logName, gitReturnObject: isGit });
  if (md.gitCommitObject !== undefined && md.gitCommitObject.length > 0) {
    return committerTime(new TextDecoder().decode(md.gitCommitObject));
  }
  if (md.httpLastModified !== undefined) return md.httpLastModified;
  const filename = sourceOp.attrs["http.filename"] ?? "";
  if (!isHTTP || filename === "" || client.solveAndReadFile === undefined) return undefined;
  const { source } = await import("../../llb/source.js");
  const dt = await client.solveAndReadFile(source(sourceOp.identifier, { ...sourceOp.attrs }), filename);
  return archiveMaxTime(dt);
}

/** epoch.go sourceOpFromState: the state's only source op, or undefined when it has none or several. */
async function sourceOpFromState(st: State, client: DockerfileClient): Promise<PbSourceOp | undefined> {
  const def = await st.marshal({ constraints: [withCaps(client.caps())] });
  let src: PbSourceOp | undefined;
  for (const d of def.def) {
    const op = decodeOp(d);
    const s = op.source;
    if (s === undefined) continue;
    if (src !== undefined) return undefined;
    src = { identifier: s.identifier, attrs: { ...s.attrs } };
  }
  return src;
}

/** gitobject Parse + ToCommit: the committer time of a raw commit object (undefined for a tag or none). */
function committerTime(raw: string): Date | undefined {
  if (raw.startsWith("object ")) throw new DockerfileError("not a commit object");
  for (const l of raw.split("\n")) {
    if (l === "") break;
    if (!l.startsWith("committer ")) continue;
    const s = l.slice("committer ".length).trim();
    const start = s.lastIndexOf("<");
    const end = s.lastIndexOf(">");
    if (start < 0 || end < 0 || end < start) return undefined;
    const parts = s.slice(end + 1).trim().split(/\s+/).filter((p) => p !== "");
    if (parts.length < 2 || !/^[+-]?[0-9]+$/.test(parts[0]!)) return undefined;
    const tz = parts[1]!;
    if (tz.length !== 5 || (tz[0] !== "+" && tz[0] !== "-")) return undefined;
    return new Date(Number(parts[0]) * 1000);
  }
  return undefined;
}

/** Go's zero time.Time (0001-01-01T00:00:00Z), the ModTime of a header that has none (a PAX global header). */
const GO_ZERO_TIME_MS = -62135596800000;

/** Mode type bits archive/tar's FileInfo().Mode() turns into a non-regular mode (c_ISDIR, c_ISFIFO, c_ISLNK, c_ISBLK, c_ISCHR, c_ISSOCK). */
const SPECIAL_MODE_TYPES = new Set([0o40000, 0o10000, 0o120000, 0o60000, 0o20000, 0o140000]);

/** The header checksum is valid (archive/tar: the unsigned or the signed sum with the checksum field as spaces). */
function tarChecksumOK(h: Uint8Array, stored: number): boolean {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/**
 * epoch.go archiveMaxTimeFromRef with allowNonArchive: the newest mtime of
 * the entries a tar reader returns whose FileInfo mode is regular (hard links
 * and PAX global headers included, as archive/tar reports them), from a plain
 * or gzip tar; undefined for anything else, including a tar that is corrupt
 * or cut short (Go drops the times read so far then). A zstd tar is read
 * where Node has a zstd decoder (22.15 and later: the frontend image's);
 * bzip2 and xz streams, which Go decompresses too, are not decoded here.
 */
export function archiveMaxTime(dt: Uint8Array): Date | undefined {
  let data = dt;
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) {
    try {
      data = zlib().gunzipSync(data);
    } catch {
      return undefined;
    }
  } else if (data.length >= 4 && data[0] === 0x28 && data[1] === 0xb5 && data[2] === 0x2f && data[3] === 0xfd) {
    const zstd = (zlib() as { zstdDecompressSync?: (b: Uint8Array) => Buffer }).zstdDecompressSync;
    if (!zstd) return undefined; // Node 20 has no zstd decoder
    try {
      data = zstd(data);
    } catch {
      return undefined;
    }
  } else if ((data.length >= 3 && data[0] === 0x42 && data[1] === 0x5a && data[2] === 0x68) || (data.length >= 6 && data[0] === 0xfd && data[1] === 0x37 && data[2] === 0x7a)) {
    return undefined; // bzip2, xz: not decoded here
  }
  const isZero = (b: Uint8Array) => b.every((x) => x === 0);
  let max: number | undefined;
  let off = 0;
  let paxMtime: number | undefined;
  const dec = new TextDecoder();
  const done = () => (max === undefined ? undefined : new Date(max));
  for (;;) {
    if (off === data.length) return done(); // io.EOF at a block boundary
    if (off + 512 > data.length) return undefined; // io.ErrUnexpectedEOF
    const h = data.subarray(off, off + 512);
    if (isZero(h)) {
      if (off + 512 === data.length) return done();
      if (off + 1024 > data.length) return undefined;
      return isZero(data.subarray(off + 512, off + 1024)) ? done() : undefined;
    }
    const field = (a: number, n: number) => dec.decode(h.subarray(a, a + n)).replace(/\0.*$/s, "").trim();
    const num = (a: number, n: number) => {
      const f = field(a, n);
      return f === "" ? 0 : /^[0-7]+$/.test(f) ? parseInt(f, 8) : NaN;
    };
    const chk = num(148, 8);
    if (Number.isNaN(chk) || !tarChecksumOK(h, chk)) return undefined; // tar.ErrHeader
    const size = num(124, 12);
    const mode = num(100, 8);
    if (Number.isNaN(size) || Number.isNaN(mode)) return undefined;
    const flag = String.fromCharCode(h[156]!);
    const end = off + 512 + Math.ceil(size / 512) * 512;
    if (off + 512 + size > data.length) return undefined;
    const body = data.subarray(off + 512, off + 512 + size);
    // Padding cut short ends the archive cleanly in Go (its discard hits io.EOF); a short body does not.
    off = Math.min(end, data.length);
    if (flag === "x") {
      for (const rec of dec.decode(body).split("\n")) {
        const m = /^\d+ mtime=(-?[0-9.]+)$/.exec(rec);
        if (m) paxMtime = Math.floor(Number(m[1]) * 1000);
      }
      continue;
    }
    if (flag === "L" || flag === "K") continue;
    let mtime: number;
    if (flag === "g") mtime = GO_ZERO_TIME_MS;
    else {
      const t = num(136, 12);
      if (Number.isNaN(t)) return undefined;
      mtime = paxMtime ?? t * 1000;
    }
    paxMtime = undefined;
    if ("23456".includes(flag) || SPECIAL_MODE_TYPES.has(mode & ~0o7777)) continue;
    if (max === undefined || mtime > max) max = mtime;
  }
}
