/**
 * The typed Dockerfile instructions: a port of buildkit v0.32.2
 * frontend/dockerfile/instructions/commands.go. Each command class carries its
 * source text (`toString()`), its instruction name as written (`name()`), its
 * location and the comments above it, and a `kind` (the lower-case instruction
 * name) to switch on. Commands Go expands with a SingleWordExpander have an
 * `expand` method (and `expandRaw` for heredoc contents) that, as in Go,
 * rewrites the command in place.
 */

import type { DockerfileRange } from "../../errors.js";
import { DockerfileError } from "../../errors.js";
import { equalFold } from "../../internal/go/strings.js";
import { setMountState, type MountState } from "./commands-runmount.js";
import type { DeviceState } from "./commands-rundevice.js";
import type { NetworkState } from "./commands-runnetwork.js";
import type { SecurityState } from "./commands-runsecurity.js";

/** A named value of ENV or LABEL, in source order. */
export class KeyValuePair {
  constructor(
    public key: string,
    public value: string,
    /** The legacy `ENV key value` form (no `=`). */
    public noDelim = false,
  ) {}

  toString(): string {
    return this.key + "=" + this.value;
  }
}

/** A named value that may have no value: one name of ARG. */
export class KeyValuePairOptional {
  constructor(
    public key: string,
    public value: string | undefined = undefined,
    /** The description from a `# <name> <description>` comment above the instruction. */
    public docComment = "",
  ) {}

  toString(): string {
    return this.key + "=" + this.valueString();
  }

  /** The value, or "" when there is none. */
  valueString(): string {
    return this.value ?? "";
  }
}

/** Expands the variables of one word (the converter passes its shell lexer); throws on a bad expansion. */
export type SingleWordExpander = (word: string) => string;

/** What every command shares (Go's withNameAndCode). */
export interface CommandBase {
  /** The instruction's source text, trimmed. */
  code: string;
  /** The instruction name as written (`RUN`, `run`). */
  name: string;
  location: DockerfileRange[];
  comments: string[];
}

/** Base of every command class. */
export abstract class WithNameAndCode {
  readonly #base: CommandBase;

  constructor(base: CommandBase) {
    this.#base = base;
  }

  /** The instruction's source text, trimmed (Go's String()). */
  toString(): string {
    return this.#base.code;
  }

  /** The instruction name as written. */
  name(): string {
    return this.#base.name;
  }

  /** Where the instruction is in the Dockerfile. */
  location(): DockerfileRange[] {
    return this.#base.location;
  }

  /** The comment lines directly above the instruction. */
  comments(): string[] {
    return this.#base.comments;
  }
}

/** A command that expands its words with a SingleWordExpander. */
export interface SupportsSingleWordExpansion {
  expand(expander: SingleWordExpander): void;
}

/** A command whose inline (heredoc) contents expand with quotes and escapes kept. */
export interface SupportsSingleWordExpansionRaw {
  expandRaw(expander: SingleWordExpander): void;
}

/** Whether `c` implements Go's SupportsSingleWordExpansion. */
export function supportsSingleWordExpansion(c: object): c is SupportsSingleWordExpansion {
  return typeof (c as Partial<SupportsSingleWordExpansion>).expand === "function";
}

/** Whether `c` implements Go's SupportsSingleWordExpansionRaw. */
export function supportsSingleWordExpansionRaw(c: object): c is SupportsSingleWordExpansionRaw {
  return typeof (c as Partial<SupportsSingleWordExpansionRaw>).expandRaw === "function";
}

function expandKvpsInPlace(kvps: KeyValuePair[], expander: SingleWordExpander): void {
  for (let i = 0; i < kvps.length; i++) {
    const kvp = kvps[i]!;
    const key = expander(kvp.key);
    const value = expander(kvp.value);
    kvps[i] = new KeyValuePair(key, value, kvp.noDelim);
  }
}

function expandSliceInPlace(values: string[], expander: SingleWordExpander): void {
  for (let i = 0; i < values.length; i++) values[i] = expander(values[i]!);
}

/** `ENV key1=value1 [keyN=valueN...]` */
export class EnvCommand extends WithNameAndCode {
  readonly kind = "env" as const;

  constructor(
    base: CommandBase,
    public env: KeyValuePair[],
  ) {
    super(base);
  }

  expand(expander: SingleWordExpander): void {
    expandKvpsInPlace(this.env, expander);
  }
}

/** `MAINTAINER name` (deprecated). */
export class MaintainerCommand extends WithNameAndCode {
  readonly kind = "maintainer" as const;

