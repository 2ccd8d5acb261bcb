/**
 * `--secret` values as buildctl v0.32.2 parses them
 * (cmd/buildctl/build/secret.go, session/secrets/secretsprovider/store.go):
 * one CSV record of `key=value` fields, keys case-insensitive: `id`,
 * `src`/`source` (a file), `env` (a variable), `type=file|env`.
 *
 * - `type=env` with only `src` takes src as the variable name.
 * - Neither src nor env: the variable named like the id when it is set,
 *   else the file named like the id (`--secret id=TOKEN`).
 * - An id is required (buildctl has no default for it: "secret missing ID").
 * - Both src and env: the variable is served, but the file must still exist.
 * - Files are checked now (exist, at most 500 KiB) and read when the daemon asks.
 */

import { checkSecretSources, type SecretSource } from "../../client/session/secrets.js";
import { UsageError } from "../../errors.js";
import { parseCsvFields } from "./csv.js";

const FLAG = "--secret";
const FORMS = "id=<id>[,src=<file>|,env=<VAR>][,type=file|env]";

function usage(value: string, message: string, cause?: unknown): UsageError {
  return new UsageError(`${JSON.stringify(value)}: ${message} (accepted: ${FORMS})`, { flag: FLAG, ...(cause !== undefined ? { cause } : {}) });
}

/** Parses one `--secret` value into a secret source; `env` is where the variable is looked for (default `process.env`). */
export function parseSecretFlag(value: string, env: NodeJS.ProcessEnv = process.env): SecretSource {
  let fields: string[];
  try {
    fields = parseCsvFields(value);
  } catch (err) {
    throw usage(value, `failed to parse csv secret: ${(err as Error).message}`, err);
  }
  let id = "";
  let file = "";
  let envName = "";
  let type = "";
  for (const field of fields) {
    const eq = field.indexOf("=");
    if (eq < 0) throw usage(value, `invalid field '${field}' must be a key=value pair`);
    const key = field.slice(0, eq).toLowerCase();
    const v = field.slice(eq + 1);
    switch (key) {
      case "type":
        if (v !== "file" && v !== "env") throw usage(value, `unsupported secret type ${JSON.stringify(v)}`);
        type = v;
        break;
      case "id":
        id = v;
        break;
      case "source":
      case "src":
        file = v;
        break;
      case "env":
        envName = v;
        break;
      default:
        throw usage(value, `unexpected key '${key}' in '${field}'`);
    }
  }
  if (type === "env" && envName === "") {
    envName = file;
    file = "";
  }
  if (id === "") throw usage(value, "secret missing ID");
  if (envName === "" && file === "") {
    if (env[id] !== undefined) envName = id;
    else file = id;
  }
  try {
    if (file !== "") checkSecretSources([{ id, file }]);
  } catch (err) {
    throw usage(value, (err as Error).message, err);
  }
  return envName !== "" ? { id, env: envName } : { id, file };
}

/** Parses every `--secret` value, in order (a repeated id: the last one wins when served). */
export function parseSecretFlags(values: readonly string[], env: NodeJS.ProcessEnv = process.env): SecretSource[] {
  return values.map((v) => parseSecretFlag(v, env));
}
