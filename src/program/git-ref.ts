/**
 * Git references as the Dockerfile frontend reads them: a port of buildkit v0.32.2's
 * `frontend/dockerfile/dfgitutil/git_ref.go` (`ParseGitRef`, `FragmentFormat`) on top of
 * the `gitutil.ParseURL` port in `llb/git-url.ts`. Used by `ADD <git url>` in the
 * Dockerfile converter and by named / main git contexts (dockerui's `DetectGitContext`).
 *
 * Go returns `(*GitRef, isGit bool, error)`; {@link parseGitRef} returns the same three
 * things in one object instead of throwing, since callers branch on all of them.
 */

import { goQuote, parseBool } from "../internal/go/strconv.js";
import { joinPath } from "../internal/go/path.js";
import { GitProtocol, tryParseGitURL, type GitURL } from "../llb/git-url.js";

/** A parsed git reference (Go's `dfgitutil.GitRef`). */
export interface GitRef {
  /** The repository URL without fragment and query. */
  remote: string;
  /** The repository's directory name ("bar" for `https://x/foo/bar.git`). */
  shortName: string;
  /** Commit, tag or branch; "" when not given. */
  ref: string;
  /** Expected commit (`?checksum=` / `?commit=`). */
  checksum: string;
  /** Directory inside the repository; "" when not given. */
  subDir: string;
  /** The deprecated `github.com/foo/bar` form that looks like a local path. */
  indistinguishableFromLocal: boolean;
  /** `git://` and `http://` remotes. */
  unencryptedTCP: boolean;
  /** `?keep-git-dir=`; undefined when not given. */
  keepGitDir: boolean | undefined;
  /** `?submodules=`; undefined when not given. */
  submodules: boolean | undefined;
  /** `?mtime=`: "checkout" or "commit"; "" when not given. */
  mtime: string;
  /** `?fetch-by-commit=`. */
  fetchByCommit: boolean;
}

/** What {@link parseGitRef} found: Go's `(*GitRef, bool, error)`. */
export interface GitRefResult {
  /** Set when there is no error. */
  gitRef: GitRef | undefined;
  /** True when `ref` is a git URL (also when its query is bad). */
  isGit: boolean;
  /** Go's error text, when parsing failed. */
  err: string | undefined;
}

const INVALID_ARGUMENT = "invalid argument";

function notGit(err: string): GitRefResult {
  return { gitRef: undefined, isGit: false, err };
}

/** A GitRef with Go's zero values. */
export function emptyGitRef(): GitRef {
  return {
    remote: "",
    shortName: "",
    ref: "",
    checksum: "",
    subDir: "",
    indistinguishableFromLocal: false,
    unencryptedTCP: false,
    keepGitDir: undefined,
    submodules: undefined,
    mtime: "",
    fetchByCommit: false,
  };
}

/** Go's `dfgitutil.ParseGitRef`. */
export function parseGitRef(ref: string): GitRefResult {
  let remote: GitURL;
  let indistinguishableFromLocal = false;
  let unencryptedTCP = false;
  if (ref.startsWith("./") || ref.startsWith("../")) {
    return notGit(INVALID_ARGUMENT);
  } else if (ref.startsWith("github.com/")) {
    indistinguishableFromLocal = true;
    // Go parses the ref as a scheme-less URL and sets the scheme to https: the same
    // fields as parsing it with "https://" in front (the authority is always github.com).
    const r = tryParseGitURL("https://" + ref);
    if ("err" in r) {
      const prefix = `parse ${JSON.stringify("https://" + ref)}: `;
      return notGit(r.err.startsWith(prefix) ? `parse ${goQuote(ref)}: ${r.err.slice(prefix.length)}` : r.err);
    }
    remote = r;
  } else {
    const r = tryParseGitURL(ref);
    if ("err" in r) return notGit(r.err);
    remote = r;
    if (remote.scheme === GitProtocol.http || remote.scheme === GitProtocol.git) unencryptedTCP = true;
    if ((remote.scheme === GitProtocol.http || remote.scheme === GitProtocol.https) && !remote.path.endsWith(".git")) {
      return notGit(INVALID_ARGUMENT);
    }
  }

  const res = emptyGitRef();
  res.indistinguishableFromLocal = indistinguishableFromLocal;
  res.unencryptedTCP = unencryptedTCP;
  res.remote = remote.remote;
  if (res.indistinguishableFromLocal) {
    const i = res.remote.indexOf("://");
    res.remote = i < 0 ? "" : res.remote.slice(i + 3);
  }
  if (remote.opts) {
    res.ref = remote.opts.ref;
    res.subDir = remote.opts.subdir;
  }
  const parts = res.remote.split("/");
  const last = parts[parts.length - 1]!;
  res.shortName = last.endsWith(".git") ? last.slice(0, -4) : last;

  const err = loadQuery(res, remote.query);
  if (err !== undefined) return { gitRef: undefined, isGit: true, err };
  return { gitRef: res, isGit: true, err: undefined };
}

