/**
 * Port of `buildctl debug dump-llb` (buildkit v0.32.2 cmd/buildctl/debug/dumpllb.go):
 * the JSON lines it prints for a Definition and its `--dot` graph.
 *
 * The JSON is Go's encoding/json of `{Op *pb.Op; Digest; OpMetadata *pb.OpMetadata}`
 * over the protoc-gen-go structs of solver/pb/ops.pb.go (keys are the json tags,
 * which are the proto field names; every field is `omitempty`; struct fields in
 * declaration order; map keys sorted; []byte as base64; int64 as numbers; enums
 * as numbers; <, >, & escaped) with the custom MarshalJSON of solver/pb/json.go
 * for `Op` (oneof under `"Op"`), `FileAction` (`input`, `secondaryInput`,
 * `output` always written; oneof under `"Action"`, which has no `symlink`) and
 * `UserOpt` (`{"User":{"byName":..}}` or `{"User":{"byId":N}}`).
 *
 * Known differences, on bytes neither Go's client/llb marshal nor ours writes
 * in practice: a map entry without a value decodes here as an empty message,
 * `{}`, where Go prints `null`; a string field that is not valid UTF-8 fails
 * to decode here, where Go prints U+FFFD for each bad byte.
 */

import type { Definition } from "./definition.js";
import { inspectDefinition } from "./decode.js";
import { goJSONString } from "../internal/go/json.js";
import { goQuote } from "../internal/go/strconv.js";
import type {
  Int64,
  PbBuildOp,
  PbChownOpt,
  PbDefinition,
  PbExecOp,
  PbFileAction,
  PbFileActionCopy,
  PbFileActionMkDir,
  PbFileActionMkFile,
  PbFileActionRm,
  PbLinuxResources,
  PbLocation,
  PbMeta,
  PbMount,
  PbOp,
  PbOpMetadata,
  PbPlatform,
  PbPosition,
  PbRange,
  PbSource,
  PbSourceInfo,
  PbUserOpt,
} from "./pb.js";
import { vertexLabel } from "./vertex-label.js";
import { sortedKeys } from "./wire.js";

// ---------------------------------------------------------------------------
// encoding/json with `omitempty`: each helper returns the encoded value, or
// undefined when Go leaves the field out (false, 0, "", nil pointer, empty
// slice or map).

type Json = string | undefined;

function object(fields: readonly (readonly [string, Json])[]): string {
  let out = "";
  for (const [k, v] of fields) {
    if (v === undefined) continue;
    out += (out === "" ? "" : ",") + goJSONString(k) + ":" + v;
  }
  return "{" + out + "}";
}

function str(v: string | undefined): Json {
  return v ? goJSONString(v) : undefined;
}

function bool(v: boolean | undefined): Json {
  return v ? "true" : undefined;
}

function int(v: Int64 | undefined): Json {
  return v === undefined || v === 0 || v === 0n ? undefined : String(v);
}

function bytes(v: Uint8Array | undefined): Json {
  return v && v.length > 0 ? '"' + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") + '"' : undefined;
}

function strings(v: readonly string[] | undefined): Json {
  return v && v.length > 0 ? "[" + v.map(goJSONString).join(",") + "]" : undefined;
}

function ints(v: readonly Int64[] | undefined): Json {
  return v && v.length > 0 ? "[" + v.map(String).join(",") + "]" : undefined;
}

/** A pointer to a message: absent is nil (left out), present is written even when empty. */
function msg<T>(v: T | undefined | null, enc: (v: T) => string): Json {
  return v === undefined || v === null ? undefined : enc(v);
}

function list<T>(v: readonly (T | null)[] | undefined, enc: (v: T) => string): Json {
  return v && v.length > 0 ? "[" + v.map((x) => (x === null ? "null" : enc(x))).join(",") + "]" : undefined;
}

/** A Go map: keys sorted byte-wise (as encoding/json does), nil values as `null`. */
function map<T>(v: Readonly<Record<string, T | null>> | undefined, enc: (v: T) => string): Json {
  if (!v) return undefined;
  const keys = sortedKeys(v);
  if (keys.length === 0) return undefined;
  return "{" + keys.map((k) => goJSONString(k) + ":" + (v[k] === null ? "null" : enc(v[k] as T))).join(",") + "}";
}

