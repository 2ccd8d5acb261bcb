/**
 * tsfrontend's Dockerfile extensions, beyond dockerfile.v0 and off unless a
 * Dockerfile asks for them with the directive comment
 * `# tsfrontend=from-vars,program-stages` among its first comment lines
 * (a plain comment to every other frontend; a Dockerfile without it converts
 * exactly as dockerfile.v0 converts it):
 * - `from-vars`: `COPY --from=$VAR` and `RUN --mount=from=$VAR` expand
 *   variables of the global scope (ARGs before the first FROM and build args),
 *   as proposed in moby/buildkit#2412, instead of failing with "variable
 *   expansion is not supported for --from".
 * - `program-stages`: `FROM ./stages/go.ts AS build` runs that TypeScript
 *   build program (read next to the Dockerfile, as the frontend reads
 *   programs) for the stage's platform and continues the Dockerfile on its
 *   result: its state, and its image config as the stage's base config.
 */

import { DockerfileError } from "../errors.js";
import type { GatewayClient } from "../gateway/types.js";
import { cleanPath, dirPath, joinPath } from "../internal/go/path.js";
import { parseDockerOCIImage } from "../llb/image-config.js";
import type { Platform } from "../llb/index.js";
import { createBuildContext } from "../program/context.js";
import { composeImageConfig, type ImageDocument } from "../program/image-config.js";
import type * as ProgramLoad from "../program/load.js";
import type { NamedContext } from "./convert/options.js";
import type { DockerUIClient } from "./dockerui/config.js";

export const EXTENSION_NAMES = ["from-vars", "program-stages"] as const;
export type ExtensionName = (typeof EXTENSION_NAMES)[number];

/** What the converter gets for the extensions a Dockerfile turned on. */
export interface ConvertExtensions {
  /** `from-vars`: expand `COPY --from` and `RUN --mount from` with the global scope. */
  fromVariables?: boolean;
  /** `program-stages`: the stage base `name` as a program's result for `platform`, or undefined when it is not a program path. */
  programStage?: (name: string, platform: Platform) => NamedContext | undefined;
}

const DIRECTIVE_RE = /^#\s*tsfrontend\s*=\s*(.*?)\s*$/i;

/** The extensions the `# tsfrontend=...` comment turns on (among the comment lines before the first instruction). */
export function parseExtensionDirective(source: string | Uint8Array): Set<ExtensionName> {
  const text = typeof source === "string" ? source : new TextDecoder().decode(source);
  const out = new Set<ExtensionName>();
  const lines = text.replace(/^\ufeff/, "").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "").trim();
    if (line === "") continue;
    if (!line.startsWith("#")) break;
    const m = DIRECTIVE_RE.exec(line);
    if (!m) continue;
    for (const raw of m[1]!.split(",")) {
      const name = raw.trim();
      if (name === "") continue;
      if (!(EXTENSION_NAMES as readonly string[]).includes(name)) {
        const range = { start: { line: i + 1, character: 0 }, end: { line: i + 1, character: lines[i]!.length } };
        throw new DockerfileError(`unknown tsfrontend extension ${JSON.stringify(name)} (known: ${EXTENSION_NAMES.join(", ")})`, { ranges: [range] });
      }
      out.add(name as ExtensionName);
    }
  }
  return out;
}

/** Whether a FROM base names a program file: a relative path (`./`, `../`) ending in `.ts` or `.mts`. */
export function isProgramStageName(name: string): boolean {
  return /^\.\.?\//.test(name) && /\.m?ts$/.test(name);
}

export interface ProgramStageEnv {
  gateway: GatewayClient;
  client: DockerUIClient;
  buildPlatform: Platform;
}

/** `program-stages`: program bases load by running the program (once per platform) through the build's gateway. */
export function programStageLoader(env: ProgramStageEnv): NonNullable<ConvertExtensions["programStage"]> {
  // Program runs record op locations through one process-wide provider (program/load.ts): one run at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  return (name, platform) => {
    if (!isProgramStageName(name)) return undefined;
    return {
      async load() {
        const bf = await env.client.buildContext();
        const path = cleanPath(joinPath(dirPath(bf.path), name));
        if (path === ".." || path.startsWith("../")) throw new DockerfileError(`program stage ${name}: the program must be in the Dockerfile's directory or below`);
        const found = await bf.files.readFirst([path]);
        if (!found) throw new DockerfileError(`program stage ${name}: ${path} not found next to ${bf.path}`);
        // The program loader (and esbuild) only when a Dockerfile has a program stage.
        const { loadProgramSource, runProgram } = (await import("../program/load.js")) as typeof ProgramLoad;
        const program = await loadProgramSource({ path: found.path, source: found.data, files: bf.files });
        const parsed = env.client.parsed;
        const ctx = createBuildContext({
          targetPlatforms: [platform],
          buildPlatform: env.buildPlatform,
          buildArgs: parsed.buildArgs,
          context: await env.client.mainContext(),
          labels: {},
          imageResolveMode: parsed.imageResolveMode,
          extraHosts: parsed.extraHosts,
          ...(parsed.networkMode ? { networkMode: parsed.networkMode } : {}),
          multiPlatform: false,
          opts: { ...parsed.opts },
          gateway: env.gateway,
        });
        const [r] = await serial(() => runProgram(program, ctx));
        if (!r) throw new DockerfileError(`program stage ${name}: the program returned no result`);
        let base: Partial<ImageDocument> | undefined;
        if (r.base) {
          const resolved = await env.gateway.resolveImageConfig(r.base, { platform: r.platform, resolveMode: parsed.imageResolveMode });
          base = JSON.parse(new TextDecoder().decode(resolved.config)) as Partial<ImageDocument>;
        }
        const image = parseDockerOCIImage(JSON.stringify(composeImageConfig(r.platform, r.config, base)));
        return { state: r.state, image };
      },
    };
  };
}
