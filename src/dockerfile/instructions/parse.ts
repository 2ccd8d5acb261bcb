/**
 * From the parser's AST to typed instructions and build stages: a port of
 * buildkit v0.32.2 frontend/dockerfile/instructions/parse.go. Errors are
 * DockerfileErrors worded as Go's, located at the instruction's lines.
 */

import type { DockerfileRange } from "../../errors.js";
import { DockerfileError } from "../../errors.js";
import { goQuote, parseInt } from "../../internal/go/strconv.js";
import { equalFold, goTrimSpace } from "../../internal/go/strings.js";
import { suggestMessage } from "../../internal/go/suggest.js";
import { parseDuration } from "../../internal/go/time.js";
import { compareUtf8 } from "../../internal/go/utf8.js";
import * as command from "../command/command.js";
import type { Linter } from "../linter/linter.js";
import {
  ruleFromAsCasing,
  ruleInvalidDefinitionDescription,
  ruleMaintainerDeprecated,
  ruleStageNameCasing,
} from "../linter/ruleset.js";
import { withLocation } from "../parser/errors.js";
import { chompHeredocContent, mustParseHeredoc, nodeLocation, type Heredoc, type Node } from "../parser/parser.js";
import { BFlags, type Flag } from "./bflag.js";
import {
  AddCommand,
  ArgCommand,
  CmdCommand,
  CopyCommand,
  currentStage,
  EntrypointCommand,
  EnvCommand,
  ExposeCommand,
  HealthCheckCommand,
  KeyValuePair,
  KeyValuePairOptional,
  LabelCommand,
  MaintainerCommand,
  OnbuildCommand,
  RunCommand,
  ShellCommand,
  Stage,
  StopSignalCommand,
  UserCommand,
  VolumeCommand,
  WorkdirCommand,
  type Command,
  type CommandBase,
  type HealthcheckConfig,
  type ShellDependantCmdLine,
  type ShellInlineFile,
  type SourceContent,
  type SourcesAndDest,
} from "./commands.js";
import { runDevicePostHook, runDevicePreHook } from "./commands-rundevice.js";
import { runMountPostHook, runMountPreHook } from "./commands-runmount.js";
import { runNetworkPostHook, runNetworkPreHook } from "./commands-runnetwork.js";
import { runSecurityPostHook, runSecurityPreHook } from "./commands-runsecurity.js";
import { errNotJSON } from "./errors.js";
import { handleJSONArgs } from "./support.js";

/** One instruction as the parse functions see it. */
interface ParseRequest {
  command: string;
  args: string[];
  heredocs: Heredoc[];
  attributes: Record<string, boolean>;
  flags: BFlags;
  original: string;
  location: DockerfileRange[];
  comments: string[];
}

/** The RUN flag hooks, in the order Go registers them (its files' init order). */
const parseRunPreHooks: ((cmd: RunCommand, flags: BFlags) => void)[] = [
  runDevicePreHook,
  runMountPreHook,
  runNetworkPreHook,
  runSecurityPreHook,
];
const parseRunPostHooks: ((cmd: RunCommand) => void)[] = [
  runDevicePostHook,
  runMountPostHook,
  runNetworkPostHook,
  runSecurityPostHook,
];

function nodeArgs(node: Node, result: string[] = []): string[] {
  for (let n = node; n.next !== undefined; n = n.next) {
    const arg = n.next;
    if (arg.children.length === 0) {
      result.push(arg.value);
    } else if (arg.children.length === 1) {
      const sub = arg.children[0]!;
      result.push(sub.value);
      nodeArgs(sub, result);
    }
  }
  return result;
}

function newParseRequestFromNode(node: Node): ParseRequest {
  return {
    command: node.value,
    args: nodeArgs(node),
    heredocs: node.heredocs,
    attributes: node.attributes,
    original: node.original,
    flags: new BFlags(node.flags),
    location: nodeLocation(node),
    comments: node.prevComment,
  };
}

function newWithNameAndCode(req: ParseRequest): CommandBase {
  return { code: goTrimSpace(req.original), name: req.command, location: req.location, comments: req.comments };
}

