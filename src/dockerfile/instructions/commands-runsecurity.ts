/** `RUN --security=sandbox|insecure`: a port of buildkit v0.32.2 frontend/dockerfile/instructions/commands_runsecurity.go. */

import { DockerfileError } from "../../errors.js";
import { goQuote } from "../../internal/go/strconv.js";
import type { BFlags, Flag } from "./bflag.js";
import type { RunCommand } from "./commands.js";

export const SecurityInsecure = "insecure";
export const SecuritySandbox = "sandbox";

const allowedSecurity: ReadonlySet<string> = new Set([SecurityInsecure, SecuritySandbox]);

/** What RUN keeps of its `--security` flag. */
export interface SecurityState {
  flag: Flag;
  security: string;
}

/** Declares `--security` on a RUN. */
export function runSecurityPreHook(cmd: RunCommand, flags: BFlags): void {
  cmd.securityState = { flag: flags.addString("security", SecuritySandbox), security: "" };
}

/** Checks the `--security` value. */
export function runSecurityPostHook(cmd: RunCommand): void {
  const st = cmd.securityState;
  if (!st) throw new DockerfileError("no security state");
  const value = st.flag.value;
  if (!allowedSecurity.has(value)) throw new DockerfileError(`security ${goQuote(value)} is not valid`);
  st.security = value;
}

/** The security mode of a RUN (Go's GetSecurity). */
export function getSecurity(cmd: RunCommand): string {
  return cmd.securityState?.security ?? "";
}
