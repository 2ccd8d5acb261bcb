import { parseIPv4Fields } from "./goip.js";
/**
 * Git remote URL parsing as buildkit v0.32.2's `util/gitutil.ParseURL` does
 * it, including the parts of Go's `net/url` (Go 1.26, module go >= 1.26 so
 * `urlstrictcolons=1`) and `sshutil.ParseSCPStyleURL` it relies on. `llb.Git`
 * uses the parsed host and path for the source identifier and the re-encoded
 * URL (`Remote`) for the `git.fullurl` attribute, so both must match Go byte
 * for byte.
 *
 * Go works on bytes; we convert the input to a "byte string" (one char per
 * UTF-8 byte) and back, so escaping and length rules are Go's.
 */

// -- byte strings --------------------------------------------------------------

const utf8Encoder = new TextEncoder();
const utf8Fatal = new TextDecoder("utf-8", { fatal: true });
const utf8Lossy = new TextDecoder("utf-8");

/** One char per UTF-8 byte. */
function toBytes(s: string): string {
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
export function fromBytes(bs: string): { text: string; validUTF8: boolean } {
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

class UrlError extends Error {}

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

// -- netip.ParseAddr (validity and Is4 only) --------------------------------------

function parseIPv6Valid(input: string): boolean {
  let s = input;
  const z = s.indexOf("%");
  if (z !== -1) {
    if (z === s.length - 1) return false;
    s = s.slice(0, z);
  }
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ":" && s[1] === ":") {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return true;
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const c = s.charCodeAt(off);
      if (c >= 0x30 && c <= 0x39) acc = acc * 16 + (c - 0x30);
      else if (c >= 0x61 && c <= 0x66) acc = acc * 16 + (c - 0x61 + 10);
      else if (c >= 0x41 && c <= 0x46) acc = acc * 16 + (c - 0x41 + 10);
      else break;
      if (off > 3) return false;
      if (acc > 0xffff) return false;
    }
    if (off === 0) return false;
    if (off < s.length && s[off] === ".") {
      if (ellipsis < 0 && i !== 12) return false;
      if (i + 4 > 16) return false;
      if (!parseIPv4Fields(s)) return false;
      s = "";
      i += 4;
      break;
    }
    i += 2;
    s = s.slice(off);
    if (s.length === 0) break;
    if (s[0] !== ":") return false;
    if (s.length === 1) return false;
    s = s.slice(1);
    if (s[0] === ":") {
      if (ellipsis >= 0) return false;
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) return false;
  if (i < 16) return ellipsis >= 0;
  return ellipsis < 0;
}

/** 4: IPv4, 6: IPv6, 0: invalid (Go's `netip.ParseAddr`). */
function parseAddrKind(s: string): 0 | 4 | 6 {
  for (let i = 0; i < s.length; i++) {
    switch (s[i]) {
      case ".":
        return parseIPv4Fields(s) ? 4 : 0;
      case ":":
        return parseIPv6Valid(s) ? 6 : 0;
      case "%":
        return 0;
    }
  }
  return 0;
}

// -- net/url.Parse ------------------------------------------------------------------

/** The fields of Go's `url.URL` that git remotes use (byte strings). */
interface GoURL {
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
function goParseURL(raw: string): GoURL {
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
function goURLString(u: GoURL): string {
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

/** `url.ParseQuery` reduced to "does it fail". */
function queryValid(query: string): boolean {
  if ((query.match(/&/g)?.length ?? 0) + 1 > 10000) return false;
  for (const part of query.split("&")) {
    if (part.includes(";")) return false;
    if (part === "") continue;
    const eq = part.indexOf("=");
    try {
      unescape(eq < 0 ? part : part.slice(0, eq), Enc.QueryComponent);
      unescape(eq < 0 ? "" : part.slice(eq + 1), Enc.QueryComponent);
    } catch {
      return false;
    }
  }
  return true;
}

// -- gitutil ------------------------------------------------------------------------

export const GitProtocol = { http: "http", https: "https", ssh: "ssh", git: "git" } as const;

/** A parsed git remote (Go's `gitutil.GitURL`, the fields `llb.Git` uses). */
export interface GitURL {
  /** `http`, `https`, `ssh` or `git`. */
  readonly scheme: string;
  /** Host[:port] as Go stores it (unescaped). */
  readonly host: string;
  /** Path as Go stores it (unescaped; relative for scp-like URLs). */
  readonly path: string;
  /** The URL without query and fragment, as Go re-encodes it (`git.fullurl`). */
  readonly remote: string;
  /** Ref and subdir from the URL fragment (`#ref:subdir`), if any. `llb.git` ignores them. */
  readonly opts?: { readonly ref: string; readonly subdir: string };
  /** False when host or path hold bytes that are not UTF-8 (Go strings may; protobuf refuses them). */
  readonly validUTF8: boolean;
}

/** Why {@link parseGitURL} failed: Go's `ErrUnknownProtocol` (no scheme, not scp-like) or another error. */
export class GitURLError extends Error {
  constructor(
    message: string,
    readonly unknownProtocol: boolean,
  ) {
    super(message);
    this.name = "GitURLError";
  }
}

const protoRe = /^[a-zA-Z0-9]+:\/\//;
const supportedProtos = new Set(["http", "https", "ssh", "git"]);
// sshutil's gitSSHRegex. RE2's `.` is any char but \n; JS's also stops at \r, U+2028/9.
const gitSSHRe = /^([a-zA-Z0-9\-_]+)@([a-zA-Z0-9\-.]+):([^\n]*?)(?:\?([^\n]*?))?(?:#([^\n]*))?$/;

function parseOpts(fragment: string): { ref: string; subdir: string } | undefined {
  if (fragment === "") return undefined;
  const c = fragment.indexOf(":");
  const ref = c < 0 ? fragment : fragment.slice(0, c);
  const subdir = c < 0 ? "" : fragment.slice(c + 1);
  return { ref, subdir: goPathJoinRoot(subdir).replace(/^\//, "") };
}

/** `path.Join("/", p)` in Go, on strings (also used by `llb.git`). */
export function goPathJoinRoot(p: string): string {
  const out: string[] = [];
  for (const seg of ("/" + p).split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      out.pop();
      continue;
    }
    out.push(seg);
  }
  return "/" + out.join("/");
}

/**
 * Go's `gitutil.ParseURL`: `http(s)://`, `git://`, `ssh://` URLs and
 * scp-like `user@host:path`. Throws {@link GitURLError}.
 */
export function parseGitURL(remote: string): GitURL {
  const b = toBytes(remote);
  const pm = protoRe.exec(b);
  if (pm) {
    const proto = pm[0].slice(0, -3).toLowerCase();
    if (!supportedProtos.has(proto)) throw new GitURLError(`${proto}: invalid protocol`, false);
    let u: GoURL;
    try {
      u = goParseURL(b);
    } catch (e) {
      throw new GitURLError(`parse ${JSON.stringify(remote)}: ${(e as Error).message}`, false);
    }
    const host = fromBytes(u.host);
    const path = fromBytes(u.path);
    const frag = fromBytes(u.fragment);
    const opts = parseOpts(frag.text);
    return {
      scheme: u.scheme,
      host: host.text,
      path: path.text,
      // gitutil clears the query and fragment for Remote; ForceQuery (a bare trailing "?") survives.
      remote: fromBytes(goURLString({ ...u, rawQuery: "" })).text,
      ...(opts ? { opts } : {}),
      validUTF8: host.validUTF8 && path.validUTF8,
    };
  }
  const m = gitSSHRe.exec(remote);
  if (m && queryValid(toBytes(m[4] ?? ""))) {
    const opts = parseOpts(m[5] ?? "");
    return {
      scheme: GitProtocol.ssh,
      host: m[2]!,
      path: m[3]!,
      remote: `${m[1]}@${m[2]}:${m[3]}`,
      ...(opts ? { opts } : {}),
      validUTF8: true,
    };
  }
  throw new GitURLError("unknown protocol", true);
}
