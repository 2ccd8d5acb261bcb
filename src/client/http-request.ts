/**
 * A small HTTP(S) client for the registry client (registry.ts): node:http and
 * node:https with keep-alive agents whose idle sockets do not keep the
 * process alive (Node's agent unrefs free sockets), redirects followed (the
 * Authorization header is dropped when a redirect leaves the host, as fetch
 * does), the whole body read. Used instead of the global fetch, whose
 * connection pool held the CLI open after its last request and which costs a
 * module load of its own.
 */

import * as http from "node:http";
import * as https from "node:https";
import { defaultCaCertificates } from "../internal/node/extra-ca.js";

/** The part of a fetch Response the registry client reads. */
export interface HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface HttpRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | URLSearchParams | string;
  /** Per request (each redirect hop included); default 60 s. */
  timeoutMs?: number;
}

/** Why a request failed before any answer: `code` is the socket error's (`ECONNREFUSED`...) or `ETIMEDOUT`. */
export class HttpRequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

const httpAgent = new http.Agent({ keepAlive: true });
let httpsAgent: https.Agent | undefined;
/** Made on first use: its default CAs may be a file to read (internal/node/extra-ca.ts). */
function agentFor(url: URL): http.Agent {
  if (url.protocol !== "https:") return httpAgent;
  if (!httpsAgent) {
    const ca = defaultCaCertificates();
    httpsAgent = new https.Agent({ keepAlive: true, ...(ca ? { ca } : {}) });
  }
  return httpsAgent;
}

function once(url: URL, init: HttpRequestInit, body: Buffer | undefined, headers: Record<string, string>): Promise<{ res: http.IncomingMessage; data: Buffer }> {
  const mod = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method: init.method ?? "GET", headers, agent: agentFor(url) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ res, data: Buffer.concat(chunks) }));
      res.on("error", (e) => reject(new HttpRequestError(e.message, (e as NodeJS.ErrnoException).code ?? "ECONNRESET", { cause: e })));
    });
    req.setTimeout(init.timeoutMs ?? 60_000, () => req.destroy(new HttpRequestError("timed out", "ETIMEDOUT")));
    req.on("error", (e) => reject(e instanceof HttpRequestError ? e : new HttpRequestError(e.message, (e as NodeJS.ErrnoException).code ?? "EIO", { cause: e })));
    req.end(body);
  });
}

/** One request, redirects followed (at most 10). */
export async function httpRequest(input: string, init: HttpRequestInit = {}): Promise<HttpResponse> {
  let url = new URL(input);
  let method = init.method ?? "GET";
  let headers: Record<string, string> = { ...(init.headers ?? {}) };
  let body: Buffer | undefined;
  if (init.body instanceof URLSearchParams) {
    body = Buffer.from(init.body.toString());
    headers["Content-Type"] ??= "application/x-www-form-urlencoded";
  } else if (typeof init.body === "string") {
    body = Buffer.from(init.body);
  } else if (init.body) {
    body = Buffer.from(init.body.buffer, init.body.byteOffset, init.body.byteLength);
  }
  for (let hop = 0; ; hop++) {
    const h = { ...headers, ...(body ? { "Content-Length": String(body.length) } : {}) };
    const { res, data } = await once(url, { ...init, method }, body, h);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(status) && location && hop < 10) {
      const next = new URL(location, url);
      if (next.host !== url.host) {
        const { Authorization: _a, authorization: _b, ...rest } = headers;
        headers = rest;
      }
      if (status === 303 || ((status === 301 || status === 302) && method === "POST")) {
        method = "GET";
        body = undefined;
      }
      url = next;
      continue;
    }
    const get = (name: string): string | null => {
      const v = res.headers[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
    };
    return {
      status,
      statusText: res.statusMessage ?? "",
      ok: status >= 200 && status < 300,
      headers: { get },
      text: async () => data.toString("utf8"),
      arrayBuffer: async () => data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
    };
  }
}
