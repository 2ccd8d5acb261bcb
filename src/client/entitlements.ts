/**
 * Entitlements: the privileges a build asks for in `SolveRequest.Entitlements`
 * (buildctl's `--allow`, parsed in cli/flags/allow.ts), and the daemon's
 * refusals turned into messages that say which flag to add.
 */

import { BuildkitError } from "./errors.js";

/** The entitlements buildkit v0.32.2 knows. */
export const Entitlement = {
  /** `run({ network: NetMode.HOST })`. */
  NetworkHost: "network.host",
  /** `run({ security: SecurityMode.INSECURE })`. */
  SecurityInsecure: "security.insecure",
  /** CDI devices: `device` (all) or `device=NAME[,alias=ALIAS]`. */
  Device: "device",
} as const;

export type Entitlement = (typeof Entitlement)[keyof typeof Entitlement];

// buildkit's wording: util/entitlements (Check, WhiteList) and solver/llbsolver/vertex.go (devices).
const NOT_REQUESTED = /\b(network\.host|security\.insecure) is not allowed\b/;
const NOT_GRANTED = /\bgranting entitlement (\S+) is not allowed by build daemon configuration\b/;
const DEVICES = /\bdevices? (.+?) (?:is|are) requested by the build but not allowed\b/;

/**
 * What to do about an entitlement refusal in a daemon error message, or
 * undefined when the message is about something else. `flag` is the client
 * flag that grants entitlements.
 */
export function entitlementHint(message: string, flag = "--allow"): string | undefined {
  let m = NOT_GRANTED.exec(message);
  if (m) {
    return `start buildkitd with --allow-insecure-entitlement ${m[1]} (or insecure-entitlements = ["${m[1]}"] in buildkitd.toml)`;
  }
  m = NOT_REQUESTED.exec(message);
  if (m) return `add ${flag} ${m[1]} (and start buildkitd with --allow-insecure-entitlement ${m[1]})`;
  m = DEVICES.exec(message);
  if (m) {
    const names = m[1]!.split(", ");
    const one = names.length === 1 ? ` (or ${flag} device=${names[0]})` : "";
    return `add ${flag} device${one} (and start buildkitd with --allow-insecure-entitlement device)`;
  }
  return undefined;
}

/**
 * The same error with a hint naming the flag appended to its message when
 * the daemon refused an entitlement; any other value is returned as it is.
 * The original error is kept as the cause, its details (vertex, sources) as they were.
 */
export function withEntitlementHint<T>(err: T, flag = "--allow"): T | BuildkitError {
  if (!(err instanceof BuildkitError)) return err;
  const hint = entitlementHint(err.message, flag);
  if (!hint || err.message.includes(hint)) return err;
  return new BuildkitError(err.reason, `${err.message}: ${hint}`, { cause: err, details: err.details });
}
