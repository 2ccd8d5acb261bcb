/**
 * The converter's per-stage state: port of buildkit v0.32.2
 * frontend/dockerfile/dockerfile2llb/convert.go's dispatchState,
 * dispatchStates, dispatchOpt, command, filterPaths, and of the state types of
 * outline.go (outlineCapture, argInfo, secretInfo, sshInfo) and validations.go
 * (instructionTracker) that dispatchState holds.
 */

import { joinPath } from "../../internal/go/path.js";
import { compareUtf8 } from "../../internal/go/utf8.js";
import type { PatternMatcher } from "../../internal/go/patternmatcher.js";
import type { CapSet, HostIP, LinuxResources, LocalOptions, Platform, ProxyEnv, SourceMap, State } from "../../llb/index.js";
import type { CDIDeviceOptions } from "../../llb/exec.js";
import { cloneDockerOCIImage, newDockerOCIImage, type DockerOCIImage } from "../../llb/image-config.js";
import { DockerfileError, type DockerfileRange } from "../../errors.js";
import type { Command as InstructionCommand, KeyValuePairOptional, Stage } from "../instructions/commands.js";
import type { Linter } from "../linter/linter.js";
import type { EnvGetter, Lex } from "../shell/lex.js";
import type { NamedContext } from "./options.js";

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
