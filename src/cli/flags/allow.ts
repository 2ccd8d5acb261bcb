/**
 * `--allow` values as buildctl v0.32.2 takes them, validated like buildkit's
 * `util/entitlements.Parse`; the result goes to `SolveOptions.entitlements`.
 */

import { Entitlement } from "../../client/entitlements.js";
import { UsageError } from "../../errors.js";
import { parseCsvFields } from "./csv.js";

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
