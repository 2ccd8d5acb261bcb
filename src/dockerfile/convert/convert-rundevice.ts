/**
 * `RUN --device`: port of buildkit v0.32.2
 * frontend/dockerfile/dockerfile2llb/convert_norundevice.go, the variant of stable
 * Dockerfile frontends (convert_rundevice.go is built only into the labs channel).
 */

import { DockerfileError } from "../../errors.js";
import type { CDIDeviceOptions } from "../../llb/index.js";
import { getDevices } from "../instructions/commands-rundevice.js";
import type { RunCommand } from "../instructions/commands.js";

/** The CDI devices of `--device` flags: none; a RUN that asks for one fails, as in stable dockerfile.v0. */
export function dispatchRunDevices(c: RunCommand): CDIDeviceOptions[] {
  if (getDevices(c).length > 0) throw new DockerfileError("device feature is only supported in Dockerfile frontend 1.14.0-labs or later");
  return [];
}
