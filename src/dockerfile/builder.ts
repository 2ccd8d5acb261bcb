/**
 * The Dockerfile frontend's `Build`: a port of buildkit v0.32.2
 * frontend/dockerfile/builder/build.go over a {@link GatewayClient}, with
 * dockerui's request handling (frontend/dockerui/requests.go) and result
 * assembly (build.go, shared with programs: program/result.ts). It reads the
 * Dockerfile as dockerui does, answers the subrequests dockerfile.v0 answers
 * (`frontend.outline`, `frontend.targets`, `frontend.lint` for `--call
 * check`, `frontend.convertllb`, `frontend.subrequests.describe`), sends lint
 * warnings with their lines through the gateway's `Warn`, converts and solves
 * the Dockerfile once per target platform and returns one ref and image config
 * per platform. Errors at a Dockerfile location carry it as an
 * `errdefs.Source`, so clients print the file and line.
 *
 * With `# tsfrontend=...` a Dockerfile turns on the extensions of
 * extensions.ts (variables in `--from`, program stages).
 *
 * Unless `cmdline` is set (the request already comes from such a
 * forwarding, so a syntax line naming this very frontend does not loop), a
 * `BUILDKIT_SYNTAX` build-arg or a `# syntax=` line hands the whole build to
 * that frontend image through `gateway.v0` (Go's `forwardGateway`), in the
 * frontend image and client-side alike.
 *
 * With `attest:sbom` (or `build-arg:BUILDKIT_ATTEST_SBOM`) each platform's
 * image, plus the context and stages named by `BUILDKIT_SBOM_SCAN_CONTEXT`
 * and `BUILDKIT_SBOM_SCAN_STAGE`, goes through the SBOM scanner
 * (program/sbom.ts) and the result carries its attestation bundle.
 */

import { DockerfileError, type DockerfileRange } from "../errors.js";
import { DetailedError, ErrorDetailType, errorDetailsOf, withErrorDetails, type BuildkitErrorDetails } from "../gateway/errdefs.js";
import { withResolveCache } from "../gateway/resolve-cache.js";
import { goJSONString } from "../internal/go/json.js";
import { GrpcCode } from "../internal/grpc/status.js";
import type { Definition } from "../llb/index.js";
import { detectSyntaxDirective } from "../program/syntax.js";
import type { GatewayClient, GatewayResult } from "../gateway/types.js";
import { marshalDockerOCIImage } from "../llb/image-config.js";
import { formatPlatformAll, normalizePlatform, type Platform, type SourceMap } from "../llb/index.js";
import type { BuildFile, LocalFileReader } from "../program/build-file.js";
import { assembleResult, type PlatformBuildResult } from "../program/result.js";
import { createSBOMScanner, scanPlatforms, type ScanTarget } from "../program/sbom.js";
import type { ConvertOpt, ConvertResult } from "./convert/options.js";
import type { LinterConfig, LintWarnFunc } from "./linter/linter.js";
import { DockerUIClient, type Source } from "./dockerui/config.js";
import { handleSubrequest } from "./dockerui/requests.js";
import { parseExtensionDirective, programStageLoader, type ConvertExtensions } from "./extensions.js";
import type { LintResults, Outline, TargetsList } from "../program/subrequests.js";

/** The converter functions the builder runs (dockerfile2llb's exported API and the linter's option parsing). */
export interface DockerfileConverter {
  dockerfile2LLB(dt: Uint8Array, opt: ConvertOpt): Promise<ConvertResult>;
  dockerfile2Outline(dt: Uint8Array, opt: ConvertOpt): Promise<Outline>;
  listTargets(dt: Uint8Array): TargetsList | Promise<TargetsList>;
  dockerfileLint(dt: Uint8Array, opt: ConvertOpt): Promise<LintResults>;
  /** frontend.convertllb's result.json (Go's JSON of convertllb.Result). */
  dockerfileConvertLLB(dt: Uint8Array, opt: ConvertOpt): Promise<string>;
  parseLintOptions(v: string): LinterConfig;
  lintFormatShort(rulename: string, msg: string, startLine: number): string;
}

