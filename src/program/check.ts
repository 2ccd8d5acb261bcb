/**
 * Type-checking build programs. `tsfrontend llb`/`build` and the frontend
 * only transpile programs (esbuild strips types, it does not check them), so a
 * wrong option name or a missing field shows up at build time at best. This
 * runs the TypeScript compiler over a program against this package's own
 * declarations (`tsfrontend`, `tsfrontend/llb`, `tsfrontend/program`,
 * `tsfrontend/gateway`), the way esbuild resolves the program's imports.
 *
 * TypeScript is not a runtime dependency: it is loaded from the program's
 * project (or this package's development install) and a clear error says how
 * to get it when neither has it.
 */

import { createRequire } from "node:module";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync, readFileSync } from "node:fs";
import { ProgramError } from "../errors.js";
import { blankDirectiveLines } from "./syntax.js";

/** One compiler message, located in the user's file when it has a position. */
export interface CheckDiagnostic {
  file?: string;
  line?: number;
  column?: number;
  /** TypeScript's error code, e.g. 2322. */
  code: number;
  message: string;
}

/**
 * Our built modules (dist/src), whose .d.ts files programs are checked against:
 * above this module in dist/src/program, or next to the CLI bundle
 * (dist/cli -> dist/src).
 */
function distSrc(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "index.d.ts")) && existsSync(join(dir, "llb", "index.d.ts"))) return dir;
    if (existsSync(join(dir, "src", "index.d.ts"))) return join(dir, "src");
    if (dirname(dir) === dir) return resolve(here, "..");
  }
}

type TypeScript = typeof import("typescript");

function loadTypeScript(from: string): TypeScript {
  for (const base of [resolve(from, "package.json"), fileURLToPath(import.meta.url)]) {
    try {
      return createRequire(base)("typescript") as TypeScript;
    } catch {
      // try the next place
    }
  }
  throw new ProgramError("type-checking needs the typescript package: install it next to your build programs (npm install --save-dev typescript)");
}

/** The `@types` directory holding `node`, from the program's project or ours. */
function nodeTypesRoot(from: string): string | undefined {
  for (const base of [resolve(from, "package.json"), fileURLToPath(import.meta.url)]) {
    try {
      return dirname(dirname(createRequire(base).resolve("@types/node/package.json")));
    } catch {
      // try the next place
    }
  }
  return undefined;
}

function display(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}

/** Type-checks program files; returns the compiler's errors (empty when the programs are well typed). */
export function checkPrograms(files: readonly string[]): CheckDiagnostic[] {
  if (files.length === 0) return [];
  const abs = files.map((f) => resolve(f));
  const ts = loadTypeScript(dirname(abs[0]!));
  const typesRoot = nodeTypesRoot(dirname(abs[0]!));
  const types = distSrc();
  const options: import("typescript").CompilerOptions = {
    noEmit: true,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    // Programs are bundled by esbuild: extensionless relative imports resolve as they do there.
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
    esModuleInterop: true,
    // Node's types when they can be found (Buffer, process...), else none.
    types: typesRoot ? ["node"] : [],
    ...(typesRoot ? { typeRoots: [typesRoot] } : {}),
    baseUrl: "/",
    paths: {
      tsfrontend: [resolve(types, "index.d.ts")],
      "tsfrontend/*": [resolve(types, "*", "index.d.ts")],
    },
  };
  // Build files are checked as esbuild loads them: directive lines blanked, and a file not named
  // .ts/.mts (e.g. `Dockerfile`) under a `.ts` name of its own.
  const virtual = new Map<string, { file: string; text: string }>();
  for (const f of abs) {
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch {
      continue; // the compiler reports the missing file
    }
    virtual.set(/\.m?ts$/.test(f) ? f : `${f}.ts`, { file: f, text: blankDirectiveLines(text) });
  }
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, lang, ...rest) => {
    const v = virtual.get(name);
    return v ? ts.createSourceFile(name, v.text, lang) : getSourceFile.call(host, name, lang, ...rest);
  };
  host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
  host.readFile = (name) => virtual.get(name)?.text ?? readFile.call(host, name);
  const roots = abs.map((f) => (virtual.has(f) || /\.m?ts$/.test(f) ? f : `${f}.ts`));
  const program = ts.createProgram(roots, options, host);
  const out: CheckDiagnostic[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (d.category !== ts.DiagnosticCategory.Error) continue;
    const message = ts.flattenDiagnosticMessageText(d.messageText, " ");
    if (d.file && d.start !== undefined) {
      const pos = d.file.getLineAndCharacterOfPosition(d.start);
      out.push({ file: display(virtual.get(d.file.fileName)?.file ?? d.file.fileName), line: pos.line + 1, column: pos.character + 1, code: d.code, message });
    } else {
      out.push({ code: d.code, message });
    }
  }
  return out;
}
