/**
 * `NODE_EXTRA_CA_CERTS`, read when a TLS connection needs it instead of at
 * Node's start. Node 20 parses its own root certificates and the whole file
 * named there before it runs any JavaScript (about 45 ms when the variable
 * names the system bundle, as it does on many machines), so the installed
 * command (dist/cli/main.js, scripts/bundle.mjs) starts node with the
 * variable emptied and the file named in `TSFRONTEND_EXTRA_CA_CERTS`; bin.ts
 * calls `adoptDeferredExtraCaCerts` first thing, which puts the variable
 * back for child processes and keeps the file (extra-ca-env.ts). Every place that makes a
 * TLS context with Node's default CAs passes {@link defaultCaCertificates}
 * instead (undefined when nothing was deferred: Node's own store then holds
 * the file already), so the same certificates are trusted either way.
 */

import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { deferred } from "./extra-ca-env.js";

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The CAs Node would trust by default (its root certificates and the
 * deferred file's), or undefined when Node's default store already holds
 * them. A file that cannot be read is ignored with Node's own warning.
 */
export function defaultCaCertificates(): string[] | undefined {
  const d = deferred();
  if (!d) return undefined;
  if (!d.certificates) {
    let extra: string[] = [];
    try {
      extra = readFileSync(d.file, "latin1").match(PEM_CERT) ?? [];
    } catch (err) {
      process.emitWarning(`Ignoring extra certs from \`${d.file}\`, load failed: ${(err as Error).message}`);
    }
    d.certificates = [...rootCertificates, ...extra];
  }
  return d.certificates;
}