// ---------------------------------------------------------------------------
// solver/pb structs, fields in ops.pb.go declaration order.

/** solver/pb/json.go `(*Op).MarshalJSON`. */
function opJSON(op: PbOp): string {
  return object([
    ["inputs", list(op.inputs, (i) => object([["digest", str(i.digest)], ["index", int(i.index)]]))],
    [
      "Op",
      object([
        ["exec", msg(op.exec, execOpJSON)],
        ["source", msg(op.source, (s) => object([["identifier", str(s.identifier)], ["attrs", map(s.attrs, goJSONString)]]))],
        ["file", msg(op.file, (f) => object([["actions", list(f.actions, fileActionJSON)]]))],
        ["build", msg(op.build, buildOpJSON)],
        ["merge", msg(op.merge, (m) => object([["inputs", list(m.inputs, (i) => object([["input", int(i.input)]]))]]))],
        [
          "diff",
          msg(op.diff, (d) =>
            object([
              ["lower", msg(d.lower, (i) => object([["input", int(i.input)]]))],
              ["upper", msg(d.upper, (i) => object([["input", int(i.input)]]))],
            ]),
          ),
        ],
        ["passthrough", msg(op.passthrough, (p) => object([["id", str(p.id)], ["outputs", ints(p.outputs)]]))],
      ]),
    ],
    ["platform", msg(op.platform, platformJSON)],
    ["constraints", msg(op.constraints, (c) => object([["filter", strings(c.filter)]]))],
  ]);
}

function platformJSON(p: PbPlatform): string {
  return object([
    ["Architecture", str(p.Architecture)],
    ["OS", str(p.OS)],
    ["Variant", str(p.Variant)],
    ["OSVersion", str(p.OSVersion)],
    ["OSFeatures", strings(p.OSFeatures)],
  ]);
}

function execOpJSON(e: PbExecOp): string {
  return object([
    ["meta", msg(e.meta, metaJSON)],
    ["mounts", list(e.mounts, mountJSON)],
    ["network", int(e.network)],
    ["security", int(e.security)],
    ["secretenv", list(e.secretenv, (s) => object([["ID", str(s.ID)], ["name", str(s.name)], ["optional", bool(s.optional)]]))],
    ["cdiDevices", list(e.cdiDevices, (d) => object([["name", str(d.name)], ["optional", bool(d.optional)]]))],
  ]);
}

function metaJSON(m: PbMeta): string {
  return object([
    ["args", strings(m.args)],
    ["env", strings(m.env)],
    ["cwd", str(m.cwd)],
    ["user", str(m.user)],
    [
      "proxy_env",
      msg(m.proxy_env, (p) =>
        object([
          ["http_proxy", str(p.http_proxy)],
          ["https_proxy", str(p.https_proxy)],
          ["ftp_proxy", str(p.ftp_proxy)],
          ["no_proxy", str(p.no_proxy)],
          ["all_proxy", str(p.all_proxy)],
        ]),
      ),
    ],
    ["extraHosts", list(m.extraHosts, (h) => object([["Host", str(h.Host)], ["IP", str(h.IP)]]))],
    ["hostname", str(m.hostname)],
    ["ulimit", list(m.ulimit, (u) => object([["Name", str(u.Name)], ["Soft", int(u.Soft)], ["Hard", int(u.Hard)]]))],
    ["cgroupParent", str(m.cgroupParent)],
    ["removeMountStubsRecursive", bool(m.removeMountStubsRecursive)],
    ["validExitCodes", ints(m.validExitCodes)],
  ]);
}

function secretOrSSHOptJSON(o: { ID?: string; uid?: number; gid?: number; mode?: number; optional?: boolean }): string {
  return object([["ID", str(o.ID)], ["uid", int(o.uid)], ["gid", int(o.gid)], ["mode", int(o.mode)], ["optional", bool(o.optional)]]);
}