  constructor(
    base: CommandBase,
    public maintainer: string,
  ) {
    super(base);
  }
}

/** `LABEL key=value [...]` */
export class LabelCommand extends WithNameAndCode {
  readonly kind = "label" as const;

  constructor(
    base: CommandBase,
    public labels: KeyValuePair[],
    readonly noExpand = false,
  ) {
    super(base);
  }

  expand(expander: SingleWordExpander): void {
    if (this.noExpand) return;
    expandKvpsInPlace(this.labels, expander);
  }
}

/** Go's `NewLabelCommand`: a one-label LABEL command made by the converter (from `label:` options). */
export function newLabelCommand(k: string, v: string, noExp: boolean): LabelCommand {
  const kvp = new KeyValuePair(k, v);
  return new LabelCommand({ code: "LABEL " + kvp.toString(), name: "label", location: [], comments: [] }, [kvp], noExp);
}

/** An inline source of COPY/ADD (a heredoc). */
export interface SourceContent {
  path: string;
  data: string;
  /** Whether the contents expand variables (an unquoted heredoc delimiter). */
  expand: boolean;
}

/** The sources and destination of COPY and ADD. */
export interface SourcesAndDest {
  destPath: string;
  sourcePaths: string[];
  sourceContents: SourceContent[];
}

/** Go's `SourcesAndDest.Expand`: the source paths, then the destination. */
export function expandSourcesAndDest(s: SourcesAndDest, expander: SingleWordExpander): void {
  expandSliceInPlace(s.sourcePaths, expander);
  s.destPath = expander(s.destPath);
}

/** Go's `SourcesAndDest.ExpandRaw`: the contents of the heredocs that expand. */
export function expandRawSourcesAndDest(s: SourcesAndDest, expander: SingleWordExpander): void {
  for (const content of s.sourceContents) {
    if (!content.expand) continue;
    content.data = expander(content.data);
  }
}

/** The fields COPY and ADD share. */
export interface CopyAddFields extends SourcesAndDest {
  chown: string;
  chmod: string;
  link: boolean;
  excludePatterns: string[];
}

/** What COPY and ADD share: sources, destination and the file flags. */
abstract class CopyAddBase extends WithNameAndCode implements CopyAddFields {
  destPath: string;
  sourcePaths: string[];
  sourceContents: SourceContent[];
  chown: string;
  chmod: string;
  link: boolean;
  excludePatterns: string[];

  constructor(base: CommandBase, f: CopyAddFields) {
    super(base);
    this.destPath = f.destPath;
    this.sourcePaths = f.sourcePaths;
    this.sourceContents = f.sourceContents;
    this.chown = f.chown;
    this.chmod = f.chmod;
    this.link = f.link;
    this.excludePatterns = f.excludePatterns;
  }

  expandRaw(expander: SingleWordExpander): void {
    expandRawSourcesAndDest(this, expander);
  }
}

/** The fields of an ADD command. */
export interface AddFields extends CopyAddFields {
  /** `--keep-git-dir`, when given. */
  keepGitDir: boolean | undefined;
  checksum: string;
  /** `--unpack`, when given. */
  unpack: boolean | undefined;
}

/** `ADD [flags] src... dest` */
export class AddCommand extends CopyAddBase implements AddFields {
  readonly kind = "add" as const;
  keepGitDir: boolean | undefined;
  checksum: string;
  unpack: boolean | undefined;

  constructor(base: CommandBase, f: AddFields) {
    super(base, f);
    this.keepGitDir = f.keepGitDir;
    this.checksum = f.checksum;
    this.unpack = f.unpack;
  }

  expand(expander: SingleWordExpander): void {
    this.chown = expander(this.chown);
    this.chmod = expander(this.chmod);
    this.checksum = expander(this.checksum);
    expandSourcesAndDest(this, expander);
  }
}

/** The fields of a COPY command. */
export interface CopyFields extends CopyAddFields {
  from: string;
  /** `--parents`: keep the sources' directory structure. */
  parents: boolean;
}

/** `COPY [flags] src... dest` */
export class CopyCommand extends CopyAddBase implements CopyFields {
  readonly kind = "copy" as const;
  from: string;
  parents: boolean;

  constructor(base: CommandBase, f: CopyFields) {
    super(base, f);
    this.from = f.from;
    this.parents = f.parents;
  }

  expand(expander: SingleWordExpander): void {
    this.chown = expander(this.chown);
    this.chmod = expander(this.chmod);
    expandSourcesAndDest(this, expander);
  }
}