/** An instruction whose name is not a Dockerfile instruction. */
export class UnknownInstructionError extends DockerfileError {
  constructor(
    readonly instruction: string,
    readonly line: number,
    message: string,
    ranges: DockerfileRange[],
  ) {
    super(message, { ranges });
  }
}

/** One AST node as a build stage (FROM) or a command. Throws a located DockerfileError. */
export function parseInstruction(node: Node): Stage | Command {
  return parseInstructionWithLinter(node, undefined);
}

/** `parseInstruction` reporting the checks made while parsing (casing of FROM/AS, MAINTAINER, descriptions) to `lint`. */
export function parseInstructionWithLinter(node: Node, lint: Linter | undefined): Stage | Command {
  lint = lint?.withMergedConfigFromComments(node.prevComment);
  try {
    return parseInstructionInner(node, lint);
  } catch (err) {
    throw withLocation(err, nodeLocation(node));
  }
}

function parseInstructionInner(node: Node, lint: Linter | undefined): Stage | Command {
  const req = newParseRequestFromNode(node);
  switch (node.value.toLowerCase()) {
    case command.Env:
      return parseEnv(req);
    case command.Maintainer:
      lint?.run(ruleMaintainerDeprecated, nodeLocation(node), ruleMaintainerDeprecated.format());
      return parseMaintainer(req);
    case command.Label:
      return parseLabel(req);
    case command.Add:
      return parseAdd(req);
    case command.Copy:
      return parseCopy(req);
    case command.From: {
      if (!isLowerCaseStageName(req.args)) {
        lint?.run(ruleStageNameCasing, nodeLocation(node), ruleStageNameCasing.format(req.args[2]!));
      }
      if (!doesFromCaseMatchAsCase(req)) {
        lint?.run(ruleFromAsCasing, nodeLocation(node), ruleFromAsCasing.format(req.command, req.args[1]!));
      }
      const fromCmd = parseFrom(req);
      if (fromCmd.name !== "") {
        validateDefinitionDescription("FROM", [fromCmd.name], node.prevComment, nodeLocation(node), lint);
      }
      return fromCmd;
    }
    case command.Onbuild:
      return parseOnBuild(req);
    case command.Workdir:
      return parseWorkdir(req);
    case command.Run:
      return parseRun(req);
    case command.Cmd:
      return parseCmd(req);
    case command.Healthcheck:
      return parseHealthcheck(req);
    case command.Entrypoint:
      return parseEntrypoint(req);
    case command.Expose:
      return parseExpose(req);
    case command.User:
      return parseUser(req);
    case command.Volume:
      return parseVolume(req);
    case command.StopSignal:
      return parseStopSignal(req);
    case command.Arg: {
      const argCmd = parseArg(req);
      validateDefinitionDescription(
        "ARG",
        argCmd.args.map((a) => a.key),
        node.prevComment,
        nodeLocation(node),
        lint,
      );
      return argCmd;
    }
    case command.Shell:
      return parseShell(req);
  }
  const msg = suggestMessage(`unknown instruction: ${node.value}`, node.value, allInstructionNames(), false);
  throw new UnknownInstructionError(node.value, node.startLine, msg, []); // located once by parseInstructionWithLinter, as Go's
}

/** One AST node as a command; a FROM is an error. */
export function parseCommand(node: Node): Command {
  const s = parseInstruction(node);
  if (s instanceof Stage) throw withLocation(new DockerfileError("*instructions.Stage is not a command type"), nodeLocation(node));
  return s;
}

/** The stages of a Dockerfile and the ARGs before its first FROM. */
export interface ParseResult {
  stages: Stage[];
  metaArgs: ArgCommand[];
}

/**
 * Go's `instructions.Parse`: the AST's instructions grouped into stages. An
 * instruction's error reads `dockerfile parse error on line N: ...`.
 */
