/**
 * Container image references, normalised exactly like
 * github.com/distribution/reference v0.6.0 (the version buildkit v0.32.2
 * requires): `ParseNormalizedNamed`, `TagNameOnly`, `WithTag`, `WithDigest`,
 * `ParseDockerRef`, `FamiliarName`/`FamiliarString`, with digests validated
 * as github.com/opencontainers/go-digest v1.0.0 does.
 *
 * Go behaviour kept on purpose (quirks):
 * - `busybox` -> `docker.io/library/busybox`; `index.docker.io/x` -> `docker.io/library/x`;
 *   a first component with `.` or `:`, `localhost`, or any upper-case letter is a domain
 *   (`Foo/bar` stays `Foo/bar`), so upper case is rejected only in the repository path.
 * - the "must be lowercase" check only looks at the text before the first `:`.
 * - a 64-hex-character string alone is refused (it would be an image id).
 * - `name:tag@digest` keeps both the tag and the digest; `TagNameOnly` adds `latest`
 *   only when there is neither.
 * - digests: sha256/sha384/sha512 with lower-case hex of the exact length; other
 *   algorithms are "unsupported digest algorithm" (the reference grammar accepts them).
 * - error messages are Go's, word for word.
 */

import { InvalidArgumentError } from "../errors.js";
import { utf8Length } from "../internal/go/utf8.js";

// -- grammar (regexp.go) ------------------------------------------------------
// Go's RE2 picks the submatches a backtracking engine would, so the same
// patterns in JS give the same captures. Only ASCII can match anywhere here.

const alphanumeric = "[a-z0-9]+";
const separator = "(?:[._]|__|[-]+)";
const domainNameComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const optionalPort = "(?::[0-9]+)?";
const tagPat = "[\\w][\\w.-]{0,127}";
const digestPat = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}";
const identifierPat = "([a-f0-9]{64})";
const ipv6address = "\\[(?:[a-fA-F0-9:]+)\\]";
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const hostPat = `(?:${domainName}|${ipv6address})`;
const domainAndPort = hostPat + optionalPort;
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;

const referenceRe = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const anchoredNameRe = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const anchoredTagRe = new RegExp(`^${tagPat}$`);
const anchoredDigestRe = new RegExp(`^${digestPat}$`);
const anchoredIdentifierRe = new RegExp(`^${identifierPat}$`);

/** go-digest's `DigestRegexpAnchored`. */
const goDigestAnchoredRe = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

const legacyDefaultDomain = "index.docker.io";
/** The registry a short name such as `busybox` refers to. */
export const defaultDomain = "docker.io";
const officialRepoPrefix = "library/";
/** The tag `TagNameOnly` adds. */
export const defaultTag = "latest";
/** distribution/reference's limit on the repository path, in bytes. */
export const repositoryNameTotalLengthMax = 255;

/** Go's error values, by message. */
export const ReferenceErrors = {
  invalidFormat: "invalid reference format",
  tagInvalidFormat: "invalid tag format",
  digestInvalidFormat: "invalid digest format",
  nameContainsUppercase: "repository name must be lowercase",
  nameEmpty: "repository name must have at least one component",
  nameTooLong: `repository name must not be more than ${repositoryNameTotalLengthMax} characters`,
  nameNotCanonical: "repository name must be canonical",
  // go-digest
  checksumInvalidFormat: "invalid checksum digest format",
  checksumInvalidLength: "invalid checksum digest length",
  checksumUnsupported: "unsupported digest algorithm",
} as const;

function fail(message: string): never {
  throw new InvalidArgumentError(message);
}

/** Hex lengths of the digest algorithms go-digest knows. */
const digestHexLength: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/**
 * Validates a digest like go-digest v1.0.0's `Digest.Validate` (through
 * `digest.Parse`) and returns it; throws with go-digest's message otherwise.
 */
