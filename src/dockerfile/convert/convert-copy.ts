/**
 * COPY and ADD: port of buildkit v0.32.2 frontend/dockerfile/dockerfile2llb/convert_copy.go
 * (copyConfig, dispatchCopy, isHTTPSource, isGitSource, containsWildcards): local and
 * stage sources with wildcards, `--parents` with `/./` pivots, `--exclude`, `--chown`,
 * `--chmod` (octal or symbolic), `--link` (a merge of a copy onto scratch), archives
 * unpacked by ADD (`--unpack`), http(s) downloads with `--checksum`, git URLs with their
 * query keys and `--keep-git-dir`, and heredoc sources. One file op per instruction, its
 * actions in source order, as Go builds it.
 */

import { DockerfileError, type DockerfileRange } from "../../errors.js";
import { basePath, joinPath } from "../../internal/go/path.js";
import { ModeError, parseMode } from "../../internal/go/mode.js";
import type { PatternMatcher } from "../../internal/go/patternmatcher.js";
import { fromByteString, parseURL } from "../../internal/go/url.js";
import { goQuote } from "../../internal/go/strconv.js";
import {
  Caps,
  copy,
  git,
  http,
  ignoreCache,
  merge,
  mkfile,
  progressGroup,
  scratch,
  withCustomName,
  withPlatform,
  type ConstraintsOpt,
  type CopyOptions,
  type FileAction,
  type GitOptions,
  type State,
} from "../../llb/index.js";
import { parseDigest } from "../../llb/reference.js";
import { randomID } from "../../llb/identity.js";
import { parseGitRef } from "../../program/git-ref.js";
import type { SourcesAndDest } from "../instructions/commands.js";
import { checkSystemDriveAndRemoveDriveLetter, normalizePath, toSlash } from "../system/path.js";
import { commitToHistory, dfCmd, getEnv, location, pathRelativeToWorkingDir, prefixCommand, processCmdEnv, uppercaseCmd } from "./dispatch-state.js";
import type { DispatchOpt, DispatchState } from "./dispatch-state.js";
import { withInternalName } from "./options.js";
import { validateCopySourcePath } from "./validations.js";

/** convert_copy.go copyConfig: one COPY or ADD as dispatchCopy reads it. */
export interface CopyConfig {
  params: SourcesAndDest;
  excludePatterns: string[];
  /** The state local sources are copied from: the build context or the `--from` stage. */
  source: State;
  isAddCommand: boolean;
  /** The instruction, for the step name. */
  cmdToPrint: { toString(): string };
  chown: string;
  chmod: string;
  link: boolean;
  keepGitDir?: boolean | undefined;
  checksum?: string;
  parents?: boolean;
  location: DockerfileRange[];
  ignoreMatcher?: PatternMatcher | undefined;
  opt: DispatchOpt;
  unpack?: boolean | undefined;
}

function nonOctal(chmod: string): DockerfileError {
  return new DockerfileError(`invalid chmod parameter: '${chmod}'. it should be octal string and between 0 and 07777`);
}

/** The copy mode of `--chmod`: a number for octal values, the string itself for symbolic modes; undefined without. */
export function parseChmod(chmod: string): number | string | undefined {
  if (chmod === "") return undefined;
  if (/^[0-7]+$/.test(chmod)) {
    // strconv.ParseUint(chmod, 8, 32)
    const p = parseInt(chmod, 8);
    if (p <= 0xffffffff) {
      if (p > 0o7777) throw nonOctal(chmod);
      return p;
    }
  }
  try {
    parseMode(chmod);
  } catch (e) {
    if (e instanceof ModeError && e.numeric) throw nonOctal(chmod);
    throw new DockerfileError((e as Error).message);
  }
  return chmod;
}

function removingDriveLetter<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new DockerfileError(`removing drive letter: ${(e as Error).message}`, { cause: e });
  }
}

