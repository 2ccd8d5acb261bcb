/**
 * What buildkitd gives a gateway frontend in its environment (buildkit v0.32.2
 * frontend/gateway/gateway.go; grpcclient `opts()`): `BUILDKIT_FRONTEND_OPT_<n>=key=value`
 * (the n are in no order), `BUILDKIT_SESSION_ID`, `BUILDKIT_WORKERS` (JSON).
 */

import { normalizePlatform, type Platform } from "../llb/index.js";

export interface FrontendEnv {
  /** The frontend options (`--opt`, buildx flags), by key. */
  opts: Record<string, string>;
  sessionID: string;
  /** Worker platforms from `BUILDKIT_WORKERS`, in order (empty if absent or unreadable). */
  workerPlatforms: Platform[];
}

const OPT_PREFIX = "BUILDKIT_FRONTEND_OPT_";

/** Reads the frontend's environment (Go's grpcclient splits each option at its first `=`). */
export function readFrontendEnv(env: NodeJS.ProcessEnv): FrontendEnv {
  const opts: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (!k.startsWith(OPT_PREFIX) || v === undefined) continue;
    const eq = v.indexOf("=");
    if (eq < 0) opts[v] = "";
    else opts[v.slice(0, eq)] = v.slice(eq + 1);
  }
  const workerPlatforms: Platform[] = [];
  try {
    const workers = JSON.parse(env["BUILDKIT_WORKERS"] ?? "[]") as { platforms?: { os?: string; architecture?: string; variant?: string }[] }[];
    for (const w of workers ?? []) {
      for (const p of w.platforms ?? []) {
        if (p.os && p.architecture) workerPlatforms.push(normalizePlatform({ os: p.os, architecture: p.architecture, ...(p.variant ? { variant: p.variant } : {}) }));
      }
    }
  } catch {
    // Ping's workers are used instead.
  }
  return { opts, sessionID: env["BUILDKIT_SESSION_ID"] ?? "", workerPlatforms };
}

/** The environment for a frontend with these options (tests and the loopback bridge). */
export function frontendEnv(opts: Readonly<Record<string, string>>, sessionID: string): Record<string, string> {
  const env: Record<string, string> = { BUILDKIT_SESSION_ID: sessionID };
  Object.entries(opts).forEach(([k, v], i) => (env[`${OPT_PREFIX}${i}`] = `${k}=${v}`));
  return env;
}
