/**
 * TLS to buildkitd, in words a user can act on: {@link tlsMaterialProblem} checks the CA,
 * client certificate and key before any connection, and {@link diagnoseTls} redoes a failed
 * handshake with node:tls to say what went wrong (unknown CA, wrong server name, a client
 * certificate missing or refused, TLS spoken to a plain daemon or the reverse). A failed
 * connection itself only reports OpenSSL's text ("tlsv13 alert certificate required").
 */

import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { isIP } from "node:net";
import * as tls from "node:tls";
import { defaultCaCertificates } from "../internal/node/extra-ca.js";
import type { TlsOptions } from "./connection.js";

/** Where each TLS value came from, for messages, e.g. `ca.pem (--tlscacert)`. */
export interface TlsLabels {
  caCert: string;
  cert: string;
  key: string;
  serverName: string;
}

export const DEFAULT_TLS_LABELS: TlsLabels = { caCert: "--tlscacert", cert: "--tlscert", key: "--tlskey", serverName: "--tlsservername" };

export interface TlsMaterialProblem {
  part: "caCert" | "cert" | "key";
  /** What is wrong with that file, without its name, e.g. `holds no PEM certificate`. */
  problem: string;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Why the CA, certificate or key cannot be used (checked locally), or undefined. */
export function tlsMaterialProblem(t: TlsOptions, now = new Date()): TlsMaterialProblem | undefined {
  if (t.caCert) {
    const blocks = t.caCert.toString("latin1").match(PEM_CERT) ?? [];
    if (blocks.length === 0) return { part: "caCert", problem: "holds no PEM certificate" };
    for (const b of blocks) {
      try {
        new X509Certificate(b);
      } catch (err) {
        return { part: "caCert", problem: `holds a certificate that cannot be parsed (${(err as Error).message})` };
      }
    }
  }
  let cert: X509Certificate | undefined;
  if (t.cert) {
    if (!PEM_CERT.test(t.cert.toString("latin1"))) return { part: "cert", problem: "holds no PEM certificate" };
    try {
      cert = new X509Certificate(t.cert);
    } catch (err) {
      return { part: "cert", problem: `holds a certificate that cannot be parsed (${(err as Error).message})` };
    }
    if (new Date(cert.validTo) < now) return { part: "cert", problem: `expired on ${cert.validTo}` };
    if (new Date(cert.validFrom) > now) return { part: "cert", problem: `is not valid before ${cert.validFrom}` };
  }
  if (t.key) {
    let key: KeyObject;
    try {
      key = createPrivateKey(t.key);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return { part: "key", problem: code === "ERR_MISSING_PASSPHRASE" ? "is encrypted with a passphrase (not supported)" : "holds no PEM private key" };
    }
    if (cert && !cert.checkPrivateKey(key)) return { part: "key", problem: "is not the private key of the client certificate" };
  }
  return undefined;
}

type Endpoint = { host: string; port: number } | { path: string };

function endpointOf(address: string): Endpoint | undefined {
  if (address.startsWith("unix://")) return { path: address.slice("unix://".length) };
  const m = /^(?:tcp:\/\/)?(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(address);
  if (!m) return undefined;
  return { host: m[1]!.replace(/^\[(.*)\]$/, "$1"), port: Number(m[2]) };
}

interface Probe {
  /** The TLS handshake completed (from the client's side). */
  handshake: boolean;
  authorized?: boolean;
  authorizationError?: string;
  peer?: tls.PeerCertificate;
  /** The first error, during or after the handshake. */
  error?: NodeJS.ErrnoException;
  /** The daemon answered the HTTP/2 preface. */
  answered?: boolean;
}

// The HTTP/2 client preface and an empty SETTINGS frame: a gRPC server answers with its SETTINGS.
const H2_PREFACE = Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1"), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);

/** One TLS connection that verifies nothing itself, so every failure can be named afterwards. */
function probe(ep: Endpoint, t: TlsOptions | undefined, timeoutMs: number): Promise<Probe> {
  return new Promise((resolve) => {
    const opts: tls.ConnectionOptions = {
      ...ep,
      ALPNProtocols: ["h2"],
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    };
    const ca = t?.caCert ?? defaultCaCertificates();
    if (ca) opts.ca = ca;
    if (t?.cert) opts.cert = t.cert;
    if (t?.key) opts.key = t.key;
    const sni = t?.serverName ?? ("host" in ep ? ep.host : undefined);
    // RFC 6066: no IP addresses in SNI (Node warns; Go sends none).
    if (sni && !isIP(sni)) opts.servername = sni;
    const out: Probe = { handshake: false };
    const sock = tls.connect(opts);
    const done = (): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(out);
    };
    const timer = setTimeout(done, timeoutMs);
    sock.on("secureConnect", () => {
      out.handshake = true;
      out.authorized = sock.authorized;
      if (sock.authorizationError) out.authorizationError = String(sock.authorizationError);
      out.peer = sock.getPeerCertificate();
      // TLS 1.3: the daemon judges the client certificate after our side is done; its
      // verdict arrives as an alert on the next read.
      sock.write(H2_PREFACE);
    });
    sock.on("data", () => {
      out.answered = true;
      done();
    });
    sock.on("error", (err: NodeJS.ErrnoException) => {
      out.error ??= err;
      done();
    });
    sock.on("close", done);
  });
}

const NOT_TLS = /wrong version number|packet length too long|unknown protocol|http request|record layer failure/i;
const CONNECT_ERRORS = new Set(["ECONNREFUSED", "ENOENT", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "EACCES", "ENOTSOCK"]);
const UNKNOWN_ISSUER = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
]);

