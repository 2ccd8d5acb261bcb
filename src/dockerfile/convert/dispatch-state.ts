/**
 * The converter's per-stage state: port of buildkit v0.32.2
 * frontend/dockerfile/dockerfile2llb/convert.go's dispatchState,
 * dispatchStates, dispatchOpt, command, filterPaths, and of the state types of
 * outline.go (outlineCapture, argInfo, secretInfo, sshInfo) and validations.go
 * (instructionTracker) that dispatchState holds, and the convert.go helpers the
 * dispatch functions of every file share (history, step names, env access,
 * global args), so that no file needs to import convert.ts.
 */

import { joinPath } from "../../internal/go/path.js";
import { compareUtf8 } from "../../internal/go/utf8.js";
import type { PatternMatcher } from "../../internal/go/patternmatcher.js";
import {
  EnvList,
  formatPlatformAll,
  normalizePlatform,
  withDescription,
  type CapSet,
  type ConstraintsOpt,
  type HostIP,
  type LinuxResources,
  type LocalOptions,
  type Platform,
  type ProxyEnv,
  type SourceMap,
  type State,
} from "../../llb/index.js";
import type { CDIDeviceOptions } from "../../llb/exec.js";
import { cloneDockerOCIImage, goTimeFromDate, newDockerOCIImage, type DockerOCIImage } from "../../llb/image-config.js";
import { parsePlatformContainerd } from "../../llb/platform.js";
import type { PbRange } from "../../llb/pb.js";
import { DockerfileError, type DockerfileRange } from "../../errors.js";
import * as instructions from "../instructions/commands.js";
import type { Command as InstructionCommand, KeyValuePairOptional, Stage } from "../instructions/commands.js";
import type { Linter } from "../linter/linter.js";
import { withLocation } from "../parser/errors.js";
import type { EnvGetter, Lex, Lex as LexType, ProcessWordResult } from "../shell/lex.js";
import { checkSystemDriveAndRemoveDriveLetter, isAbs, normalizePath } from "../system/path.js";
import type { NamedContext } from "./options.js";
import { defaultSpec } from "./platform.js";

// ---------------------------------------------------------------------------
// outline.go's capture types.

/** outline.go argInfo: an ARG's value, definition, the args its default used, and where. */
export interface ArgInfo {
  value: string;
  definition: KeyValuePairOptional;
  deps: Set<string> | undefined;
  location: DockerfileRange[];
}

/** outline.go secretInfo. */
export interface SecretInfo {
  required: boolean;
  location: DockerfileRange[];
}

/** outline.go sshInfo. */
export interface SshInfo {
  required: boolean;
  location: DockerfileRange[];
}

/** outline.go outlineCapture: the args, secrets and ssh ids a stage defines and uses. */
export class OutlineCapture {
  constructor(
    readonly allArgs: Map<string, ArgInfo> = new Map(),
    readonly usedArgs: Set<string> = new Set(),
    readonly secrets: Map<string, SecretInfo> = new Map(),
    readonly ssh: Map<string, SshInfo> = new Map(),
  ) {}

  clone(): OutlineCapture {
    return new OutlineCapture(new Map(this.allArgs), new Set(this.usedArgs), new Map(this.secrets), new Map(this.ssh));
  }

  /** Marks `keys` and, transitively, the args their defaults used. */
  markAllUsed(keys: Iterable<string>, visited: Set<string>): void {
    for (const k of [...keys]) {
      if (visited.has(k)) continue;
      visited.add(k);
      const a = this.allArgs.get(k);
      if (a?.deps) this.markAllUsed(a.deps, visited);
      this.usedArgs.add(k);
    }
  }
}

/** outline.go newOutlineCapture. */
export function newOutlineCapture(): OutlineCapture {
  return new OutlineCapture();
}

// ---------------------------------------------------------------------------
// validations.go's instructionTracker.

/** Whether an instruction that should appear once per stage (CMD, ENTRYPOINT, HEALTHCHECK) was seen, and where. */
export interface InstructionTracker {
  location: DockerfileRange[];
  isSet: boolean;
}

export function newInstructionTracker(): InstructionTracker {
  return { location: [], isSet: false };
}

/** instructionTracker.MarkUsed. */
export function markUsed(t: InstructionTracker, loc: DockerfileRange[]): void {
  t.location = loc;
  t.isSet = true;
}

// ---------------------------------------------------------------------------
// dispatchOpt, command.

