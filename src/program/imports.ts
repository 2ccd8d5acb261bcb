/**
 * What a build program may import, the same for `tsfrontend llb`,
 * `tsfrontend build -f` and the frontend image:
 * - `tsfrontend`, `tsfrontend/llb`, `tsfrontend/program` (this package's modules);
 * - a few Node built-ins that do no I/O, written with `node:` ({@link ALLOWED_BUILTINS});
 * - relative modules (`./x`, `../x`) inside the build file's directory, read
 *   through {@link ProgramFiles} (the file system locally, the build file's
 *   local through the gateway in the frontend).
 * Anything else (npm packages, other built-ins, absolute paths, modules
 * outside the build file's directory) is refused with the import's file:line.
 */

import { posix } from "node:path";
import type { Loader, Plugin } from "esbuild";

/**
 * Our package's modules a program may import. A program gets the very module
 * instances the running tsfrontend uses (its `State` must be ours for
 * `instanceof`), also when tsfrontend runs as one bundled file (the frontend
 * image): each is loaded here and handed to the program through
 * {@link SHARED_MODULES} by a generated re-export module.
 */
const PACKAGE_MODULES: Readonly<Record<string, () => Promise<Record<string, unknown>>>> = {
  // What src/index.ts exports, composed here: the package root sits above this layer.
  tsfrontend: async () => ({ ...(await import("../errors.js")), ...(await import("./index.js")), llb: await import("../llb/index.js") }),
  "tsfrontend/llb": () => import("../llb/index.js"),
  "tsfrontend/program": () => import("./index.js"),
};

/** The global through which a program's bundle reaches the modules of {@link PACKAGE_MODULES}. */
const SHARED_MODULES = "tsfrontend.sharedModules";

/** The esbuild namespace of the generated re-export modules. */
const PACKAGE_NAMESPACE = "tsfrontend-package";

/** The source of the module re-exporting `spec`'s live instance (loaded and published on the global first). */
async function packageModuleSource(spec: string): Promise<string> {
  const mod = await PACKAGE_MODULES[spec]!();
  const registry = ((globalThis as Record<symbol, Record<string, unknown>>)[Symbol.for(SHARED_MODULES)] ??= {});
  registry[spec] = mod;
  const names = Object.keys(mod).filter((n) => n !== "default" && /^[A-Za-z_$][\w$]*$/.test(n));
  const lines = [`const m = globalThis[Symbol.for(${JSON.stringify(SHARED_MODULES)})][${JSON.stringify(spec)}];`];
  if (names.length > 0) lines.push(`export const { ${names.join(", ")} } = m;`);
  if ("default" in mod) lines.push("export default m.default;");
  return lines.join("\n");
}

/** Node built-ins a program may import (no file system, process or network access). */
export const ALLOWED_BUILTINS: readonly string[] = [
  "node:assert", "node:assert/strict", "node:buffer", "node:crypto", "node:events", "node:path", "node:path/posix",
  "node:querystring", "node:string_decoder", "node:url", "node:util",
];

/** The esbuild namespace of program modules; paths in it are posix paths relative to the files' root. */
export const PROGRAM_NAMESPACE = "tsfrontend-program";

/** Where a program's own modules come from. Paths are posix, relative to a root (no leading `/`). */
export interface ProgramFiles {
  /** The contents of the first of `paths` that exists, or undefined. */
  readFirst(paths: readonly string[]): Promise<{ path: string; data: string } | undefined>;
  /** How a path names itself in errors. */
  display(path: string): string;
}

const EXTENSIONS = [".ts", ".mts", ".js", ".mjs"];

/** The files an import `spec` (relative, already joined) may name, in resolution order. */
export function moduleCandidates(path: string): string[] {
  if (/\.(m?ts|m?js|json)$/.test(path)) {
    // `./x.js` written for a `./x.ts` file, as tsc's node16 resolution wants it.
    const alt = path.endsWith(".js") ? [path.slice(0, -3) + ".ts"] : path.endsWith(".mjs") ? [path.slice(0, -4) + ".mts"] : [];
    return [path, ...alt];
  }
  return [...EXTENSIONS.map((e) => path + e), ...EXTENSIONS.map((e) => `${path}/index${e}`)];
}