export function parse(ast: Node, lint: Linter | undefined): ParseResult {
  const stages: Stage[] = [];
  const metaArgs: ArgCommand[] = [];
  for (const n of ast.children) {
    let cmd: Stage | Command;
    try {
      cmd = parseInstructionWithLinter(n, lint);
    } catch (err) {
      const inner = err as DockerfileError;
      throw new DockerfileError(`dockerfile parse error on line ${n.startLine}: ${inner.message}`, {
        locations: inner.locations,
        cause: inner,
      });
    }
    if (stages.length === 0 && cmd instanceof ArgCommand) {
      metaArgs.push(cmd);
      continue;
    }
    if (cmd instanceof Stage) {
      stages.push(cmd);
      continue;
    }
    let stage: Stage;
    try {
      stage = currentStage(stages);
    } catch (err) {
      throw withLocation(err, nodeLocation(n));
    }
    stage.addCommand(cmd);
  }
  return { stages, metaArgs };
}

function parseKvps(args: string[], cmdName: string): KeyValuePair[] {
  if (args.length === 0) throw errAtLeastOneArgument(cmdName);
  if (args.length % 3 !== 0) throw errTooManyArguments(cmdName);
  const res: KeyValuePair[] = [];
  for (let j = 0; j < args.length; j += 3) {
    if (args[j]!.length === 0) throw errBlankCommandNames(cmdName);
    res.push(new KeyValuePair(args[j]!, args[j + 1]!, args[j + 2] === ""));
  }
  return res;
}

function parseEnv(req: ParseRequest): EnvCommand {
  req.flags.parse();
  const envs = parseKvps(req.args, "ENV");
  return new EnvCommand(newWithNameAndCode(req), envs);
}

function parseMaintainer(req: ParseRequest): MaintainerCommand {
  if (req.args.length !== 1) throw errExactlyOneArgument("MAINTAINER");
  req.flags.parse();
  return new MaintainerCommand(newWithNameAndCode(req), req.args[0]!);
}

function parseLabel(req: ParseRequest): LabelCommand {
  req.flags.parse();
  const labels = parseKvps(req.args, "LABEL");
  return new LabelCommand(newWithNameAndCode(req), labels);
}

function parseSourcesAndDest(req: ParseRequest, cmd: string): SourcesAndDest {
  const srcs = req.args.slice(0, req.args.length - 1);
  const dest = req.args[req.args.length - 1]!;
  if (mustParseHeredoc(dest) !== undefined) throw errBadHeredoc(cmd, "a destination");

  const heredocLookup = new Map<string, Heredoc>();
  for (const heredoc of req.heredocs) heredocLookup.set(heredoc.name, heredoc);

  const sourcePaths: string[] = [];
  const sourceContents: SourceContent[] = [];
  for (const src of srcs) {
    const heredoc = mustParseHeredoc(src);
    if (heredoc !== undefined) {
      let content = heredocLookup.get(heredoc.name)?.content ?? "";
      if (heredoc.chomp) content = chompHeredocContent(content);
      sourceContents.push({ data: content, path: heredoc.name, expand: heredoc.expand });
    } else {
      sourcePaths.push(src);
    }
  }
  return { destPath: dest, sourcePaths, sourceContents };
}

function parseAdd(req: ParseRequest): AddCommand {
  if (req.args.length < 2) throw errNoDestinationArgument("ADD");
  const flChown = req.flags.addString("chown", "");
  const flChmod = req.flags.addString("chmod", "");
  const flLink = req.flags.addBool("link", false);
  const flKeepGitDir = req.flags.addBool("keep-git-dir", false);
  const flChecksum = req.flags.addString("checksum", "");
  const flUnpack = req.flags.addBool("unpack", false);
  const flExcludes = req.flags.addStrings("exclude");
  req.flags.parse();

  const sd = parseSourcesAndDest(req, "ADD");
  const unpack = req.flags.used.has("unpack") ? flUnpack.value === "true" : undefined;
  const keepGit = req.flags.used.has("keep-git-dir") ? flKeepGitDir.value === "true" : undefined;
  return new AddCommand(newWithNameAndCode(req), {
    destPath: sd.destPath,
    sourcePaths: sd.sourcePaths,
    sourceContents: sd.sourceContents,
    chown: flChown.value,
    chmod: flChmod.value,
    link: flLink.value === "true",
    keepGitDir: keepGit,
    checksum: flChecksum.value,
    excludePatterns: flExcludes.stringValues,
    unpack,
  });
}