/** Converts a COPY or ADD: one file op (or a merge for `--link`) on the stage's state, and a history entry. */
export function dispatchCopy(d: DispatchState, cfg: CopyConfig): void {
  const platformOS = d.platform!.os;
  const dest = pathRelativeToWorkingDir(d.state, cfg.params.destPath, d.platform!);

  // Go's copyOpt (WithUser, WithExcludePatterns), set on every CopyInfo below.
  const chown = cfg.chown !== "" ? cfg.chown : undefined;
  const excludePatterns = cfg.excludePatterns.length > 0 ? cfg.excludePatterns : undefined;

  const mode = parseChmod(cfg.chmod);
  let checksum = cfg.checksum ?? "";
  let keepGitDir = cfg.keepGitDir;

  if (checksum !== "") {
    if (!cfg.isAddCommand) throw new DockerfileError("checksum can't be specified for COPY");
    if (cfg.params.sourcePaths.length !== 1) throw new DockerfileError("checksum can't be specified for multiple sources");
    if (!isHTTPSource(cfg.params.sourcePaths[0]!) && !isGitSource(cfg.params.sourcePaths[0]!)) {
      throw new DockerfileError("checksum requires HTTP(S) or Git sources");
    }
  }

  let commitMessage = cfg.isAddCommand ? "ADD" : "COPY";
  if (cfg.parents) commitMessage += " --parents";
  if (cfg.chown !== "") commitMessage += " --chown=" + cfg.chown;
  if (cfg.chmod !== "") commitMessage += " --chmod=" + cfg.chmod;

  const platform = d.platform ?? cfg.opt.targetPlatform;

  const env = getEnv(d.state);
  const name = uppercaseCmd(processCmdEnv(cfg.opt.shlex, cfg.cmdToPrint.toString(), env));
  const pgName = prefixCommand(d, name, d.prefixPlatform, platform, env);

  let a: FileAction | undefined;
  const add = (st: State, src: string, o: CopyOptions): void => {
    a = a === undefined ? copy(st, src, dest, o) : a.copy(st, src, dest, o);
  };

  for (let src of cfg.params.sourcePaths) {
    commitMessage += " " + src;
    const { gitRef, isGit, err: gitRefErr } = parseGitRef(src);
    if (gitRefErr !== undefined && isGit) throw new DockerfileError(gitRefErr);
    if (gitRefErr === undefined && gitRef && !gitRef.indistinguishableFromLocal) {
      if (!cfg.isAddCommand) throw new DockerfileError("source can't be a git ref for COPY");
      const gitOptions: GitOptions = { customName: pgName, ref: gitRef.ref };
      if (keepGitDir !== undefined && gitRef.keepGitDir !== undefined && keepGitDir !== gitRef.keepGitDir) {
        throw new DockerfileError("inconsistent keep-git-dir configuration");
      }
      if (gitRef.keepGitDir !== undefined) keepGitDir = gitRef.keepGitDir;
      if (keepGitDir === true) gitOptions.keepGitDir = true;
      if (checksum !== "" && gitRef.checksum !== "" && checksum !== gitRef.checksum) {
        throw new DockerfileError(`checksum mismatch ${goQuote(checksum)} != ${goQuote(gitRef.checksum)}`);
      }
      if (gitRef.checksum !== "") checksum = gitRef.checksum;
      if (checksum !== "") gitOptions.checksum = checksum;
      if (gitRef.subDir !== "") gitOptions.subdir = gitRef.subDir;
      if (gitRef.submodules === false) gitOptions.skipSubmodules = true;
      if (gitRef.fetchByCommit) gitOptions.fetchByCommit = true;
      const st = git(gitRef.remote, "", gitOptions);
      add(st, "/", { mode, createDestPath: true, chown, excludePatterns });
    } else if (src.startsWith("http://") || src.startsWith("https://")) {
      // isHTTPSource(src): a git URL took the branch above.
      if (!cfg.isAddCommand) throw new DockerfileError("source can't be a URL for COPY");
      // Downloads are never unpacked unless --unpack asks for it.
      let f = "__unnamed__";
      try {
        const u = parseURL(src);
        const base = basePath(fromByteString(u.path).text);
        if (base !== "." && base !== "/") f = base;
      } catch {
        // an unparsable URL keeps the default name; the download fails later
      }
      if (checksum !== "") {
        try {
          parseDigest(checksum);
        } catch (e) {
          throw new DockerfileError((e as Error).message, { cause: e });
        }
      }
      const st = http(src, { filename: f, customName: pgName, checksum, constraints: [dfCmd("")] });
      add(st, f, { mode, createDestPath: true, attemptUnpack: cfg.unpack ?? false, chown, excludePatterns });
    } else {
      validateCopySourcePath(src, cfg);
      let patterns: string[] | undefined;
      let requiredPaths: string[] | undefined;
      if (cfg.parents) {
        // An optional pivot: the part after "/./" keeps its directories.
        const pivot = src.indexOf("/./");
        let pattern: string;
        if (pivot < 0) {
          pattern = src;
          src = "/";
        } else {
          pattern = src.slice(pivot + 3);
          src = src.slice(0, pivot);
        }
        pattern = removingDriveLetter(() => normalizePath("/", pattern, platformOS, false));
        patterns = [pattern.replace(/^\//, "")];
        // Paths must exist only when neither part has wildcards.
        if (!containsWildcards(src) && !containsWildcards(pattern)) requiredPaths = [joinPath(src, pattern)];
      }
      src = removingDriveLetter(() => normalizePath("/", src, platformOS, false));
      if (requiredPaths) {
        requiredPaths = requiredPaths.map((p) => removingDriveLetter(() => normalizePath("/", p, platformOS, false)));
      }
      const unpack = cfg.unpack ?? cfg.isAddCommand;
      add(cfg.source, src, {
        mode,
        followSymlinks: true,
        copyDirContentsOnly: true,
        includePatterns: patterns,
        requiredPaths,
        attemptUnpack: unpack,
        createDestPath: true,
        allowWildcard: true,
        allowEmptyWildcard: true,
        chown,
        excludePatterns,
      });
    }
  }

  let first = a === undefined;
  for (const src of cfg.params.sourceContents) {
    commitMessage += " <<" + src.path;
    const f = removingDriveLetter(() => checkSystemDriveAndRemoveDriveLetter(src.path, platformOS, false));
    const st = scratch().file(mkfile(f, 0o644, src.data), { constraints: [withInternalName("preparing inline document"), withPlatform(d.platform!)] });
    // Go converts separators with the stage's OS for the first action only (filepath.ToSlash after).
    add(st, first ? toSlash(f, platformOS) : f, { mode, createDestPath: true, chown, excludePatterns });
    first = false;
  }

  commitMessage += " " + cfg.params.destPath;

  const fileOpt: ConstraintsOpt[] = [withCustomName(pgName), location(cfg.opt.sourceMap, cfg.location)];
  if (d.ignoreCache) fileOpt.push(ignoreCache);

  if (a === undefined) {
    // Go's File(nil) panics on marshal; a COPY always has a source, so this cannot happen.
    throw new DockerfileError("no sources to copy");
  }

  if (cfg.opt.llbCaps?.has(Caps.MergeOp) && cfg.link && cfg.chmod === "") {
    const pgID = randomID();
    d.cmdIndex--; // prefixCommand counted this step already
    const linkPgName = prefixCommand(d, name, d.prefixPlatform, platform, env);
    const copyOpts: ConstraintsOpt[] = [withPlatform(d.platform!), ...fileOpt, progressGroup(pgID, linkPgName, true)];
    d.cmdIndex--;
    const mergeOpts: ConstraintsOpt[] = [
      ...fileOpt,
      progressGroup(pgID, linkPgName, false),
      withCustomName(prefixCommand(d, "LINK " + name, d.prefixPlatform, platform, env)),
    ];
    d.state = d.state.withOutput(merge([d.state, scratch().file(a, { constraints: copyOpts })], { constraints: mergeOpts }).output());
  } else {
    d.state = d.state.file(a, { constraints: fileOpt });
  }

  commitToHistory(d.image, commitMessage, true, d.state, d.epoch);
}


/** An `http://` or `https://` URL that is not a git repository URL. */
export function isHTTPSource(src: string): boolean {
  if (!src.startsWith("http://") && !src.startsWith("https://")) return false;
  return !isGitSource(src);
}

/** A git URL (`https://host/repo.git`, `git@host:repo`, `git://...`...). */
export function isGitSource(src: string): boolean {
  const { gitRef, isGit } = parseGitRef(src);
  return gitRef !== undefined && isGit;
}

/** Whether a path has `*`, `?` or `[` not escaped by a backslash. */
export function containsWildcards(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    switch (name[i]) {
      case "*":
      case "?":
      case "[":
        return true;
      case "\\":
        i++;
    }
  }
  return false;
}
