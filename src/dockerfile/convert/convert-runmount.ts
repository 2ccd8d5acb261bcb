/**
 * `RUN --mount` of every type: port of buildkit v0.32.2
 * frontend/dockerfile/dockerfile2llb/convert_runmount.go (the stages mounts read from,
 * and the mounts, secrets and ssh sockets given to the exec).
 */

import { DockerfileError } from "../../errors.js";
import { cleanPath, joinPath } from "../../internal/go/path.js";
import { goQuote } from "../../internal/go/strconv.js";
import { Caps, chownUIDGID, mkdir, scratch, type MountOptions, type SecretOptions, type SSHOptions, type State } from "../../llb/index.js";
import { getMounts, MountSharingLocked, MountSharingPrivate, MountTypeBind, MountTypeCache, MountTypeSecret, MountTypeSSH, MountTypeTmpfs, type Mount } from "../instructions/commands-runmount.js";
import { Stage, type RunCommand } from "../instructions/commands.js";
import { dispatchSecret } from "./convert-secrets.js";
import { dispatchSSH } from "./convert-ssh.js";
import { DispatchState, type Command, type DispatchOpt, type DispatchStates } from "./dispatch-state.js";

const emptyImageName = "scratch";

/**
 * For a RUN, the stage each `--mount` reads from (by `from=`, scratch when none), as
 * `cmd.sources`: an unregistered state for an image name. Returns whether `cmd` is a RUN.
 */
export function detectRunMount(cmd: Command, allDispatchStates: DispatchStates): boolean {
  const c = cmd.command;
  if (c.kind !== "run") return false;
  const mounts = getMounts(c);
  const sources: DispatchState[] = new Array(mounts.length);
  for (let i = 0; i < mounts.length; i++) {
    const mount = mounts[i]!;
    // Not necessarily a real source (tmpfs has none), but the type may be a variable.
    const from = mount.from === "" ? emptyImageName : mount.from;
    let stn = allDispatchStates.findStateByName(from);
    if (!stn) {
      stn = new DispatchState(new Stage({ baseName: from }));
      stn.unregistered = true;
    }
    sources[i] = stn;
  }
  cmd.sources = sources;
  return true;
}

/** A cache (or other) mount source whose `/cache` directory has the mount's uid, gid and mode. */
function setCacheUIDGID(m: Mount, st: State): State {
  const uid = m.uid ?? 0;
  const gid = m.gid ?? 0;
  const mode = m.mode ?? 0o755;
  return st.file(mkdir("/cache", mode, { chown: chownUIDGID(uid, gid) }), { customName: "[internal] setting cache mount permissions" });
}

/** What a RUN's mounts add to the exec: its mounts, secrets and ssh sockets, in Go's order within each kind. */
export interface RunMounts {
  mounts: MountOptions[];
  secrets: SecretOptions[];
  ssh: SSHOptions[];
}

/** The exec mounts of a RUN's `--mount` flags; records the paths read from the context and from other stages. */
export function dispatchRunMounts(d: DispatchState, c: RunCommand, sources: readonly (DispatchState | undefined)[], opt: DispatchOpt): RunMounts {
  const out: RunMounts = { mounts: [], secrets: [], ssh: [] };
  const mounts = getMounts(c);
  for (let i = 0; i < mounts.length; i++) {
    const mount = mounts[i]!;
    if (mount.from === "" && mount.type === MountTypeCache) mount.from = emptyImageName;
    let st = opt.buildContext;
    if (mount.from !== "") {
      const src = sources[i]!;
      st = src.state;
      if (!src.dispatched) {
        throw new DockerfileError(`cannot mount from stage ${goQuote(mount.from)} to ${goQuote(mount.target)}, stage needs to be defined before current command`);
      }
    }
    let tmpfs: MountOptions["tmpfs"];
    if (mount.type === MountTypeTmpfs) {
      st = scratch();
      tmpfs = { size: mount.sizeLimit };
    }
    if (mount.type === MountTypeSecret) {
      out.secrets.push(dispatchSecret(d, mount, c.location()));
      continue;
    }
    if (mount.type === MountTypeSSH) {
      out.ssh.push(dispatchSSH(d, mount, c.location()));
      continue;
    }
    let readonly: true | undefined;
    let forceNoOutput: true | undefined;
    if (mount.readOnly) {
      readonly = true;
    } else if (mount.type === MountTypeBind && opt.llbCaps?.has(Caps.ExecMountBindReadWriteNoOutput)) {
      forceNoOutput = true;
    }
    let cache: MountOptions["cache"];
    if (mount.type === MountTypeCache) {
      let sharing: "shared" | "private" | "locked" = "shared";
      if (mount.cacheSharing === MountSharingPrivate) sharing = "private";
      if (mount.cacheSharing === MountSharingLocked) sharing = "locked";
      if (mount.cacheID === "") mount.cacheID = cleanPath(mount.target);
      cache = { id: opt.cacheIDNamespace + "/" + mount.cacheID, sharing };
    }
    let target = mount.target;
    if (!mount.target.startsWith("/")) {
      // filepath.IsAbs(filepath.Clean(target)): cleaning never changes whether a path is absolute.
      target = joinPath("/", d.state.getDir(), mount.target);
    }
    if (target === "/") throw new DockerfileError(`invalid mount target ${goQuote(target)}`);
    const src = mount.source === "" ? "/" : joinPath("/", mount.source);
    let selector: string | undefined;
    if (src !== "/") {
      selector = src;
    } else if (mount.uid !== undefined || mount.gid !== undefined || mount.mode !== undefined) {
      st = setCacheUIDGID(mount, st);
      selector = "/cache";
    }
    // One object shape for every mount (Go's llb.AddMount with its options).
    const m: MountOptions = { target, source: st, readonly, selector, forceNoOutput, contentCache: undefined, cache, tmpfs };
    out.mounts.push(m);

    if (mount.from === "") d.ctxPaths.add(src);
    else sources[i]!.paths.add(src);
  }
  return out;
}
