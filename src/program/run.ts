/**
 * Running a build program against a gateway: the program runs here, each
 * platform's graph is marshalled and solved through the {@link GatewayClient},
 * base image configs are resolved and composed with the program's config, and
 * the result (one ref, or one per platform with `refs.platforms`, as the
 * Dockerfile frontend returns them: buildkit v0.32.2
 * frontend/dockerfile/builder/build.go) goes back with `Return`; a failure
 * goes back as `Return{error}` with the program's file:line. The same runner
 * serves `tsfrontend build` (gateway over the control connection) and the
 * frontend image (gateway over stdio).
 */

import { ProgramError, TsfError } from "../errors.js";
import { parseBool } from "../internal/go/strconv.js";
import { withErrorDetails, type ErrorSource } from "../gateway/errdefs.js";
import { withResolveCache } from "../gateway/resolve-cache.js";
import type { GatewayClient, GatewayResult } from "../gateway/types.js";
import { formatPlatformAll, normalizePlatform, type Platform, type State } from "../llb/index.js";
import { createBuildContext, type BuildContextOptions } from "./context.js";
import { composeImageConfig, type ImageDocument } from "./image-config.js";
import type { LoadedProgram } from "./load.js";
import { loadNamedContexts, mainContextState } from "./named-contexts.js";
import { parseProgramOpts, targetPlatforms, type ProgramOpts } from "./opts.js";
import { declaredBuild } from "./declarations.js";
import type { ProgramDeclarations } from "./types.js";
import { assembleResult, type PlatformBuildResult } from "./result.js";
import { createSBOMScanner, scanPlatforms, type ScanTarget } from "./sbom.js";
import type { BuildContext } from "./types.js";
import { prefixStepNames } from "./step-names.js";

export interface RunProgramBuildOptions {
  program: LoadedProgram;
  /** Frontend options (opts.ts): `platform`, `build-arg:*`, `target`, `no-cache`, `context:*`; all reach the program as `ctx.opts`. */
  opts?: Readonly<Record<string, string>>;
  /** Default: the gateway's first worker platform. */
  buildPlatform?: Platform;
  /** Solve every platform's graph with evaluate, so build errors surface during the program. */
  evaluate?: boolean;
  /** The client's session (`local:` and `oci-layout://` named contexts). */
  sessionID?: string;
  /** The main build context (`ctx.context`); default the `context` local minus its `.dockerignore`. */
  context?: State;
  /** `<build file>.dockerignore`, when there is one: it replaces the context's `.dockerignore`. */
  buildFileIgnore?: Uint8Array;
}

const encoder = new TextEncoder();

/** The build file a Return error may point into: its name in errors and its text. */
export interface BuildFileSource {
  displayName: string;
  source: string;
}

/** The build file's line of an error it caused, as an `errdefs.Source` for `Return`. */
function programErrorSources(err: unknown, file: BuildFileSource): ErrorSource[] | undefined {
  const loc = err instanceof TsfError ? err.location : undefined;
  if (!loc || loc.line === undefined || loc.file !== file.displayName) return undefined;
  return [{ filename: file.displayName, language: "TypeScript", data: encoder.encode(file.source), ranges: [{ start: loc.line, end: loc.line }] }];
}

/**
 * The error to `Return` for a failure: with the build file's line as an
 * `errdefs.Source` (clients print the file:line and an excerpt), or, for a
 * location in another file (a module it imports), with `file:line: ` in the message.
 */
export function returnedError(err: unknown, file: BuildFileSource | undefined): Error {
  const error = err instanceof Error ? err : new Error(String(err));
  const sources = file ? programErrorSources(err, file) : undefined;
  if (sources) return withErrorDetails(error, { sources });
  if (err instanceof TsfError && err.location) return new Error(err.toOneLine(), { cause: err });
  return error;
}

/** The parsed options, build platform and context a program runs with (the named contexts loaded). */
export async function programContext(
  gateway: GatewayClient,
  options: Pick<RunProgramBuildOptions, "opts" | "buildPlatform" | "sessionID" | "context" | "buildFileIgnore"> & { declarations?: ProgramDeclarations },
  extra: Pick<BuildContextOptions, "watchArgs"> = {},
  parsed: ProgramOpts = parseProgramOpts(options.opts ?? {}),
): Promise<{ parsed: ProgramOpts; buildPlatform: Platform; ctx: BuildContext }> {
  const buildPlatform = options.buildPlatform ?? gateway.workerPlatforms[0];
  if (!buildPlatform) throw new ProgramError("the daemon reported no worker platforms");
  const targets = targetPlatforms(parsed, buildPlatform);
  // The declared defaults of args and target; a target the program does not declare is refused.
  const declared = declaredBuild(options.declarations, parsed.buildArgs, parsed.target);
  const namedContexts = await loadNamedContexts({ gateway, sessionID: options.sessionID, opts: parsed });
  const ctx = createBuildContext({
    targetPlatforms: targets,
    buildPlatform,
    buildArgs: declared.buildArgs,
    ...(declared.target !== undefined ? { target: declared.target } : {}),
    namedContexts,
    // The build's own context (git, http, input) as given; else the `context` local minus its .dockerignore.
    context: options.context ?? mainContextState(gateway, parsed.localSessionIDs["context"], options.buildFileIgnore),
    labels: parsed.labels,
    imageResolveMode: parsed.imageResolveMode,
    extraHosts: parsed.extraHosts,
    ...(parsed.networkMode ? { networkMode: parsed.networkMode } : {}),
    multiPlatform: parsed.multiPlatform,
    opts: parsed.opts,
    gateway,
    ...extra,
  });
  return { parsed, buildPlatform, ctx };
}

