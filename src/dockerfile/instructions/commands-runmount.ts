/**
 * `RUN --mount=...`: a port of buildkit v0.32.2
 * frontend/dockerfile/instructions/commands_runmount.go. At parse time the
 * mounts are checked without expansion (only a `$` in `from` is refused); the
 * converter's `RunCommand.expand` parses them again with variables expanded.
 */

import { DockerfileError } from "../../errors.js";
import { CsvError, parseCsvFields } from "../../internal/go/csvvalue.js";
import { goQuote, parseBool, parseUint } from "../../internal/go/strconv.js";
import { suggestMessage } from "../../internal/go/suggest.js";
import { ramInBytes } from "../../internal/go/units.js";
import type { BFlags, Flag } from "./bflag.js";
import type { RunCommand, SingleWordExpander } from "./commands.js";

export const MountType = { bind: "bind", cache: "cache", tmpfs: "tmpfs", secret: "secret", ssh: "ssh" } as const;
export type MountType = (typeof MountType)[keyof typeof MountType];

export const MountTypeBind = MountType.bind;
export const MountTypeCache = MountType.cache;
export const MountTypeTmpfs = MountType.tmpfs;
export const MountTypeSecret = MountType.secret;
export const MountTypeSSH = MountType.ssh;

const allowedMountTypes: ReadonlySet<string> = new Set(Object.values(MountType));

export const ShareMode = { shared: "shared", private: "private", locked: "locked" } as const;
export type ShareMode = (typeof ShareMode)[keyof typeof ShareMode];

export const MountSharingShared = ShareMode.shared;
export const MountSharingPrivate = ShareMode.private;
export const MountSharingLocked = ShareMode.locked;

const allowedSharingModes: ReadonlySet<string> = new Set(Object.values(ShareMode));

/** One `--mount` of RUN. */
export interface Mount {
  type: MountType;
  from: string;
  source: string;
  target: string;
  readOnly: boolean;
  /** tmpfs `size`, in bytes (0: unset). */
  sizeLimit: number;
  cacheID: string;
  /** "" when not given. */
  cacheSharing: ShareMode | "";
  required: boolean;
  /** The environment variable a secret goes to; "" asks for the default name. */
  env: string | undefined;
  mode: number | undefined;
  uid: number | undefined;
  gid: number | undefined;
}

/** What RUN keeps of its `--mount` flag. */
export interface MountState {
  flag: Flag;
  mounts: Mount[];
}

/** Declares `--mount` on a RUN (Go's runMountPreHook). */
export function runMountPreHook(cmd: RunCommand, flags: BFlags): void {
  cmd.mountState = { flag: flags.addStrings("mount"), mounts: [] };
}

/** Checks the mounts without expansion (Go's runMountPostHook). */
export function runMountPostHook(cmd: RunCommand): void {
  setMountState(cmd, undefined);
}

/** Parses every `--mount` value of `cmd`, expanding with `expander` when given. */
export function setMountState(cmd: RunCommand, expander: SingleWordExpander | undefined): void {
  const st = cmd.mountState;
  if (!st) throw new DockerfileError("no mount state");
  const values = st.flag.stringValues;
  const mounts = new Array<Mount>(values.length);
  for (let i = 0; i < values.length; i++) mounts[i] = parseMount(values[i]!, expander);
  st.mounts = mounts;
}

/** The mounts of a RUN (Go's GetMounts). */
export function getMounts(cmd: RunCommand): Mount[] {
  return cmd.mountState?.mounts ?? [];
}

const allKeys = [
  "type", "from", "source", "target", "readonly", "id", "sharing", "required", "size", "mode", "uid", "gid",
  "src", "dst", "destination", "ro", "rw", "readwrite", "env",
];

function boolValue(key: string, value: string): boolean {
  const b = parseBool(value);
  if (b === undefined) throw new DockerfileError(`invalid value for ${key}: ${value}`);
  return b;
}

function uintValue(value: string, base: number, what: string): number {
  try {
    return Number(parseUint(value, base, 32));
  } catch {
    throw new DockerfileError(`invalid value ${value} for ${what}`);
  }
}

