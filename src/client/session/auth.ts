/**
 * `moby.filesync.v1.Auth`: registry credentials for the daemon, looked up as
 * buildctl v0.32.2 does (docker/cli's config file and credential stores):
 *
 * - the config is `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`;
 * - `DOCKER_AUTH_CONFIG` (`{"auths":{KEY:{"auth":base64(user:pass)}}}`) wins;
 * - else a credential helper (`credHelpers[KEY]`, else `credsStore`) run as
 *   `docker-credential-<name> get` with the server URL on stdin;
 * - else the file's `auths[KEY]` (`auth`, `username`/`password`, `identitytoken`),
 *   or an `auths` key whose host name (scheme and path stripped) is KEY.
 *
 * KEY is the host the daemon asks for (`host:port`), except Docker Hub
 * (`registry-1.docker.io`, `docker.io`, `index.docker.io`) whose key is
 * `https://index.docker.io/v1/`. Credentials go only to the host they belong
 * to: there is no fallback to another host's entry, and unknown hosts get
 * empty strings (anonymous). An identity token (`identitytoken`, or a helper
 * answering user `<token>`) is sent as the secret with an empty user name, so
 * the daemon uses the OAuth refresh-token flow. Results are cached per host for
 * 4 min 50 s, as buildctl does.
 *
 * `Credentials` is served for every host. GetTokenAuthority, VerifyTokenAuthority
 * and FetchToken answer UNIMPLEMENTED, so the daemon fetches tokens itself
 * with these credentials, except for hosts given a TLS context
 * (`tlsConfigs`, `--registry-auth-tlscontext`): for those the client is the
 * token authority and fetches the tokens with that TLS, as buildctl's
 * authprovider does (auth-token.ts).
 */

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { moby } from "../../proto/index.js";
import { GrpcCode, GrpcStatusError, type SessionService } from "./service.js";
import { authorityKey, fetchToken, HostSeeds, signedPayload, type AuthTlsConfig } from "./auth-token.js";
import { parseBool } from "../../internal/go/strconv.js";

export type { AuthTlsConfig } from "./auth-token.js";
import { isRecord } from "../../internal/go/json.js";

const Auth = moby.filesync.v1;

/** One `auths` entry of a docker config, as stored (the `auth` field is decoded on lookup). */
export interface DockerAuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
  email?: string;
  serveraddress?: string;
}

/** The parts of a docker config that registry credentials come from. */
export interface DockerConfig {
  auths?: Record<string, DockerAuthEntry>;
  /** Default credential helper: `docker-credential-<credsStore>`. */
  credsStore?: string;
  /** Per-registry credential helpers, keyed like `auths`. */
  credHelpers?: Record<string, string>;
  /** Entries from `DOCKER_AUTH_CONFIG`; they win over the helpers and the file. */
  envAuths?: Record<string, DockerAuthEntry>;
  /** The file the config was read from, for messages. */
  filename?: string;
  /** Problems met while loading (never containing a secret); the loader went on without the bad part. */
  warnings?: string[];
}

export interface Credentials {
  username: string;
  secret: string;
}

export interface CredentialLookupOptions {
  /** Environment for the credential helpers (and their PATH lookup); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Kills a credential helper that has not answered after this long; default 60 s (the daemon's own limit). */
  helperTimeoutMs?: number;
}

export interface AuthServiceOptions extends CredentialLookupOptions {
  /** How long a host's credentials are reused; default 4 min 50 s (buildctl's). */
  cacheTtlMs?: number;
  /** Called once per loading problem (bad DOCKER_AUTH_CONFIG, unreadable config.json). */
  onWarning?: (message: string) => void;
  /** TLS for the token servers of these hosts (`--registry-auth-tlscontext`); their tokens are fetched here. */
  tlsConfigs?: ReadonlyMap<string, AuthTlsConfig>;
}

/** docker's key for Docker Hub credentials. */
export const DOCKER_HUB_CONFIG_KEY = "https://index.docker.io/v1/";
const HELPER_NOT_FOUND = "credentials not found in native keychain";
const TOKEN_USERNAME = "<token>";
const DEFAULT_TTL_MS = (4 * 60 + 50) * 1000;

/** The config key for a registry host the daemon asks about (docker's getAuthConfigKey plus buildkit's registry-1 mapping). */
export function configKey(host: string): string {
  if (host === "registry-1.docker.io" || host === "docker.io" || host === "index.docker.io") return DOCKER_HUB_CONFIG_KEY;
  return host;
}