/** convert.go dispatchOpt: what every instruction of every stage is dispatched with. */
export interface DispatchOpt {
  allDispatchStates: DispatchStates;
  globalArgs: EnvGetter;
  buildArgValues: Record<string, string>;
  shlex: Lex;
  buildContext: State;
  proxyEnv: ProxyEnv | undefined;
  cacheIDNamespace: string;
  targetPlatform: Platform;
  buildPlatforms: Platform[];
  extraHosts: HostIP[];
  shmSize: number;
  ulimit: { name: string; soft: number; hard: number }[];
  devices: CDIDeviceOptions[];
  cgroupParent: string;
  linuxResources: LinuxResources | undefined;
  llbCaps: CapSet | undefined;
  sourceMap: SourceMap | undefined;
  lint: Linter;
  dockerIgnoreMatcher: PatternMatcher | undefined;
}

/** convert.go command: an instruction plus the stages it reads from (COPY --from, RUN --mount from=). */
export interface Command {
  command: InstructionCommand;
  sources: (DispatchState | undefined)[];
  isOnBuild: boolean;
}

// ---------------------------------------------------------------------------
// dispatchState.

/** convert.go dispatchState: one stage (or an implicit image stage of COPY --from) being converted. */
export class DispatchState {
  /** The options the stage was dispatched with; undefined until then (Go's zero dispatchOpt). */
  opt: DispatchOpt | undefined = undefined;
  state!: State;
  image: DockerOCIImage = newDockerOCIImage();
  namedContext: NamedContext | undefined = undefined;
  platform: Platform | undefined = undefined;
  stage: Stage;
  base: DispatchState | undefined = undefined;
  /** The base image config as resolved, never modified. */
  baseImg: DockerOCIImage | undefined = undefined;
  dispatched = false;
  /** The base image has been resolved. */
  resolved = false;
  onBuildInit = false;
  deps = new Map<DispatchState, InstructionCommand>();
  buildArgs: KeyValuePairOptional[] = [];
  commands: Command[] = [];
  /** Paths this stage uses from the build context. */
  ctxPaths = new Set<string>();
  /** Paths of this stage's result other stages use. */
  paths = new Set<string>();
  ignoreCache = false;
  unregistered = false;
  stageName = "";
  cmdIndex = 0;
  cmdIsOnBuild = false;
  cmdTotal = 0;
  prefixPlatform = false;
  outline: OutlineCapture = newOutlineCapture();
  epoch: Date | undefined = undefined;
  scanStage = false;
  scanContext = false;
  /** A WORKDIR was set in this Dockerfile (not only by the base image). */
  workdirSet = false;
  entrypoint: InstructionTracker = newInstructionTracker();
  cmd: InstructionTracker = newInstructionTracker();
  healthcheck: InstructionTracker = newInstructionTracker();

  constructor(stage: Stage) {
    this.stage = stage;
  }

  /** The local source options for the paths other stages use of this one. */
  asyncLocalOpts(): LocalOptions {
    return filterPaths(this.paths);
  }

  /** Inherits the base stage's state, platform, image (without ONBUILD triggers), paths and args. */
  init(): void {
    const base = this.base;
    if (!base) return;
    this.state = base.state;
    this.platform = base.platform;
    this.image = cloneDockerOCIImage(base.image);
    this.image.config.onBuild = undefined;
    this.baseImg = base.baseImg && cloneDockerOCIImage(base.baseImg);
    this.paths = base.paths;
    this.workdirSet = base.workdirSet;
    this.buildArgs = [...this.buildArgs, ...base.buildArgs];
  }
}

/** convert.go dispatchStates: every stage in order, and the named ones by lower-case name. */
export class DispatchStates {
  readonly states: DispatchState[] = [];
  readonly statesByName = new Map<string, DispatchState>();

  names(): string[] {
    const names: string[] = [];
    for (const s of this.states) if (s.stageName !== "") names.push(s.stageName);
    return names;
  }

  addState(ds: DispatchState): void {
    this.states.push(ds);
    const d = this.statesByName.get(ds.stage.baseName);
    if (d) {
      ds.base = d;
      ds.outline = d.outline.clone();
    }
    if (ds.stage.name !== "") this.statesByName.set(ds.stage.name.toLowerCase(), ds);
  }

  findStateByName(name: string): DispatchState | undefined {
    return this.statesByName.get(name.toLowerCase());
  }

  findStateByIndex(index: number): DispatchState {
    if (index < 0 || index >= this.states.length) throw new DockerfileError(`invalid stage index ${index}`);
    return this.states[index]!;
  }

  lastTarget(): DispatchState {
    return this.states[this.states.length - 1]!;
  }
}

/** convert.go normalizeContextPaths: sorted relative paths, or undefined when "/" (everything) is used. */
export function normalizeContextPaths(paths: ReadonlySet<string>): string[] | undefined {
  if (paths.size === 0) return undefined;
  const out: string[] = [];
  for (const p of paths) {
    if (p === "/") return undefined;
    out.push(joinPath(".", p));
  }
  return out.sort(compareUtf8);
}

/** convert.go filterPaths: local options that send only the paths used. */
export function filterPaths(paths: ReadonlySet<string>): LocalOptions {
  const includePaths = normalizeContextPaths(paths);
  if (includePaths && includePaths.length > 0) return { followPaths: includePaths };
  return {};
}

