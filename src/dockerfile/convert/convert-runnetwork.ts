/**
 * `RUN --network`: port of buildkit v0.32.2
 * frontend/dockerfile/dockerfile2llb/convert_runnetwork.go.
 */

import { DockerfileError } from "../../errors.js";
import { goQuote } from "../../internal/go/strconv.js";
import { NetMode } from "../../llb/index.js";
import { getNetwork, NetworkDefault, NetworkHost, NetworkNone } from "../instructions/commands-runnetwork.js";
import type { RunCommand } from "../instructions/commands.js";

/** The exec's network mode for `--network`; undefined for the default (the stage's mode). */
export function dispatchRunNetwork(c: RunCommand): NetMode | undefined {
  const network = getNetwork(c);
  switch (network) {
    case NetworkDefault:
      return undefined;
    case NetworkNone:
      return NetMode.NONE;
    case NetworkHost:
      return NetMode.HOST;
    default:
      throw new DockerfileError(`unsupported network mode ${goQuote(network)}`);
  }
}
