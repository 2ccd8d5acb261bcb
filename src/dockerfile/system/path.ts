/**
 * Platform-aware path helpers of buildkit v0.32.2 `util/system/path.go`, used by the
 * Dockerfile converter for WORKDIR, COPY/ADD destinations and sources and mount targets.
 * Windows paths take a `C:` drive letter (removed) and backslashes (turned into slashes).
 * Errors are thrown as plain `Error`s with Go's text; the converter wraps them.
 */

import { cleanPath as goClean, joinPath } from "../../internal/go/path.js";
import { goQuote } from "../../internal/go/strconv.js";

export const defaultPathEnvUnix = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
export const defaultPathEnvWindows = "c:\\Windows\\System32;c:\\Windows;C:\\Windows\\System32\\WindowsPowerShell\\v1.0";

/** Go's `system.DefaultPathEnv`. */
export function defaultPathEnv(os: string): string {
  return os === "windows" ? defaultPathEnvWindows : defaultPathEnvUnix;
}

/** Go's `system.NormalizePath`: `newPath` made absolute against `parent`, optionally keeping a trailing `/` or `/.`. */
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

function wrap(msg: string, fn: () => string): string {
  try {
    return fn();
  } catch (e) {
    throw new Error(`${msg}: ${(e as Error).message}`);
  }
}

/** Go's `system.ToSlash`. */
export function toSlash(inputPath: string, inputOS: string): string {
  return inputOS !== "windows" ? inputPath : inputPath.replaceAll("\\", "/");
}

/** Go's `system.FromSlash`. */
export function fromSlash(inputPath: string, inputOS: string): string {
  return inputOS === "windows" ? inputPath.replaceAll("/", "\\") : inputPath;
}

/** Go's `system.NormalizeWorkdir`. */
export function normalizeWorkdir(current: string, wd: string, inputOS: string): string {
  if (inputOS === "") inputOS = "linux";
  const p = wrap("normalizing working directory", () => normalizePath(current, wd, inputOS, false));
  return fromSlash(p, inputOS);
}

/** Go's `system.IsAbs`. */
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

/** Go's `system.IsAbsolutePath` on unix (`filepath.IsAbs`). */
export function isAbsolutePath(p: string): boolean {
  return p.startsWith("/");
}

/** Go's `system.CheckSystemDriveAndRemoveDriveLetter`: strips `C:` from Windows paths; throws for other drives and UNC paths. */
export function checkSystemDriveAndRemoveDriveLetter(path: string, inputOS: string, keepSlash: boolean): string {
  if (inputOS === "") inputOS = "linux";
  if (inputOS !== "windows") return path;
  if (path.length === 2 && path[1] === ":") throw new Error(`No relative path specified in ${goQuote(path)}`);
  if (path.length >= 2 && toSlash(path.slice(0, 2), inputOS) === "//") throw new Error("UNC paths are not supported");
  const i = path.indexOf(":");
  if (i < 0) return toSlash(cleanPath(path, inputOS, keepSlash), inputOS);
  if (path.slice(0, i).toLowerCase() !== "c") throw new Error("The specified path is not on the system drive (C:)");
  return toSlash(cleanPath(path.slice(i + 1), inputOS, keepSlash), inputOS);
}

function cleanPath(origPath: string, inputOS: string, keepSlash: boolean): string {
  origPath = toSlash(origPath, inputOS);
  if (!keepSlash) return goClean(origPath);
  const cleaned = goClean(origPath);
  let trailing = origPath.endsWith("/");
  if (inputOS === "windows") trailing ||= origPath.endsWith("\\");
  if (cleaned.length > 1 && trailing) return cleaned + "/";
  return cleaned;
}
