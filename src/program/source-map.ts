/**
 * Just enough of the source map v3 format to turn a position in a bundled
 * program back into a line of the user's file (for error messages and op
 * locations).
 */

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_VALUES = new Map([...B64].map((c, i) => [c, i]));

interface Segment {
  genColumn: number;
  source: number;
  line: number;
  column: number;
}

export interface OriginalPosition {
  source: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export class SourceMapLookup {
  private readonly lines: Segment[][] = [];
  private readonly sources: string[];

  constructor(map: { sources: string[]; mappings: string }) {
    this.sources = map.sources;
    let source = 0;
    let line = 0;
    let column = 0;
    for (const lineText of map.mappings.split(";")) {
      const segs: Segment[] = [];
      let genColumn = 0;
      for (const segText of lineText.split(",")) {
        if (segText === "") continue;
        const v = decodeVlq(segText);
        genColumn += v[0]!;
        if (v.length >= 4) {
          source += v[1]!;
          line += v[2]!;
          column += v[3]!;
          segs.push({ genColumn, source, line, column });
        }
      }
      this.lines.push(segs);
    }
  }

  /** Maps a 1-based generated line and column to the original position, if mapped. */
  lookup(genLine: number, genColumn: number): OriginalPosition | undefined {
    const segs = this.lines[genLine - 1];
    if (!segs || segs.length === 0) return undefined;
    let best: Segment | undefined;
    for (const s of segs) {
      if (s.genColumn <= genColumn - 1) best = s;
      else break;
    }
    best ??= segs[0]!;
    return { source: this.sources[best.source] ?? "", line: best.line + 1, column: best.column + 1 };
  }
}

function decodeVlq(s: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of s) {
    const digit = B64_VALUES.get(ch);
    if (digit === undefined) throw new Error(`bad source map character ${JSON.stringify(ch)}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}