/** docker/cli's ConvertToHostname: `https://h:1/v2/` -> `h:1`, `h:1/path` -> `h:1`. */
export function convertToHostname(maybeURL: string): string {
  if (maybeURL.includes("://")) {
    try {
      const u = new URL(maybeURL);
      const hostname = u.hostname.replace(/^\[(.*)\]$/, "$1");
      if (hostname !== "") return u.port === "" ? hostname : hostname.includes(":") ? `[${hostname}]:${u.port}` : `${hostname}:${u.port}`;
    } catch {
      // Not a URL: cut at the first slash below.
    }
  }
  return maybeURL.split("/")[0]!;
}

function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(v)) for (const [k, s] of Object.entries(v)) if (typeof s === "string") out[k] = s;
  return out;
}

function authEntries(v: unknown): Record<string, DockerAuthEntry> {
  const out: Record<string, DockerAuthEntry> = {};
  if (!isRecord(v)) return out;
  for (const [k, e] of Object.entries(v)) {
    if (!isRecord(e)) continue;
    const entry: DockerAuthEntry = {};
    for (const f of ["auth", "username", "password", "identitytoken", "registrytoken", "email", "serveraddress"] as const) {
      const s = e[f];
      if (typeof s === "string") entry[f] = s;
    }
    out[k] = entry;
  }
  return out;
}

/**
 * Parses `DOCKER_AUTH_CONFIG` as docker does: one JSON object with only
 * `auths`, each entry with only a non-empty `auth`. Messages never quote the value.
 */
export function parseDockerAuthConfig(value: string): Record<string, DockerAuthEntry> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    // JSON.parse's message quotes the input, which holds the credentials.
    throw new Error("DOCKER_AUTH_CONFIG is not valid JSON");
  }
  if (!isRecord(parsed)) throw new Error("DOCKER_AUTH_CONFIG is not a JSON object");
  for (const k of Object.keys(parsed)) if (k !== "auths") throw new Error(`DOCKER_AUTH_CONFIG: unknown field ${JSON.stringify(k)} (only "auths" is supported)`);
  const auths = parsed["auths"] ?? {};
  if (!isRecord(auths)) throw new Error(`DOCKER_AUTH_CONFIG: "auths" is not an object`);
  const out: Record<string, DockerAuthEntry> = {};
  for (const [k, e] of Object.entries(auths)) {
    if (!isRecord(e)) throw new Error(`DOCKER_AUTH_CONFIG: the entry for ${k} is not an object`);
    for (const f of Object.keys(e)) if (f !== "auth") throw new Error(`DOCKER_AUTH_CONFIG: unknown field ${JSON.stringify(f)} for ${k} (only "auth" is supported)`);
    if (typeof e["auth"] !== "string" || e["auth"] === "") throw new Error(`DOCKER_AUTH_CONFIG environment variable is missing key \`auth\` for ${k}`);
    decodeAuth(e["auth"], `DOCKER_AUTH_CONFIG entry for ${k}`);
    out[k] = { auth: e["auth"] };
  }
  return out;
}

