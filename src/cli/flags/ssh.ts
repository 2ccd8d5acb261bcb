/** `--ssh` values as buildctl v0.32.2 parses them (cmd/buildctl/build/ssh.go ParseSSH); client/session/ssh.ts resolves them to agents. */

import type { SshAgentSpec } from "../../client/session/ssh.js";
import { UsageError } from "../../errors.js";
import { parseBool } from "../../internal/go/strconv.js";

const FLAG = "--ssh";

/** buildctl's ParseSSH: `ID[=PATH[,PATH...]][,raw=BOOL]`, repeated. */
export function parseSshSpecs(values: readonly string[]): SshAgentSpec[] {
  return values.map((v) => {
    const eq = v.indexOf("=");
    const id = eq < 0 ? v : v.slice(0, eq);
    const paths: string[] = [];
    let raw = false;
    if (eq >= 0) {
      for (const p of v.slice(eq + 1).split(",")) {
        const pe = p.indexOf("=");
        if (pe >= 0 && p.slice(0, pe) === "raw") {
          const b = parseBool(p.slice(pe + 1));
          if (b === undefined) throw new UsageError(`invalid value for 'raw': ${p.slice(pe + 1)}`, { flag: FLAG });
          raw = b;
        } else {
          paths.push(p);
        }
      }
    }
    if (raw && paths.length !== 1) throw new UsageError(`raw mode must supply exactly one socket path for ${JSON.stringify(id)}`, { flag: FLAG });
    return { id, paths, raw };
  });
}
