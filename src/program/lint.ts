/**
 * `frontend.lint` for a build program (buildx `--call check` / `--check`,
 * `tsfrontend build --call check`): the program runs for every target
 * platform and each graph is marshalled, nothing is solved (as dockerfile.v0
 * converts a Dockerfile without building it). The answer is buildkit's
 * lint.LintResults: the error the build would fail with (`buildError`, at the
 * program's line) and warnings. One rule so far, for programs that declare
 * their build args (`export const args`): reading a build arg that is neither
 * declared, set nor predefined is most likely a typo (`UndeclaredBuildArg`).
 */

import { TsfError } from "../errors.js";
import { withResolveCache } from "../gateway/resolve-cache.js";
import type { GatewayClient, GatewayResult } from "../gateway/types.js";
import type { PbLocation } from "../llb/pb.js";
import { programCallerLine, runProgram, type LoadedProgram } from "./load.js";
import { programContext, type RunProgramBuildOptions } from "./run.js";
import { lintToResult, locationJSONValue, type LintResults } from "./subrequests.js";

export const RULE_UNDECLARED_BUILD_ARG = "UndeclaredBuildArg";

/** Args every build has without declaring them (buildkit's predefined args and its own switches). */
const PREDEFINED = /^(TARGET|BUILD)(PLATFORM|OS|ARCH|VARIANT)$|^(HTTPS?|FTP|NO|ALL)_PROXY$|^(https?|ftp|no|all)_proxy$|^BUILDKIT_|^SOURCE_DATE_EPOCH$/;

/** Names worth a warning: what a program writes as `buildArgs.NAME` / `buildArgs["NAME"]`, not what the runtime probes (`then`, `toJSON`...). */
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PROBED = new Set(["then", "toJSON", "constructor"]);

interface Warning {
  ruleName: string;
  description: string;
  url: string;
  detail: string;
  location: PbLocation;
}

function lineLocation(line: number | undefined): PbLocation {
  return { sourceIndex: 0, ranges: line !== undefined ? [{ start: { line, character: 0 }, end: { line, character: 0 } }] : [] };
}

/** Watches reads of absent keys on every build-arg record the program is given. */
function undeclaredArgWatcher(program: LoadedProgram, warnings: Warning[]): (args: Readonly<Record<string, string>>) => Readonly<Record<string, string>> {
  const declared = new Set(Object.keys(program.declarations?.args ?? {}));
  const seen = new Set<string>();
  return (args) =>
    new Proxy(args, {
      get(target, key, receiver) {
        if (typeof key === "string" && !(key in target) && ARG_NAME.test(key) && !PROBED.has(key) && !declared.has(key) && !PREDEFINED.test(key)) {
          const line = programCallerLine(program);
          const id = `${key}\0${line ?? ""}`;
          if (line !== undefined && !seen.has(id)) {
            seen.add(id);
            warnings.push({
              ruleName: RULE_UNDECLARED_BUILD_ARG,
              description: "A build arg the program reads should be declared in `export const args`",
              url: "",
              detail: `Build arg '${key}' is read but not declared in args, and no value was given`,
              location: lineLocation(line),
            });
          }
        }
        return Reflect.get(target, key, receiver);
      },
    });
}

/** The program's line of an error, when the error is located in the program file itself. */
function errorLine(err: unknown, program: LoadedProgram): number | undefined {
  const loc = err instanceof TsfError ? err.location : undefined;
  return loc && loc.file === program.displayName ? loc.line : undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs `program` as a build would, without solving, and returns the
 * `frontend.lint` result (result.json, result.txt, result.statuscode).
 * Errors in the options (a bad platform...) are thrown, as for a build.
 */
export async function lintProgram(client: GatewayClient, program: LoadedProgram, options: Omit<RunProgramBuildOptions, "program" | "evaluate">): Promise<GatewayResult> {
  const gateway = withResolveCache(client);
  const warnings: Warning[] = [];
  const watchArgs = program.declarations?.args !== undefined ? undeclaredArgWatcher(program, warnings) : undefined;
  const { parsed, ctx } = await programContext(gateway, { ...options, ...(program.declarations ? { declarations: program.declarations } : {}) }, watchArgs ? { watchArgs } : {});
  let error: { message: string; location: PbLocation } | undefined;
  try {
    const results = await runProgram(program, ctx);
    for (const r of results) await r.state.marshal({ platform: r.platform, ...(parsed.noCache ? { ignoreCache: true } : {}) });
  } catch (err) {
    error = { message: errorMessage(err), location: lineLocation(errorLine(err, program)) };
  }
  const source = { filename: program.displayName, language: "TypeScript", data: new TextEncoder().encode(program.source) };
  const results: LintResults = { warnings, sources: [source], error };
  Object.defineProperty(results, "toJSON", {
    enumerable: false,
    value: () => ({
      warnings: warnings.length === 0 ? null : warnings.map((w) => ({ ruleName: w.ruleName, description: w.description, detail: w.detail, location: locationJSONValue(w.location) })),
      sources: [{ filename: source.filename, data: Buffer.from(source.data).toString("base64"), language: source.language }],
      ...(error ? { buildError: { message: error.message, location: locationJSONValue(error.location) ?? {} } } : {}),
    }),
  });
  return lintToResult(results);
}