function boolQuery(name: string, v: readonly string[] | undefined): boolean | string {
  if (v === undefined) return true;
  const b = parseBool(v[0]!);
  if (b === undefined) return `invalid ${name} value: ${goQuote(v[0]!)}`;
  return b;
}

/** Go's `GitRef.loadQuery`; returns the error text. Go walks a map, so with several bad keys any may be reported. */
function loadQuery(gf: GitRef, query: ReadonlyMap<string, readonly string[]> | undefined): string | undefined {
  if (!query || query.size === 0) return undefined;
  let tag = "";
  let branch = "";
  for (const [k, values] of query) {
    let v: readonly string[] | undefined = values;
    if (v.length <= 1) {
      if (v.length === 0 || v[0] === "") {
        switch (k) {
          case "submodules":
          case "keep-git-dir":
          case "fetch-by-commit":
            v = undefined;
            break;
          default:
            return `query ${goQuote(k)} has no value`;
        }
      }
    } else {
      return `query ${goQuote(k)} has multiple values`;
    }
    switch (k) {
      case "ref":
        if (gf.ref !== "" && gf.ref !== v![0]) return `ref conflicts: ${goQuote(gf.ref)} vs ${goQuote(v![0]!)}`;
        gf.ref = v![0]!;
        break;
      case "tag":
        tag = v![0]!;
        break;
      case "branch":
        branch = v![0]!;
        break;
      case "subdir":
        if (gf.subDir !== "" && gf.subDir !== v![0]) return `subdir conflicts: ${goQuote(gf.subDir)} vs ${goQuote(v![0]!)}`;
        gf.subDir = v![0]!;
        break;
      case "checksum":
      case "commit":
        gf.checksum = v![0]!;
        break;
      case "keep-git-dir": {
        const b = boolQuery("keep-git-dir", v);
        if (typeof b === "string") return b;
        gf.keepGitDir = b;
        break;
      }
      case "submodules": {
        const b = boolQuery("submodules", v);
        if (typeof b === "string") return b;
        gf.submodules = b;
        break;
      }
      case "mtime":
        if (v![0] !== "checkout" && v![0] !== "commit") return `invalid mtime value: ${goQuote(v![0]!)} (must be "checkout" or "commit")`;
        gf.mtime = v![0]!;
        break;
      case "fetch-by-commit": {
        const b = boolQuery("fetch-by-commit", v);
        if (typeof b === "string") return b;
        gf.fetchByCommit = b;
        break;
      }
      default:
        return `unexpected query ${goQuote(k)}`;
    }
  }
  if (tag !== "") {
    if (!tag.startsWith("refs/tags/")) tag = "refs/tags/" + tag;
    if (gf.ref !== "" && gf.ref !== tag) return `ref conflicts: ${goQuote(gf.ref)} vs ${goQuote(tag)}`;
    gf.ref = tag;
  }
  if (branch !== "") {
    if (tag !== "") return "branch conflicts with tag";
    if (!branch.startsWith("refs/heads/")) branch = "refs/heads/" + branch;
    if (gf.ref !== "" && gf.ref !== branch) return `ref conflicts: ${goQuote(gf.ref)} vs ${goQuote(branch)}`;
    gf.ref = branch;
  }
  return undefined;
}

/**
 * Go's `dfgitutil.FragmentFormat`: the remote with `#ref[:subdir]`, or the input
 * unchanged and false when it is not a git reference.
 */
export function fragmentFormat(remote: string, withSubdir: boolean): [string, boolean] {
  const { gitRef, err } = parseGitRef(remote);
  if (err !== undefined || !gitRef) return [remote, false];
  let u = gitRef.remote;
  const subdir = withSubdir ? joinPath("/", gitRef.subDir).replace(/^\//, "") : "";
  if (gitRef.ref !== "" || subdir !== "") {
    u += "#" + gitRef.ref;
    if (subdir !== "") u += ":" + subdir;
  }
  return [u, true];
}
