/**
 * Entitlements: the privileges a build asks for in `SolveRequest.Entitlements`
 * (buildctl's `--allow`), validated like buildkit v0.32.2's
 * `util/entitlements.Parse`, and the daemon's refusals turned into messages
 * that say which flag to add.
 */

import { UsageError } from "../errors.js";
import { BuildkitError } from "./errors.js";
import { parseCsvFields } from "./exporters.js";

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

const ACCEPTED = "network.host, security.insecure, device[=NAME[,alias=ALIAS]]";

/** Checks one `--allow` value as `entitlements.Parse` does; the message is buildkit's, plus what is accepted. */
export function validateEntitlement(value: string): void {
  const eq = value.indexOf("=");
  const key = eq < 0 ? value : value.slice(0, eq);
  if (key === Entitlement.Device) {
    const rest = eq < 0 ? "" : value.slice(eq + 1);
    if (rest === "") return;
    let fields: string[];
    try {
      fields = parseCsvFields(rest);
    } catch (e) {
      throw new Error(`invalid device config ${JSON.stringify(rest)}: ${(e as Error).message}`);
    }
    for (const field of fields.slice(1)) {
      const i = field.indexOf("=");
      if (i < 0) throw new Error(`invalid device config ${JSON.stringify(field)}`);
      const k = field.slice(0, i);
      if (k !== "alias") throw new Error(`unknown device config key ${JSON.stringify(k)}`);
    }
    return;
  }
  if (value !== Entitlement.NetworkHost && value !== Entitlement.SecurityInsecure) {
    throw new Error(`unknown entitlement ${value} (accepted: ${ACCEPTED})`);
  }
}

/**
 * Validates `--allow` values (repeatable, as buildctl's) and returns them for
 * `SolveOptions.entitlements`, in order, as given (buildctl sends them
 * verbatim; the daemon merges duplicates).
 */
export function parseAllow(values: readonly string[], flag = "--allow"): string[] {
  for (const v of values) {
    try {
      validateEntitlement(v);
    } catch (e) {
      throw new UsageError((e as Error).message, { flag });
    }
  }
  return [...values];
}

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