function mountJSON(m: PbMount): string {
  return object([
    ["input", int(m.input)],
    ["selector", str(m.selector)],
    ["dest", str(m.dest)],
    ["output", int(m.output)],
    ["readonly", bool(m.readonly)],
    ["mountType", int(m.mountType)],
    ["TmpfsOpt", msg(m.TmpfsOpt, (t) => object([["size", int(t.size)]]))],
    ["cacheOpt", msg(m.cacheOpt, (c) => object([["ID", str(c.ID)], ["sharing", int(c.sharing)]]))],
    ["secretOpt", msg(m.secretOpt, secretOrSSHOptJSON)],
    ["SSHOpt", msg(m.SSHOpt, secretOrSSHOptJSON)],
    ["resultID", str(m.resultID)],
    ["contentCache", int(m.contentCache)],
  ]);
}

function buildOpJSON(b: PbBuildOp): string {
  return object([
    ["builder", int(b.builder)],
    ["inputs", map(b.inputs, (i) => object([["input", int(i.input)]]))],
    ["def", msg(b.def, definitionJSON)],
    ["attrs", map(b.attrs, goJSONString)],
  ]);
}

/** solver/pb/json.go `(*FileAction).MarshalJSON`: a symlink action has no key, so it prints `"Action":{}`. */
function fileActionJSON(a: PbFileAction): string {
  return object([
    ["input", String(a.input ?? 0)],
    ["secondaryInput", String(a.secondaryInput ?? 0)],
    ["output", String(a.output ?? 0)],
    [
      "Action",
      object([
        ["copy", msg(a.copy, copyJSON)],
        ["mkfile", msg(a.mkfile, mkfileJSON)],
        ["mkdir", msg(a.mkdir, mkdirJSON)],
        ["rm", msg(a.rm, rmJSON)],
      ]),
    ],
  ]);
}

function copyJSON(c: PbFileActionCopy): string {
  return object([
    ["src", str(c.src)],
    ["dest", str(c.dest)],
    ["owner", msg(c.owner, chownJSON)],
    ["mode", int(c.mode)],
    ["followSymlink", bool(c.followSymlink)],
    ["dirCopyContents", bool(c.dirCopyContents)],
    ["attemptUnpackDockerCompatibility", bool(c.attemptUnpackDockerCompatibility)],
    ["createDestPath", bool(c.createDestPath)],
    ["allowWildcard", bool(c.allowWildcard)],
    ["allowEmptyWildcard", bool(c.allowEmptyWildcard)],
    ["timestamp", int(c.timestamp)],
    ["include_patterns", strings(c.include_patterns)],
    ["exclude_patterns", strings(c.exclude_patterns)],
    ["alwaysReplaceExistingDestPaths", bool(c.alwaysReplaceExistingDestPaths)],
    ["modeStr", str(c.modeStr)],
    ["required_paths", strings(c.required_paths)],
  ]);
}

function mkfileJSON(f: PbFileActionMkFile): string {
  return object([
    ["path", str(f.path)],
    ["mode", int(f.mode)],
    ["data", bytes(f.data)],
    ["owner", msg(f.owner, chownJSON)],
    ["timestamp", int(f.timestamp)],
  ]);
}

function mkdirJSON(d: PbFileActionMkDir): string {
  return object([
    ["path", str(d.path)],
    ["mode", int(d.mode)],
    ["makeParents", bool(d.makeParents)],
    ["owner", msg(d.owner, chownJSON)],
    ["timestamp", int(d.timestamp)],
  ]);
}

function rmJSON(r: PbFileActionRm): string {
  return object([
    ["path", str(r.path)],
    ["allowNotFound", bool(r.allowNotFound)],
    ["allowWildcard", bool(r.allowWildcard)],
  ]);
}

function chownJSON(c: PbChownOpt): string {
  return object([
    ["user", msg(c.user, userOptJSON)],
    ["group", msg(c.group, userOptJSON)],
  ]);
}

/** solver/pb/json.go `(*UserOpt).MarshalJSON` (note `byId`, where the proto field is `byID`). */
function userOptJSON(u: PbUserOpt): string {
  const byName = "byName" in u ? u.byName : undefined;
  const byID = "byID" in u ? u.byID : undefined;
  return object([["User", object([["byName", msg(byName, (n) => object([["name", str(n.name)], ["input", int(n.input)]]))], ["byId", int(byID)]])]]);
}

