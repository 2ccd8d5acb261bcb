/**
 * The parts of Go 1.26 `net/url` that buildkit's `gitutil.ParseURL` and
 * fsutil's metadata decoding use: escaping and unescaping per encoding mode,
 * `url.Parse` for `scheme://` URLs (module go >= 1.26, so `urlstrictcolons=1`),
 * `URL.String`, `url.ParseQuery` validity and `url.QueryUnescape`. Pure: no I/O.
 */

import { parseAddrKind } from "./net.js";
import { isAscii } from "./unicode.js";

// -- byte strings --------------------------------------------------------------
// Go works on bytes; a "byte string" holds one char per UTF-8 byte, so that
// escaping and length rules are Go's.

const utf8Encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is text to Go, not a byte order mark to drop.
const utf8Fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Lossy = new TextDecoder("utf-8", { ignoreBOM: true });

/** The UTF-8 bytes of `s` as a byte string (one char per byte). */
export function toByteString(s: string): string {
  if (isAscii(s)) return s; // ASCII text is its own byte string
  const b = utf8Encoder.encode(s);
  let out = "";
  for (let i = 0; i < b.length; i += 4096) out += String.fromCharCode(...b.subarray(i, i + 4096));
  return out;
}

function bytesOf(bs: string): Uint8Array {
  const b = new Uint8Array(bs.length);
  for (let i = 0; i < bs.length; i++) b[i] = bs.charCodeAt(i);
  return b;
}

/** A byte string decoded as UTF-8, and whether it was valid (Go strings need not be). */
export function fromByteString(bs: string): { text: string; validUTF8: boolean } {
  if (isAscii(bs)) return { text: bs, validUTF8: true };
  const b = bytesOf(bs);
  try {
    return { text: utf8Fatal.decode(b), validUTF8: true };
  } catch {
    return { text: utf8Lossy.decode(b), validUTF8: false };
  }
}

// -- net/url escaping ------------------------------------------------------------

/** net/url's encoding modes. */
const Enc = {
  Path: 1,
  PathSegment: 2,
  Host: 4,
  Zone: 8,
  UserPassword: 16,
  QueryComponent: 32,
  Fragment: 64,
} as const;
type Enc = (typeof Enc)[keyof typeof Enc];

function isAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

/** net/url's `shouldEscape` (gen_encoding_table.go). */
function shouldEscape(c: number, mode: Enc): boolean {
  if (isAlnum(c)) return false;
  const ch = String.fromCharCode(c);
  if (mode === Enc.Host || mode === Enc.Zone) {
    if ("!$&'()*+,;=:[]<>\"".includes(ch)) return false;
  }
  if ("-_.~".includes(ch)) return false;
  if ("$&+,/:;=?@".includes(ch)) {
    switch (mode) {
      case Enc.Path:
        return ch === "?";
      case Enc.PathSegment:
        return ch === "/" || ch === ";" || ch === "," || ch === "?";
      case Enc.UserPassword:
        return ch === "@" || ch === "/" || ch === "?" || ch === ":";
      case Enc.QueryComponent:
        return true;
      case Enc.Fragment:
        return false;
    }
  }
  if (mode === Enc.Fragment && "!()*".includes(ch)) return false;
  return true;
}

function ishex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function unhex(c: number): number {
  return 9 * (c >> 6) + (c & 15);
}

/** A `net/url` parse or unescape error (Go's message). */
export class UrlError extends Error {}

/** net/url's `unescape` over a byte string. */
function unescape(s: string, mode: Enc): string {
  let n = 0;
  let hasPlus = false;
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      n++;
      if (i + 2 >= s.length || !ishex(s.charCodeAt(i + 1)) || !ishex(s.charCodeAt(i + 2))) {
        throw new UrlError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      }
      if (mode === Enc.Host && unhex(s.charCodeAt(i + 1)) < 8 && s.slice(i, i + 3) !== "%25") {
        throw new UrlError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      }
      if (mode === Enc.Zone) {
        const v = (unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2));
        if (s.slice(i, i + 3) !== "%25" && v !== 0x20 && shouldEscape(v, Enc.Host)) {
          throw new UrlError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
        }
      }
      i += 3;
    } else if (c === 0x2b) {
      hasPlus = mode === Enc.QueryComponent;
      i++;
    } else {
      if ((mode === Enc.Host || mode === Enc.Zone) && c < 0x80 && shouldEscape(c, mode)) {
        throw new UrlError(`invalid character ${JSON.stringify(s[i])} in host name`);
      }
      i++;
    }
  }
  if (n === 0 && !hasPlus) return s;
  let t = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      t += String.fromCharCode((unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2)));
      i += 2;
    } else if (c === 0x2b) {
      t += mode === Enc.QueryComponent ? " " : "+";
    } else {
      t += s[i];
    }
  }
  return t;
}