/** Reads the docker config of `env` (DOCKER_CONFIG, HOME) and DOCKER_AUTH_CONFIG; a missing file means anonymous access. */
export function loadDockerConfig(env: NodeJS.ProcessEnv = process.env): DockerConfig {
  const dir = env["DOCKER_CONFIG"] || join(env["HOME"] || homedir(), ".docker");
  const filename = join(dir, "config.json");
  const config: DockerConfig = { auths: {}, filename, warnings: [] };
  let text: string | undefined;
  try {
    text = readFileSync(filename, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") config.warnings!.push(`cannot read ${filename}: ${code ?? String(e)}; using no registry credentials from it`);
  }
  if (text !== undefined && text.trim() !== "") {
    let file: unknown;
    try {
      file = JSON.parse(text);
    } catch {
      config.warnings!.push(`${filename} is not valid JSON; using no registry credentials from it`);
    }
    if (isRecord(file)) {
      config.auths = authEntries(file["auths"]);
      if (typeof file["credsStore"] === "string" && file["credsStore"] !== "") config.credsStore = file["credsStore"];
      const helpers = stringRecord(file["credHelpers"]);
      if (Object.keys(helpers).length > 0) config.credHelpers = helpers;
    } else if (file !== undefined) {
      config.warnings!.push(`${filename} is not a JSON object; using no registry credentials from it`);
    }
  }
  const inline = env["DOCKER_AUTH_CONFIG"];
  if (inline) {
    try {
      config.envAuths = parseDockerAuthConfig(inline);
    } catch (e) {
      // docker goes on with the config file's stores.
      config.warnings!.push(`${(e as Error).message}; ignored`);
    }
  }
  return config;
}

/** Decodes an `auth` field (base64 `user:password`); `what` names it in errors, which never quote the value. */
function decodeAuth(auth: string, what: string): { username: string; password: string } {
  const b64 = auth.replace(/\s+$/, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 === 1) throw new Error(`${what}: "auth" is not base64`);
  const decoded = Buffer.from(b64, "base64").toString("utf8");
  const i = decoded.indexOf(":");
  if (i <= 0) throw new Error(`${what}: "auth" is not base64 of "user:password"`);
  // docker trims NULs that some tools pad the password with.
  return { username: decoded.slice(0, i), password: decoded.slice(i + 1).replace(/^\0+|\0+$/g, "") };
}

/** The entry for `key`: exact, else the first (in key order) whose host name is `key`. Never another host's. */
function findEntry(auths: Record<string, DockerAuthEntry> | undefined, key: string): [string, DockerAuthEntry] | undefined {
  if (!auths) return undefined;
  if (Object.prototype.hasOwnProperty.call(auths, key)) return [key, auths[key]!];
  const match = Object.keys(auths)
    .sort()
    .find((k) => convertToHostname(k) === key);
  return match === undefined ? undefined : [match, auths[match]!];
}

function fromEntry(key: string, entry: DockerAuthEntry, where: string): Credentials {
  if (entry.identitytoken) return { username: "", secret: entry.identitytoken };
  let username = entry.username ?? "";
  let password = entry.password ?? "";
  if (entry.auth) ({ username, password } = decodeAuth(entry.auth, `${where}: entry ${key}`));
  return { username, secret: password };
}

/** The credential helper docker would use for `key`, if any. */
export function helperFor(config: DockerConfig, key: string): string | undefined {
  const specific = config.credHelpers && Object.prototype.hasOwnProperty.call(config.credHelpers, key) ? config.credHelpers[key] : undefined;
  return specific || config.credsStore || undefined;
}

/**
 * Runs `docker-credential-<name> get` with `serverURL` on stdin (no newline, as
 * docker writes it) and returns its answer; "credentials not found" is anonymous.
 * Error messages name the helper and never contain what it printed on success.
 */
export function runCredentialHelper(name: string, serverURL: string, options: CredentialLookupOptions = {}): Promise<Credentials> {
  const program = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ["get"], { env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timeoutMs = options.helperTimeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
      child.stdout.destroy();
      child.stderr.destroy();
      // Not waiting for "close": a grandchild may still hold the pipes open.
      reject(new Error(`credential helper ${program} did not answer within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    timer.unref();
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.stdin.on("error", () => {
      // The helper may exit without reading stdin; its exit status tells.
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(e.code === "ENOENT" ? `credential helper ${program} not found in PATH` : `cannot run credential helper ${program}: ${e.code ?? e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString("utf8").trim();
      if (timedOut) return;
      if (code !== 0) {
        if (stdout === HELPER_NOT_FOUND) return resolve({ username: "", secret: "" });
        // Quote the helper's error output, unless it looks like it holds the answer.
        const shown = /secret/i.test(stdout) ? "(output withheld)" : stdout.slice(0, 300) || Buffer.concat(err).toString("utf8").trim().slice(0, 300);
        return reject(new Error(`credential helper ${program} failed (${signal ? `signal ${signal}` : `exit ${code}`})${shown ? `: ${shown}` : ""}`));
      }
      let answer: unknown;
      try {
        answer = JSON.parse(stdout);
      } catch {
        return reject(new Error(`credential helper ${program} did not print a JSON object`));
      }
      if (!isRecord(answer)) return reject(new Error(`credential helper ${program} did not print a JSON object`));
      const username = typeof answer["Username"] === "string" ? answer["Username"] : "";
      const secret = typeof answer["Secret"] === "string" ? answer["Secret"] : "";
      // docker stores identity tokens in helpers under the user name "<token>".
      resolve(username === TOKEN_USERNAME ? { username: "", secret } : { username, secret });
    });
    child.stdin.end(serverURL);
  });
}

/**
 * Looks up the credentials for registry `host` (`host:port` as the daemon
 * asks); empty strings mean anonymous. Rejects when a credential helper fails
 * or the matching entry is malformed (the daemon then fails the pull or push
 * with that message).
 */
export async function credentialsFor(config: DockerConfig, host: string, options: CredentialLookupOptions = {}): Promise<Credentials> {
  if (host === "") return { username: "", secret: "" };
  const key = configKey(host);
  const fromEnv = findEntry(config.envAuths, key);
  if (fromEnv) return fromEntry(fromEnv[0], fromEnv[1], "DOCKER_AUTH_CONFIG");
  const helper = helperFor(config, key);
  // With a helper, docker takes the credentials from it alone (the file's entry is ignored).
  if (helper) return runCredentialHelper(helper, key, options);
  const fromFile = findEntry(config.auths, key);
  if (fromFile) return fromEntry(fromFile[0], fromFile[1], config.filename ?? "docker config");
  return { username: "", secret: "" };
}

/**
 * The Auth session service. The docker config is read when the service is
 * made (from `options.env`, default `process.env`) unless one is given.
 */
export function authService(config?: DockerConfig, options: AuthServiceOptions = {}): SessionService {
  const cfg = config ?? loadDockerConfig(options.env);
  for (const w of cfg.warnings ?? []) options.onWarning?.(w);
  const ttl = options.cacheTtlMs ?? DEFAULT_TTL_MS;
  // One lookup per host at a time (helpers may prompt or be slow); failures are not cached.
  const cache = new Map<string, { created: number; result: Promise<Credentials> }>();
  const lookup = (host: string): Promise<Credentials> => {
    const hit = cache.get(host);
    if (hit && Date.now() - hit.created <= ttl) return hit.result;
    const result = credentialsFor(cfg, host, options);
    const entry = { created: Date.now(), result };
    cache.set(host, entry);
    result.catch(() => {
      if (cache.get(host) === entry) cache.delete(host);
    });
    return result;
  };
  const tlsConfigs = options.tlsConfigs ?? new Map<string, AuthTlsConfig>();
  const seeds = new HostSeeds();
  // authprovider's getAuthorityKey, for the hosts with a TLS context only.
  const keyFor = async (host: string, salt: Uint8Array) => {
    if (parseBool(process.env["BUILDKIT_NO_CLIENT_TOKEN"] ?? "") === true) throw new GrpcStatusError(GrpcCode.UNAVAILABLE, "client side tokens disabled");
    const c = await lookup(host).catch((e: unknown) => {
      throw new GrpcStatusError(GrpcCode.UNKNOWN, `registry credentials for ${host}: ${(e as Error).message}`);
    });
    return authorityKey(salt, seeds.get(host), c.secret !== "");
  };
  const withTls = (host: string, what: string) => {
    if (!tlsConfigs.has(host)) throw new GrpcStatusError(GrpcCode.UNIMPLEMENTED, `${what} is not provided by this client: the daemon fetches tokens itself`);
  };
  return {
    name: "moby.filesync.v1.Auth",
    methods: {
      Credentials: {
        kind: "unary",
        handler: async (request) => {
          const req = Auth.CredentialsRequest.decode(request);
          let c: Credentials;
          try {
            c = await lookup(req.Host ?? "");
          } catch (e) {
            throw new GrpcStatusError(GrpcCode.UNKNOWN, `registry credentials for ${req.Host}: ${(e as Error).message}`);
          }
          return Auth.CredentialsResponse.encode({ Username: c.username, Secret: c.secret }).finish();
        },
      },
      // UNIMPLEMENTED (not another code) is what makes the daemon fall back to Credentials.
      GetTokenAuthority: {
        kind: "unary",
        handler: async (request) => {
          const req = Auth.GetTokenAuthorityRequest.decode(request);
          withTls(req.Host ?? "", "a client-side token authority");
          const { publicKey } = await keyFor(req.Host ?? "", req.Salt ?? new Uint8Array());
          return Auth.GetTokenAuthorityResponse.encode({ PublicKey: publicKey }).finish();
        },
      },
      VerifyTokenAuthority: {
        kind: "unary",
        handler: async (request) => {
          const req = Auth.VerifyTokenAuthorityRequest.decode(request);
          withTls(req.Host ?? "", "a client-side token authority");
          const { privateKey } = await keyFor(req.Host ?? "", req.Salt ?? new Uint8Array());
          return Auth.VerifyTokenAuthorityResponse.encode({ Signed: signedPayload(privateKey, req.Payload ?? new Uint8Array()) }).finish();
        },
      },
      FetchToken: {
        kind: "unary",
        handler: async (request, ctx) => {
          const req = Auth.FetchTokenRequest.decode(request);
          const host = req.Host ?? "";
          withTls(host, "client-side token fetching");
          let c: Credentials;
          try {
            c = await lookup(host);
          } catch (e) {
            throw new GrpcStatusError(GrpcCode.UNKNOWN, `registry credentials for ${host}: ${(e as Error).message}`);
          }
          try {
            const t = await fetchToken({ clientID: req.ClientID ?? "", host, realm: req.Realm ?? "", service: req.Service ?? "", scopes: [...(req.Scopes ?? [])] }, c, tlsConfigs.get(host), ctx.signal);
            return Auth.FetchTokenResponse.encode({ Token: t.token, ExpiresIn: t.expiresIn, IssuedAt: t.issuedAt }).finish();
          } catch (e) {
            throw new GrpcStatusError(GrpcCode.UNKNOWN, (e as Error).message);
          }
        },
      },
    },
  };
}
