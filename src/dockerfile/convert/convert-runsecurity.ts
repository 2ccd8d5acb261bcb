/**
 * `RUN --security`: port of buildkit v0.32.2
 * frontend/dockerfile/dockerfile2llb/convert_runsecurity.go.
 */

import { DockerfileError } from "../../errors.js";
import { goQuote } from "../../internal/go/strconv.js";
import { SecurityMode } from "../../llb/index.js";
import { getSecurity, SecurityInsecure, SecuritySandbox } from "../instructions/commands-runsecurity.js";
import type { RunCommand } from "../instructions/commands.js";

/** The exec's security mode for `--security` (always set: sandbox by default). */
export function dispatchRunSecurity(c: RunCommand): SecurityMode {
  const security = getSecurity(c);
  switch (security) {
    case SecurityInsecure:
      return SecurityMode.INSECURE;
    case SecuritySandbox:
      return SecurityMode.SANDBOX;
    default:
      throw new DockerfileError(`unsupported security mode ${goQuote(security)}`);
  }
}
