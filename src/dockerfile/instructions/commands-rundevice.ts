/** `RUN --device=name[,required]`: a port of buildkit v0.32.2 frontend/dockerfile/instructions/commands_rundevice.go. */

import { DockerfileError } from "../../errors.js";
import { CsvError, parseCsvFields } from "../../internal/go/csvvalue.js";
import { parseBool } from "../../internal/go/strconv.js";
import { suggestMessage } from "../../internal/go/suggest.js";
import type { BFlags, Flag } from "./bflag.js";
import type { RunCommand } from "./commands.js";

/** One `--device` of RUN. */
export interface Device {
  name: string;
  required: boolean;
}

/** What RUN keeps of its `--device` flag. */
export interface DeviceState {
  flag: Flag;
  devices: Device[];
}

/** Declares `--device` on a RUN. */
export function runDevicePreHook(cmd: RunCommand, flags: BFlags): void {
  cmd.deviceState = { flag: flags.addStrings("device"), devices: [] };
}

/** Parses the `--device` values. */
export function runDevicePostHook(cmd: RunCommand): void {
  setDeviceState(cmd);
}

function setDeviceState(cmd: RunCommand): void {
  const st = cmd.deviceState;
  if (!st) throw new DockerfileError("no device state");
  st.devices = st.flag.stringValues.map((str) => parseDevice(str));
}

/** The devices of a RUN (Go's GetDevices). */
export function getDevices(cmd: RunCommand): Device[] {
  return cmd.deviceState?.devices ?? [];
}

/** One `--device` value: `name`, `name=x`, `required`, `required=bool`. Throws DockerfileError worded as Go's. */
export function parseDevice(val: string): Device {
  let fields: string[];
  try {
    fields = parseCsvFields(val);
  } catch (err) {
    throw new DockerfileError(`failed to parse csv devices: ${err instanceof CsvError ? err.message : String(err)}`);
  }
  const d: Device = { name: "", required: false };
  for (const field of fields) {
    const eq = field.indexOf("=");
    const ok = eq >= 0;
    const key = (ok ? field.slice(0, eq) : field).toLowerCase();
    const value = ok ? field.slice(eq + 1) : "";
    if (!ok) {
      if (key === "required") {
        d.required = true;
        continue;
      }
      if (d.name === "") {
        d.name = field;
        continue;
      }
      throw new DockerfileError(`invalid field '${field}' must be a key=value pair`);
    }
    switch (key) {
      case "name":
        if (d.name !== "") throw new DockerfileError(`device name already set to ${d.name}`);
        d.name = value;
        break;
      case "required": {
        const b = parseBool(value);
        if (b === undefined) throw new DockerfileError(`invalid value for ${key}: ${value}`);
        d.required = b;
        break;
      }
      default:
        if (d.name === "") {
          d.name = field;
          continue;
        }
        throw new DockerfileError(suggestMessage(`unexpected key '${key}' in '${field}'`, key, ["name", "required"], true));
    }
  }
  return d;
}
