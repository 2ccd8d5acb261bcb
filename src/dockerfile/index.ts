/**
 * tsfrontend/dockerfile: Dockerfiles on buildkit, as dockerfile.v0 (buildkit
 * v0.32.2) builds them. `parse` gives the parser's AST; `dockerfile2LLB`,
 * `outline`, `targets` and `lint` are the converter's entry points;
 * `buildDockerfile` runs a whole Dockerfile build against a gateway (the
 * frontend image and `tsfrontend build -f Dockerfile` both use it) and returns
 * its result to the daemon. The converter is loaded on first use, so a
 * program build never loads it.
 *
 * @example
 * const res = await dockerfile2LLB("FROM alpine\nRUN echo hi\n", { targetPlatform: { os: "linux", architecture: "arm64" } });
 * const def = await res.state.marshal();
 */

import type { GatewayClient, GatewayResult } from "../gateway/types.js";
import { returnedError } from "../program/run.js";
import type { LintResults, Outline, TargetsList } from "../program/subrequests.js";
import { build, wrapSource, type DockerfileBuildOptions, type DockerfileConverter } from "./builder.js";
import { newConvertOpt, type ConvertOpt, type ConvertResult } from "./convert/options.js";

export { parse, type Node, type Result as ParseResult, type Warning as ParseWarning, type Heredoc } from "./parser/parser.js";
export type { ConvertOpt, ConvertResult, DockerfileClient, DockerfileConfig, NamedContext, ContextOpt } from "./convert/options.js";
export { newConvertOpt, newDockerfileConfig } from "./convert/options.js";
export type { DockerfileBuildOptions, DockerfileConverter } from "./builder.js";
export type { LintResults, Outline, TargetsList } from "../program/subrequests.js";
export { DockerUIClient } from "./dockerui/config.js";

let loaded: Promise<DockerfileConverter> | undefined;

/** The converter (dockerfile2llb and the linter), loaded once. */
export function dockerfileConverter(): Promise<DockerfileConverter> {
  return (loaded ??= (async () => {
    const [convert, convertllb, linter] = await Promise.all([import("./convert/convert.js"), import("./convert/convertllb.js"), import("./linter/linter.js")]);
    const converter: DockerfileConverter = {
      dockerfile2LLB: convert.dockerfile2LLB,
      dockerfile2Outline: convert.dockerfile2Outline,
      listTargets: convert.listTargets,
      dockerfileLint: convert.dockerfileLint,
      dockerfileConvertLLB: async (dt, opt) => convertllb.convertLLBResultJSON(await convert.dockerfileConvertLLB(dt, opt)),
      parseLintOptions: linter.parseLintOptions,
      lintFormatShort: linter.lintFormatShort,
    };
    return converter;
  })());
}

function bytes(dt: string | Uint8Array): Uint8Array {
  return typeof dt === "string" ? new TextEncoder().encode(dt) : dt;
}

/** Converts a Dockerfile to LLB for one target platform (dockerfile2llb.Dockerfile2LLB). Options default to Go's zero values. */
export async function dockerfile2LLB(dt: string | Uint8Array, opt: Partial<ConvertOpt> = {}): Promise<ConvertResult> {
  return (await dockerfileConverter()).dockerfile2LLB(bytes(dt), newConvertOpt(opt));
}

/** The outline of a Dockerfile's target: its build args, secrets and ssh ids (`--call outline`). */
export async function outline(dt: string | Uint8Array, opt: Partial<ConvertOpt> = {}): Promise<Outline> {
  return (await dockerfileConverter()).dockerfile2Outline(bytes(dt), newConvertOpt(opt));
}

/** The stages a Dockerfile can build (`--call targets`). */
export async function targets(dt: string | Uint8Array): Promise<TargetsList> {
  return (await dockerfileConverter()).listTargets(bytes(dt));
}

/** The build checks' findings (`--call check`). */
export async function lint(dt: string | Uint8Array, opt: Partial<ConvertOpt> = {}): Promise<LintResults> {
  return (await dockerfileConverter()).dockerfileLint(bytes(dt), newConvertOpt(opt));
}

/**
 * Builds a Dockerfile against `gateway` as dockerfile.v0 does (or answers
 * the subrequest in `options.opts.requestid`), returns the result to the
 * daemon (`Return`) and resolves with it. On failure the error goes back
 * through `Return` (with the Dockerfile line when known) and is thrown.
 */
export async function buildDockerfile(gateway: GatewayClient, options: DockerfileBuildOptions): Promise<GatewayResult> {
  try {
    const result = await build(gateway, await dockerfileConverter(), options);
    await gateway.return(result);
    return result;
  } catch (err) {
    await gateway.return({ error: returnedError(err, undefined) }).catch(() => {});
    throw err;
  }
}

export { wrapSource };
