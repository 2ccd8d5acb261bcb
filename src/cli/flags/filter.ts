/** `--filter` of `du`, `prune` and `workers` as buildctl takes it, and the daemon's refusals of a filter. */

import { BuildkitError } from "../../client/errors.js";
import { UsageError } from "../../errors.js";

/**
 * The filter flag as buildctl takes it: repeated, each value one filter
 * (buildctl turns urfave/cli's comma splitting off: main.go
 * `disableSliceFlagSeparator`), so the daemon reads the conditions of one
 * value, `a,b`, as a and b (containerd's filter syntax) and several values as
 * either. Split at commas, `prune -f 'id==X,type==Y'` would prune more than asked.
 */
export function parseFilters(values: readonly string[]): string[] {
  return values.filter((v) => v !== "");
}

/** A daemon error about the filters, reported against the flag. */
export function filterError(err: unknown, filters: string[]): never {
  if (err instanceof BuildkitError && filters.length > 0 && (err.reason === "INVALID_ARGUMENT" || /filter|parse/i.test(err.message))) {
    const named = filters.every((f) => err.message.includes(f));
    throw new UsageError(named ? err.message : `${err.message} (filters: ${filters.join(" ")})`, { flag: "--filter", cause: err });
  }
  throw err;
}
