/**
 * `--oci-layout NAME=DIR` as buildctl v0.32.2 parses it (cmd/buildctl/build/ocilayout.go
 * ParseOCILayout): split at the first `=`; the directory is an OCI layout served to the
 * daemon as the session content store `oci:NAME` (session-services.ts), for `oci-layout://NAME/...` sources.
 */

import { statSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError } from "../../errors.js";

const FLAG = "--oci-layout";

/** `NAME=DIR` values -> name -> absolute directory. The directory must exist (it is read from). */
export function parseOciLayouts(values: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of values) {
    const i = v.indexOf("=");
    if (i < 0) throw new UsageError(`oci-layout option must be 'id=path/to/layout', instead had invalid ${v}`, { flag: FLAG });
    const name = v.slice(0, i);
    const dir = v.slice(i + 1);
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) throw new UsageError(`oci-layout context at ${dir} failed to initialize: not a directory`, { flag: FLAG });
    out.set(name, resolve(dir));
  }
  return out;
}
