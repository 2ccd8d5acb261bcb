/**
 * Which build files are TypeScript programs. A file is a program when any of
 * these holds, checked in this order:
 * 1. its name ends in `.ts` or `.mts`;
 * 2. its syntax directive (buildkit's `DetectSyntax`, syntax.ts) is written `// syntax=...`;
 * 3. its body, with the directive lines blanked, parses as a TypeScript ES
 *    module with a default export (esbuild, no type-checking, deterministic).
 * Otherwise it is a Dockerfile, unless its first line that is neither blank nor
 * a `#` comment starts the way a TypeScript module does (`import`, `export`,
 * `const`, ..., `//`, `/*`, {@link MODULE_START}): such a file is neither. So a
 * misspelt instruction, an empty file or one of comments only goes to the
 * Dockerfile parser, which reports it at its line as dockerfile.v0 does.
 */

import { isProgramFileName } from "./file-name.js";
import { blankDirectiveLines, detectSyntaxDirective, type SyntaxDirective } from "./syntax.js";

export type BuildFileKind =
  | { kind: "program"; reason: "extension" | "directive" | "default-export"; syntax: SyntaxDirective | undefined }
  | { kind: "dockerfile"; line: number; syntax: SyntaxDirective | undefined }
  | { kind: "unknown"; syntax: SyntaxDirective | undefined; parseError?: { text: string; line: number; column: number } };

/** Dockerfile instructions (frontend/dockerfile/command/command.go, v0.32.2). */
const INSTRUCTIONS = new Set([
  "add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from", "healthcheck", "label",
  "maintainer", "onbuild", "run", "shell", "stopsignal", "user", "volume", "workdir",
]);

/** How a line starts when the file is meant as a TypeScript module (a statement keyword or a comment). */
export const MODULE_START = /^(?:(?:import|export|const|let|var|function|async|class|interface|type|enum|declare|namespace|abstract)\b|\/\/|\/\*)/;

/** Whether `source` (directives blanked) is an ES module with a default export. */
export async function hasDefaultExport(source: string, name = "build"): Promise<boolean> {
  return (await parseModule(source, name)).defaultExport;
}

/** esbuild's parse of `source` as TypeScript: whether it has a default export, or its first error. */
async function parseModule(source: string, name: string): Promise<{ defaultExport: boolean; error?: { text: string; line: number; column: number } }> {
  // esbuild is loaded here, not at the top: a build file named *.ts, or a `//` directive, never needs it.
  const { build: esbuild } = await import("esbuild");
  try {
    const out = await esbuild({
      stdin: { contents: source, loader: "ts", sourcefile: name },
      bundle: false,
      write: false,
      format: "esm",
      metafile: true,
      logLevel: "silent",
    });
    return { defaultExport: Object.values(out.metafile.outputs).some((o) => o.exports.includes("default")) };
  } catch (err) {
    const m = (err as { errors?: { text: string; location?: { line: number; column: number } | null }[] }).errors?.[0];
    return { defaultExport: false, ...(m ? { error: { text: m.text, line: m.location?.line ?? 0, column: (m.location?.column ?? 0) + 1 } } : {}) };
  }
}

/** The first line that is neither blank nor a `#` comment: its 1-based number and its text, trimmed. */
function firstContentLine(source: string): { line: number; text: string } | undefined {
  const lines = source.replace(/^\ufeff/, "").split("\n");
  for (const [i, raw] of lines.entries()) {
    const text = raw.trim();
    if (text === "" || text.startsWith("#")) continue;
    return { line: i + 1, text };
  }
  return undefined;
}

/** The 1-based line of the first Dockerfile instruction, if the file starts with one. */
export function firstInstructionLine(source: string): number | undefined {
  const first = firstContentLine(source);
  if (!first) return undefined;
  const word = /^([A-Za-z]+)(?:\s|$)/.exec(first.text)?.[1];
  return word && INSTRUCTIONS.has(word.toLowerCase()) ? first.line : undefined;
}

/** Classifies a build file by its name (the path's last element counts) and contents. */
export async function classifyBuildFile(name: string, source: string): Promise<BuildFileKind> {
  const syntax = detectSyntaxDirective(source);
  if (isProgramFileName(name)) return { kind: "program", reason: "extension", syntax };
  if (syntax?.form === "//") return { kind: "program", reason: "directive", syntax };
  // A file that starts with an instruction and never says `export` has no default export: a
  // Dockerfile, known without starting esbuild.
  const first = firstInstructionLine(source);
  if (first !== undefined && !source.includes("export")) return { kind: "dockerfile", line: first, syntax };
  const parsed = await parseModule(blankDirectiveLines(source), name);
  if (parsed.defaultExport) return { kind: "program", reason: "default-export", syntax };
  const line = firstInstructionLine(source);
  if (line !== undefined) return { kind: "dockerfile", line, syntax };
  const content = firstContentLine(source);
  if (content && MODULE_START.test(content.text)) return { kind: "unknown", syntax, ...(parsed.error ? { parseError: parsed.error } : {}) };
  // Not meant as a module: the Dockerfile parser names what is wrong (an unknown instruction at its
  // line, an empty file, no instructions), as dockerfile.v0 does.
  return { kind: "dockerfile", line: content?.line ?? 0, syntax };
}
