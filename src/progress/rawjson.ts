// `--progress=rawjson`: one JSON document per update, byte-identical to Go's
// json.NewEncoder(w).Encode(*client.SolveStatus) (field order and omitempty
// from the struct tags in client/graph.go and solver/pb, HTML-safe escaping,
// []byte as base64, time.Time as RFC3339Nano).

import type { Long, pb } from "../proto/index.js";
import type { Range, SolveStatus, SourceInfo, Vertex, VertexLog, VertexStatus, VertexWarning } from "./types.js";
import { formatRFC3339Nano } from "./types.js";
import { goJSONString } from "../internal/go/json.js";
import { compareUtf8 } from "../internal/go/utf8.js";


function b64(b: Uint8Array): string {
  return '"' + Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64") + '"';
}

type Int64 = number | Long | string | null | undefined;
function int64(v: Int64): string {
  if (v === null || v === undefined) return "0";
  if (typeof v === "number") return String(Math.trunc(v));
  return v.toString();
}
function isZero64(v: Int64): boolean {
  return int64(v) === "0";
}

/** Builds a JSON object with Go's omitempty rules applied by the caller. */
class Obj {
  private fields: string[] = [];
  raw(key: string, json: string): this {
    this.fields.push(goJSONString(key) + ":" + json);
    return this;
  }
  str(key: string, v: string | null | undefined, omitempty = true): this {
    if (omitempty && !v) return this;
    return this.raw(key, goJSONString(v ?? ""));
  }
  bool(key: string, v: boolean | null | undefined): this {
    return v ? this.raw(key, "true") : this;
  }
  toString(): string {
    return "{" + this.fields.join(",") + "}";
  }
}

function jsonMap<T>(m: Record<string, T>, enc: (v: T) => string): string {
  const keys = Object.keys(m).sort(compareUtf8);
  return "{" + keys.map((k) => goJSONString(k) + ":" + enc(m[k]!)).join(",") + "}";
}

function hasKeys(m: Record<string, unknown> | null | undefined): m is Record<string, unknown> {
  return !!m && Object.keys(m).length > 0;
}

function position(p: pb.Position.$Properties): string {
  const o = new Obj();
  if (p.line) o.raw("line", String(p.line));
  if (p.character) o.raw("character", String(p.character));
  return o.toString();
}

function pbRange(r: pb.Range.$Properties | null): string {
  if (!r) return "null";
  const o = new Obj();
  if (r.start) o.raw("start", position(r.start));
  if (r.end) o.raw("end", position(r.end));
  return o.toString();
}

function opMetadata(m: pb.OpMetadata.$Properties | null): string {
  if (!m) return "null";
  const o = new Obj();
  o.bool("ignore_cache", m.ignore_cache);
  if (hasKeys(m.description)) o.raw("description", jsonMap(m.description, goJSONString));
  if (m.export_cache) o.raw("export_cache", new Obj().bool("Value", m.export_cache.Value).toString());
  if (hasKeys(m.caps)) o.raw("caps", jsonMap(m.caps, (v) => (v ? "true" : "false")));
  if (m.progress_group) {
    const g = m.progress_group;
    o.raw("progress_group", new Obj().str("id", g.id).str("name", g.name).bool("weak", g.weak).toString());
  }
  if (m.linux_resources) {
    const r = m.linux_resources;
    const ro = new Obj();
    for (const k of ["memory", "memorySwap", "cpuShares", "cpuPeriod", "cpuQuota"] as const) {
      if (!isZero64(r[k])) ro.raw(k, int64(r[k]));
    }
    ro.str("cpusetCpus", r.cpusetCpus).str("cpusetMems", r.cpusetMems);
    o.raw("linux_resources", ro.toString());
  }
  return o.toString();
}

function pbSourceInfo(si: pb.SourceInfo.$Properties | null): string {
  if (!si) return "null";
  const o = new Obj().str("filename", si.filename);
  if (si.data && si.data.length > 0) o.raw("data", b64(si.data));
  if (si.definition) o.raw("definition", definition(si.definition));
  return o.str("language", si.language).toString();
}

