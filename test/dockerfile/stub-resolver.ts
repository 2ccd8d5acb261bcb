/**
 * The stub image resolver of the Dockerfile tests (golden, fuzz, bench), the
 * same rules as test/dockerfile/go/stub.go over the same table
 * (stub-images.json): the exact ref, then its short form (no leading
 * `docker.io/library/` or `docker.io/`, no trailing `:latest`); an entry's
 * config without `os` gets the requested platform; an unknown ref gets a
 * generated linux image; the digest is sha256 of `<ref>|<os>/<arch>[/<variant>]`
 * unless the entry gives one. No network.
 */

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ImageMetaResolver, Platform, ResolveImageConfigOptions, ResolvedImageConfig } from "../../src/llb/index.js";
import { repoRoot } from "../lib/gobin.js";

interface StubEntry {
  config?: Record<string, unknown>;
  digest?: string;
  error?: string;
}

export const stubTableFile = join(repoRoot, "test", "dockerfile", "stub-images.json");

function hexSum(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

function shortRef(ref: string): string {
  let s = ref;
  if (s.startsWith("docker.io/library/")) s = s.slice("docker.io/library/".length);
  else if (s.startsWith("docker.io/")) s = s.slice("docker.io/".length);
  return s.endsWith(":latest") ? s.slice(0, -":latest".length) : s;
}

function platformKey(p: Platform | undefined): string {
  if (!p) return "";
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

function genConfig(ref: string): Record<string, unknown> {
  return {
    created: "2024-01-01T00:00:00Z",
    config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
    rootfs: { type: "layers", diff_ids: [`sha256:${hexSum(`layer|${ref}`)}`] },
    history: [{ created: "2024-01-01T00:00:00Z", created_by: `stub ${ref}` }],
  };
}

/** JSON with sorted object keys, as Go's json.Marshal writes a map[string]any. */
function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** Thrown for table entries with an `error` (what a registry's "not found" would be). */
export class StubResolveError extends Error {}

export class StubResolver implements ImageMetaResolver {
  private readonly images: Record<string, StubEntry>;
  /** How many configs it has answered (the benchmark checks that both sides resolve alike). */
  calls = 0;

  constructor(table: { images: Record<string, StubEntry> } = JSON.parse(readFileSync(stubTableFile, "utf8"))) {
    this.images = table.images;
  }

  private lookup(ref: string): StubEntry | undefined {
    return Object.hasOwn(this.images, ref) ? this.images[ref] : Object.hasOwn(this.images, shortRef(ref)) ? this.images[shortRef(ref)] : undefined;
  }

  private readonly answers = new Map<string, { digest: string; config: Uint8Array }>();

  /** The digest and config JSON for a ref and a platform (or throws the entry's error). */
  resolve(ref: string, platform: Platform | undefined): { digest: string; config: Uint8Array } {
    this.calls++;
    const key = `${ref}|${platformKey(platform)}`;
    const have = this.answers.get(key);
    if (have) return { digest: have.digest, config: have.config.slice() };
    const e = this.lookup(ref);
    if (e?.error) throw new StubResolveError(e.error);
    const cfg: Record<string, unknown> = e?.config ? structuredClone(e.config) : genConfig(ref);
    if (!("os" in cfg)) {
      const p = platform ?? { os: "linux", architecture: "amd64" };
      cfg["os"] = p.os;
      cfg["architecture"] = p.architecture;
      if (p.variant) cfg["variant"] = p.variant;
    }
    const answer = { digest: e?.digest ?? `sha256:${hexSum(key)}`, config: new TextEncoder().encode(sortedJson(cfg)) };
    this.answers.set(key, answer);
    return { digest: answer.digest, config: answer.config.slice() };
  }

  async resolveImageConfig(ref: string, options: ResolveImageConfigOptions): Promise<ResolvedImageConfig> {
    const { digest, config } = this.resolve(ref, options.platform);
    return { ref, digest, config };
  }
}
