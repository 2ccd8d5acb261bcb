/**
 * Reading images from a registry with the Registry HTTP API v2
 * (distribution spec v1.1): manifests and blobs by tag or digest, with the
 * docker config's credentials (looked up as `tsfrontend build` does, through
 * src/client/session/auth.ts), Basic auth and Bearer tokens from the
 * `WWW-Authenticate` challenge (realm, service, scope; an identity token uses
 * the OAuth refresh-token grant, as containerd's docker resolver does).
 * Everything fetched is checked against its digest.
 *
 * https by default; plain http for loopback hosts (`localhost`, `127.0.0.0/8`,
 * `::1`), which docker and containerd treat as insecure registries, and for
 * every host with `plainHttp`.
 */

import { parseNormalizedNamed, tagNameOnly, type ImageReference } from "../llb/reference.js";
import { baseMediaType, ImageError, MANIFEST_ACCEPT, verifyDigest, type BlobSource, type Descriptor } from "./image-inspect.js";
import { credentialsFor, loadDockerConfig, type Credentials, type DockerConfig } from "./session/auth.js";
import { sha256Digest } from "../llb/digest.js";
import { httpRequest, type HttpRequestError, type HttpRequestInit, type HttpResponse } from "./http-request.js";

/** One challenge of a `WWW-Authenticate` header: scheme (lower case) and parameters (keys lower case). */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header (RFC 7235): one or more challenges, each a
 * scheme followed by `key=value` or `key="quoted value"` parameters.
 * `Bearer realm="https://auth.example/token",service="reg",scope="repository:a:pull"`.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let i = 0;
  const n = header.length;
  const skipSpace = () => {
    while (i < n && (header[i] === " " || header[i] === "\t")) i++;
  };
  const token = () => {
    const start = i;
    while (i < n && !/[\s,="]/.test(header[i]!)) i++;
    return header.slice(start, i);
  };
  let current: AuthChallenge | undefined;
  while (i < n) {
    skipSpace();
    if (header[i] === ",") {
      i++;
      continue;
    }
    const t = token();
    if (t === "") {
      i++;
      continue;
    }
    skipSpace();
    if (header[i] === "=" && current) {
      i++;
      skipSpace();
      let value = "";
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') {
          if (header[i] === "\\" && i + 1 < n) i++;
          value += header[i];
          i++;
        }
        i++;
      } else {
        value = token();
      }
      current.params[t.toLowerCase()] = value;
    } else {
      current = { scheme: t.toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}

/** Hosts docker reaches over plain http without being told: loopback names and addresses. */
export function isLoopbackHost(host: string): boolean {
  let h = host;
  if (h.startsWith("[")) h = h.slice(1, h.indexOf("]"));
  else if (h.split(":").length === 2) h = h.split(":")[0]!;
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The API endpoint of a registry domain: Docker Hub's `docker.io` is served by `registry-1.docker.io`. */
export function registryEndpoint(domain: string, plainHttp = false): string {
  const host = domain === "docker.io" ? "registry-1.docker.io" : domain;
  return `${plainHttp || isLoopbackHost(host) ? "http" : "https"}://${host}`;
}

/** The one-line text of a registry error body (`{"errors":[{"code","message"}]}`), else a short excerpt. */
export function registryErrorMessage(body: string): string {
  try {
    const doc = JSON.parse(body) as { errors?: { code?: string; message?: string; detail?: unknown }[] };
    if (Array.isArray(doc.errors) && doc.errors.length > 0) {
      return doc.errors.map((e) => [e.message, e.code ? `(${e.code})` : ""].filter(Boolean).join(" ")).join("; ");
    }
  } catch {
    // Not JSON: show the text.
  }
  return body.replace(/\s+/g, " ").trim().slice(0, 200);
}

export interface RegistryOptions {
  /** Plain http for every host (`--plain-http`). */
  plainHttp?: boolean;
  /** Environment for the docker config and credential helpers; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The docker config; default read from `env`. */
  dockerConfig?: DockerConfig;
  /** Per-request timeout; default 60 s. */
  timeoutMs?: number;
  /** Called once per docker config loading problem. */
  onWarning?: (message: string) => void;
}

/** A registry client for one repository, with the authorization it has negotiated. */
export class RegistryRepository {
  readonly endpoint: string;
  private authorization: string | undefined;
  /** An answer to the registry's challenge under way ({@link prepareAuth}): requests wait for it. */
  private preparing: Promise<void> | undefined;
  private credentials: Promise<Credentials> | undefined;
  private config: DockerConfig | undefined;

  constructor(
    readonly ref: ImageReference,
    private readonly options: RegistryOptions = {},
  ) {
    this.endpoint = registryEndpoint(ref.domain, options.plainHttp);
    this.config = options.dockerConfig;
  }

  private lookupCredentials(): Promise<Credentials> {
    if (!this.credentials) {
      if (!this.config) {
        this.config = loadDockerConfig(this.options.env);
        for (const w of this.config.warnings ?? []) this.options.onWarning?.(w);
      }
      this.credentials = credentialsFor(this.config, this.ref.domain, this.options.env ? { env: this.options.env } : {});
    }
    return this.credentials;
  }

  private async request(url: string, init: HttpRequestInit): Promise<HttpResponse> {
    try {
      return await httpRequest(url, { ...init, timeoutMs: this.options.timeoutMs ?? 60_000 });
    } catch (e) {
      const err = e as HttpRequestError;
      const why = err.code === "ETIMEDOUT" ? "timed out" : (err.code ?? err.message);
      const hint = url.startsWith("https:") && /EPROTO|wrong version|SSL/i.test(`${err.code} ${err.message}`) ? " (a plain-http registry? use --plain-http)" : "";
      throw new ImageError(`cannot reach registry ${new URL(url).host}: ${why}${hint}`, { cause: e });
    }
  }

  /**
   * Answers the registry's challenge before a request that will need it (a
   * builder's index, pushed once every node is done, prepares while they
   * build): `GET /v2/` and, on a 401, the authorization for this repository
   * (a token with push scope when `push`), so that request goes out
   * authorized instead of after a 401 of its own. Never throws: whatever
   * fails here fails again, and is reported, in the request.
   */
  prepareAuth(options: { push?: boolean } = {}): Promise<void> {
    this.preparing ??= (async () => {
      const res = await this.request(`${this.endpoint}/v2/`, { method: "GET" });
      if (res.status === 401) await this.authorize(res, options.push ? `repository:${this.ref.path}:pull,push` : undefined);
      else await res.arrayBuffer();
    })().catch(() => {});
    return this.preparing;
  }

  /**
   * Answers a 401 challenge: sets the Authorization header to use, or throws
   * with the registry's message. `scope`: the token scope when the challenge
   * names none (default pull).
   */
  private async authorize(res: HttpResponse, scope?: string): Promise<void> {
    const body = await res.text();
    const challenges = parseWwwAuthenticate(res.headers.get("www-authenticate") ?? "");
    const creds = await this.lookupCredentials();
    const denied = (extra = "") =>
      new ImageError(`${this.ref.domain}: 401 Unauthorized: ${registryErrorMessage(body) || "authentication required"}${extra}`);
    const bearer = challenges.find((c) => c.scheme === "bearer");
    if (bearer) {
      this.authorization = `Bearer ${await this.fetchToken(bearer, creds, scope)}`;
      return;
    }
    const basic = challenges.find((c) => c.scheme === "basic");
    if (basic) {
      if (creds.username === "" || creds.secret === "") throw denied(` (no credentials for ${this.ref.domain} in the docker config)`);
      this.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.secret}`).toString("base64")}`;
      return;
    }
    throw denied(challenges.length === 0 ? " (no WWW-Authenticate challenge)" : ` (unsupported auth scheme ${challenges.map((c) => c.scheme).join(", ")})`);
  }

  private async fetchToken(challenge: AuthChallenge, creds: Credentials, defaultScope?: string): Promise<string> {
    const realm = challenge.params["realm"];
    if (!realm) throw new ImageError(`${this.ref.domain}: Bearer challenge without a realm`);
    const service = challenge.params["service"];
    const scope = challenge.params["scope"] || defaultScope || `repository:${this.ref.path}:pull`;
    let res: HttpResponse;
    if (creds.username === "" && creds.secret !== "") {
      // An identity token: OAuth2 refresh-token grant (POST), as containerd does.
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: creds.secret, client_id: "tsfrontend", scope });
      if (service) form.set("service", service);
      res = await this.request(realm, { method: "POST", body: form, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    } else {
      const u = new URL(realm);
      if (service) u.searchParams.set("service", service);
      u.searchParams.set("scope", scope);
      const headers: Record<string, string> = {};
      if (creds.username !== "") headers["Authorization"] = `Basic ${Buffer.from(`${creds.username}:${creds.secret}`).toString("base64")}`;
      res = await this.request(u.toString(), { headers });
    }
    const text = await res.text();
    if (!res.ok) throw new ImageError(`${this.ref.domain}: token request to ${new URL(realm).host} failed: ${res.status} ${res.statusText}: ${registryErrorMessage(text)}`);
    let token: unknown;
    try {
      const doc = JSON.parse(text) as { token?: unknown; access_token?: unknown };
      token = doc.token ?? doc.access_token;
    } catch {
      // Reported below.
    }
    if (typeof token !== "string" || token === "") throw new ImageError(`${this.ref.domain}: the token service ${new URL(realm).host} answered without a token`);
    return token;
  }

  /** GET with auth (one retry after a 401 challenge). */
  private get(path: string, accept?: string): Promise<HttpResponse> {
    return this.send("GET", path, accept ? { Accept: accept } : {});
  }

  /** A request with auth (one retry after a 401 challenge: a PUT's challenge asks for push scope). */
  private async send(method: string, path: string, extraHeaders: Record<string, string>, body?: Uint8Array): Promise<HttpResponse> {
    const url = `${this.endpoint}/v2/${this.ref.path}/${path}`;
    if (this.preparing) await this.preparing;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { ...extraHeaders };
      if (this.authorization) headers["Authorization"] = this.authorization;
      const res = await this.request(url, { method, headers, ...(body ? { body } : {}) });
      if (res.status === 401 && attempt === 0) {
        await this.authorize(res);
        continue;
      }
      return res;
    }
  }

  private async fail(res: HttpResponse, what: string): Promise<never> {
    const message = registryErrorMessage(await res.text());
    if (res.status === 401) throw new ImageError(`${this.ref.domain}: 401 Unauthorized: ${message || "authentication required"}`);
    if (res.status === 404) throw new ImageError(`unknown image ${what}: ${message || "not found"}`);
    throw new ImageError(`${what}: ${res.status} ${res.statusText}${message ? `: ${message}` : ""}`);
  }

  /** A manifest or index by tag or digest: its bytes, content type and (verified) digest. */
  async manifest(reference: string): Promise<{ bytes: Uint8Array; mediaType: string; digest: string }> {
    const what = `${this.ref.name()}${reference.includes(":") ? "@" : ":"}${reference}`;
    const res = await this.get(`manifests/${reference}`, MANIFEST_ACCEPT);
    if (!res.ok) return this.fail(res, what);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const mediaType = baseMediaType(res.headers.get("content-type"));
    if (reference.includes(":")) {
      verifyDigest(bytes, reference, what);
      return { bytes, mediaType, digest: reference };
    }
    const digest = sha256Digest(bytes);
    const claimed = res.headers.get("docker-content-digest");
    if (claimed && claimed.startsWith("sha256:") && claimed !== digest) throw new ImageError(`${what}: the registry says the digest is ${claimed}, the content has ${digest}`);
    return { bytes, mediaType, digest };
  }

  /**
   * Uploads a manifest or index under `reference` (a tag or its digest), as
   * containerd's pusher does: `PUT /v2/NAME/manifests/REF` with its media
   * type; resolves with the digest the registry reports (checked against the bytes).
   */
  async putManifest(reference: string, bytes: Uint8Array, mediaType: string): Promise<string> {
    const what = `${this.ref.name()}${reference.includes(":") ? "@" : ":"}${reference}`;
    const res = await this.send("PUT", `manifests/${reference}`, { "Content-Type": mediaType }, bytes);
    if (!res.ok) return this.fail(res, `pushing ${what}`);
    await res.arrayBuffer();
    const digest = sha256Digest(bytes);
    const claimed = res.headers.get("docker-content-digest");
    if (claimed && claimed.startsWith("sha256:") && claimed !== digest) throw new ImageError(`pushing ${what}: the registry says the digest is ${claimed}, the content has ${digest}`);
    return digest;
  }

  /** Whether the repository has a manifest (`HEAD /v2/NAME/manifests/REF`). */
  async hasManifest(reference: string): Promise<boolean> {
    const res = await this.send("HEAD", `manifests/${reference}`, { Accept: MANIFEST_ACCEPT });
    if (res.status === 404) return false;
    if (!res.ok) return this.fail(res, `${this.ref.name()}@${reference}`);
    return true;
  }

  /** A blob by digest (verified). */
  async blob(digest: string): Promise<Uint8Array> {
    const what = `${this.ref.name()}@${digest}`;
    const res = await this.get(`blobs/${digest}`);
    if (!res.ok) return this.fail(res, what);
    const bytes = new Uint8Array(await res.arrayBuffer());
    verifyDigest(bytes, digest, what);
    return bytes;
  }
}

/**
 * Parses a registry reference as docker does (`busybox` ->
 * `docker.io/library/busybox:latest`; a `docker://` prefix is accepted).
 */
export function parseRegistryRef(s: string): ImageReference {
  return tagNameOnly(parseNormalizedNamed(s.startsWith("docker://") ? s.slice("docker://".length) : s));
}

/** A {@link BlobSource} for an image in a registry. */
export function registrySource(refString: string, options: RegistryOptions = {}): BlobSource {
  const ref = parseRegistryRef(refString);
  const repo = new RegistryRepository(ref, options);
  return {
    name: ref.toString(),
    async root() {
      const m = await repo.manifest(ref.digest || ref.tag);
      return { bytes: m.bytes, descriptor: { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length } };
    },
    fetch: async (d: Descriptor, kind) => (kind === "manifest" ? (await repo.manifest(d.digest)).bytes : repo.blob(d.digest)),
  };
}
