/**
 * Client-side registry tokens for the Auth session service, as buildctl
 * v0.32.2's authprovider does them (session/auth/authprovider/authprovider.go)
 * for the hosts given a TLS context (`--registry-auth-tlscontext`):
 *
 * - GetTokenAuthority / VerifyTokenAuthority: an ed25519 key per host, from
 *   HMAC-SHA256(salt, seed) (the seed only mixed in when there are
 *   credentials, as Go's getAuthorityKey); VerifyTokenAuthority answers
 *   nacl's `sign.Sign` form (64-byte signature, then the payload). The seed is
 *   random per service (Go keeps one per host in `~/.docker/.token_seed`, so
 *   the daemon can reuse tokens across builds; here it reuses them within one).
 * - FetchToken: with a secret, the OAuth POST to the realm (containerd's
 *   FetchTokenWithOAuth; `grant_type=password`, or `refresh_token` for an
 *   identity token), falling back to GET on 404, 401 and (with a user name)
 *   405; without one, an anonymous GET (containerd's FetchToken). The HTTPS
 *   client uses the host's TLS context: its CAs added to the system roots,
 *   its client key pairs, `insecure` skipping verification.
 *
 * Once the daemon has a token authority for a host it asks FetchToken for
 * that host's tokens instead of fetching them itself (util/resolver/authorizer.go).
 */

import { createHmac, createPrivateKey, createPublicKey, randomBytes, sign, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { rootCertificates } from "node:tls";
import { defaultCaCertificates } from "../../internal/node/extra-ca.js";

/** authprovider.AuthTLSConfig: TLS for one registry host's token server. */
export interface AuthTlsConfig {
  /** CA certificate files (PEM), added to the system roots. */
  rootCAs: string[];
  /** Client certificate and key files (PEM). */
  keyPairs: { certificate: string; key: string }[];
  /** Skip server certificate verification. */
  insecure: boolean;
}

export interface TokenRequest {
  clientID: string;
  host: string;
  realm: string;
  service: string;
  scopes: string[];
}

export interface TokenResponse {
  token: string;
  /** Seconds; 60 when the server gives none (authprovider's defaultExpiration). */
  expiresIn: number;
  /** Unix seconds; 0 when unknown. */
  issuedAt: number;
}

const DEFAULT_EXPIRATION = 60;
// PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows.
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** The ed25519 key authprovider's getAuthorityKey derives: seed = HMAC-SHA256(salt, hostSeed if credentials)[:32]. */
export function authorityKey(salt: Uint8Array, hostSeed: Uint8Array, haveCredentials: boolean): { privateKey: KeyObject; publicKey: Buffer } {
  const mac = createHmac("sha256", salt);
  if (haveCredentials) mac.update(hostSeed);
  const seed = mac.digest().subarray(0, 32);
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  return { privateKey, publicKey: spki.subarray(spki.length - 32) };
}

/** nacl sign.Sign: the 64-byte signature followed by the message. */
export function signedPayload(privateKey: KeyObject, payload: Uint8Array): Buffer {
  return Buffer.concat([sign(null, payload, privateKey), payload]);
}

/** A random seed per host, for the life of one Auth service. */
export class HostSeeds {
  private readonly seeds = new Map<string, Buffer>();
  get(host: string): Buffer {
    let s = this.seeds.get(host);
    if (!s) this.seeds.set(host, (s = randomBytes(16)));
    return s;
  }
}

/** The HTTPS options of a host's TLS context (files read now; errors name the file, as Go's). */
export function tlsOptions(config: AuthTlsConfig): https.RequestOptions {
  const opts: https.RequestOptions = {};
  if (config.rootCAs.length > 0) {
    opts.ca = [...(defaultCaCertificates() ?? rootCertificates), ...config.rootCAs.map((f) => readPem(f, `failed to read ${f}`))];
  }
  if (config.keyPairs.length > 0) {
    opts.cert = config.keyPairs.map((p) => readPem(p.certificate, `failed to load keypair for ${p.certificate}`));
    opts.key = config.keyPairs.map((p) => readPem(p.key, `failed to load keypair for ${p.certificate}`));
  }
  if (config.insecure) opts.rejectUnauthorized = false;
  return opts;
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`);
  }
}

/** containerd remotes/errors.ErrUnexpectedStatus. */
export class UnexpectedStatusError extends Error {
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly body: string,
    method: string,
    url: string,
  ) {
    super(`unexpected status from ${method} request to ${url}: ${status} ${statusText}`);
    this.name = "UnexpectedStatusError";
  }
}

interface HttpResult {
  status: number;
  statusText: string;
  body: string;
}

function request(method: "GET" | "POST", url: URL, headers: Record<string, string>, body: string | undefined, tls: https.RequestOptions, signal?: AbortSignal): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === "http:" ? http : https;
    const ca = tls.ca ?? defaultCaCertificates();
    const secure = url.protocol === "https:" ? { ...tls, ...(ca ? { ca } : {}) } : {};
    const req = mod.request(url, { method, headers, ...secure, ...(signal ? { signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? "", body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${url.origin}${url.pathname}: timed out`)));
    req.end(body);
  });
}