function parseCopy(req: ParseRequest): CopyCommand {
  if (req.args.length < 2) throw errNoDestinationArgument("COPY");
  const flChown = req.flags.addString("chown", "");
  const flFrom = req.flags.addString("from", "");
  const flChmod = req.flags.addString("chmod", "");
  const flLink = req.flags.addBool("link", false);
  const flExcludes = req.flags.addStrings("exclude");
  const flParents = req.flags.addBool("parents", false);
  req.flags.parse();

  const sd = parseSourcesAndDest(req, "COPY");
  return new CopyCommand(newWithNameAndCode(req), {
    destPath: sd.destPath,
    sourcePaths: sd.sourcePaths,
    sourceContents: sd.sourceContents,
    from: flFrom.value,
    chown: flChown.value,
    chmod: flChmod.value,
    link: flLink.value === "true",
    parents: flParents.value === "true",
    excludePatterns: flExcludes.stringValues,
  });
}

function parseFrom(req: ParseRequest): Stage {
  const stageName = parseBuildStageName(req.args);
  const flPlatform = req.flags.addString("platform", "");
  req.flags.parse();
  return new Stage({
    baseName: req.args[0]!,
    origCmd: req.command,
    name: stageName,
    sourceCode: goTrimSpace(req.original),
    commands: [],
    platform: flPlatform.value,
    location: req.location,
    comments: req.comments,
    docComment: getDocComment(req.comments, stageName),
  });
}

const validStageName = /^[a-z][a-z0-9\-_.]*$/;

function parseBuildStageName(args: string[]): string {
  let stageName = "";
  if (args.length === 3 && equalFold(args[1]!, "as")) {
    stageName = args[2]!.toLowerCase();
    if (!validStageName.test(stageName)) {
      throw new DockerfileError(`invalid name for build stage: ${goQuote(args[2]!)}, name can't start with a number or contain symbols`);
    }
  } else if (args.length !== 1) {
    throw new DockerfileError("FROM requires either one or three arguments");
  }
  return stageName;
}

function parseOnBuild(req: ParseRequest): OnbuildCommand {
  if (req.args.length === 0) throw errAtLeastOneArgument("ONBUILD");
  req.flags.parse();

  const triggerInstruction = goTrimSpace(req.args[0]!).toUpperCase();
  switch (triggerInstruction) {
    case "ONBUILD":
      throw new DockerfileError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    case "MAINTAINER":
    case "FROM":
      throw new DockerfileError(`${triggerInstruction} isn't allowed as an ONBUILD trigger`);
  }

  let original = req.original.replace(/^[\t\n\f\r ]*ONBUILD[\t\n\f\r ]*/i, "");
  if (req.heredocs.length > 0) {
    for (const heredoc of req.heredocs) original += "\n" + heredoc.content + heredoc.name;
  }
  return new OnbuildCommand(newWithNameAndCode(req), original);
}

function parseWorkdir(req: ParseRequest): WorkdirCommand {
  if (req.args.length !== 1) throw errExactlyOneArgument("WORKDIR");
  req.flags.parse();
  return new WorkdirCommand(newWithNameAndCode(req), req.args[0]!);
}

function parseShellDependentCommand(req: ParseRequest, emptyAsNil: boolean): ShellDependantCmdLine {
  const files: ShellInlineFile[] = req.heredocs.map((h) => ({ name: h.name, data: h.content, chomp: h.chomp }));
  const args = handleJSONArgs(req.args, req.attributes);
  return {
    cmdLine: emptyAsNil && args.length === 0 ? undefined : args,
    files,
    prependShell: !req.attributes["json"],
  };
}

function parseRun(req: ParseRequest): RunCommand {
  const cmd = new RunCommand(newWithNameAndCode(req));
  for (const fn of parseRunPreHooks) fn(cmd, req.flags);
  req.flags.parse();
  cmd.flagsUsed = req.flags.usedNames();
  const cmdline = parseShellDependentCommand(req, false);
  cmd.cmdLine = cmdline.cmdLine;
  cmd.files = cmdline.files;
  cmd.prependShell = cmdline.prependShell;
  for (const fn of parseRunPostHooks) fn(cmd);
  return cmd;
}