export interface DockerfileBuildOptions {
  /** The frontend options (`filename`, `target`, `platform`, `build-arg:*`, `requestid`, ...). */
  opts: Readonly<Record<string, string>>;
  /** The client's session (locals, registry auth). */
  sessionID: string;
  /** Default: the gateway's first worker platform. */
  buildPlatform?: Platform;
  /** The Dockerfile when already read (the frontend reads it to classify it); else read as dockerui does. */
  buildFile?: BuildFile;
  /** The session's locals read in place (client-side builds; program/build-file.ts `LocalFileReader`). */
  localFiles?: LocalFileReader;
  /** Extra converter options (the opt-in extensions of dockerfile/extensions.ts). */
  convertOpt?: Partial<ConvertOpt>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The build-arg naming a frontend to forward to (Go's `keySyntaxArg`). */
const KEY_SYNTAX_ARG = "build-arg:BUILDKIT_SYNTAX";

/** The frontend caps dockerfile.v0 implements (builder/caps.go `enabledCaps`). */
const ENABLED_CAPS = new Set(["moby.buildkit.frontend.inputs", "moby.buildkit.frontend.subrequests", "moby.buildkit.frontend.contexts", "moby.buildkit.frontend.gitquerystring"]);

/** errdefs.UnsupportedFrontendCapError with code Unimplemented: a `frontend.caps` entry this frontend lacks. */
export class UnsupportedFrontendCapError extends DockerfileError {
  readonly details: BuildkitErrorDetails;
  constructor(readonly capName: string) {
    super(`unsupported frontend capability ${capName}`, { flag: "frontend.caps" });
    this.details = {
      grpcCode: GrpcCode.UNIMPLEMENTED,
      other: [{ typeUrl: ErrorDetailType.frontendCap, value: encoder.encode(`{"name":${goJSONString(capName)}}`) }],
    };
  }
}

/**
 * Go's `validateCaps`: the error for the first cap of `frontend.caps` this
 * frontend lacks (errdefs.UnsupportedFrontendCapError, code Unimplemented),
 * and whether the request may still be forwarded (every such cap is marked
 * `+forward`, so a `# syntax=` frontend may have it).
 */
export function validateCaps(req: string | undefined): { forward: boolean; error?: Error } {
  let forward = false;
  let error: Error | undefined;
  if (!req) return { forward };
  for (const c of req.split(",")) {
    const name = c.split("+", 1)[0]!;
    if (ENABLED_CAPS.has(name)) continue;
    error = new UnsupportedFrontendCapError(name);
    if (!c.includes("+forward")) return { forward: false, error };
    forward = true;
  }
  return { forward, ...(error ? { error } : {}) };
}

/**
 * Go's `forwardGateway`: the build solved by the frontend image `ref` through
 * `gateway.v0`, with every option of this request (as dockerui rewrote them)
 * plus `source` and `cmdline`, and the request's inputs when the daemon
 * passes inputs on.
 */
async function forwardGateway(gateway: GatewayClient, opts: Readonly<Record<string, string>>, ref: string, cmdline: string): Promise<GatewayResult> {
  const frontendOpt: Record<string, string> = { ...opts, cmdline, source: ref };
  let frontendInputs: Record<string, Definition> | undefined;
  if (gateway.caps?.has("frontend.inputs")) {
    try {
      frontendInputs = { ...(await gateway.inputs()) };
    } catch (err) {
      throw wrapMessage(err, "failed to get frontend inputs");
    }
  }
  const res = await gateway.solve({ frontend: "gateway.v0", frontendOpt, ...(frontendInputs ? { frontendInputs } : {}) });
  return { ...(res.ref ? { ref: res.ref } : {}), ...(res.refs ? { refs: res.refs } : {}), metadata: res.metadata, ...(res.attestations ? { attestations: res.attestations } : {}) };
}

/** Go's `errors.Wrap(err, prefix)`: the message prefixed, the details (code, sources) kept. */
function wrapMessage(err: unknown, prefix: string): Error {
  const error = err instanceof Error ? err : new Error(String(err));
  return new DetailedError(`${prefix}: ${error.message}`, { ...errorDetailsOf(error) }, { cause: error });
}

/** Whether an error already points into a file (Go: `len(errdefs.Sources(err)) > 0`). */
function hasSources(err: unknown): boolean {
  for (let e: unknown = err, i = 0; e instanceof Error && i < 10; e = e.cause, i++) {
    if ((errorDetailsOf(e).sources?.length ?? 0) > 0) return true;
  }
  return false;
}

/** The error to return for a failure: each Dockerfile location becomes an errdefs.Source, in order (Go's `wrapSource`). */
export function wrapSource(err: unknown, sm: SourceMap | undefined): Error {
  const error = err instanceof Error ? err : new Error(String(err));
  if (!sm || !(err instanceof DockerfileError) || err.locations.length === 0) return error;
  return withErrorDetails(error, {
    sources: err.locations.map((ranges) => ({
      filename: sm.filename,
      language: sm.language,
      data: sm.data,
      ranges: ranges.map((r: DockerfileRange) => ({
        start: r.start.line,
        end: r.end.line,
        ...(r.start.character ? { startCharacter: r.start.character } : {}),
        ...(r.end.character ? { endCharacter: r.end.character } : {}),
      })),
    })),
  });
}

/**
 * Go's `Build`: the result of the build (or of the subrequest) to return to
 * the daemon. Throws on failure (a Dockerfile location as an errdefs.Source).
 */
export async function build(client: GatewayClient, converter: DockerfileConverter, o: DockerfileBuildOptions): Promise<GatewayResult> {
  // As Go's Build: every image-config lookup (stages, named contexts, subrequests) made once.
  const gateway = withResolveCache(client);
  const bc = new DockerUIClient(gateway, {
    opts: o.opts,
    sessionID: o.sessionID,
    ...(o.buildPlatform ? { buildPlatform: o.buildPlatform } : {}),
    parseLintOptions: (v) => converter.parseLintOptions(v),
    ...(o.buildFile ? { buildFile: o.buildFile } : {}),
    ...(o.localFiles ? { localFiles: o.localFiles } : {}),
  });
  const caps = validateCaps(o.opts["frontend.caps"]);
  if (!caps.forward && caps.error) throw caps.error;
  const src: Source = await bc.readEntrypoint("Dockerfile");
  const dt = src.sourceMap.data;

  // Another frontend named by BUILDKIT_SYNTAX or `# syntax=` builds it, unless this request was forwarded already.
  if (o.opts["cmdline"] === undefined) {
    const syntaxArg = o.opts[KEY_SYNTAX_ARG];
    if (syntaxArg !== undefined) {
      const ref = syntaxArg.trim().split(" ", 1)[0]!;
      try {
        return await forwardGateway(gateway, bc.opts, ref, syntaxArg);
      } catch (err) {
        if (hasSources(err)) throw err;
        throw wrapMessage(err, `failed with ${KEY_SYNTAX_ARG} = ${syntaxArg}`);
      }
    }
    const syntax = detectSyntaxDirective(decoder.decode(dt));
    if (syntax) {
      try {
        return await forwardGateway(gateway, bc.opts, syntax.ref, syntax.cmdline);
      } catch (err) {
        if (hasSources(err)) throw err;
        const error = err instanceof Error ? err : new Error(String(err));
        throw withErrorDetails(error, {
          sources: [{ filename: src.sourceMap.filename, language: src.sourceMap.language, data: src.sourceMap.data, ranges: [{ start: syntax.line, end: syntax.line }] }],
        });
      }
    }
  }
  if (caps.error) throw caps.error;

  // Warnings go out while the conversion runs, one after the other: sent at once, the daemon would take
  // them in whatever order their calls arrive (Go's frontend calls Warn in turn, in the converter's order).
  // The result waits for the last.
  let warned: Promise<void> = Promise.resolve();
  const pending: Promise<void>[] = [];
  const warn: LintWarnFunc = (rulename: string, description: string, url: string, fmtmsg: string, location: DockerfileRange[]) => {
    const startLine = location[0]?.start.line ?? 0;
    const msg = converter.lintFormatShort(rulename, fmtmsg, startLine);
    const ranges = location.map((r: DockerfileRange) => ({ start: { ...r.start }, end: { ...r.end } }));
    warned = warned.then(() => src.warn(msg, { level: 1, detail: [encoder.encode(description)], url, ranges })).catch(() => {});
    pending.push(warned);
  };
  // tsfrontend's opt-in extensions (`# tsfrontend=...`, extensions.ts); none converts as dockerfile.v0.
  let extensions: ConvertExtensions | undefined;
  try {
    const names = parseExtensionDirective(dt);
    if (names.size > 0) {
      extensions = {
        ...(names.has("from-vars") ? { fromVariables: true } : {}),
        ...(names.has("program-stages") ? { programStage: programStageLoader({ gateway, client: bc, buildPlatform: bc.config.buildPlatforms?.[0] ?? { os: "linux", architecture: "amd64" } }) } : {}),
      };
    }
  } catch (err) {
    throw wrapSource(err, src.sourceMap);
  }
  const convertOpt: ConvertOpt = {
    config: bc.config,
    client: bc,
    mainContext: undefined,
    sourceMap: src.sourceMap,
    targetPlatform: undefined,
    metaResolver: gateway,
    llbCaps: gateway.llbCaps,
    warn,
    allStages: false,
    extensions,
    ...(o.convertOpt ?? {}),
  };

  // Go returns a subrequest's error without its source, which clients then show at the `# syntax=`
  // line when the file came through an image; with its own line they show the instruction at fault.
  let sub: GatewayResult | undefined;
  try {
    sub = await handleSubrequest(bc.opts, {
      outline: () => converter.dockerfile2Outline(dt, convertOpt),
      listTargets: async () => converter.listTargets(dt),
      lint: () => converter.dockerfileLint(dt, convertOpt),
      convertLLB: () => converter.dockerfileConvertLLB(dt, convertOpt),
    });
  } catch (err) {
    throw wrapSource(err, src.sourceMap);
  }
  if (sub) return sub;

  try {
    const buildPlatform = bc.config.buildPlatforms?.[0];
    // attest:sbom: the scanner (its image config resolved first) runs on the build platform.
    const sbom = bc.config.sbom;
    const scanner = sbom
      ? await createSBOMScanner(gateway, sbom.generator, {
          platform: buildPlatform ?? { os: "linux", architecture: "amd64" },
          resolveMode: bc.config.imageResolveMode,
          parameters: sbom.parameters,
        })
      : undefined;
    const scanTargets: ScanTarget[] = [];
    const targets: (Platform | undefined)[] = bc.config.targetPlatforms && bc.config.targetPlatforms.length > 0 ? [...bc.config.targetPlatforms] : [undefined];
    const results = await Promise.all(
      targets.map(async (tp, idx): Promise<PlatformBuildResult> => {
        const opt: ConvertOpt = {
          ...convertOpt,
          config: { ...convertOpt.config, buildArgs: { ...convertOpt.config.buildArgs } },
          targetPlatform: tp,
          warn: idx !== 0 ? undefined : convertOpt.warn,
        };
        const dfRes = await converter.dockerfile2LLB(dt, opt);
        let def;
        try {
          def = await dfRes.state.marshal();
        } catch (err) {
          throw wrapMessage(err, "failed to marshal LLB definition");
        }
        const solved = await gateway.solve({ definition: def });
        const baseConfig = dfRes.baseImage ? encoder.encode(marshalDockerOCIImage(dfRes.baseImage)) : undefined;
        const platform = tp ?? buildPlatform ?? { os: "linux", architecture: "amd64" };
        scanTargets[idx] = { platform, core: dfRes.sbom.core, extras: dfRes.sbom.extras, ...(dfRes.isIgnoreCache ? { ignoreCache: true } : {}) };
        return {
          platform,
          ref: solved.ref ?? null,
          config: encoder.encode(marshalDockerOCIImage(dfRes.image)),
          ...(baseConfig ? { baseConfig } : {}),
          ...(dfRes.epoch ? { epoch: dfRes.epoch } : {}),
        };
      }),
    );
    if (scanner) {
      const scans = await scanPlatforms(gateway, scanner, scanTargets);
      for (const r of results) r.attestations = scans.get(formatPlatformAll(normalizePlatform(r.platform))) ?? [];
    }
    await Promise.all(pending);
    return assembleResult(results, bc.config.multiPlatformRequested);
  } catch (err) {
    await Promise.all(pending);
    throw wrapSource(err, src.sourceMap);
  }
}