function opMetadataJSON(m: PbOpMetadata): string {
  return object([
    ["ignore_cache", bool(m.ignore_cache)],
    ["description", map(m.description, goJSONString)],
    ["export_cache", msg(m.export_cache, (e) => object([["Value", bool(e.Value)]]))],
    ["caps", map(m.caps, (v) => (v ? "true" : "false"))],
    ["progress_group", msg(m.progress_group, (g) => object([["id", str(g.id)], ["name", str(g.name)], ["weak", bool(g.weak)]]))],
    ["linux_resources", msg(m.linux_resources, linuxResourcesJSON)],
  ]);
}

function linuxResourcesJSON(r: PbLinuxResources): string {
  return object([
    ["memory", int(r.memory)],
    ["memorySwap", int(r.memorySwap)],
    ["cpuShares", int(r.cpuShares)],
    ["cpuPeriod", int(r.cpuPeriod)],
    ["cpuQuota", int(r.cpuQuota)],
    ["cpusetCpus", str(r.cpusetCpus)],
    ["cpusetMems", str(r.cpusetMems)],
  ]);
}

function definitionJSON(d: PbDefinition): string {
  return object([
    ["def", list(d.def, (b) => bytes(b) ?? '""')],
    ["metadata", map(d.metadata, opMetadataJSON)],
    ["Source", msg(d.Source, sourceJSON)],
  ]);
}

function sourceJSON(s: PbSource): string {
  return object([
    ["locations", map(s.locations, (l) => object([["locations", list(l.locations, locationJSON)]]))],
    ["infos", list(s.infos, sourceInfoJSON)],
  ]);
}

function sourceInfoJSON(i: PbSourceInfo): string {
  return object([
    ["filename", str(i.filename)],
    ["data", bytes(i.data)],
    ["definition", msg(i.definition, definitionJSON)],
    ["language", str(i.language)],
  ]);
}

function locationJSON(l: PbLocation): string {
  return object([
    ["sourceIndex", int(l.sourceIndex)],
    ["ranges", list(l.ranges, rangeJSON)],
  ]);
}

function rangeJSON(r: PbRange): string {
  return object([
    ["start", msg(r.start, positionJSON)],
    ["end", msg(r.end, positionJSON)],
  ]);
}

function positionJSON(p: PbPosition): string {
  return object([
    ["line", int(p.line)],
    ["character", int(p.character)],
  ]);
}

// ---------------------------------------------------------------------------
// dumpllb.go

/**
 * What `buildctl debug dump-llb` prints for a Definition: one JSON object per
 * op, `{"Op":...,"Digest":"sha256:...","OpMetadata":...}`, in Definition order
 * (lines without their trailing newline).
 */
export function dumpDefinitionJson(def: Definition): string[] {
  return inspectDefinition(def).map((o) =>
    object([
      ["Op", opJSON(o.op)],
      ["Digest", goJSONString(o.digest)],
      // Go looks the digest up in a map of values: a missing entry is the zero OpMetadata, `{}`.
      ["OpMetadata", opMetadataJSON(o.metadata ?? {})],
    ]),
  );
}

/** What `buildctl debug dump-llb --dot` prints for a Definition (a Graphviz digraph, ending in a newline). */
export function dumpDefinitionDot(def: Definition): string {
  const ops = inspectDefinition(def);
  let out = "digraph {\n";
  for (const o of ops) {
    const { name, shape } = vertexLabel(o.op, o.digest);
    out += `  ${goQuote(o.digest)} [label=${goQuote(name)} shape=${goQuote(shape)}];\n`;
  }
  for (const o of ops) {
    o.op.inputs.forEach((inp, i) => {
      let label = "";
      for (const m of o.op.exec?.mounts ?? []) {
        if ((m.input ?? 0) === i && m.dest !== "/") label = m.dest ?? "";
      }
      out += `  ${goQuote(inp.digest ?? "")} -> ${goQuote(o.digest)} [label=${goQuote(label)}];\n`;
    });
  }
  return out + "}\n";
}
