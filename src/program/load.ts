/**
 * Loading and running build programs: transpile the `.ts` file with esbuild
 * (imports of `tsfrontend/*` resolve to this package, so the program and the
 * runner share one `State` class), import it, call its default export with a
 * build context, and map every failure to a one-line {@link ProgramError}
 * carrying the program's file:line. While the program runs, each op it
 * creates records the program line that created it, so build errors point
 * there too.
 */

import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Message } from "esbuild";
import { checkDeclarations } from "./declarations.js";
import { ProgramError, TsfError } from "../errors.js";
import { SourceMap, type SourceLocation } from "../llb/index.js";
import { setLocationProvider } from "../llb/constraints.js";
import { classifyBuildFile } from "./classify.js";
import { importModule } from "../internal/node/dynamic-import.js";
import { normalizeBuildResult, type ResolvedResult } from "./context.js";
import { PROGRAM_NAMESPACE, programImports, type ProgramFiles } from "./imports.js";
import type { BuildContext, BuildProgram, ProgramDeclarations } from "./types.js";
import { blankDirectiveLines, detectSyntax } from "./syntax.js";
import { SourceMapLookup } from "./source-map.js";
import { trackCalls, watchRun, type RunFault } from "./watch.js";

export interface LoadedProgram {
  /** Absolute path of the program file (locally), or its path in the build file's local (frontend). */
  file: string;
  /** How the file names itself in errors (relative to the working directory when shorter). */
  displayName: string;
  /** The `// syntax=` or `# syntax=` directive on the first lines, if any. */
  syntax: string | undefined;
  source: string;
  /** The program's source map, shared by every op it creates. */
  sourceMap: SourceMap;
  /** Maps stack positions in the loaded bundle back to the program file. */
  positions: ProgramPositions;
  run: BuildProgram;
  /** What the module exports besides its default (`targets`, `args`), for `--call targets|outline`. */
  declarations?: ProgramDeclarations;
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}

function esbuildError(messages: readonly Message[], files: ProgramFiles, fallbackFile: string): ProgramError {
  const m = messages[0];
  if (!m) return new ProgramError("failed to compile the program", { location: { file: fallbackFile } });
  const loc = m.location;
  const file = loc?.file ? files.display(loc.file.startsWith(PROGRAM_NAMESPACE + ":") ? loc.file.slice(PROGRAM_NAMESPACE.length + 1) : loc.file) : fallbackFile;
  return new ProgramError(m.text, {
    location: loc ? { file, line: loc.line, column: loc.column + 1 } : { file: fallbackFile },
  });
}

/** The program's own modules on the local file system, rooted at the build file's directory. */
export function diskProgramFiles(root: string): ProgramFiles {
  return {
    async readFirst(paths) {
      for (const p of paths) {
        try {
          return { path: p, data: await readFile(join(root, p), "utf8") };
        } catch {
          // next candidate
        }
      }
      return undefined;
    },
    display: (p) => displayPath(join(root, p)),
  };
}

/** Transpiles and imports a program file. Syntax and import errors carry the file:line. */
export async function loadProgram(path: string): Promise<LoadedProgram> {
  const file = resolve(path);
  const displayName = displayPath(file);
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ProgramError(code === "ENOENT" ? "no such file" : `cannot read the program: ${(err as Error).message}`, {
      location: { file: displayName },
      cause: err,
    });
  }
  return loadProgramSource({ path: basename(file), source, files: diskProgramFiles(dirname(file)), file, displayName });
}

export interface ProgramSourceOptions {
  /** The build file's posix path in `files` (e.g. `build.ts`, `sub/Dockerfile`). */
  path: string;
  source: string;
  /** Where relative imports are read from. */
  files: ProgramFiles;
  /** Default: `path`. */
  file?: string;
  /** Default: `files.display(path)`. */
  displayName?: string;
}

/**
 * Classifies (classify.ts), transpiles and imports a build file read from
 * anywhere. A Dockerfile or a file that is neither fails with one line.
 */
