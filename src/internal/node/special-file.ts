/**
 * Destinations that are not regular files: a device such as /dev/null or
 * /dev/stdout, a FIFO, a socket. Exports write into them as they are
 * (buildctl opens the path for writing); the write-beside-then-rename that
 * keeps a regular file whole would replace the device with a file.
 */

import { statSync } from "node:fs";

/** True when `path` exists (through symlinks) and is neither a regular file nor a directory. */
export function isSpecialFile(path: string): boolean {
  try {
    const st = statSync(path);
    return !st.isFile() && !st.isDirectory();
  } catch {
    return false;
  }
}
