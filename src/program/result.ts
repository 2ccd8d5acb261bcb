/**
 * The result a build returns to the daemon, assembled as buildkit v0.32.2
 * frontend/dockerui/build.go (`Client.Build`, `ResultBuilder.Finalize`,
 * `makeExportPlatform`) does for dockerfile.v0: one ref and
 * `containerimage.config` (plus `containerimage.base.config` and
 * `source.date.epoch` when known) for a single platform, or a ref map keyed by
 * platform with the same keys suffixed `/<platform>` when several platforms
 * or multi-platform are asked for; `refs.platforms` always; attestations
 * (the SBOM scans of sbom.ts, `ResultBuilder.AddAttestation`) keyed by the
 * platform id in both forms. Shared by the program runner (run.ts) and the
 * Dockerfile builder.
 */

import type { GatewayAttestation, GatewayResult, ResultRef } from "../gateway/types.js";
import { formatPlatformAll, normalizePlatform, type Platform } from "../llb/index.js";

/** One platform's part of a build result. */
export interface PlatformBuildResult {
  platform: Platform;
  ref: ResultRef | null;
  /** The image config JSON (`containerimage.config`). */
  config: Uint8Array;
  /** The base image's config JSON (`containerimage.base.config`), if any. */
  baseConfig?: Uint8Array;
  /** SOURCE_DATE_EPOCH of the result (`source.date.epoch`), if any. */
  epoch?: Date;
  /** Attestations of this platform's image (e.g. its SBOM). */
  attestations?: readonly GatewayAttestation[];
}

const encoder = new TextEncoder();

/** exptypes.Platform's JSON of a normalised platform (`architecture`, `os`, `os.version`, `os.features`, `variant`). */
function platformJson(p: Platform): Record<string, unknown> {
  const out: Record<string, unknown> = { architecture: p.architecture, os: p.os };
  if (p.osVersion) out["os.version"] = p.osVersion;
  if (p.osFeatures && p.osFeatures.length > 0) out["os.features"] = [...p.osFeatures];
  if (p.variant) out["variant"] = p.variant;
  return out;
}

/** The result to `Return`, in the order of `results` (the target platforms' order). */
export function assembleResult(results: readonly PlatformBuildResult[], multiPlatform: boolean): GatewayResult {
  const metadata: Record<string, Uint8Array> = {};
  const refs: Record<string, ResultRef | null> = {};
  let single: ResultRef | null = null;
  const platforms: { ID: string; Platform: Record<string, unknown> }[] = [];
  const attestations: Record<string, GatewayAttestation[]> = {};
  for (const r of results) {
    const p = normalizePlatform(r.platform);
    const id = formatPlatformAll(p);
    const suffix = multiPlatform ? `/${id}` : "";
    if (multiPlatform) refs[id] = r.ref;
    else single = r.ref;
    metadata[`containerimage.config${suffix}`] = r.config;
    if (r.baseConfig && r.baseConfig.length > 0) metadata[`containerimage.base.config${suffix}`] = r.baseConfig;
    if (r.epoch) metadata[`source.date.epoch${suffix}`] = encoder.encode(String(Math.floor(r.epoch.getTime() / 1000)));
    platforms.push({ ID: id, Platform: platformJson(p) });
    if (r.attestations && r.attestations.length > 0) (attestations[id] ??= []).push(...r.attestations);
  }
  metadata["refs.platforms"] = encoder.encode(JSON.stringify({ Platforms: platforms }));
  const atts = Object.keys(attestations).length > 0 ? { attestations } : {};
  return multiPlatform ? { refs, metadata, ...atts } : { ref: single, metadata, ...atts };
}