const upperhex = "0123456789ABCDEF";

/** net/url's `escape` over a byte string. */
function escape(s: string, mode: Enc): string {
  let t = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 && mode === Enc.QueryComponent) t += "+";
    else if (shouldEscape(c, mode)) t += "%" + upperhex[c >> 4] + upperhex[c & 15];
    else t += s[i];
  }
  return t;
}

function validEncoded(s: string, mode: Enc): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if ("!$&'()*+,;=:@[]%".includes(ch)) continue;
    if (shouldEscape(s.charCodeAt(i), mode)) return false;
  }
  return true;
}

function validOptionalPort(port: string): boolean {
  if (port === "") return true;
  if (port[0] !== ":") return false;
  return /^[0-9]*$/.test(port.slice(1));
}

function validUserinfo(s: string): boolean {
  // Go ranges over runes: any non-ASCII byte makes it invalid.
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

// -- net/url.Parse ------------------------------------------------------------------

/** The fields of Go's `url.URL` that git remotes use (byte strings). */
export interface GoURL {
  scheme: string;
  user?: { username: string; password?: string };
  host: string;
  path: string;
  rawPath: string;
  rawQuery: string;
  forceQuery: boolean;
  fragment: string;
}

function parseHost(scheme: string, host: string): string {
  const openBracket = host.lastIndexOf("[");
  if (openBracket > 0) throw new UrlError("invalid IP-literal");
  if (openBracket === 0) {
    const closeBracket = host.lastIndexOf("]");
    if (closeBracket < 0) throw new UrlError("missing ']' in host");
    const colonPort = host.slice(closeBracket + 1);
    if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${JSON.stringify(colonPort)} after host`);
    const unescapedColonPort = unescape(colonPort, Enc.Host);
    const hostname = host.slice(1, closeBracket);
    const zoneIdx = hostname.indexOf("%25");
    const unescapedHostname =
      zoneIdx >= 0
        ? unescape(hostname.slice(0, zoneIdx), Enc.Host) + unescape(hostname.slice(zoneIdx), Enc.Zone)
        : unescape(hostname, Enc.Host);
    const kind = parseAddrKind(unescapedHostname);
    if (kind === 0) throw new UrlError("invalid host");
    if (kind === 4) throw new UrlError("invalid IP-literal");
    return "[" + unescapedHostname + "]" + unescapedColonPort;
  }
  let i = host.indexOf(":");
  if (i !== -1) {
    const lastColon = host.lastIndexOf(":");
    // urlstrictcolons=1 (the default for go >= 1.26): only http(s) insist on one colon.
    if (lastColon !== i && scheme !== "http" && scheme !== "https") i = lastColon;
    const colonPort = host.slice(i);
    if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${JSON.stringify(colonPort)} after host`);
  }
  return unescape(host, Enc.Host);
}

function parseAuthority(scheme: string, authority: string): Pick<GoURL, "user" | "host"> {
  const i = authority.lastIndexOf("@");
  const host = parseHost(scheme, i < 0 ? authority : authority.slice(i + 1));
  if (i < 0) return { host };
  const userinfo = authority.slice(0, i);
  if (!validUserinfo(userinfo)) throw new UrlError("net/url: invalid userinfo");
  const colon = userinfo.indexOf(":");
  if (colon < 0) return { host, user: { username: unescape(userinfo, Enc.UserPassword) } };
  return {
    host,
    user: {
      username: unescape(userinfo.slice(0, colon), Enc.UserPassword),
      password: unescape(userinfo.slice(colon + 1), Enc.UserPassword),
    },
  };
}

/**
 * Go's `url.Parse` restricted to what `gitutil.ParseURL` can hand it: the
 * input starts with `scheme://` (an alphanumeric scheme). Byte strings in and out.
 */