/** `ONBUILD <instruction>` */
export class OnbuildCommand extends WithNameAndCode {
  readonly kind = "onbuild" as const;

  constructor(
    base: CommandBase,
    /** The trigger's source (heredoc bodies appended). */
    public expression: string,
  ) {
    super(base);
  }
}

/** `WORKDIR /path` */
export class WorkdirCommand extends WithNameAndCode {
  readonly kind = "workdir" as const;

  constructor(
    base: CommandBase,
    public path: string,
  ) {
    super(base);
  }

  expand(expander: SingleWordExpander): void {
    this.path = expander(this.path);
  }
}

/** A file made from a heredoc of RUN/CMD/ENTRYPOINT. */
export interface ShellInlineFile {
  name: string;
  data: string;
  chomp: boolean;
}

/** A command line, run through the shell unless written in JSON form. */
export interface ShellDependantCmdLine {
  /** `undefined` for an empty ENTRYPOINT (Go's nil), else the JSON words or the one shell string. */
  cmdLine: string[] | undefined;
  files: ShellInlineFile[];
  prependShell: boolean;
}

/** `RUN [flags] command` (shell form) or `RUN ["exe", "arg"]`. */
export class RunCommand extends WithNameAndCode implements ShellDependantCmdLine {
  readonly kind = "run" as const;
  cmdLine: string[] | undefined = [];
  files: ShellInlineFile[] = [];
  prependShell = false;
  /** The flags given, in source order. */
  flagsUsed: string[] = [];
  /** What the RUN flag hooks keep (Go's withExternalData). */
  mountState: MountState | undefined;
  networkState: NetworkState | undefined;
  securityState: SecurityState | undefined;
  deviceState: DeviceState | undefined;

  constructor(base: CommandBase = { code: "", name: "", location: [], comments: [] }) {
    super(base);
  }

  /** Expands the `--mount` values (the only words of RUN that expand). */
  expand(expander: SingleWordExpander): void {
    setMountState(this, expander);
  }
}

/** `CMD command` or `CMD ["exe", "arg"]` */
export class CmdCommand extends WithNameAndCode implements ShellDependantCmdLine {
  readonly kind = "cmd" as const;
  cmdLine: string[] | undefined;
  files: ShellInlineFile[];
  prependShell: boolean;

  constructor(base: CommandBase, cmdline: ShellDependantCmdLine) {
    super(base);
    this.cmdLine = cmdline.cmdLine;
    this.files = cmdline.files;
    this.prependShell = cmdline.prependShell;
  }
}

/** docker-image-spec's HealthcheckConfig; durations in nanoseconds. */
export interface HealthcheckConfig {
  /** `["NONE"]`, `["CMD", ...]` or `["CMD-SHELL", "..."]`. */
  test: string[];
  interval: number;
  timeout: number;
  startPeriod: number;
  startInterval: number;
  retries: number;
}

/** `HEALTHCHECK [flags] CMD command` or `HEALTHCHECK NONE` */
export class HealthCheckCommand extends WithNameAndCode {
  readonly kind = "healthcheck" as const;

  constructor(
    base: CommandBase,
    public health: HealthcheckConfig,
  ) {
    super(base);
  }
}

/** `ENTRYPOINT command` or `ENTRYPOINT ["exe", "arg"]` */
export class EntrypointCommand extends WithNameAndCode implements ShellDependantCmdLine {
  readonly kind = "entrypoint" as const;
  cmdLine: string[] | undefined;
  files: ShellInlineFile[];
  prependShell: boolean;

  constructor(base: CommandBase, cmdline: ShellDependantCmdLine) {
    super(base);
    this.cmdLine = cmdline.cmdLine;
    this.files = cmdline.files;
    this.prependShell = cmdline.prependShell;
  }
}

/** `EXPOSE port[/proto]...` (ports sorted, as Go sorts them). */
export class ExposeCommand extends WithNameAndCode {
  readonly kind = "expose" as const;

  constructor(
    base: CommandBase,
    public ports: string[],
  ) {
    super(base);
  }
}

/** `USER user[:group]` */
export class UserCommand extends WithNameAndCode {
  readonly kind = "user" as const;

  constructor(
    base: CommandBase,
    public user: string,
  ) {
    super(base);
  }

  expand(expander: SingleWordExpander): void {
    this.user = expander(this.user);
  }
}

/** `VOLUME /path...` */
export class VolumeCommand extends WithNameAndCode {
  readonly kind = "volume" as const;