// ---------------------------------------------------------------------------
// convert.go helpers shared by the dispatch functions of every file (here, below them all, so no file imports convert.ts).

export const historyComment = "buildkit.dockerfile.v0";

/** An EnvList as the shell lexer's EnvGetter (Go's *llb.EnvList implements it). */
export function envListGetter(e: EnvList): EnvGetter {
  return { get: (k) => e.get(k), keys: () => e.keys() as string[] };
}

/** convert.go getEnv: the state's env, read when first asked for. */
export function getEnv(state: State): EnvGetter {
  let env: EnvList | undefined;
  const load = (): EnvList => {
    if (env === undefined) {
      try {
        env = state.env();
      } catch {
        env = EnvList.empty;
      }
    }
    return env;
  };
  return { get: (k) => load().get(k), keys: () => load().keys() as string[] };
}

/** convert.go pathRelativeToWorkingDir: `p` made absolute against the state's working dir. */
export function pathRelativeToWorkingDir(s: State, p: string, platform: Platform): string {
  const dir = s.getDir();
  try {
    p = checkSystemDriveAndRemoveDriveLetter(p, platform.os, true);
  } catch (e) {
    throw new DockerfileError(`removing drive letter: ${(e instanceof Error ? e.message : String(e))}`, { cause: e });
  }
  if (isAbs(p, platform.os)) return normalizePath("/", p, platform.os, true);
  if (p === "." || p === "") p = "./";
  return normalizePath(dir, p, platform.os, true);
}

/** convert.go dfCmd: the `com.docker.dockerfile.v1.command` description of an op. */
export function dfCmd(cmd: string | { toString(): string }): ConstraintsOpt {
  return withDescription({ "com.docker.dockerfile.v1.command": typeof cmd === "string" ? cmd : cmd.toString() });
}

/** convert.go runCommandString: the history text of RUN (`|N K=V... args`). */
export function runCommandString(args: readonly string[], buildArgs: readonly instructions.KeyValuePairOptional[], env: EnvGetter): string {
  const tmpBuildEnv: string[] = [];
  const tmpIdx = new Map<string, number>();
  for (const arg of buildArgs) {
    let v = env.get(arg.key);
    if (v === undefined) v = arg.valueString();
    const idx = tmpIdx.get(arg.key);
    if (idx !== undefined) tmpBuildEnv[idx] = arg.key + "=" + v;
    else {
      tmpIdx.set(arg.key, tmpBuildEnv.length);
      tmpBuildEnv.push(arg.key + "=" + v);
    }
  }
  if (tmpBuildEnv.length > 0) tmpBuildEnv.unshift(`|${tmpBuildEnv.length}`);
  return [...tmpBuildEnv, ...args].join(" ");
}

/** convert.go commitToHistory: appends a history entry (`# buildkit` when a state is given). */
export function commitToHistory(img: DockerOCIImage, msg: string, withLayer: boolean, st: State | undefined, tm: Date | undefined): void {
  if (st !== undefined) msg += " # buildkit";
  const entry: NonNullable<DockerOCIImage["history"]>[number] = { createdBy: msg, author: "", comment: historyComment, emptyLayer: !withLayer };
  if (tm !== undefined) entry.created = goTimeFromDate(tm);
  (img.history ??= []).push(entry);
}

/** defaultshell.go defaultShell. */
export function defaultShell(os: string): string[] {
  return os === "windows" ? ["cmd", "/S", "/C"] : ["/bin/sh", "-c"];
}

/** convert.go withShell: the image's SHELL (or the default) followed by the joined args. */
export function withShell(img: DockerOCIImage, args: readonly string[]): string[] {
  const shell = img.config.shell !== undefined && img.config.shell.length > 0 ? [...img.config.shell] : defaultShell(img.os);
  shell.push(args.join(" "));
  return shell;
}

/** Go's strings.ToUpper for the characters that have a single-rune upper case. */
function goToUpper(s: string): string {
  if (/^[\x00-\x7f]*$/.test(s)) return s.toUpperCase();
  let out = "";
  for (const ch of s) {
    const u = ch.toUpperCase();
    out += [...u].length === 1 ? u : ch;
  }
  return out;
}

/** convert.go uppercaseCmd: the first word in upper case. */
export function uppercaseCmd(str: string): string {
  const i = str.indexOf(" ");
  return i < 0 ? goToUpper(str) : goToUpper(str.slice(0, i)) + str.slice(i);
}

/** convert.go processCmdEnv: the command with variables expanded, or as is when expansion fails. */
export function processCmdEnv(shlex: LexType, cmd: string, env: EnvGetter): string {
  try {
    return shlex.processWord(cmd, env).result;
  } catch {
    return cmd;
  }
}