/** One `--mount` value: `type=cache,target=/root/.cache,sharing=locked`. Throws DockerfileError worded as Go's. */
export function parseMount(val: string, expander: SingleWordExpander | undefined): Mount {
  let fields: string[];
  try {
    fields = parseCsvFields(val);
  } catch (err) {
    throw new DockerfileError(`failed to parse csv mounts: ${err instanceof CsvError ? err.message : String(err)}`);
  }
  const m: Mount = {
    type: MountType.bind,
    from: "",
    source: "",
    target: "",
    readOnly: false,
    sizeLimit: 0,
    cacheID: "",
    cacheSharing: "",
    required: false,
    env: undefined,
    mode: undefined,
    uid: undefined,
    gid: undefined,
  };
  let roAuto = true;

  for (const field of fields) {
    const eq = field.indexOf("=");
    const ok = eq >= 0;
    const key = (ok ? field.slice(0, eq) : field).toLowerCase();
    let value = ok ? field.slice(eq + 1) : "";

    if (!ok) {
      if (expander === undefined) continue;
      switch (key) {
        case "readonly":
        case "ro":
          m.readOnly = true;
          roAuto = false;
          continue;
        case "readwrite":
        case "rw":
          m.readOnly = false;
          roAuto = false;
          continue;
        case "required":
          if (m.type === MountType.secret || m.type === MountType.ssh) {
            m.required = true;
            continue;
          }
          throw new DockerfileError(`unexpected key '${key}' for mount type '${m.type}'`);
        default:
          throw new DockerfileError(`invalid field '${field}' must be a key=value pair`);
      }
    }

    if (expander !== undefined) {
      value = expander(value);
    } else if (key === "from") {
      const idx = value.indexOf("$");
      if (idx !== -1 && idx !== value.length - 1) {
        throw new DockerfileError(`'${key}' doesn't support variable expansion, define alias stage instead`);
      }
    } else {
      continue;
    }

    switch (key) {
      case "type": {
        const v = value.toLowerCase();
        if (!allowedMountTypes.has(v)) {
          throw new DockerfileError(suggestMessage(`unsupported mount type ${goQuote(value)}`, value, allowedMountTypes, true));
        }
        m.type = v as MountType;
        break;
      }
      case "from":
        m.from = value;
        break;
      case "source":
      case "src":
        m.source = value;
        break;
      case "target":
      case "dst":
      case "destination":
        m.target = value;
        break;
      case "readonly":
      case "ro":
        m.readOnly = boolValue(key, value);
        roAuto = false;
        break;
      case "readwrite":
      case "rw":
        m.readOnly = !boolValue(key, value);
        roAuto = false;
        break;
      case "required":
        if (m.type === MountType.secret || m.type === MountType.ssh) m.required = boolValue(key, value);
        else throw new DockerfileError(`unexpected key '${key}' for mount type '${m.type}'`);
        break;
      case "size":
        if (m.type === MountType.tmpfs) {
          try {
            m.sizeLimit = ramInBytes(value);
          } catch {
            throw new DockerfileError(`invalid value for ${key}: ${value}`);
          }
        } else {
          throw new DockerfileError(`unexpected key '${key}' for mount type '${m.type}'`);
        }
        break;
      case "id":
        m.cacheID = value;
        break;
      case "sharing": {
        const v = value.toLowerCase();
        if (!allowedSharingModes.has(v)) {
          throw new DockerfileError(suggestMessage(`unsupported sharing value ${goQuote(value)}`, value, allowedSharingModes, true));
        }
        m.cacheSharing = v as ShareMode;
        break;
      }
      case "mode":
        m.mode = uintValue(value, 8, "mode");
        break;
      case "uid":
        m.uid = uintValue(value, 10, "uid");
        break;
      case "gid":
        m.gid = uintValue(value, 10, "gid");
        break;
      case "env":
        m.env = value;
        break;
      default:
        throw new DockerfileError(suggestMessage(`unexpected key '${key}' in '${field}'`, key, allKeys, true));
    }
  }

  const fileInfoAllowed = m.type === MountType.secret || m.type === MountType.ssh || m.type === MountType.cache;
  if (!fileInfoAllowed) {
    if (m.mode !== undefined) throw new DockerfileError(`mode not allowed for ${goQuote(m.type)} type mounts`);
    if (m.uid !== undefined) throw new DockerfileError(`uid not allowed for ${goQuote(m.type)} type mounts`);
    if (m.gid !== undefined) throw new DockerfileError(`gid not allowed for ${goQuote(m.type)} type mounts`);
  }

  if (roAuto) m.readOnly = !(m.type === MountType.cache || m.type === MountType.tmpfs);

  if (m.type === MountType.secret) {
    if (m.from !== "") throw new DockerfileError("secret mount should not have a from");
    if (m.cacheSharing !== "") throw new DockerfileError("secret mount should not define sharing");
    if (m.source === "" && m.target === "" && m.cacheID === "") {
      throw new DockerfileError("invalid secret mount. one of source, target required");
    }
    if (m.source !== "" && m.cacheID !== "") throw new DockerfileError("both source and id can't be set");
  }

  if (m.cacheSharing !== "" && m.type !== MountType.cache) {
    throw new DockerfileError(`invalid cache sharing set for ${m.type} mount`);
  }
  return m;
}