export function parseDigest(s: string): string {
  const i = s.indexOf(":");
  if (i <= 0 || i + 1 === s.length) fail(ReferenceErrors.checksumInvalidFormat);
  const algorithm = s.slice(0, i);
  const encoded = s.slice(i + 1);
  const size = Object.hasOwn(digestHexLength, algorithm) ? digestHexLength[algorithm]! : undefined;
  if (size === undefined) {
    if (!goDigestAnchoredRe.test(s)) fail(ReferenceErrors.checksumInvalidFormat);
    fail(ReferenceErrors.checksumUnsupported);
  }
  if (utf8Length(encoded) !== size) fail(ReferenceErrors.checksumInvalidLength);
  if (!/^[a-f0-9]+$/.test(encoded)) fail(ReferenceErrors.checksumInvalidFormat);
  return s;
}

/**
 * A parsed reference: `[domain/]path[:tag][@digest]`. Which of tag and digest
 * are present decides the Go type it stands for (repository, tagged,
 * canonical, or both). Immutable.
 */
export class ImageReference {
  private constructor(
    /** Registry host[:port], e.g. `docker.io`; empty only for references built without one. */
    readonly domain: string,
    /** Repository path, e.g. `library/busybox`. */
    readonly path: string,
    /** Tag, or empty. */
    readonly tag: string,
    /** Digest, or empty. */
    readonly digest: string,
  ) {}

  /** @internal */
  static of(domain: string, path: string, tag = "", digest = ""): ImageReference {
    return new ImageReference(domain, path, tag, digest);
  }

  /** `domain/path` (Go's `Name()`). */
  name(): string {
    return this.domain === "" ? this.path : `${this.domain}/${this.path}`;
  }

  /** Go's `Tagged` interface: a tag is present. */
  isTagged(): boolean {
    return this.tag !== "";
  }

  /** Go's `Digested`/`Canonical` interface: a digest is present. */
  isDigested(): boolean {
    return this.digest !== "";
  }

  /** Go's `IsNameOnly`: neither tag nor digest. */
  isNameOnly(): boolean {
    return this.tag === "" && this.digest === "";
  }

  /** The full string form, e.g. `docker.io/library/busybox:latest`. */
  toString(): string {
    let s = this.name();
    if (this.tag !== "") s += ":" + this.tag;
    if (this.digest !== "") s += "@" + this.digest;
    return s;
  }

  /** The short form Docker shows (`busybox:latest`), Go's `FamiliarString`. */
  familiarString(): string {
    return familiarize(this).toString();
  }

  /** The short name (`busybox`), Go's `FamiliarName`. */
  familiarName(): string {
    return familiarize(this).name();
  }
}

function familiarize(r: ImageReference): ImageReference {
  let domain = r.domain;
  let path = r.path;
  if (domain === defaultDomain) {
    domain = "";
    if (path.startsWith(officialRepoPrefix)) {
      const remainder = path.slice(officialRepoPrefix.length);
      if (!remainder.includes("/")) path = remainder;
    }
  }
  return ImageReference.of(domain, path, r.tag, r.digest);
}

/** Go's `reference.Parse`: parses without normalising. */
export function parseReference(s: string): ImageReference {
  const m = referenceRe.exec(s);
  if (!m) {
    if (s === "") fail(ReferenceErrors.nameEmpty);
    if (referenceRe.test(s.toLowerCase())) fail(ReferenceErrors.nameContainsUppercase);
    fail(ReferenceErrors.invalidFormat);
  }
  let domain = "";
  let path = m[1]!;
  const nm = anchoredNameRe.exec(m[1]!);
  if (nm) {
    domain = nm[1] ?? "";
    path = nm[2]!;
  }
  if (path.length > repositoryNameTotalLengthMax) fail(ReferenceErrors.nameTooLong);
  const digest = m[3] ? parseDigest(m[3]) : "";
  return ImageReference.of(domain, path, m[2] ?? "", digest);
}

