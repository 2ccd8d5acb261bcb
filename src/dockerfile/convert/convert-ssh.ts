/**
 * `RUN --mount=type=ssh`: port of buildkit v0.32.2
 * frontend/dockerfile/dockerfile2llb/convert_ssh.go.
 */

import { DockerfileError, type DockerfileRange } from "../../errors.js";
import type { SSHOptions } from "../../llb/index.js";
import type { Mount } from "../instructions/commands-runmount.js";
import type { DispatchState } from "./dispatch-state.js";

/** The SSH agent socket an ssh mount asks for (Go's `llb.AddSSHSocket`); records it in the stage's outline. */
export function dispatchSSH(d: DispatchState, m: Mount, loc: DockerfileRange[]): SSHOptions {
  if (m.source !== "") throw new DockerfileError("ssh does not support source");
  const id = m.cacheID === "" ? "default" : m.cacheID;
  if (!d.outline.ssh.has(id)) d.outline.ssh.set(id, { location: loc, required: m.required });

  const s: SSHOptions = { id: m.cacheID };
  if (m.target !== "") s.target = m.target;
  if (!m.required) s.optional = true;
  if (m.uid !== undefined || m.gid !== undefined || m.mode !== undefined) {
    s.target = m.target;
    s.uid = m.uid ?? 0;
    s.gid = m.gid ?? 0;
    s.mode = m.mode ?? 0o600;
  }
  return s;
}