export async function loadProgramSource(o: ProgramSourceOptions): Promise<LoadedProgram> {
  const { source, files } = o;
  const file = o.file ?? o.path;
  const displayName = o.displayName ?? files.display(o.path);
  const kind = await classifyBuildFile(o.path, source);
  if (kind.kind === "dockerfile") {
    // Callers route Dockerfiles to the Dockerfile builder first; one that reaches here says so in one line.
    throw new ProgramError(`a Dockerfile, not a build program (${displayName}:${kind.line}): it is built by the Dockerfile builder (tsfrontend build -f, the frontend image)`);
  }
  if (kind.kind === "unknown") {
    const why = kind.parseError ? ` (as TypeScript, line ${kind.parseError.line}:${kind.parseError.column}: ${kind.parseError.text})` : "";
    throw new ProgramError(
      "neither a build program nor a Dockerfile: a program is a .ts/.mts file, or starts with `// syntax=...`, or is an ES module with a default export" +
        why +
        "; a Dockerfile starts with an instruction (FROM, ARG...)",
      { location: { file: displayName, ...(kind.parseError?.line ? { line: kind.parseError.line } : {}) } },
    );
  }
  let code: string;
  let mapText: string;
  // esbuild is loaded on first use: running a loaded program (or a Dockerfile build) never needs it.
  const transpileStart = performance.now();
  const { build: esbuild } = await import("esbuild");
  try {
    const out = await esbuild({
      entryPoints: [o.path],
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      target: "node20",
      sourcemap: "external",
      sourcesContent: false,
      outfile: "program.mjs",
      logLevel: "silent",
      absWorkingDir: process.cwd(),
      plugins: [programImports(files, o.path, blankDirectiveLines(source))],
    });
    code = out.outputFiles.find((f) => f.path.endsWith(".mjs"))!.text;
    mapText = out.outputFiles.find((f) => f.path.endsWith(".map"))!.text;
    // Where a frontend's time goes (frontend/stats.ts puts these in the bench's timeline).
    performance.measure("tsfrontend:transpile", { start: transpileStart });
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (errors) throw esbuildError(errors, files, displayName);
    throw new ProgramError(`failed to compile: ${(err as Error).message}`, { location: { file: displayName }, cause: err });
  }

  // Import from a private temp file (removed right away); positions in it are mapped back with our own source map reader.
  const map = JSON.parse(mapText) as { sources: string[]; mappings: string };
  const lookup = new SourceMapLookup(map);
  const entrySource = map.sources.find((s) => s === `${PROGRAM_NAMESPACE}:${o.path}`) ?? `${PROGRAM_NAMESPACE}:${o.path}`;
  const dir = await mkdtemp(resolve(tmpdir(), "tsfrontend-program-"));
  const bundle = resolve(dir, "program.mjs");
  const positions: ProgramPositions = { bundleUrl: pathToFileURL(bundle).href, lookup, file: entrySource, displayName };
  let mod: { default?: unknown; targets?: unknown; args?: unknown };
  try {
    const importStart = performance.now();
    await writeFile(bundle, code);
    mod = await importModule<typeof mod>(positions.bundleUrl);
    performance.measure("tsfrontend:import", { start: importStart });
  } catch (err) {
    throw programFailure(err, positions, "failed while loading");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (typeof mod.default !== "function") {
    throw new ProgramError("the program has no default export function: write `export default async function build(ctx) { ... }`", {
      location: { file: displayName },
    });
  }
  const declarations: ProgramDeclarations = checkDeclarations({ targets: mod.targets, args: mod.args }, { location: { file: displayName } });
  return {
    file,
    displayName,
    syntax: detectSyntax(source),
    source,
    sourceMap: new SourceMap(displayName, { language: "TypeScript", data: source }),
    positions,
    run: mod.default as BuildProgram,
    declarations,
  };
}

export interface ProgramPositions {
  bundleUrl: string;
  lookup: SourceMapLookup;
  /** The program file's name among the source map's sources. */
  file: string;
  displayName: string;
}

/** The first stack frame in the program file (after mapping the bundle back) as [line, column]. */
function frameIn(stack: string | undefined, pos: ProgramPositions): [number, number] | undefined {
  if (!stack) return undefined;
  for (const line of stack.split("\n")) {
    const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!m || m[1] !== pos.bundleUrl) continue;
    const orig = pos.lookup.lookup(Number(m[2]), Number(m[3]));
    // Frames in other bundled files (the program's own imports) are skipped: we want the program's line.
    if (orig && orig.source === pos.file) return [orig.line, orig.column];
  }
  return undefined;
}