/** Go's `splitDockerDomain`. */
function splitDockerDomain(name: string): [string, string] {
  const slash = name.indexOf("/");
  if (slash < 0) return [defaultDomain, officialRepoPrefix + name];
  const maybeDomain = name.slice(0, slash);
  const maybeRemoteName = name.slice(slash + 1);
  let domain: string;
  let remote: string;
  if (maybeDomain === "localhost") {
    [domain, remote] = [maybeDomain, maybeRemoteName];
  } else if (maybeDomain === legacyDefaultDomain) {
    [domain, remote] = [defaultDomain, maybeRemoteName];
  } else if (/[.:]/.test(maybeDomain)) {
    [domain, remote] = [maybeDomain, maybeRemoteName];
  } else if (goToLower(maybeDomain) !== maybeDomain) {
    [domain, remote] = [maybeDomain, maybeRemoteName];
  } else {
    [domain, remote] = [defaultDomain, name];
  }
  if (domain === defaultDomain && !remote.includes("/")) remote = officialRepoPrefix + remote;
  return [domain, remote];
}

/** Lower-cases like Go's `strings.ToLower` for the cases that matter (ASCII; others via JS). */
function goToLower(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s.replace(/[A-Z]/g, (c) => c.toLowerCase()) : s.toLowerCase();
}

/**
 * Go's `ParseNormalizedNamed`: `busybox` -> `docker.io/library/busybox`.
 * Throws {@link InvalidArgumentError} with Go's message.
 */
export function parseNormalizedNamed(s: string): ImageReference {
  if (anchoredIdentifierRe.test(s)) {
    fail(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const [domain, remainder] = splitDockerDomain(s);
  const tagSep = remainder.indexOf(":");
  const remote = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (goToLower(remote) !== remote) {
    fail(`invalid reference format: repository name (${remote}) must be lowercase`);
  }
  return parseReference(domain + "/" + remainder);
}

/** Go's `TagNameOnly`: adds `:latest` when there is neither tag nor digest. */
export function tagNameOnly(ref: ImageReference): ImageReference {
  return ref.isNameOnly() ? withTag(ref, defaultTag) : ref;
}

/** Go's `WithTag`: sets the tag, keeping any digest. */
export function withTag(ref: ImageReference, tag: string): ImageReference {
  if (!anchoredTagRe.test(tag)) fail(ReferenceErrors.tagInvalidFormat);
  return ImageReference.of(ref.domain, ref.path, tag, ref.digest);
}

/** Go's `WithDigest`: sets the digest, keeping any tag. */
export function withDigest(ref: ImageReference, digest: string): ImageReference {
  if (!anchoredDigestRe.test(digest)) fail(ReferenceErrors.digestInvalidFormat);
  return ImageReference.of(ref.domain, ref.path, ref.tag, digest);
}

/** Go's `WithName`: a bare repository from `[domain/]path` (not normalised). */
export function withName(name: string): ImageReference {
  const m = anchoredNameRe.exec(name);
  if (!m) fail(ReferenceErrors.invalidFormat);
  if (m[2]!.length > repositoryNameTotalLengthMax) fail(ReferenceErrors.nameTooLong);
  return ImageReference.of(m[1] ?? "", m[2]!);
}

/** Go's `TrimNamed`: drops tag and digest. */
export function trimNamed(ref: ImageReference): ImageReference {
  return ImageReference.of(ref.domain, ref.path);
}

/**
 * Go's `ParseDockerRef`: normalises, drops the tag when a digest is present,
 * and adds `:latest` when there is neither.
 */
export function parseDockerRef(s: string): ImageReference {
  const named = parseNormalizedNamed(s);
  if (named.isTagged() && named.isDigested()) return withDigest(withName(named.name()), named.digest);
  return tagNameOnly(named);
}

/** Go's `ParseNamed`: like {@link parseNormalizedNamed} but the input must already be canonical. */
export function parseNamed(s: string): ImageReference {
  const named = parseNormalizedNamed(s);
  if (named.toString() !== s) fail(ReferenceErrors.nameNotCanonical);
  return named;
}

/**
 * What `llb.Image` does with its argument: `ParseNormalizedNamed` then
 * `TagNameOnly`. `busybox` -> `docker.io/library/busybox:latest`.
 */
export function normalizeImageRef(s: string): string {
  return tagNameOnly(parseNormalizedNamed(s)).toString();
}