function parseCmd(req: ParseRequest): CmdCommand {
  req.flags.parse();
  return new CmdCommand(newWithNameAndCode(req), parseShellDependentCommand(req, false));
}

function parseEntrypoint(req: ParseRequest): EntrypointCommand {
  req.flags.parse();
  return new EntrypointCommand(newWithNameAndCode(req), parseShellDependentCommand(req, true));
}

const minimumDuration = 1000000n;

/** The flag's duration in nanoseconds (0 when empty); below 1ms (other than 0) is an error. */
function parseOptInterval(f: Flag): number {
  const s = f.value;
  if (s === "") return 0;
  let d: bigint;
  try {
    d = parseDuration(s);
  } catch (err) {
    throw new DockerfileError((err as Error).message);
  }
  if (d === 0n) return 0;
  if (d < minimumDuration) throw new DockerfileError(`Interval ${goQuote(f.name)} cannot be less than 1ms`);
  return Number(d);
}

function parseHealthcheck(req: ParseRequest): HealthCheckCommand {
  if (req.args.length === 0) throw errAtLeastOneArgument("HEALTHCHECK");
  let typ = req.args[0]!.toUpperCase();
  const args = req.args.slice(1);
  if (typ === "NONE") {
    if (args.length !== 0) throw new DockerfileError("HEALTHCHECK NONE takes no arguments");
    return new HealthCheckCommand(newWithNameAndCode(req), {
      test: [typ],
      interval: 0,
      timeout: 0,
      startPeriod: 0,
      startInterval: 0,
      retries: 0,
    });
  }
  const flInterval = req.flags.addString("interval", "");
  const flTimeout = req.flags.addString("timeout", "");
  const flStartPeriod = req.flags.addString("start-period", "");
  const flStartInterval = req.flags.addString("start-interval", "");
  const flRetries = req.flags.addString("retries", "");
  req.flags.parse();

  if (typ !== "CMD") throw new DockerfileError(`Unknown type ${goQuote(typ)} in HEALTHCHECK (try CMD)`);
  const cmdSlice = handleJSONArgs(args, req.attributes);
  if (cmdSlice.length === 0) throw new DockerfileError("Missing command after HEALTHCHECK CMD");
  if (!req.attributes["json"]) typ = "CMD-SHELL";

  const health: HealthcheckConfig = {
    test: [typ, ...cmdSlice],
    interval: parseOptInterval(flInterval),
    timeout: parseOptInterval(flTimeout),
    startPeriod: parseOptInterval(flStartPeriod),
    startInterval: parseOptInterval(flStartInterval),
    retries: 0,
  };
  if (flRetries.value !== "") {
    let retries: bigint;
    try {
      retries = parseInt(flRetries.value, 10, 32);
    } catch (err) {
      throw new DockerfileError((err as Error).message);
    }
    if (retries < 0n) throw new DockerfileError(`--retries cannot be negative (${retries})`);
    health.retries = Number(retries);
  }
  return new HealthCheckCommand(newWithNameAndCode(req), health);
}

function parseExpose(req: ParseRequest): ExposeCommand {
  const portsTab = req.args;
  if (req.args.length === 0) throw errAtLeastOneArgument("EXPOSE");
  req.flags.parse();
  portsTab.sort(compareUtf8);
  return new ExposeCommand(newWithNameAndCode(req), portsTab);
}

function parseUser(req: ParseRequest): UserCommand {
  if (req.args.length !== 1) throw errExactlyOneArgument("USER");
  req.flags.parse();
  return new UserCommand(newWithNameAndCode(req), req.args[0]!);
}

function parseVolume(req: ParseRequest): VolumeCommand {
  if (req.args.length === 0) throw errAtLeastOneArgument("VOLUME");
  req.flags.parse();
  const volumes: string[] = [];
  for (let v of req.args) {
    v = goTrimSpace(v);
    if (v === "") throw new DockerfileError("VOLUME specified can not be an empty string");
    volumes.push(v);
  }
  return new VolumeCommand(newWithNameAndCode(req), volumes);
}

