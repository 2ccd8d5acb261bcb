/**
 * Typed errors shared by every layer. Each error has a stable `code` from
 * {@link ErrorCode}, an optional `cause`, and, where the user's input is at fault,
 * a location (file, line, column) or the flag that was wrong.
 */

export const ErrorCode = {
  /** An LLB graph is invalid (found when it is validated or marshalled). */
  InvalidGraph: "LLB_INVALID_GRAPH",
  /** A value given to the LLB API is malformed (image reference, platform, path...). */
  InvalidArgument: "INVALID_ARGUMENT",
  /** A platform string could not be parsed. */
  InvalidPlatform: "INVALID_PLATFORM",
  /** A Definition could not be decoded. */
  InvalidDefinition: "INVALID_DEFINITION",
  /** A build program failed to load, threw, or returned something unusable. */
  Program: "PROGRAM",
  /** A Dockerfile could not be parsed or converted (carries its line ranges). */
  Dockerfile: "DOCKERFILE",
  /** A command-line flag or option value is wrong. */
  Usage: "USAGE",
  /** An I/O operation on the user's files failed. */
  Io: "IO",
  /** The daemon refused or failed a request (connection, build, export). */
  Daemon: "DAEMON",
  /** A build step failed. */
  Build: "BUILD",
  /** The build was cancelled (Ctrl-C, SIGTERM). */
  Canceled: "CANCELED",
  /** A builder (a named list of buildkitd nodes) is unknown, malformed or cannot serve a request. */
  Builder: "BUILDER",
  /** One node of a builder could not be reached or failed its part of a build. */
  BuilderNode: "BUILDER_NODE",
  /** Something that should not happen happened. */
  Internal: "INTERNAL",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Where in the user's input an error was found. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

export interface TsfErrorOptions {
  cause?: unknown;
  location?: SourceLocation;
  /** The CLI flag or option key at fault, e.g. `--platform`. */
  flag?: string;
}

/** Base class of every error tsfrontend throws on purpose. */
export class TsfError extends Error {
  readonly code: ErrorCode;
  readonly location?: SourceLocation;
  readonly flag?: string;

  constructor(code: ErrorCode, message: string, options: TsfErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options.location) this.location = options.location;
    if (options.flag) this.flag = options.flag;
  }

  /** One line for a terminal: `file:line:col: message` or `flag: message`. */
  toOneLine(): string {
    let prefix = "";
    if (this.location) {
      prefix = this.location.file;
      if (this.location.line !== undefined) prefix += `:${this.location.line}`;
      if (this.location.column !== undefined) prefix += `:${this.location.column}`;
      prefix += ": ";
    } else if (this.flag) {
      prefix = `${this.flag}: `;
    }
    return prefix + this.message.replace(/\s*\n\s*/g, " ");
  }
}

/** The LLB graph or one of its arguments is invalid. */
export class LlbError extends TsfError {
  constructor(message: string, options: TsfErrorOptions = {}) {
    super(ErrorCode.InvalidGraph, message, options);
  }
}

/** A value passed by the user has the wrong form. */
export class InvalidArgumentError extends TsfError {
  constructor(message: string, options: TsfErrorOptions = {}) {
    super(ErrorCode.InvalidArgument, message, options);
  }
}

/** A platform string such as `linux/arm/v7` could not be parsed. */
export class PlatformError extends TsfError {
  constructor(message: string, options: TsfErrorOptions = {}) {
    super(ErrorCode.InvalidPlatform, message, options);
  }
}

/** Bytes that should hold a `pb.Definition` do not. */
export class DefinitionError extends TsfError {
  constructor(message: string, options: TsfErrorOptions = {}) {
    super(ErrorCode.InvalidDefinition, message, options);
  }
}

/** A build program could not be loaded or run. Carries the program's file:line. */
export class ProgramError extends TsfError {
  constructor(message: string, options: TsfErrorOptions = {}) {
    super(ErrorCode.Program, message, options);
  }
}

/** A position in a Dockerfile as buildkit's parser.Position: 1-based line, 0-based character. */
export interface DockerfilePosition {
  line: number;
  character: number;
}

/** A range of a Dockerfile as buildkit's parser.Range. */
export interface DockerfileRange {
  start: DockerfilePosition;
  end: DockerfilePosition;
}

export interface DockerfileErrorOptions extends TsfErrorOptions {
  /** Where in the Dockerfile (one location); the first range's line becomes `location.line`. */
  ranges?: DockerfileRange[];
  /** Every location, in the order they were added (buildkit's LocationError.Locations); wins over `ranges`. */
  locations?: DockerfileRange[][];
}

/**
 * The one error the Dockerfile parser, instruction parser and converter throw
 * for bad input. `message` is dockerfile.v0's message for the same input.
 */
export class DockerfileError extends TsfError {
  /** Every location the error was given, first first (Go's `parser.WithLocation` appends). */
  readonly locations: DockerfileRange[][];

  constructor(message: string, options: DockerfileErrorOptions = {}) {
    const locations = (options.locations ?? (options.ranges ? [options.ranges] : [])).filter((l) => l.length > 0);
    const first = locations[0]?.[0];
    const location = options.location ?? (first ? { file: "Dockerfile", line: first.start.line } : undefined);
    const { ranges: _r, locations: _l, ...rest } = options;
    super(ErrorCode.Dockerfile, message, { ...rest, ...(location ? { location } : {}) });
    this.locations = locations;
  }

  /** The first location's ranges (empty when the error has no location). */
  get ranges(): DockerfileRange[] {
    return this.locations[0] ?? [];
  }

  /** This error with `ranges` added as a further location, in place as buildkit's parser.WithLocation does (keeps subclasses). */
  withRanges(ranges: DockerfileRange[], file?: string): DockerfileError {
    if (ranges.length === 0) return this;
    this.locations.push(ranges);
    if (this.locations.length === 1) {
      (this as { location?: SourceLocation }).location = { file: file ?? this.location?.file ?? "Dockerfile", line: ranges[0]!.start.line };
    }
    return this;
  }
}

/** A command-line usage error: names the flag and the accepted forms. */
export class UsageError extends TsfError {
  constructor(message: string, options: TsfErrorOptions = {}) {
    super(ErrorCode.Usage, message, options);
  }
}

/** An error the command has already reported to the user; the CLI only exits with its status. */
export class ReportedError extends TsfError {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1, options: TsfErrorOptions = {}) {
    super(exitCode === 130 ? ErrorCode.Canceled : ErrorCode.Build, message, options);
    this.exitCode = exitCode;
  }
}

/** A builder is unknown, its file is malformed, or it cannot serve the build (no node for a platform). */
export class BuilderError extends TsfError {
  constructor(message: string, options: TsfErrorOptions = {}) {
    super(ErrorCode.Builder, message, options);
  }
}

/**
 * One node of a builder failed: unreachable, or its build failed or was cut
 * off. The message is one line naming the node, its address and its platforms:
 * `node "n1" (tcp://host:1234) for linux/arm64: connection refused`.
 */
export class BuilderNodeError extends TsfError {
  readonly node: string;
  readonly address: string;
  readonly platforms: string[];
  /** The reason alone (the underlying error's one line). */
  readonly reason: string;

  constructor(node: string, address: string, platforms: readonly string[], reason: string, options: TsfErrorOptions = {}) {
    super(ErrorCode.BuilderNode, `node ${JSON.stringify(node)} (${address})${platforms.length > 0 ? ` for ${platforms.join(",")}` : ""}: ${reason}`, options);
    this.node = node;
    this.address = address;
    this.platforms = [...platforms];
    this.reason = reason;
  }
}
