/** `RUN --network=default|none|host`: a port of buildkit v0.32.2 frontend/dockerfile/instructions/commands_runnetwork.go. */

import { DockerfileError } from "../../errors.js";
import { goQuote } from "../../internal/go/strconv.js";
import type { BFlags, Flag } from "./bflag.js";
import type { RunCommand } from "./commands.js";

export type NetworkMode = string;

export const NetworkDefault: NetworkMode = "default";
export const NetworkNone: NetworkMode = "none";
export const NetworkHost: NetworkMode = "host";

const allowedNetwork: ReadonlySet<string> = new Set([NetworkDefault, NetworkNone, NetworkHost]);

/** What RUN keeps of its `--network` flag. */
export interface NetworkState {
  flag: Flag;
  networkMode: NetworkMode;
}

/** Declares `--network` on a RUN. */
export function runNetworkPreHook(cmd: RunCommand, flags: BFlags): void {
  cmd.networkState = { flag: flags.addString("network", NetworkDefault), networkMode: "" };
}

/** Checks the `--network` value. */
export function runNetworkPostHook(cmd: RunCommand): void {
  const st = cmd.networkState;
  if (!st) throw new DockerfileError("no network state");
  const value = st.flag.value;
  if (!allowedNetwork.has(value)) throw new DockerfileError(`invalid network mode ${goQuote(value)}`);
  st.networkMode = value;
}

/** The network mode of a RUN (Go's GetNetwork). */
export function getNetwork(cmd: RunCommand): NetworkMode {
  return cmd.networkState?.networkMode ?? "";
}