function alertOf(err: Error): string | undefined {
  return /alert ([a-z ]+?)(?::|$)/i.exec(err.message)?.[1]?.trim().toLowerCase();
}

function dn(x: tls.Certificate | undefined): string {
  if (!x) return "?";
  return Object.entries(x)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("+") : v}`)
    .join(", ");
}

/** The daemon's verdict on our client certificate, from a TLS alert. */
function clientCertVerdict(alert: string, labels: TlsLabels, hasCert: boolean): string {
  if (alert === "certificate required" || (!hasCert && (alert === "handshake failure" || alert === "bad certificate"))) {
    return `the daemon requires a client certificate: pass --tlscert and --tlskey (or --tlsdir)`;
  }
  if (alert === "unknown ca" || alert === "bad certificate" || alert === "certificate unknown" || alert === "unsupported certificate" || alert === "decrypt error") {
    return `the daemon rejected the client certificate in ${labels.cert}: it is not signed by a CA the daemon trusts (TLS alert "${alert}")`;
  }
  if (alert === "certificate expired") return `the daemon rejected the client certificate in ${labels.cert}: it has expired`;
  if (alert === "certificate revoked") return `the daemon rejected the client certificate in ${labels.cert}: it was revoked`;
  return `the daemon ended the TLS handshake with the alert "${alert}"`;
}

/**
 * Why a connection to `address` with TLS options `t` (undefined: plain) fails at the TLS
 * level, in one sentence, or undefined when TLS is not the problem (refused, reachable and
 * fine, or not a tcp:// or unix:// address).
 */
export async function diagnoseTls(address: string, t: TlsOptions | undefined, options: { timeoutMs?: number; labels?: Partial<TlsLabels> } = {}): Promise<string | undefined> {
  const ep = endpointOf(address);
  if (!ep) return undefined;
  const labels = { ...DEFAULT_TLS_LABELS, ...options.labels };
  const p = await probe(ep, t, options.timeoutMs ?? 3000);
  if (!t) {
    // We spoke plain gRPC; does the daemon speak TLS?
    const alert = p.error && alertOf(p.error);
    if (p.handshake || alert) {
      return `the daemon speaks TLS and this connection did not: pass --tlscacert (and --tlscert/--tlskey if it requires client certificates) or --tlsdir`;
    }
    return undefined;
  }
  if (!p.handshake) {
    const err = p.error;
    if (!err) return `the daemon did not finish the TLS handshake in time (does it speak TLS?)`;
    if (err.code && CONNECT_ERRORS.has(err.code)) return undefined;
    if (err.code === "ERR_SSL_WRONG_VERSION_NUMBER" || NOT_TLS.test(err.message)) {
      return `the daemon does not speak TLS: it answered plain gRPC to the TLS handshake; drop the --tls* flags (or check the address)`;
    }
    if (err.code === "ECONNRESET" || /disconnected before secure TLS connection/i.test(err.message)) {
      return `the daemon closed the connection during the TLS handshake (does it speak TLS?)`;
    }
    const alert = alertOf(err);
    if (alert) return clientCertVerdict(alert, labels, !!t.cert);
    return `TLS handshake failed: ${err.message.split("\n")[0]}`;
  }
  const peer = p.peer;
  if (!p.authorized) {
    const code = p.authorizationError ?? "";
    if (UNKNOWN_ISSUER.has(code)) {
      const where = t.caCert ? `the CA in ${labels.caCert}` : `a CA the system trusts (pass --tlscacert)`;
      return `the daemon's certificate (issuer ${dn(peer?.issuer)}) is not signed by ${where}: unknown authority`;
    }
    if (code === "CERT_HAS_EXPIRED") return `the daemon's certificate expired on ${peer?.valid_to ?? "?"}`;
    if (code === "CERT_NOT_YET_VALID") return `the daemon's certificate is not valid before ${peer?.valid_from ?? "?"}`;
    return `the daemon's certificate is not trusted: ${code}`;
  }
  const name = t.serverName ?? ("host" in ep ? ep.host : "localhost");
  if (peer && tls.checkServerIdentity(name, peer) !== undefined) {
    const names = peer.subjectaltname ? `it is valid for ${peer.subjectaltname}` : `it has no subject alternative names (subject ${dn(peer.subject)})`;
    const from = t.serverName !== undefined ? labels.serverName : "the host of the address";
    return `the daemon's certificate is not valid for ${JSON.stringify(name)} (${from}): ${names}; pass --tlsservername with one of these names`;
  }
  if (p.error) {
    const alert = alertOf(p.error);
    if (alert) return clientCertVerdict(alert, labels, !!t.cert);
  }
  return undefined;
}