/**
 * The program's line and column calling into the library now (as {@link
 * frameIn} on a fresh stack), read from V8's call sites: called for every op
 * a program creates, it must not format the stack as text (that was most of
 * the time of creating an op).
 */
function callerIn(pos: ProgramPositions): [number, number] | undefined {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  let sites: NodeJS.CallSite[] = [];
  try {
    Error.stackTraceLimit = 40;
    Error.prepareStackTrace = (_err, callSites) => callSites;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, callerIn);
    sites = holder.stack as NodeJS.CallSite[]; // formatted (by the hook above) when first read
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
  for (const site of sites) {
    if (site.getFileName() !== pos.bundleUrl) continue;
    const orig = pos.lookup.lookup(site.getLineNumber() ?? 0, site.getColumnNumber() ?? 0);
    if (orig && orig.source === pos.file) return [orig.line, orig.column];
  }
  return undefined;
}

/** The program's line that (directly or through tsfrontend's code) called the function running now. */
export function programCallerLine(program: LoadedProgram): number | undefined {
  return callerIn(program.positions)?.[0];
}

function programFailure(err: unknown, pos: ProgramPositions, what: string): ProgramError {
  if (err instanceof ProgramError && err.location) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const frame = frameIn(e.stack, pos);
  const message = err instanceof TsfError ? err.message : `${what}: ${e.name === "Error" ? "" : e.name + ": "}${e.message}`;
  return new ProgramError(message, {
    location: frame ? { file: pos.displayName, line: frame[0], column: frame[1] } : { file: pos.displayName },
    cause: err,
  });
}

/** The error for a program that ended without a result (see watch.ts). */
function runFault(fault: RunFault, pos: ProgramPositions): Error {
  switch (fault.kind) {
    case "stuck":
      return new ProgramError(
        "the program never finished: its promise is still pending but nothing it started is (no timer, I/O or gateway call), so a promise it awaits is never resolved",
        { location: { file: pos.displayName } },
      );
    case "exit": {
      const frame = frameIn(fault.stack, pos);
      return new ProgramError(`the program called process.exit(${fault.code ?? ""}): return a result or throw an error instead`, {
        location: frame ? { file: pos.displayName, line: frame[0], column: frame[1] } : { file: pos.displayName },
      });
    }
    case "uncaught":
      return programFailure(fault.error, pos, "the program threw");
  }
}

/**
 * Runs a loaded program with a context and returns one result per platform.
 * Ops created during the run carry the program line that created them.
 */
export async function runProgram(program: LoadedProgram, ctx: BuildContext): Promise<ResolvedResult[]> {
  const locations = new Map<number, SourceLocation>();
  const previous = setLocationProvider(() => {
    const frame = callerIn(program.positions);
    if (!frame) return undefined;
    let loc = locations.get(frame[0]);
    if (!loc) locations.set(frame[0], (loc = program.sourceMap.lines(frame[0])));
    return loc;
  });
  try {
    let result;
    try {
      result = await watchRun(
        (scope) => Promise.resolve(program.run(ctx.gateway ? { ...ctx, gateway: trackCalls(ctx.gateway, scope) } : ctx)),
        (fault) => runFault(fault, program.positions),
      );
    } catch (err) {
      throw programFailure(err, program.positions, "the program threw");
    }
    try {
      return normalizeBuildResult(result, ctx, program.displayName);
    } catch (err) {
      throw err instanceof ProgramError ? new ProgramError(err.message.replace(`${program.displayName}: `, ""), { location: { file: program.displayName }, cause: err }) : err;
    }
  } finally {
    setLocationProvider(previous);
  }
}