/**
 * Runs `options.program` against `gateway`, returns its result to the daemon
 * (`Return`) and resolves with what was returned. On failure the error is
 * returned to the daemon (with the program's file:line when known) and thrown.
 */
export async function runProgramBuild(client: GatewayClient, options: RunProgramBuildOptions): Promise<GatewayResult> {
  // One lookup per image and platform however many states of the program start from it.
  const gateway = withResolveCache(client);
  try {
    const parsed = parseProgramOpts(options.opts ?? {});
    const buildPlatform = options.buildPlatform ?? gateway.workerPlatforms[0];
    if (!buildPlatform) throw new ProgramError("the daemon reported no worker platforms");
    // attest:sbom: the scanner's config is resolved before the build, as dockerfile.v0 does.
    const scanner = parsed.sbom
      ? await createSBOMScanner(gateway, parsed.sbom.generator, { platform: buildPlatform, resolveMode: parsed.imageResolveMode, parameters: parsed.sbom.parameters })
      : undefined;
    const { ctx } = await programContext(gateway, { ...options, buildPlatform, ...(options.program.declarations ? { declarations: options.program.declarations } : {}) }, {}, parsed);
    // Loaded here: whoever loaded the program has it already; a Dockerfile build never loads esbuild.
    const { runProgram } = await import("./load.js");
    const results = await runProgram(options.program, ctx);
    // dockerui's Build: a ref map (an image index) when several platforms or multi-platform are asked for.
    const multi = parsed.multiPlatform || results.length > 1;
    // Every platform's solve and base-config lookup at once: they are independent round trips to the
    // daemon (dockerfile.v0 resolves its platforms' bases together too). Assembled in platform order.
    const built = await Promise.all(
      results.map(async (r): Promise<PlatformBuildResult> => {
        // The base's config is asked for first: the daemon looks it up while this process marshals.
        const resolving = r.base ? gateway.resolveImageConfig(r.base, { platform: r.platform, resolveMode: parsed.imageResolveMode }) : undefined;
        resolving?.catch(() => {}); // awaited below, unless marshalling fails first
        let def = await r.state.marshal({ platform: r.platform, ...(parsed.noCache ? { ignoreCache: true } : {}) });
        // Several platforms: tell their identical steps apart in progress, as dockerfile2llb does.
        if (results.length > 1) def = prefixStepNames(def, r.platform);
        const [solved, resolved] = await Promise.all([def.isEmpty() ? undefined : gateway.solve({ definition: def, evaluate: options.evaluate ?? false }), resolving]);
        const base = resolved ? (JSON.parse(Buffer.from(resolved.config).toString("utf8")) as Partial<ImageDocument>) : undefined;
        const programConfig = Object.keys(parsed.labels).length > 0 ? { ...(r.config ?? {}), Labels: { ...(r.config?.Labels ?? {}), ...parsed.labels } } : r.config;
        return { platform: r.platform, ref: solved?.ref ?? null, config: encoder.encode(JSON.stringify(composeImageConfig(r.platform, programConfig, base))) };
      }),
    );
    if (scanner) {
      const scanContext = parseBool(parsed.buildArgs["BUILDKIT_SBOM_SCAN_CONTEXT"] ?? "") === true;
      const targets = results.map((r): ScanTarget => {
        const extras = new Map<string, State>(Object.entries(r.sbomExtras ?? {}));
        if (scanContext) extras.set("context", ctx.context);
        return { platform: r.platform, core: r.state, extras, ...(parsed.noCache ? { ignoreCache: true } : {}) };
      });
      const scans = await scanPlatforms(gateway, scanner, targets);
      for (const b of built) b.attestations = scans.get(formatPlatformAll(normalizePlatform(b.platform))) ?? [];
    }
    const result = assembleResult(built, multi);
    await gateway.return(result);
    return result;
  } catch (err) {
    await gateway.return({ error: returnedError(err, options.program) }).catch(() => {});
    throw err;
  }
}
