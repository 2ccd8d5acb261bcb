/**
 * Git remote URL parsing as buildkit v0.32.2's `util/gitutil.ParseURL` does
 * it, with `sshutil.ParseSCPStyleURL`, over Go's `net/url` (ported in
 * `internal/go/url.ts`). `llb.Git` uses the parsed host and path for the
 * source identifier and the re-encoded URL (`Remote`) for the `git.fullurl`
 * attribute, so both must match Go byte for byte.
 */

import { joinPath } from "../internal/go/path.js";
import { fromByteString, parseQuery, parseURL, toByteString, urlString, type GoURL } from "../internal/go/url.js";

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
  /** The query's values (Go's `url.Values`, keys in first-seen order); absent when empty. `llb.git` ignores it. */
  readonly query?: ReadonlyMap<string, readonly string[]>;
  /** False when host or path hold bytes that are not UTF-8 (Go strings may; protobuf refuses them). */
  readonly validUTF8: boolean;
}

/** Why {@link parseGitURL} failed: Go's `ErrUnknownProtocol` (no scheme, not scp-like) or another error. */
export class GitURLError extends Error {
  constructor(
    message: string,
    readonly unknownProtocol: boolean,
  ) {
    // Callers use this error as a return value (every COPY source is tried as a git URL): no stack trace to capture.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = "GitURLError";
  }
}

const protoRe = /^[a-zA-Z0-9]+:\/\//;
const supportedProtos = new Set(["http", "https", "ssh", "git"]);
// sshutil's gitSSHRegex. RE2's `.` is any char but \n; JS's also stops at \r, U+2028/9.
const gitSSHRe = /^([a-zA-Z0-9\-_]+)@([a-zA-Z0-9\-.]+):([^\n]*?)(?:\?([^\n]*?))?(?:#([^\n]*))?$/;

/** Query values of a byte-string query as JS strings; undefined when there are none (Go's nil `Query`). */
function queryValues(values: Map<string, string[]>): Map<string, string[]> | undefined {
  if (values.size === 0) return undefined;
  const out = new Map<string, string[]>();
  for (const [k, v] of values) out.set(fromByteString(k).text, v.map((x) => fromByteString(x).text));
  return out;
}

function parseOpts(fragment: string): { ref: string; subdir: string } | undefined {
  if (fragment === "") return undefined;
  const c = fragment.indexOf(":");
  const ref = c < 0 ? fragment : fragment.slice(0, c);
  const subdir = c < 0 ? "" : fragment.slice(c + 1);
  return { ref, subdir: joinPath("/", subdir).replace(/^\//, "") };
}

/**
 * Go's `gitutil.ParseURL`: `http(s)://`, `git://`, `ssh://` URLs and
 * scp-like `user@host:path`. Throws {@link GitURLError}.
 */
export function parseGitURL(remote: string): GitURL {
  const r = tryParseGitURL(remote);
  if ("err" in r) throw new GitURLError(r.err, r.unknownProtocol);
  return r;
}

/** What {@link tryParseGitURL} returns when Go's `gitutil.ParseURL` fails. */
export interface GitURLFailure {
  err: string;
  /** Go's `ErrUnknownProtocol`: neither a URL with a scheme nor scp-like. */
  unknownProtocol: boolean;
}

const unknownProtocol: GitURLFailure = { err: "unknown protocol", unknownProtocol: true };

/** {@link parseGitURL} without exceptions (most Dockerfile sources are local paths, not URLs). */
export function tryParseGitURL(remote: string): GitURL | GitURLFailure {
  // The scheme is ASCII: test it before converting the whole string to bytes.
  const pm = protoRe.exec(remote);
  if (pm) {
    const b = toByteString(remote);
    const proto = pm[0].slice(0, -3).toLowerCase();
    if (!supportedProtos.has(proto)) return { err: `${proto}: invalid protocol`, unknownProtocol: false };
    let u: GoURL;
    try {
      u = parseURL(b);
    } catch (e) {
      return { err: `parse ${JSON.stringify(remote)}: ${(e as Error).message}`, unknownProtocol: false };
    }
    const host = fromByteString(u.host);
    const path = fromByteString(u.path);
    const frag = fromByteString(u.fragment);
    const opts = parseOpts(frag.text);
    const query = queryValues(parseQuery(u.rawQuery).values);
    return {
      scheme: u.scheme,
      host: host.text,
      path: path.text,
      // gitutil clears the query and fragment for Remote; ForceQuery (a bare trailing "?") survives.
      remote: fromByteString(urlString({ ...u, rawQuery: "" })).text,
      ...(opts ? { opts } : {}),
      ...(query ? { query } : {}),
      validUTF8: host.validUTF8 && path.validUTF8,
    };
  }
  const m = gitSSHRe.exec(remote);
  const scpQuery = m ? parseQuery(toByteString(m[4] ?? "")) : undefined;
  if (m && scpQuery!.err === undefined) {
    const opts = parseOpts(m[5] ?? "");
    const query = queryValues(scpQuery!.values);
    return {
      scheme: GitProtocol.ssh,
      host: m[2]!,
      path: m[3]!,
      remote: `${m[1]}@${m[2]}:${m[3]}`,
      ...(opts ? { opts } : {}),
      ...(query ? { query } : {}),
      validUTF8: true,
    };
  }
  return unknownProtocol;
}
