/**
 * The start of a deferred `NODE_EXTRA_CA_CERTS` (extra-ca.ts says why): no
 * imports, so the installed command's entry (bin.ts) loads nothing more for it.
 */

/** The variable the installed command moves `NODE_EXTRA_CA_CERTS` to. */
export const DEFERRED_EXTRA_CA_ENV = "TSFRONTEND_EXTRA_CA_CERTS";

// A global, not module state: bin.ts and the CLI bundle each carry a copy of this module.
const KEY = Symbol.for("tsfrontend.deferredExtraCaCerts");

export interface Deferred {
  file: string;
  certificates?: string[];
}

export function deferred(): Deferred | undefined {
  return (globalThis as Record<symbol, Deferred | undefined>)[KEY];
}

/** Takes the deferred file from `env` (and restores `NODE_EXTRA_CA_CERTS` there for child processes). */
export function adoptDeferredExtraCaCerts(env: NodeJS.ProcessEnv = process.env): void {
  const file = env[DEFERRED_EXTRA_CA_ENV];
  if (file === undefined) return;
  delete env[DEFERRED_EXTRA_CA_ENV];
  if (file === "") return;
  env["NODE_EXTRA_CA_CERTS"] = file;
  (globalThis as Record<symbol, Deferred | undefined>)[KEY] = { file };
}
