/**
 * OS-aware path helpers of the Dockerfile converter: port of buildkit v0.32.2
 * util/system/path.go (DefaultPathEnv, NormalizePath, ToSlash, FromSlash,
 * NormalizeWorkdir, IsAbs, CheckSystemDriveAndRemoveDriveLetter).
 */

import { DockerfileError } from "../../errors.js";
import { cleanPath as goCleanPath, joinPath } from "../../internal/go/path.js";
import { goQuote } from "../../internal/go/strconv.js";

/** The PATH a Linux image gets when its config has none. */
export const defaultPathEnvUnix = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The PATH of a Windows image (not set by dockerfile.v0, kept for completeness). */
export const defaultPathEnvWindows = "c:\\Windows\\System32;c:\\Windows;C:\\Windows\\System32\\WindowsPowerShell\\v1.0";

export function defaultPathEnv(os: string): string {
  return os === "windows" ? defaultPathEnvWindows : defaultPathEnvUnix;
}

/**
 * Joins `newPath` to `parent` unless absolute, cleans it, strips a Windows
 * drive letter; with `keepSlash` a trailing `/` or `/.` survives.
 */
export function normalizePath(parent: string, newPath: string, inputOS: string, keepSlash: boolean): string {
  if (inputOS === "") inputOS = "linux";
  newPath = toSlash(newPath, inputOS);
  parent = toSlash(parent, inputOS);
  const origPath = newPath;
  if (parent === "") parent = "/";
  parent = wrap("removing drive letter", () => checkSystemDriveAndRemoveDriveLetter(parent, inputOS, keepSlash));
  if (!isAbs(parent, inputOS)) parent = joinPath("/", parent);
  if (newPath === "") newPath = parent;
  newPath = wrap("removing drive letter", () => checkSystemDriveAndRemoveDriveLetter(newPath, inputOS, keepSlash));
  if (!isAbs(newPath, inputOS)) newPath = joinPath(parent, newPath);
  if (keepSlash) {
    if (origPath.endsWith("/") && !newPath.endsWith("/")) {
      newPath += "/";
    } else if (origPath.endsWith("/.")) {
      if (newPath !== "/") newPath += "/";
      newPath += ".";
    }
  }
  return toSlash(newPath, inputOS);
}

function wrap<T>(msg: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DockerfileError) throw new DockerfileError(`${msg}: ${e.message}`, { cause: e });
    throw e;
  }
}

export function toSlash(inputPath: string, inputOS: string): string {
  if (inputOS !== "windows") return inputPath;
  return inputPath.replaceAll("\\", "/");
}

export function fromSlash(inputPath: string, inputOS: string): string {
  return inputPath.replaceAll("/", inputOS === "windows" ? "\\" : "/");
}

/** The working directory after `WORKDIR wd` in `current`, with the OS's separators. */
export function normalizeWorkdir(current: string, wd: string, inputOS: string): string {
  if (inputOS === "") inputOS = "linux";
  const p = wrap("normalizing working directory", () => normalizePath(current, wd, inputOS, false));
  return fromSlash(p, inputOS);
}

export function isAbs(pth: string, inputOS: string): boolean {
  if (inputOS === "") inputOS = "linux";
  let cleaned: string;
  try {
    cleaned = checkSystemDriveAndRemoveDriveLetter(pth, inputOS, false);
  } catch {
    return false;
  }
  return toSlash(cleaned, inputOS).startsWith("/");
}

/** On Windows: refuses relative drive paths, UNC paths and drives other than C:, and strips `C:`. */
export function checkSystemDriveAndRemoveDriveLetter(path: string, inputOS: string, keepSlash: boolean): string {
  if (inputOS === "") inputOS = "linux";
  if (inputOS !== "windows") return path;
  if (path.length === 2 && path[1] === ":") throw new DockerfileError(`No relative path specified in ${goQuote(path)}`);
  if (path.length >= 2 && toSlash(path.slice(0, 2), inputOS) === "//") throw new DockerfileError("UNC paths are not supported");
  const i = path.indexOf(":");
  if (i < 0) return toSlash(cleanPath(path, inputOS, keepSlash), inputOS);
  if (path.slice(0, i).toLowerCase() !== "c") throw new DockerfileError("The specified path is not on the system drive (C:)");
  return toSlash(cleanPath(path.slice(i + 1), inputOS, keepSlash), inputOS);
}

function cleanPath(origPath: string, inputOS: string, keepSlash: boolean): string {
  origPath = toSlash(origPath, inputOS);
  if (!keepSlash) return goCleanPath(origPath);
  const cleaned = goCleanPath(origPath);
  let hasTrailingSlash = origPath.endsWith("/");
  if (inputOS === "windows") hasTrailingSlash ||= origPath.endsWith("\\");
  if (cleaned.length > 1 && hasTrailingSlash) return cleaned + "/";
  return cleaned;
}