function issuedAtSeconds(v: unknown): number {
  if (typeof v !== "string" || v === "") return 0;
  const t = Date.parse(v);
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

function parseJson(body: string, url: URL): Record<string, unknown> {
  try {
    const v = JSON.parse(body) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // below
  }
  throw new Error(`unable to decode token response from ${url.origin}${url.pathname}`);
}

/** containerd's FetchTokenWithOAuth (POST form to the realm). */
async function fetchTokenWithOAuth(to: TokenRequest, username: string, secret: string, tls: https.RequestOptions, signal?: AbortSignal): Promise<TokenResponse> {
  const form = new URLSearchParams();
  if (to.scopes.length > 0) form.set("scope", to.scopes.join(" "));
  form.set("service", to.service);
  form.set("client_id", to.clientID);
  if (username === "") {
    form.set("grant_type", "refresh_token");
    form.set("refresh_token", secret);
  } else {
    form.set("grant_type", "password");
    form.set("username", username);
    form.set("password", secret);
  }
  const url = new URL(to.realm);
  const res = await request("POST", url, { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" }, form.toString(), tls, signal);
  if (res.status < 200 || res.status >= 400) throw new UnexpectedStatusError(res.status, res.statusText, res.body, "POST", `${url.origin}${url.pathname}`);
  const doc = parseJson(res.body, url);
  const token = typeof doc["access_token"] === "string" ? doc["access_token"] : "";
  return { token, expiresIn: typeof doc["expires_in"] === "number" && doc["expires_in"] > 0 ? doc["expires_in"] : DEFAULT_EXPIRATION, issuedAt: issuedAtSeconds(doc["issued_at"]) };
}

/** containerd's FetchToken (GET the realm with scope/service, basic auth with a secret). */
async function fetchTokenGet(to: TokenRequest, username: string, secret: string, tls: https.RequestOptions, signal?: AbortSignal): Promise<TokenResponse> {
  const url = new URL(to.realm);
  for (const s of to.scopes) url.searchParams.append("scope", s);
  if (to.service !== "") url.searchParams.set("service", to.service);
  const headers: Record<string, string> = {};
  if (secret !== "") headers["Authorization"] = `Basic ${Buffer.from(`${username}:${secret}`, "utf8").toString("base64")}`;
  const res = await request("GET", url, headers, undefined, tls, signal);
  if (res.status < 200 || res.status >= 400) throw new UnexpectedStatusError(res.status, res.statusText, res.body, "GET", `${url.origin}${url.pathname}`);
  const doc = parseJson(res.body, url);
  const token = typeof doc["token"] === "string" && doc["token"] !== "" ? doc["token"] : typeof doc["access_token"] === "string" ? doc["access_token"] : "";
  if (token === "") throw new Error("authorization server did not include a token in the response");
  return { token, expiresIn: typeof doc["expires_in"] === "number" && doc["expires_in"] > 0 ? doc["expires_in"] : DEFAULT_EXPIRATION, issuedAt: issuedAtSeconds(doc["issued_at"]) };
}

/** authprovider's FetchToken: OAuth POST with a secret (GET fallback), else an anonymous GET. */
export async function fetchToken(to: TokenRequest, creds: { username: string; secret: string }, tlsConfig: AuthTlsConfig | undefined, signal?: AbortSignal): Promise<TokenResponse> {
  const tls = tlsConfig ? tlsOptions(tlsConfig) : {};
  if (creds.secret !== "") {
    try {
      return await fetchTokenWithOAuth(to, creds.username, creds.secret, tls, signal);
    } catch (err) {
      // Registries without POST support answer 404 (GCR), 401 (Artifactory) or 405.
      if (err instanceof UnexpectedStatusError && ((err.status === 405 && creds.username !== "") || err.status === 404 || err.status === 401)) {
        return fetchTokenGet(to, creds.username, creds.secret, tls, signal);
      }
      throw new Error(`failed to fetch oauth token: ${(err as Error).message}`, { cause: err });
    }
  }
  try {
    return await fetchTokenGet(to, "", "", tls, signal);
  } catch (err) {
    throw new Error(`failed to fetch anonymous token: ${(err as Error).message}`, { cause: err });
  }
}