function definition(d: pb.Definition.$Properties): string {
  const o = new Obj();
  if (d.def && d.def.length > 0) o.raw("def", "[" + d.def.map(b64).join(",") + "]");
  if (hasKeys(d.metadata)) o.raw("metadata", jsonMap(d.metadata, opMetadata));
  if (d.Source) {
    const s = d.Source;
    const so = new Obj();
    if (hasKeys(s.locations)) {
      so.raw(
        "locations",
        jsonMap(s.locations, (locs) => {
          if (!locs) return "null";
          const lo = new Obj();
          if (locs.locations && locs.locations.length > 0) {
            lo.raw(
              "locations",
              "[" +
                locs.locations
                  .map((l) => {
                    if (!l) return "null";
                    const x = new Obj();
                    if (l.sourceIndex) x.raw("sourceIndex", String(l.sourceIndex));
                    if (l.ranges && l.ranges.length > 0) x.raw("ranges", "[" + l.ranges.map(pbRange).join(",") + "]");
                    return x.toString();
                  })
                  .join(",") +
                "]",
            );
          }
          return lo.toString();
        }),
      );
    }
    if (s.infos && s.infos.length > 0) so.raw("infos", "[" + s.infos.map(pbSourceInfo).join(",") + "]");
    o.raw("Source", so.toString());
  }
  return o.toString();
}

function time(d: Date): string {
  return '"' + formatRFC3339Nano(d) + '"';
}

function vertexJSON(v: Vertex): string {
  const o = new Obj().str("digest", v.digest);
  if (v.inputs && v.inputs.length > 0) o.raw("inputs", "[" + v.inputs.map(goJSONString).join(",") + "]");
  o.str("name", v.name);
  if (v.started) o.raw("started", time(v.started));
  if (v.completed) o.raw("completed", time(v.completed));
  o.bool("cached", v.cached).str("error", v.error);
  if (v.progressGroup) {
    const g = v.progressGroup;
    o.raw("progressGroup", new Obj().str("id", g.id).str("name", g.name).bool("weak", g.weak).toString());
  }
  return o.toString();
}

function statusJSON(s: VertexStatus): string {
  const o = new Obj().str("id", s.id, false).str("vertex", s.vertex).str("name", s.name);
  if (s.total) o.raw("total", String(s.total));
  o.raw("current", String(s.current ?? 0));
  o.raw("timestamp", time(s.timestamp));
  if (s.started) o.raw("started", time(s.started));
  if (s.completed) o.raw("completed", time(s.completed));
  return o.toString();
}

function logJSON(l: VertexLog): string {
  const o = new Obj().str("vertex", l.vertex);
  if (l.stream) o.raw("stream", String(l.stream));
  // a zero-length proto3 bytes field decodes to nil in Go, which marshals as null
  o.raw("data", l.data && l.data.length > 0 ? b64(l.data) : "null");
  o.raw("timestamp", time(l.timestamp));
  return o.toString();
}

function sourceInfoJSON(si: SourceInfo): string {
  return pbSourceInfo(si as pb.SourceInfo.$Properties);
}

function rangeJSON(r: Range): string {
  return pbRange(r as pb.Range.$Properties);
}

function warningJSON(w: VertexWarning): string {
  const o = new Obj().str("vertex", w.vertex);
  if (w.level) o.raw("level", String(w.level));
  if (w.short && w.short.length > 0) o.raw("short", b64(w.short));
  if (w.detail && w.detail.length > 0) o.raw("detail", "[" + w.detail.map(b64).join(",") + "]");
  o.str("url", w.url);
  if (w.sourceInfo) o.raw("sourceInfo", sourceInfoJSON(w.sourceInfo));
  if (w.range && w.range.length > 0) o.raw("range", "[" + w.range.map(rangeJSON).join(",") + "]");
  return o.toString();
}

/** json.Marshal(client.SolveStatus), without the trailing newline. */
export function marshalSolveStatus(s: SolveStatus): string {
  const o = new Obj();
  if (s.vertexes && s.vertexes.length > 0) o.raw("vertexes", "[" + s.vertexes.map(vertexJSON).join(",") + "]");
  if (s.statuses && s.statuses.length > 0) o.raw("statuses", "[" + s.statuses.map(statusJSON).join(",") + "]");
  if (s.logs && s.logs.length > 0) o.raw("logs", "[" + s.logs.map(logJSON).join(",") + "]");
  if (s.warnings && s.warnings.length > 0) o.raw("warnings", "[" + s.warnings.map(warningJSON).join(",") + "]");
  return o.toString();
}