function parseStopSignal(req: ParseRequest): StopSignalCommand {
  if (req.args.length !== 1) throw errExactlyOneArgument("STOPSIGNAL");
  return new StopSignalCommand(newWithNameAndCode(req), req.args[0]!);
}

function parseArg(req: ParseRequest): ArgCommand {
  if (req.args.length < 1) throw errAtLeastOneArgument("ARG");
  const pairs: KeyValuePairOptional[] = [];
  for (const arg of req.args) {
    const eq = arg.indexOf("=");
    let kvpo: KeyValuePairOptional;
    if (eq >= 0) {
      if (eq === 0) throw errBlankCommandNames("ARG");
      kvpo = new KeyValuePairOptional(arg.slice(0, eq), arg.slice(eq + 1));
    } else {
      kvpo = new KeyValuePairOptional(arg);
    }
    kvpo.docComment = getDocComment(req.comments, kvpo.key);
    pairs.push(kvpo);
  }
  return new ArgCommand(newWithNameAndCode(req), pairs);
}

function parseShell(req: ParseRequest): ShellCommand {
  req.flags.parse();
  const shellSlice = handleJSONArgs(req.args, req.attributes);
  if (shellSlice.length === 0) throw errAtLeastOneArgument("SHELL");
  if (req.attributes["json"]) return new ShellCommand(newWithNameAndCode(req), shellSlice);
  throw errNotJSON("SHELL", req.original);
}

function errAtLeastOneArgument(cmd: string): DockerfileError {
  return new DockerfileError(`${cmd} requires at least one argument`);
}

function errExactlyOneArgument(cmd: string): DockerfileError {
  return new DockerfileError(`${cmd} requires exactly one argument`);
}

function errNoDestinationArgument(cmd: string): DockerfileError {
  return new DockerfileError(`${cmd} requires at least two arguments, but only one was provided. Destination could not be determined`);
}

function errBadHeredoc(cmd: string, option: string): DockerfileError {
  return new DockerfileError(`${cmd} cannot accept a heredoc as ${option}`);
}

function errBlankCommandNames(cmd: string): DockerfileError {
  return new DockerfileError(`${cmd} names can not be blank`);
}

function errTooManyArguments(cmd: string): DockerfileError {
  return new DockerfileError(`Bad input to ${cmd}, too many arguments`);
}

function getDocComment(comments: string[], name: string): string {
  if (name === "") return "";
  const prefix = name + " ";
  for (const line of comments) if (line.startsWith(prefix)) return line.slice(prefix.length);
  return "";
}

let instructionNames: string[] | undefined;

function allInstructionNames(): string[] {
  instructionNames ??= [...command.commands].map((n) => n.toUpperCase());
  return instructionNames;
}

function isLowerCaseStageName(cmdArgs: string[]): boolean {
  if (cmdArgs.length !== 3) return true;
  const stageName = cmdArgs[2]!;
  return stageName === stageName.toLowerCase();
}

function doesFromCaseMatchAsCase(req: ParseRequest): boolean {
  if (req.args.length < 3) return true;
  const fromHasLowerCasing = req.command === req.command.toLowerCase();
  const fromHasUpperCasing = req.command === req.command.toUpperCase();
  if (!fromHasLowerCasing && !fromHasUpperCasing) return true;
  if (fromHasLowerCasing) return req.args[1] === req.args[1]!.toLowerCase();
  return req.args[1] === req.args[1]!.toUpperCase();
}

function validateDefinitionDescription(
  instruction: string,
  argKeys: string[],
  descComments: string[],
  location: DockerfileRange[],
  lint: Linter | undefined,
): void {
  if (descComments.length === 0 || argKeys.length === 0) return;
  const descCommentParts = descComments[descComments.length - 1]!.split(" ");
  if (argKeys.includes(descCommentParts[0]!)) return;
  const exampleKey = argKeys.length > 1 ? "<arg_key>" : argKeys[0]!;
  lint?.run(ruleInvalidDefinitionDescription, location, ruleInvalidDefinitionDescription.format(instruction, exampleKey));
}