/** convert.go prefixCommand: `[platform stage n/total] ` before a step's name. */
export function prefixCommand(ds: DispatchState, str: string, prefixPlatform: boolean, platform: Platform | undefined, env: EnvGetter): string {
  if (ds.cmdTotal === 0) return str;
  let out = "[";
  if (prefixPlatform && platform !== undefined) {
    out += formatPlatformAll(platform) + formatTargetPlatform(platform, platformFromEnv(env)) + " ";
  }
  if (ds.stageName !== "") out += ds.stageName + " ";
  ds.cmdIndex++;
  const width = Math.trunc(1 + Math.log10(ds.cmdTotal));
  out += `${String(ds.cmdIndex).padStart(width, " ")}/${ds.cmdTotal}] `;
  if (ds.cmdIsOnBuild) out += "ONBUILD ";
  return out + str;
}

/** convert.go formatTargetPlatform: `->arch` or `->os/arch` when the TARGET* args name another platform. */
export function formatTargetPlatform(base: Platform, target: Platform | undefined): string {
  if (target === undefined) return "";
  const t = { ...target, os: target.os || base.os, architecture: target.architecture || base.architecture };
  const p = t.os === "" ? t : normalizePlatform(t);
  if (p.os === base.os && p.architecture !== base.architecture) {
    let archVariant = p.architecture;
    if (p.variant) archVariant += "/" + p.variant;
    return "->" + archVariant;
  }
  if (p.os !== base.os) return "->" + formatPlatformAll(p);
  return "";
}

/** convert.go platformFromEnv: the platform the TARGET* env names, if any. */
export function platformFromEnv(env: EnvGetter): Platform | undefined {
  const p: { -readonly [K in keyof Platform]: Platform[K] } = { os: "", architecture: "" };
  let set = false;
  for (const key of env.keys()) {
    switch (key) {
      case "TARGETPLATFORM": {
        try {
          return parsePlatformContainerd(env.get(key) ?? "", defaultSpec());
        } catch {
          continue;
        }
      }
      case "TARGETOS":
        p.os = env.get(key) ?? "";
        set = true;
        break;
      case "TARGETARCH":
        p.architecture = env.get(key) ?? "";
        set = true;
        break;
      case "TARGETVARIANT":
        p.variant = env.get(key) ?? "";
        set = true;
        break;
    }
  }
  return set ? p : undefined;
}

/** convert.go location: the source map location of `ranges` (nothing without a source map). */
export function location(sm: SourceMap | undefined, locations: readonly DockerfileRange[]): ConstraintsOpt {
  if (sm === undefined) return () => {};
  const loc: PbRange[] = locations.map((l) => ({
    start: { line: l.start.line, character: l.start.character },
    end: { line: l.end.line, character: l.end.character },
  }));
  return sm.location(loc);
}

/** convert.go summarizeHeredoc: the first line of a heredoc, `...` when there are more. */
export function summarizeHeredoc(doc: string): string {
  doc = doc.trim();
  const lines = doc.replaceAll("\r\n", "\n").split("\n");
  let summary = lines[0]!;
  if (lines.length > 1) summary += "...";
  return summary;
}

/** convert.go buildMetaArgs: the global ARGs (before the first FROM) applied over the automatic args. */
export function buildMetaArgs(
  args: EnvList,
  shlex: LexType,
  argCommands: readonly instructions.ArgCommand[],
  buildArgs: Readonly<Record<string, string>>,
): [EnvList, Map<string, ArgInfo>] {
  const allArgs = new Map<string, ArgInfo>();
  for (const cmd of argCommands) {
    for (const orig of cmd.args) {
      const kp = new instructions.KeyValuePairOptional(orig.key, orig.value, orig.docComment);
      const info: ArgInfo = { value: "", definition: kp, deps: undefined, location: cmd.location() };
      if (!Object.hasOwn(buildArgs, kp.key)) {
        if (kp.value !== undefined) {
          let result: ProcessWordResult;
          try {
            result = shlex.processWordWithMatches(kp.value, envListGetter(args));
          } catch (e) {
            throw withLocation(e, cmd.location());
          }
          kp.value = result.result;
          info.deps = result.matched;
          if (result.matched.has(kp.key)) {
            info.deps = new Set(result.matched);
            info.deps.delete(kp.key);
            const old = allArgs.get(kp.key);
            if (old?.deps) for (const k of old.deps) info.deps.add(k);
          }
        }
      } else {
        kp.value = buildArgs[kp.key]!;
      }
      if (kp.value !== undefined) {
        args = args.addOrReplace(kp.key, kp.value);
        info.value = kp.value;
      }
      allArgs.set(kp.key, info);
    }
  }
  return [args, allArgs];
}

/** convert.go emptyEnvs. */
export const emptyEnvs: EnvGetter = { get: () => undefined, keys: () => [] };