export function parseURL(raw: string): GoURL {
  const hash = raw.indexOf("#");
  const u = hash < 0 ? raw : raw.slice(0, hash);
  const frag = hash < 0 ? "" : raw.slice(hash + 1);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(u)) throw new UrlError("net/url: invalid control character in URL");
  const colon = u.indexOf(":");
  const scheme = u.slice(0, colon).toLowerCase();
  let rest = u.slice(colon + 1);
  let rawQuery = "";
  let forceQuery = false;
  if (rest.endsWith("?") && rest.indexOf("?") === rest.length - 1) {
    forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf("?");
    if (q >= 0) {
      rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  // `scheme://` is guaranteed by the caller, so rest starts with "//".
  let authority = rest.slice(2);
  rest = "";
  const slash = authority.indexOf("/");
  if (slash >= 0) {
    rest = authority.slice(slash);
    authority = authority.slice(0, slash);
  }
  const { user, host } = parseAuthority(scheme, authority);
  const path = unescape(rest, Enc.Path);
  const rawPath = escape(path, Enc.Path) === rest ? "" : rest;
  const fragment = frag === "" ? "" : unescape(frag, Enc.Fragment);
  const out: GoURL = { scheme, host, path, rawPath, rawQuery, forceQuery, fragment };
  if (user) out.user = user;
  return out;
}

function escapedPath(u: GoURL): string {
  if (u.rawPath !== "" && validEncoded(u.rawPath, Enc.Path)) {
    try {
      if (unescape(u.rawPath, Enc.Path) === u.path) return u.rawPath;
    } catch {
      // fall through to the default encoding
    }
  }
  if (u.path === "*") return "*";
  return escape(u.path, Enc.Path);
}

/** Go's `URL.String()` for a URL with a scheme, no opaque part and no fragment. */
export function urlString(u: GoURL): string {
  let buf = u.scheme + ":";
  if (u.host !== "" || u.path !== "" || u.user) buf += "//";
  if (u.user) {
    buf += escape(u.user.username, Enc.UserPassword);
    if (u.user.password !== undefined) buf += ":" + escape(u.user.password, Enc.UserPassword);
    buf += "@";
  }
  if (u.host !== "") buf += escape(u.host, Enc.Host);
  const path = escapedPath(u);
  if (path !== "" && path[0] !== "/" && u.host !== "") buf += "/";
  buf += path;
  if (u.forceQuery || u.rawQuery !== "") buf += "?" + u.rawQuery;
  return buf;
}

/**
 * Go's `url.ParseQuery` over a byte string: the values it could decode (keys
 * in first-seen order, byte strings) and its first error, if any. Like Go, a
 * bad pair is skipped and the rest still parsed (`url.Query()` keeps them).
 */
export function parseQuery(query: string): { values: Map<string, string[]>; err: string | undefined } {
  const values = new Map<string, string[]>();
  if ((query.match(/&/g)?.length ?? 0) + 1 > 10000) return { values, err: "number of URL query parameters exceeded limit" };
  let err: string | undefined;
  if (query === "") return { values, err };
  for (const part of query.split("&")) {
    if (part.includes(";")) {
      err = "invalid semicolon separator in query";
      continue;
    }
    if (part === "") continue;
    const eq = part.indexOf("=");
    let key: string;
    let value: string;
    try {
      key = unescape(eq < 0 ? part : part.slice(0, eq), Enc.QueryComponent);
      value = unescape(eq < 0 ? "" : part.slice(eq + 1), Enc.QueryComponent);
    } catch (e) {
      err ??= (e as Error).message;
      continue;
    }
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  return { values, err };
}

/** `url.ParseQuery` reduced to "does it fail". */
export function queryValid(query: string): boolean {
  return parseQuery(query).err === undefined;
}

/** Go's `url.QueryUnescape` on a JS string (UTF-8 in and out); throws UrlError on a malformed escape. */
export function queryUnescape(s: string): string {
  return fromByteString(unescape(toByteString(s), Enc.QueryComponent)).text;
}

/** Go's `url.PathUnescape` on a JS string (UTF-8 in and out); throws UrlError on a malformed escape. */
export function pathUnescape(s: string): string {
  return fromByteString(unescape(toByteString(s), Enc.PathSegment)).text;
}
