/**
 * `--registry-auth-tlscontext` as buildctl v0.32.2 parses it
 * (cmd/buildctl/build/registryauthtlscontext.go): CSV `host=H[,ca=FILE][,cert=FILE,key=FILE][,insecure=BOOL]`,
 * merged per host (CAs and key pairs accumulate, insecure sticks once set); the Auth
 * session service (client/session/auth.ts) fetches those hosts' tokens with it.
 */

import type { AuthTlsConfig } from "../../client/session/auth.js";
import { UsageError } from "../../errors.js";
import { parseBool } from "../../internal/go/strconv.js";
import { CsvError, parseCsvFields } from "./csv.js";

const FLAG = "--registry-auth-tlscontext";


function parseOne(value: string): { host: string; ca: string; cert: string; key: string; insecure: boolean } {
  let fields: string[];
  try {
    fields = parseCsvFields(value);
  } catch (err) {
    throw new UsageError(err instanceof CsvError ? err.message : String(err), { flag: FLAG, cause: err });
  }
  const e = { host: "", ca: "", cert: "", key: "", insecure: false };
  for (const field of fields) {
    const i = field.indexOf("=");
    if (i < 0) throw new UsageError(`invalid value ${field}`, { flag: FLAG });
    const key = field.slice(0, i).toLowerCase();
    const v = field.slice(i + 1);
    if (key === "host") e.host = v;
    else if (key === "ca") e.ca = v;
    else if (key === "cert") e.cert = v;
    else if (key === "key") e.key = v;
    else if (key === "insecure") e.insecure = parseBool(v) ?? false;
  }
  if (e.host === "") throw new UsageError("--registry-auth-tlscontext requires host=<host>", { flag: FLAG });
  if (e.ca === "") {
    if (!e.insecure && (e.cert === "" || e.key === "")) throw new UsageError("--registry-auth-tlscontext requires ca=<ca> or cert=<cert>,key=<key> or insecure=true", { flag: FLAG });
  } else if ((e.cert !== "") !== (e.key !== "")) {
    throw new UsageError("--registry-auth-tlscontext requires cert=<cert>,key=<key>", { flag: FLAG });
  }
  return e;
}

/** buildctl's ParseRegistryAuthTLSContext: host -> merged TLS config. */
export function parseRegistryAuthTlsContexts(values: readonly string[]): Map<string, AuthTlsConfig> {
  const out = new Map<string, AuthTlsConfig>();
  for (const v of values) {
    const e = parseOne(v);
    let c = out.get(e.host);
    if (!c) out.set(e.host, (c = { rootCAs: [], keyPairs: [], insecure: false }));
    if (e.insecure) c.insecure = true;
    if (e.ca !== "") c.rootCAs.push(e.ca);
    if (e.cert !== "" && e.key !== "") c.keyPairs.push({ certificate: e.cert, key: e.key });
  }
  return out;
}
