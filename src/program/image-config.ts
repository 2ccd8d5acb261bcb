/**
 * The image config JSON a build exports per platform: the base image's
 * config (inherited as the Dockerfile frontend does for `FROM`) with the
 * program's config applied on top.
 */

import { normalizePlatform, type Platform } from "../llb/index.js";
import type { ImageConfig } from "./types.js";

export const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** An OCI image config document (the parts we read and write). */
export interface ImageDocument {
  architecture: string;
  os: string;
  variant?: string;
  "os.version"?: string;
  config: ImageConfig;
  rootfs: { type: "layers"; diff_ids: string[] };
  history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[];
  [key: string]: unknown;
}

function envKey(e: string): string {
  const i = e.indexOf("=");
  return i < 0 ? e : e.slice(0, i);
}

/** Sets env entries by key, keeping the position of existing keys (as ENV does). */
export function mergeEnv(base: readonly string[], updates: readonly string[]): string[] {
  const out = [...base];
  for (const u of updates) {
    const k = envKey(u);
    const i = out.findIndex((e) => envKey(e) === k);
    if (i >= 0) out[i] = u;
    else out.push(u);
  }
  return out;
}

/**
 * Builds the config for one platform. Without a base, starts like the
 * Dockerfile frontend's empty image (PATH set, WorkingDir "/"). Setting
 * Entrypoint without Cmd clears an inherited Cmd, as ENTRYPOINT does.
 */
export function composeImageConfig(platform: Platform, config: ImageConfig = {}, base?: Partial<ImageDocument>): ImageDocument {
  const p = normalizePlatform(platform);
  const inherited: ImageConfig = base?.config ? { ...base.config } : { Env: [DEFAULT_PATH], WorkingDir: "/" };
  const out: ImageConfig = { ...inherited };
  for (const [k, v] of Object.entries(config) as [keyof ImageConfig, unknown][]) {
    if (v === undefined) continue;
    switch (k) {
      case "Env":
        out.Env = mergeEnv(inherited.Env ?? [], v as string[]);
        break;
      case "Labels":
        out.Labels = { ...(inherited.Labels ?? {}), ...(v as Record<string, string>) };
        break;
      case "ExposedPorts":
        out.ExposedPorts = { ...(inherited.ExposedPorts ?? {}), ...(v as Record<string, Record<string, never>>) };
        break;
      case "Volumes":
        out.Volumes = { ...(inherited.Volumes ?? {}), ...(v as Record<string, Record<string, never>>) };
        break;
      default:
        (out as Record<string, unknown>)[k] = v;
    }
  }
  if (config.Entrypoint !== undefined && config.Cmd === undefined) delete out.Cmd;
  const doc: ImageDocument = {
    architecture: p.architecture,
    os: p.os,
    config: out,
    rootfs: { type: "layers", diff_ids: [] },
  };
  if (p.variant) doc.variant = p.variant;
  if (p.osVersion) doc["os.version"] = p.osVersion;
  // The exporter fills rootfs and reconciles history with the real layers.
  if (base?.history) doc.history = base.history;
  return doc;
}
