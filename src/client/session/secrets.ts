/**
 * `moby.buildkit.secrets.v1.Secrets`: build secrets for `RUN` secret mounts
 * and secret env vars (and git/http source auth), as Go's
 * session/secrets/secretsprovider v0.32.2 serves them.
 *
 * - An unknown id answers NOT_FOUND: the daemon turns that into "secret not
 *   found", which an optional mount ignores and a required one reports. Git
 *   and http sources probe ids speculatively, so any other code would fail
 *   builds that never asked for a secret.
 * - Files are checked (exist, at most 500 KiB) when the service is made and
 *   read only when the daemon asks, every time it asks (nothing is cached).
 *   Env vars are read when asked, too; an unset one gives an empty secret,
 *   as buildctl's does.
 * - Secret values never appear in an error message, and nothing is logged.
 *
 * @example
 * solve(conn, { definition, secrets: [{ id: "token", env: "GITHUB_TOKEN" }, { id: "npmrc", file: "npmrc.txt" }] });
 */

import { statSync } from "node:fs";
import { open } from "node:fs/promises";
import { resolve } from "node:path";
import { InvalidArgumentError } from "../../errors.js";
import { moby } from "../../proto/index.js";
import { GrpcCode, GrpcStatusError, type SessionService } from "./service.js";

const Secrets = moby.buildkit.secrets.v1;

/** The largest secret served (Go's `secretsprovider.MaxSecretSize`, 500 KiB). */
export const MAX_SECRET_SIZE = 500 * 1024;

/** A build secret: a value given here, a file read when needed, or an environment variable read when needed. */
export type SecretSource =
  | { readonly id: string; readonly data: string | Uint8Array }
  | { readonly id: string; readonly file: string }
  | { readonly id: string; readonly env: string };

export interface SecretsServiceOptions {
  /** Where `env` secrets are looked up when the daemon asks; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

type Entry = { kind: "data"; data: Buffer } | { kind: "file"; path: string } | { kind: "env"; name: string };

const KEYS = new Set(["id", "data", "file", "env"]);

function describeSize(n: number): string {
  // Go prints MaxSecretSize with `%#.f` of units.Bytes: "500KiB".
  return n % 1024 === 0 && n >= 1024 ? `${n / 1024}KiB` : `${n}B`;
}

function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message);
}

/** Checks one secret and turns it into what the service serves; throws InvalidArgumentError naming the id, never the value. */
function toEntry(s: SecretSource, index: number): [string, Entry] {
  if (s === null || typeof s !== "object") throw invalid(`secrets[${index}]: want {id, data|file|env}`);
  for (const k of Object.keys(s)) if (!KEYS.has(k)) throw invalid(`secrets[${index}]: unknown key ${JSON.stringify(k)} (want id and one of data, file, env)`);
  const id = (s as { id?: unknown }).id;
  if (typeof id !== "string" || id === "") throw invalid(`secrets[${index}]: secret missing ID`);
  const given = (["data", "file", "env"] as const).filter((k) => (s as Record<string, unknown>)[k] !== undefined);
  if (given.length !== 1) throw invalid(`secret ${id}: give exactly one of data, file or env (got ${given.length === 0 ? "none" : given.join(", ")})`);
  if ("data" in s && s.data !== undefined) {
    const v = s.data as unknown;
    if (typeof v !== "string" && !(v instanceof Uint8Array)) throw invalid(`secret ${id}: data must be a string or bytes`);
    // A copy, so later changes to the caller's buffer do not change the build.
    const data = typeof v === "string" ? Buffer.from(v, "utf8") : Buffer.from(v);
    if (data.length > MAX_SECRET_SIZE) throw invalid(`secret ${id} too big. max size ${describeSize(MAX_SECRET_SIZE)}`);
    return [id, { kind: "data", data }];
  }
  if ("file" in s && s.file !== undefined) {
    if (typeof s.file !== "string" || s.file === "") throw invalid(`secret ${id}: file must be a non-empty path`);
    const path = resolve(s.file);
    checkFile(id, s.file, path);
    return [id, { kind: "file", path }];
  }
  const name = (s as { env: unknown }).env;
  if (typeof name !== "string" || name === "") throw invalid(`secret ${id}: env must be a variable name`);
  return [id, { kind: "env", name }];
}

/** As Go's NewStore: the file must exist and fit now, so a typo fails before the build starts. */
function checkFile(id: string, given: string, path: string): void {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw invalid(`failed to stat ${given}: is a directory`);
    size = st.size;
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : (code ?? "error");
    throw new InvalidArgumentError(`failed to stat ${given}: ${reason}`, { cause: err });
  }
  if (size > MAX_SECRET_SIZE) throw invalid(`secret ${id} too big. max size ${describeSize(MAX_SECRET_SIZE)}`);
}

/**
 * Validates secret sources (ids, exactly one of data/file/env, files that
 * exist and fit) without starting anything. Later entries win for a
 * repeated id, as in Go's store. Returns the ids.
 */
export function checkSecretSources(sources: readonly SecretSource[]): string[] {
  return [...entriesOf(sources).keys()];
}

function entriesOf(sources: readonly SecretSource[]): ReadonlyMap<string, Entry> {
  if (!Array.isArray(sources)) throw invalid("secrets: want an array of {id, data|file|env}");
  const m = new Map<string, Entry>();
  sources.forEach((s, i) => {
    const [id, e] = toEntry(s, i);
    m.set(id, e);
  });
  return m;
}

async function readSecretFile(id: string, path: string, signal: AbortSignal): Promise<Buffer> {
  let fh;
  try {
    fh = await open(path, "r");
  } catch (err) {
    throw new GrpcStatusError(GrpcCode.UNKNOWN, `secret ${id}: cannot open ${path}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
  }
  try {
    const st = await fh.stat();
    // Refuse before reading: a file that grew since the check is not read into memory.
    if (st.size > MAX_SECRET_SIZE) throw new GrpcStatusError(GrpcCode.UNKNOWN, `invalid secret size ${st.size}`);
    return await fh.readFile({ signal });
  } catch (err) {
    if (err instanceof GrpcStatusError) throw err;
    throw new GrpcStatusError(GrpcCode.UNKNOWN, `secret ${id}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
  } finally {
    await fh.close();
  }
}

/** The Secrets session service for `sources` (validated now; see {@link checkSecretSources}). */
export function secretsService(sources: readonly SecretSource[], options: SecretsServiceOptions = {}): SessionService {
  const entries = entriesOf(sources);
  const env = options.env ?? process.env;
  return {
    name: "moby.buildkit.secrets.v1.Secrets",
    methods: {
      GetSecret: {
        kind: "unary",
        handler: async (request, ctx) => {
          const id = Secrets.GetSecretRequest.decode(request).ID ?? "";
          const e = entries.get(id);
          // Go answers `status.Error(codes.NotFound, "not found")`; the daemon prefixes "secret <id>: ".
          if (!e) throw new GrpcStatusError(GrpcCode.NOT_FOUND, "not found");
          let data: Buffer;
          if (e.kind === "data") data = e.data;
          else if (e.kind === "env") data = Buffer.from(env[e.name] ?? "", "utf8");
          else data = await readSecretFile(id, e.path, ctx.signal);
          if (data.length > MAX_SECRET_SIZE) throw new GrpcStatusError(GrpcCode.UNKNOWN, `invalid secret size ${data.length}`);
          return Secrets.GetSecretResponse.encode({ data }).finish();
        },
      },
    },
  };
}
