/**
 * Loading and running build programs: transpile the `.ts` file with esbuild
 * (imports of `tsfrontend/*` resolve to this package, so the program and the
 * runner share one `State` class), import it, call its default export with a
 * build context, and map every failure to a one-line {@link ProgramError}
 * carrying the program's file:line. While the program runs, each op it
 * creates records the program line that created it, so build errors point
 * there too.
 */

import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build as esbuild, type Message } from "esbuild";
import { ProgramError, TsfError } from "../errors.js";
import { setLocationProvider, SourceMap, type SourceLocation } from "../llb/index.js";
import { normalizeBuildResult, type ResolvedResult } from "./context.js";
import type { BuildContext, BuildProgram } from "./types.js";
import { detectSyntax } from "./syntax.js";

/** Our package's built modules, which `tsfrontend/*` imports in programs resolve to. */
const distSrc = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const packageModules: Record<string, string> = {
  tsfrontend: resolve(distSrc, "index.js"),
  "tsfrontend/llb": resolve(distSrc, "llb/index.js"),
  "tsfrontend/program": resolve(distSrc, "program/index.js"),
};

export interface LoadedProgram {
  /** Absolute path of the program file. */
  file: string;
  /** How the file names itself in errors (relative to the working directory when shorter). */
  displayName: string;
  /** The `// syntax=` or `# syntax=` directive on the first lines, if any. */
  syntax: string | undefined;
  source: string;
  /** The program's source map, shared by every op it creates. */
  sourceMap: SourceMap;
  run: BuildProgram;
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}

function esbuildError(messages: readonly Message[], fallbackFile: string): ProgramError {
  const m = messages[0];
  if (!m) return new ProgramError("failed to compile the program", { location: { file: fallbackFile } });
  const loc = m.location;
  return new ProgramError(m.text, {
    location: loc ? { file: loc.file || fallbackFile, line: loc.line, column: loc.column + 1 } : { file: fallbackFile },
  });
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
  let code: string;
  try {
    const out = await esbuild({
      entryPoints: [file],
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      target: "node20",
      sourcemap: "inline",
      sourcesContent: false,
      logLevel: "silent",
      absWorkingDir: process.cwd(),
      plugins: [
        {
          name: "tsfrontend-self",
          setup(b) {
            b.onResolve({ filter: /^tsfrontend(\/.*)?$/ }, (args) => {
              const target = packageModules[args.path];
              if (!target) return { errors: [{ text: `unknown module ${JSON.stringify(args.path)}: use tsfrontend, tsfrontend/llb or tsfrontend/program` }] };
              return { path: pathToFileURL(target).href, external: true };
            });
          },
        },
      ],
    });
    code = out.outputFiles[0]!.text;
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (errors) throw esbuildError(errors, displayName);
    throw new ProgramError(`failed to compile: ${(err as Error).message}`, { location: { file: displayName }, cause: err });
  }

  process.setSourceMapsEnabled(true);
  let mod: { default?: unknown };
  try {
    mod = (await import("data:text/javascript;base64," + Buffer.from(code).toString("base64"))) as { default?: unknown };
  } catch (err) {
    throw programFailure(err, file, displayName, "failed while loading");
  }
  if (typeof mod.default !== "function") {
    throw new ProgramError("the program has no default export function: write `export default async function build(ctx) { ... }`", {
      location: { file: displayName },
    });
  }
  return {
    file,
    displayName,
    syntax: detectSyntax(source),
    source,
    sourceMap: new SourceMap(displayName, { language: "TypeScript", data: source }),
    run: mod.default as BuildProgram,
  };
}

/** The first stack frame in `file` as [line, column]. */
function frameIn(stack: string | undefined, file: string): [number, number] | undefined {
  if (!stack) return undefined;
  const href = pathToFileURL(file).href;
  for (const line of stack.split("\n")) {
    const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!m) continue;
    const where = m[1]!;
    if (where === file || where === href) return [Number(m[2]), Number(m[3])];
  }
  return undefined;
}

function programFailure(err: unknown, file: string, displayName: string, what: string): ProgramError {
  if (err instanceof ProgramError && err.location) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const frame = frameIn(e.stack, file);
  const message = err instanceof TsfError ? err.message : `${what}: ${e.name === "Error" ? "" : e.name + ": "}${e.message}`;
  return new ProgramError(message, {
    location: frame ? { file: displayName, line: frame[0], column: frame[1] } : { file: displayName },
    cause: err,
  });
}

/**
 * Runs a loaded program with a context and returns one result per platform.
 * Ops created during the run carry the program line that created them.
 */
export async function runProgram(program: LoadedProgram, ctx: BuildContext): Promise<ResolvedResult[]> {
  const locations = new Map<number, SourceLocation>();
  const previous = setLocationProvider(() => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 40;
    const stack = new Error().stack;
    Error.stackTraceLimit = limit;
    const frame = frameIn(stack, program.file);
    if (!frame) return undefined;
    let loc = locations.get(frame[0]);
    if (!loc) locations.set(frame[0], (loc = program.sourceMap.lines(frame[0])));
    return loc;
  });
  try {
    let result;
    try {
      result = await program.run(ctx);
    } catch (err) {
      throw programFailure(err, program.file, program.displayName, "the program threw");
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
