/**
 * Source maps tie ops to the user's file and line, so a failing step is
 * reported at `build.ts:12` instead of at an op digest. Lines are 1-based.
 */

import type { ConstraintsOpt, SourceLocation } from "./constraints.js";
import type { PbDefinition, PbRange, PbSource } from "./pb.js";
import type { Definition } from "./definition.js";
import type { State } from "./state.js";

/** A range given with 1-based lines; columns ("character") are 0-based as in buildkit. */
export interface RangeInput {
  start: { line: number; character?: number };
  end?: { line: number; character?: number };
}

export function toPbRange(r: RangeInput): PbRange {
  const end = r.end ?? r.start;
  return {
    start: { line: r.start.line, character: r.start.character ?? 0 },
    end: { line: end.line, character: end.character ?? 0 },
  };
}

/** A source file (Dockerfile, build program) that ops can point into. */
export class SourceMap {
  readonly filename: string;
  readonly language: string;
  readonly data: Uint8Array;
  /** A state whose definition is attached to the source info (Go's `SourceMap.State`). */
  readonly state?: State;
  definition?: Definition;

  constructor(filename: string, options: { language?: string; data?: Uint8Array | string; state?: State; definition?: Definition } = {}) {
    this.filename = filename;
    this.language = options.language ?? "";
    const d = options.data;
    this.data = typeof d === "string" ? new TextEncoder().encode(d) : (d ?? new Uint8Array());
    if (options.state) this.state = options.state;
    if (options.definition) this.definition = options.definition;
  }

  /** A constraints option that records these ranges on an op. */
  location(ranges: readonly (RangeInput | PbRange)[]): ConstraintsOpt {
    const loc: SourceLocation = { sourceMap: this, ranges: ranges.map(asPbRange) };
    return (c) => {
      c.sourceLocations.push(loc);
    };
  }

  /** The same as {@link location}, as a value for `sourceLocations` options. */
  at(ranges: readonly (RangeInput | PbRange)[]): SourceLocation {
    return { sourceMap: this, ranges: ranges.map(asPbRange) };
  }

  /** A location covering whole lines `from`..`to` (1-based). */
  lines(from: number, to = from): SourceLocation {
    return this.at([{ start: { line: from }, end: { line: to } }]);
  }
}

function asPbRange(r: RangeInput | PbRange): PbRange {
  // Without a start it is a PbRange like Go's zero pb.Range{}: absent positions stay absent.
  if (!r.start) return r.end ? { end: { line: r.end.line, character: r.end.character ?? 0 } } : {};
  return toPbRange(r as RangeInput);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function equalSourceMap(a: SourceMap, b: SourceMap): boolean {
  if (a.filename !== b.filename || a.language !== b.language) return false;
  if (!bytesEqual(a.data, b.data)) return false;
  const da = a.definition?.def;
  const db = b.definition?.def;
  if (da && db) {
    if (da.length !== db.length && da.length !== 0) return false;
    if (!bytesEqual(da[da.length - 1]!, db[db.length - 1]!)) return false;
  }
  return true;
}

/** Shared by every digest without locations (most ops): replaced, never appended to. */
const NO_LOCATIONS: SourceLocation[] = [];

/** Collects source locations during a marshal, like Go's `sourceMapCollector`. */
export class SourceMapCollector {
  readonly maps: SourceMap[] = [];
  private readonly index = new Map<SourceMap, number>();
  readonly locations = new Map<string, SourceLocation[]>();

  add(digest: string, locs: readonly SourceLocation[]): void {
    for (const l of locs) {
      let idx = this.index.get(l.sourceMap);
      if (idx === undefined) {
        idx = this.maps.findIndex((m) => equalSourceMap(m, l.sourceMap));
        if (idx === -1) {
          idx = this.maps.length;
          this.maps.push(l.sourceMap);
        }
      }
      this.index.set(l.sourceMap, idx);
    }
    const existing = this.locations.get(digest);
    if (existing === undefined) this.locations.set(digest, locs.length === 0 ? NO_LOCATIONS : [...locs]);
    else if (existing === NO_LOCATIONS) this.locations.set(digest, [...locs]);
    else existing.push(...locs);
  }

  /** Builds `pb.Source`; `marshalState` marshals source maps that carry a state. */
  toPb(marshalState: (s: State) => PbDefinition): PbSource {
    const out: PbSource = { locations: {}, infos: [] };
    for (const m of this.maps) {
      const info: PbSource["infos"][number] = { filename: m.filename, data: m.data, language: m.language };
      if (m.definition) info.definition = m.definition.toPb();
      else if (m.state) info.definition = marshalState(m.state);
      out.infos.push(info);
    }
    this.locations.forEach((locs, dgst) => {
      out.locations[dgst] = {
        locations: locs.map((l) => ({ sourceIndex: this.index.get(l.sourceMap) ?? 0, ranges: [...l.ranges] })),
      };
    });
    return out;
  }
}
