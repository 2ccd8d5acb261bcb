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
  type MountOptions,
  type State,
  type Ulimit,
  type UlimitName,
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
  const constraints: ConstraintsOpt[] = [];
  const mounts: MountOptions[] = [];

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
        mounts.push(mountOptions(destPath, st, true, sourcePath, undefined, undefined));
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

  constraints.push(dfCmd(c), location(dopt.sourceMap, c.location()));
  if (d.ignoreCache) constraints.push(ignoreCache);

  const runMounts = dispatchRunMounts(d, c, sources, dopt);
  for (const m of runMounts.mounts) mounts.push(m);

  const security = dispatchRunSecurity(c);
  const network = dispatchRunNetwork(c);

  const caps = dopt.llbCaps;
  let ulimits: Ulimit[] | undefined;
  if (caps?.has(Caps.ExecMetaUlimit) && dopt.ulimit.length > 0) {
    ulimits = dopt.ulimit.map((u) => ({ name: u.name as UlimitName, soft: u.soft, hard: u.hard }));
  }
  let cdiDevices: CDIDeviceOptions[] | undefined;
  if (caps?.has(Caps.ExecMetaCDI)) {
    cdiDevices = [];
    for (const device of dopt.devices) cdiDevices.push(device.optional ? { name: device.name ?? "", optional: true } : { name: device.name ?? "" });
    for (const device of dispatchRunDevices(c)) cdiDevices.push(device);
  }

  const pl = d.state.getPlatform();
  const env = getEnv(d.state);
  constraints.push(withCustomName(prefixCommand(d, uppercaseCmd(processCmdEnv(rawQuotesLex(dopt.shlex), customname, withSecretEnvMask(c, env))), d.prefixPlatform, pl, env)));
  const extraHosts = dopt.extraHosts.length > 0 ? dopt.extraHosts.map((h) => ({ host: h.host, ip: h.ip })) : undefined;

  if (caps?.has(Caps.ExecMountTmpfsSize) && dopt.shmSize > 0) {
    mounts.push(mountOptions("/dev/shm", scratch(), undefined, undefined, undefined, { size: dopt.shmSize }));
  }
  const cgroupParent = caps?.has(Caps.ExecMetaCgroupParent) && dopt.cgroupParent.length > 0 ? dopt.cgroupParent : undefined;
  if (caps?.has(Caps.ExecMetaLinuxResources) && dopt.linuxResources) constraints.push(withLinuxResources(dopt.linuxResources));

  d.state = d.state
    .run({
      args,
      security,
      network,
      ulimits,
      extraHosts,
      cgroupParent,
      proxyEnv: proxy,
      mounts,
      secrets: runMounts.secrets,
      ssh: runMounts.ssh,
      cdiDevices,
      constraints,
    })
    .root();
  commitToHistory(d.image, "RUN " + runCommandString(args, d.buildArgs, env), true, d.state, d.epoch);
}

/** Go's `llb.AddMount` options, always in one object shape. */
export function mountOptions(
  target: string,
  source: State,
  readonly: true | undefined,
  selector: string | undefined,
  cache: MountOptions["cache"],
  tmpfs: MountOptions["tmpfs"],
  forceNoOutput?: true,
): MountOptions {
  return { target, source, readonly, selector, forceNoOutput, contentCache: undefined, cache, tmpfs };
}

// dispatchRun's copy of the stage lexer with RawQuotes and SkipUnsetEnv, one per stage lexer.
const rawQuotesLexers = new WeakMap<Lex, Lex>();

function rawQuotesLex(shlex: Lex): Lex {
  let l = rawQuotesLexers.get(shlex);
  if (l === undefined || l.rawEscapes !== shlex.rawEscapes || l.skipProcessQuotes !== shlex.skipProcessQuotes) {
    l = new Lex(shlex.escapeToken);
    l.rawEscapes = shlex.rawEscapes;
    l.skipProcessQuotes = shlex.skipProcessQuotes;
    l.rawQuotes = true;
    l.skipUnsetEnv = true;
    rawQuotesLexers.set(shlex, l);
  }
  return l;
}