  constructor(
    base: CommandBase,
    public volumes: string[],
  ) {
    super(base);
  }

  expand(expander: SingleWordExpander): void {
    expandSliceInPlace(this.volumes, expander);
  }
}

/** `STOPSIGNAL signal` */
export class StopSignalCommand extends WithNameAndCode {
  readonly kind = "stopsignal" as const;

  constructor(
    base: CommandBase,
    public signal: string,
  ) {
    super(base);
  }

  expand(expander: SingleWordExpander): void {
    this.signal = expander(this.signal);
  }

  /** Go's PlatformSpecific: STOPSIGNAL is refused for windows. */
  checkPlatform(platform: string): void {
    if (platform === "windows") throw new DockerfileError("The daemon on this platform does not support the command stopsignal");
  }
}

/** `ARG name[=value] [...]` */
export class ArgCommand extends WithNameAndCode {
  readonly kind = "arg" as const;

  constructor(
    base: CommandBase,
    public args: KeyValuePairOptional[],
  ) {
    super(base);
  }

  expand(expander: SingleWordExpander): void {
    for (let i = 0; i < this.args.length; i++) {
      const v = this.args[i]!;
      const key = expander(v.key);
      const value = v.value === undefined ? undefined : expander(v.value);
      this.args[i] = new KeyValuePairOptional(key, value, v.docComment);
    }
  }
}

/** `SHELL ["exe", "arg"]` */
export class ShellCommand extends WithNameAndCode {
  readonly kind = "shell" as const;

  constructor(
    base: CommandBase,
    public shell: string[],
  ) {
    super(base);
  }
}

/** Every command a stage can hold (Go's Command interface), discriminated by `kind`. */
export type Command =
  | EnvCommand
  | MaintainerCommand
  | LabelCommand
  | AddCommand
  | CopyCommand
  | OnbuildCommand
  | WorkdirCommand
  | RunCommand
  | CmdCommand
  | HealthCheckCommand
  | EntrypointCommand
  | ExposeCommand
  | UserCommand
  | VolumeCommand
  | StopSignalCommand
  | ArgCommand
  | ShellCommand;

/** The fields of a Stage. */
export interface StageFields {
  /** The stage name (lower-cased `AS` name), or "". */
  name: string;
  commands: Command[];
  /** The FROM keyword as written (for the casing rules). */
  origCmd: string;
  /** The base image or stage name, unexpanded. */
  baseName: string;
  /** The `--platform` value, unexpanded. */
  platform: string;
  /** The description from a `# <name> <description>` comment above FROM. */
  docComment: string;
  /** The FROM instruction's source text. */
  sourceCode: string;
  location: DockerfileRange[];
  comments: string[];
}

/** A build stage: its FROM and the commands up to the next FROM. */
export class Stage implements StageFields {
  readonly kind = "from" as const;
  name = "";
  commands: Command[] = [];
  origCmd = "";
  baseName = "";
  platform = "";
  docComment = "";
  sourceCode = "";
  location: DockerfileRange[] = [];
  comments: string[] = [];

  constructor(init: Partial<StageFields> = {}) {
    if (init.name !== undefined) this.name = init.name;
    if (init.commands !== undefined) this.commands = init.commands;
    if (init.origCmd !== undefined) this.origCmd = init.origCmd;
    if (init.baseName !== undefined) this.baseName = init.baseName;
    if (init.platform !== undefined) this.platform = init.platform;
    if (init.docComment !== undefined) this.docComment = init.docComment;
    if (init.sourceCode !== undefined) this.sourceCode = init.sourceCode;
    if (init.location !== undefined) this.location = init.location;
    if (init.comments !== undefined) this.comments = init.comments;
  }

  /** Appends a command to the stage. */
  addCommand(cmd: Command): void {
    this.commands.push(cmd);
  }
}

/** Whether `name` is the name of the last stage. */
export function isCurrentStage(s: readonly Stage[], name: string): boolean {
  if (s.length === 0) return false;
  return s[s.length - 1]!.name === name;
}

/** The last stage; throws "no build stage in current context" when there is none. */
export function currentStage(s: readonly Stage[]): Stage {
  if (s.length === 0) throw new DockerfileError("no build stage in current context");
  return s[s.length - 1]!;
}

/** The index of the stage named `name` (case-insensitive), or -1. */
export function hasStage(s: readonly Stage[], name: string): number {
  for (let i = 0; i < s.length; i++) if (equalFold(s[i]!.name, name)) return i;
  return -1;
}