function loaderFor(path: string): Loader | undefined {
  if (/\.m?ts$/.test(path)) return "ts";
  if (/\.m?js$/.test(path)) return "js";
  if (path.endsWith(".json")) return "json";
  return undefined;
}

const allowedList = (): string =>
  `tsfrontend, tsfrontend/llb, tsfrontend/program, ${ALLOWED_BUILTINS.join(", ")} and relative modules next to the build file`;

/** Why an import is refused, or undefined when it is allowed (a relative import still has to exist). */
export function refusedImport(spec: string): string | undefined {
  if (spec in PACKAGE_MODULES) return undefined;
  if (ALLOWED_BUILTINS.includes(spec)) return undefined;
  if (spec.startsWith("./") || spec.startsWith("../")) return undefined;
  if (spec.startsWith("tsfrontend/")) return `unknown module ${JSON.stringify(spec)}: use tsfrontend, tsfrontend/llb or tsfrontend/program`;
  if (spec.startsWith("node:")) return `import ${JSON.stringify(spec)} is not allowed in a build program: of Node's built-ins only ${ALLOWED_BUILTINS.join(", ")} are`;
  if (spec.startsWith("/") || /^[A-Za-z]:[\\/]/.test(spec) || spec.startsWith("file:")) {
    return `import ${JSON.stringify(spec)} is not allowed in a build program: import modules next to the build file with a relative path`;
  }
  return `import ${JSON.stringify(spec)} is not allowed in a build program: programs may import only ${allowedList()}`;
}

/**
 * The esbuild plugin applying the import policy. `entry` is the build file's
 * path in `files`, and its contents `entrySource` (directive lines blanked).
 */
export function programImports(files: ProgramFiles, entry: string, entrySource: string): Plugin {
  const root = posix.dirname(entry);
  return {
    name: "tsfrontend-imports",
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === "entry-point") return { path: entry, namespace: PROGRAM_NAMESPACE };
        const spec = args.path;
        if (spec in PACKAGE_MODULES) return { path: spec, namespace: PACKAGE_NAMESPACE };
        if (ALLOWED_BUILTINS.includes(spec)) return { path: spec, external: true };
        const refused = refusedImport(spec);
        if (refused) return { errors: [{ text: refused }] };
        const importer = args.importer;
        const joined = posix.normalize(posix.join(posix.dirname(importer), spec));
        const rel = posix.relative(root, joined);
        if (rel.startsWith("..") || posix.isAbsolute(rel)) {
          return { errors: [{ text: `import ${JSON.stringify(spec)} is outside the build file's directory: a program may import only modules next to it or below` }] };
        }
        const found = await files.readFirst(moduleCandidates(joined));
        if (!found) return { errors: [{ text: `cannot find module ${JSON.stringify(spec)} (looked for ${files.display(joined)} with .ts, .mts, .js, .mjs or /index.*)` }] };
        return { path: found.path, namespace: PROGRAM_NAMESPACE, pluginData: found.data };
      });
      b.onLoad({ filter: /.*/, namespace: PACKAGE_NAMESPACE }, async (args) => ({ contents: await packageModuleSource(args.path), loader: "js" }));
      b.onLoad({ filter: /.*/, namespace: PROGRAM_NAMESPACE }, (args) => {
        if (args.path === entry) return { contents: entrySource, loader: "ts" };
        const loader = loaderFor(args.path);
        if (!loader) return { errors: [{ text: `cannot import ${files.display(args.path)}: only .ts, .mts, .js, .mjs and .json modules` }] };
        return { contents: args.pluginData as string, loader };
      });
    },
  };
}
