/** Reading `--progress rawjson` output (one SolveStatus JSON per line, as buildctl prints it). */

export interface RawVertex {
  digest: string;
  name?: string;
  cached?: boolean;
  started?: string;
  completed?: string;
  error?: string;
}

export interface RawStatus {
  id: string;
  vertex: string;
  name?: string;
  current?: number;
  total?: number;
  completed?: string;
}

export interface RawProgress {
  vertexes: Map<string, RawVertex>;
  /** The last value of each status, keyed by `vertex|id`. */
  statuses: Map<string, RawStatus>;
  logs: string;
  /** Lines that are not JSON (e.g. the final error). */
  other: string[];
}

/** Merges every update of a rawjson stream (later fields win). */
export function parseRawJson(text: string): RawProgress {
  const out: RawProgress = { vertexes: new Map(), statuses: new Map(), logs: "", other: [] };
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) {
      if (line.trim() !== "") out.other.push(line);
      continue;
    }
    const s = JSON.parse(line) as { vertexes?: RawVertex[]; statuses?: RawStatus[]; logs?: { data?: string }[] };
    for (const v of s.vertexes ?? []) out.vertexes.set(v.digest, { ...out.vertexes.get(v.digest), ...v });
    for (const st of s.statuses ?? []) {
      const k = `${st.vertex}|${st.id}`;
      out.statuses.set(k, { ...out.statuses.get(k), ...st });
    }
    for (const l of s.logs ?? []) if (l.data) out.logs += Buffer.from(l.data, "base64").toString("utf8");
  }
  return out;
}

/** The statuses with `id` of the vertices named `vertexName`. */
export function statusesOf(p: RawProgress, vertexName: string, id: string): RawStatus[] {
  const digests = new Set([...p.vertexes.values()].filter((v) => v.name === vertexName).map((v) => v.digest));
  return [...p.statuses.values()].filter((s) => digests.has(s.vertex) && s.id === id);
}
