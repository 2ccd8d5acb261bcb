/**
 * RUN: port of buildkit v0.32.2 frontend/dockerfile/dockerfile2llb/convert.go's
 * dispatchRun: shell and exec forms, heredocs (a `#!` script is written to a file and
 * run), mounts, `--network`, `--security`, proxy env, ulimits, devices, extra hosts,
 * shm size, cgroup parent, linux resources and the step's progress name. The exec
 * options are given in the order Go gives them, so the op is byte for byte Go's.
 */

import { DockerfileError } from "../../errors.js";
import { joinPath } from "../../internal/go/path.js";
import {
  Caps,
  ignoreCache,
  mkfile,
  scratch,
  withCustomName,
  withLinuxResources,
  withPlatform,
  type CDIDeviceOptions,
  type ConstraintsOpt,
  type RunOptions,
} from "../../llb/index.js";
import { chompHeredocContent, mustParseHeredoc } from "../parser/parser.js";
import type { RunCommand } from "../instructions/commands.js";
import { Lex } from "../shell/lex.js";
import {
  commitToHistory,
  dfCmd,
  getEnv,
  location,
  prefixCommand,
  processCmdEnv,
  runCommandString,
  summarizeHeredoc,
  uppercaseCmd,
  withShell,
} from "./dispatch-state.js";
import { dispatchRunMounts } from "./convert-runmount.js";
import { dispatchRunNetwork } from "./convert-runnetwork.js";
import { dispatchRunSecurity } from "./convert-runsecurity.js";
import { dispatchRunDevices } from "./convert-rundevice.js";
import { withSecretEnvMask } from "./convert-secrets.js";
import type { DispatchOpt, DispatchState } from "./dispatch-state.js";
import { withInternalName } from "./options.js";
import type { ProxyEnv } from "../../llb/index.js";

/** Converts a RUN: the stage's state becomes the exec's root and a history entry with a layer is added. */
export function dispatchRun(d: DispatchState, c: RunCommand, proxy: ProxyEnv | undefined, sources: readonly (import("./dispatch-state.js").DispatchState | undefined)[], dopt: DispatchOpt): void {
  const opt: RunOptions = {};
  const constraints: ConstraintsOpt[] = [];
  const mounts: NonNullable<RunOptions["mounts"]>[number][] = [];

  let customname = c.toString();

  // A RUN may read anything: the whole filesystem of this stage is used.
  d.paths.add("/");

  let args = c.cmdLine ?? [];
  if (c.files.length > 0) {
    if (args.length !== 1 || !c.prependShell) {
      throw new DockerfileError(`parsing produced an invalid run command: [${args.join(" ")}]`);
    }
    const heredoc = mustParseHeredoc(args[0]!);
    if (heredoc) {
      const file = c.files[0]!;
      let data = file.data;
      if (file.chomp) data = chompHeredocContent(data);
      if (d.image.os !== "windows" && data.startsWith("#!")) {
        // A single heredoc with a shebang: written to a file and run as a script.
        const sourcePath = "/";
        const destPath = "/dev/pipes/";
        const f = file.name;
        const st = scratch()
          .dir(sourcePath)
          .file(mkfile(f, 0o755, data), { constraints: [withInternalName("preparing inline document"), withPlatform(d.platform!)] });
        mounts.push({ target: destPath, source: st, selector: sourcePath, readonly: true });
        args = [joinPath(destPath, f)];
      } else {
        // A plain heredoc: its contents are the shell command.
        args = [data];
      }
      customname += ` (${summarizeHeredoc(file.data)})`;
    } else {
      // Several heredocs or a complex one: handed back to the shell as written.
      let b = args[0]!;
      for (const file of c.files) b += "\n" + file.data + file.name;
      args = [b];
    }
  }
  if (c.prependShell) args = withShell(d.image, args);

  opt.args = args;
  constraints.push(dfCmd(c), location(dopt.sourceMap, c.location()));
  if (d.ignoreCache) constraints.push(ignoreCache);
  if (proxy) opt.proxyEnv = proxy;

  const runMounts = dispatchRunMounts(d, c, sources, dopt);
  mounts.push(...runMounts.mounts);
  if (runMounts.secrets.length > 0) opt.secrets = runMounts.secrets;
  if (runMounts.ssh.length > 0) opt.ssh = runMounts.ssh;

  opt.security = dispatchRunSecurity(c);
  const network = dispatchRunNetwork(c);
  if (network !== undefined) opt.network = network;

  const caps = dopt.llbCaps;
  if (caps?.has(Caps.ExecMetaUlimit)) {
    if (dopt.ulimit.length > 0) opt.ulimits = dopt.ulimit.map((u) => ({ name: u.name as never, soft: u.soft, hard: u.hard }));
  }
  if (caps?.has(Caps.ExecMetaCDI)) {
    const devices: CDIDeviceOptions[] = [];
    for (const device of dopt.devices) devices.push(device.optional ? { name: device.name ?? "", optional: true } : { name: device.name ?? "" });
    devices.push(...dispatchRunDevices(c));
    if (devices.length > 0) opt.cdiDevices = devices;
  }

  const shlex = new Lex(dopt.shlex.escapeToken);
  shlex.rawEscapes = dopt.shlex.rawEscapes;
  shlex.skipProcessQuotes = dopt.shlex.skipProcessQuotes;
  shlex.rawQuotes = true;
  shlex.skipUnsetEnv = true;

  const pl = d.state.getPlatform();
  const env = getEnv(d.state);
  constraints.push(withCustomName(prefixCommand(d, uppercaseCmd(processCmdEnv(shlex, customname, withSecretEnvMask(c, env))), d.prefixPlatform, pl, env)));
  if (dopt.extraHosts.length > 0) opt.extraHosts = dopt.extraHosts.map((h) => ({ host: h.host, ip: h.ip }));

  if (caps?.has(Caps.ExecMountTmpfsSize) && dopt.shmSize > 0) {
    mounts.push({ target: "/dev/shm", source: scratch(), tmpfs: { size: dopt.shmSize } });
  }
  if (caps?.has(Caps.ExecMetaCgroupParent) && dopt.cgroupParent.length > 0) opt.cgroupParent = dopt.cgroupParent;
  if (caps?.has(Caps.ExecMetaLinuxResources) && dopt.linuxResources) constraints.push(withLinuxResources(dopt.linuxResources));

  if (mounts.length > 0) opt.mounts = mounts;
  opt.constraints = constraints;
  d.state = d.state.run(opt).root();
  commitToHistory(d.image, "RUN " + runCommandString(args, d.buildArgs, env), true, d.state, d.epoch);
}
