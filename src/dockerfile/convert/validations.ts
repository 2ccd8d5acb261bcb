/**
 * The converter's checks: port of buildkit v0.32.2
 * frontend/dockerfile/dockerfile2llb/validations.go (build-check rules reported through
 * the linter, and the circular stage dependency error). The instruction tracker type
 * lives with DispatchState in dispatch-state.ts.
 */

import { DockerfileError, type DockerfileRange } from "../../errors.js";
import { cleanPath } from "../../internal/go/path.js";
import { toLower } from "../../internal/go/unicode.js";
import type { PatternMatcher } from "../../internal/go/patternmatcher.js";
import { suggestSearch } from "../../internal/go/suggest.js";
import { formatPlatformAll, normalizePlatform, parseNormalizedNamed, type EnvList, type Platform } from "../../llb/index.js";
import { parsePlatformContainerd } from "../../llb/platform.js";
import { defaultSpec } from "./platform.js";
import type { ArgCommand, Command as InstructionCommand, KeyValuePairOptional, Stage } from "../instructions/commands.js";
import type { Linter } from "../linter/linter.js";
import { withLocation } from "../parser/errors.js";
import {
  ruleConsistentInstructionCasing,
  ruleCopyIgnoredFile,
  ruleDuplicateStageName,
  ruleFromPlatformFlagConstDisallowed,
  ruleInvalidBaseImagePlatform,
  ruleInvalidDefaultArgInFrom,
  ruleMultipleInstructionsDisallowed,
  ruleRedundantTargetPlatform,
  ruleReservedStageName,
  ruleSecretsUsedInArgOrEnv,
  ruleUndefinedArgInFrom,
  ruleUndefinedVar,
} from "../linter/ruleset.js";
import type { EnvGetter, Lex, ProcessWordResult } from "../shell/lex.js";
import { buildMetaArgs } from "./dispatch-state.js";
import type { CopyConfig } from "./convert-copy.js";
import { markUsed, type DispatchOpt, type DispatchState, type InstructionTracker } from "./dispatch-state.js";

const reservedStageNames = new Set(["context", "scratch"]);

// convert.go's nonEnvArgs (the SBOM scan args, never set as env): not reported as undefined.
const nonEnvArgs = new Set(["BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"]);

/**
 * CopyIgnoredFile: a COPY/ADD source the .dockerignore excludes. Skipped without a
 * .dockerignore or when it has `!` exclusions (too hard to decide statically). Go
 * ignores this function's error, so a bad pattern only ends the check.
 */
export function validateCopySourcePath(src: string, cfg: CopyConfig): void {
  const matcher = cfg.ignoreMatcher;
  if (!matcher || matcher.exclusions) return;
  const cmd = cfg.isAddCommand ? "Add" : "Copy";
  src = cleanPath(src);
  if (src === "." || src === "/") {
    // The context root itself: only reported when every root entry is excluded.
    if (!copySourceRootIgnored(matcher)) return;
  }
  let ok: boolean;
  try {
    ok = matcher.matchesOrParentMatches(src);
  } catch {
    return;
  }
  if (ok) cfg.opt.lint.run(ruleCopyIgnoredFile, cfg.location, ruleCopyIgnoredFile.format(cmd, src));
}

function copySourceRootIgnored(matcher: PatternMatcher): boolean {
  for (const pattern of matcher.patterns) {
    if (pattern.exclusion) continue;
    switch (pattern.toString()) {
      case "*":
      case "**":
      case "**/*":
        return true;
    }
  }
  return false;
}

/** Fails when stages depend on each other in a cycle, at the lines of the commands forming it. */
export function validateCircularDependency(states: readonly DispatchState[] | undefined): void {
  if (!states) return;
  const visited = new Set<DispatchState>();
  const path = new Set<DispatchState>();
  const visit = (state: DispatchState, current: InstructionCommand[]): InstructionCommand[] | undefined => {
    if (visited.has(state)) return undefined;
    visited.add(state);
    path.add(state);
    for (const [dep, c] of state.deps) {
      const next = [...current, c];
      if (path.has(dep)) return next;
      const found = visit(dep, next);
      if (found) return found;
    }
    path.delete(state);
    return undefined;
  };
  for (const state of states) {
    const cmds = visit(state, []);
    if (cmds) {
      let err = new DockerfileError(`circular dependency detected on stage: ${state.stageName}`);
      for (const c of cmds) err = withLocation(err, c.location());
      throw err;
    }
  }
}

/** Whether `name` is all lower case and whether it is all upper case (Go's strings.ToLower/ToUpper comparisons). */
function casing(name: string): { lower: boolean; upper: boolean } {
  let lower = true;
  let upper = true;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x80) return { lower: toLower(name) === name, upper: name.toUpperCase() === name };
    if (c >= 0x41 && c <= 0x5a) lower = false;
    else if (c >= 0x61 && c <= 0x7a) upper = false;
  }
  return { lower, upper };
}

function validateCaseMatch(name: string, isMajorityLower: boolean, location: DockerfileRange[], lint: Linter): void {
  const c = casing(name);
  let correctCasing = "";
  if (isMajorityLower && !c.lower) correctCasing = "lowercase";
  else if (!isMajorityLower && !c.upper) correctCasing = "uppercase";
  if (correctCasing !== "") lint.run(ruleConsistentInstructionCasing, location, ruleConsistentInstructionCasing.format(name, correctCasing));
}

/** ConsistentInstructionCasing: instructions cased unlike the majority (or mixed-case). */
export function validateCommandCasing(stages: readonly Stage[], lint: Linter): void {
  let lowerCount = 0;
  let upperCount = 0;
  // Go's isSelfConsistentCasing: all lower or all upper case; all-lower counts as lower.
  const count = (name: string): void => {
    const c = casing(name);
    if (c.lower) lowerCount++;
    else if (c.upper) upperCount++;
  };
  for (const stage of stages) {
    count(stage.origCmd);
    for (const cmd of stage.commands) count(cmd.name());
  }
  const isMajorityLower = lowerCount > upperCount;
  for (const stage of stages) {
    validateCaseMatch(stage.origCmd, isMajorityLower, stage.location, lint);
    for (const cmd of stage.commands) validateCaseMatch(cmd.name(), isMajorityLower, cmd.location(), lint);
  }
}

/** ReservedStageName and DuplicateStageName. */
export function validateStageNames(stages: readonly Stage[], lint: Linter): void {
  const stageNames = new Set<string>();
  for (const stage of stages) {
    if (stage.name === "") continue;
    if (reservedStageNames.has(stage.name)) lint.run(ruleReservedStageName, stage.location, ruleReservedStageName.format(stage.name));
    if (stageNames.has(stage.name)) lint.run(ruleDuplicateStageName, stage.location, ruleDuplicateStageName.format(stage.name));
    stageNames.add(stage.name);
  }
}

/** UndefinedVar: variables an instruction used that are neither set nor declared as ARG. Removes the declared ones from `unmatched`. */
export function reportUnmatchedVariables(
  cmd: InstructionCommand,
  buildArgs: readonly KeyValuePairOptional[],
  env: EnvGetter,
  unmatched: Set<string>,
  opt: Pick<DispatchOpt, "lint">,
): void {
  if (unmatched.size === 0) return;
  for (const buildArg of buildArgs) unmatched.delete(buildArg.key);
  if (unmatched.size === 0) return;
  const options = env.keys();
  for (const cmdVar of unmatched) {
    if (nonEnvArgs.has(cmdVar)) continue;
    const match = suggestSearch(cmdVar, options, true) ?? "";
    opt.lint.run(ruleUndefinedVar, cmd.location(), ruleUndefinedVar.format(cmdVar, match));
  }
}

/** UndefinedArgInFrom: variables in FROM that no global ARG declares. */
export function reportUnusedFromArgs(testArgKeys: ReadonlySet<string>, unmatched: ReadonlySet<string>, location: DockerfileRange[], lint: Linter): void {
  const argKeys = [...testArgKeys];
  for (const arg of unmatched) {
    if (testArgKeys.has(arg)) continue;
    const suggest = suggestSearch(arg, argKeys, true) ?? "";
    lint.run(ruleUndefinedArgInFrom, location, ruleUndefinedArgInFrom.format(arg, suggest));
  }
}

/** RedundantTargetPlatform: `FROM --platform=$TARGETPLATFORM`. */
export function reportRedundantTargetPlatform(platformVar: string, nameMatch: ProcessWordResult, location: DockerfileRange[], env: EnvGetter, lint: Linter): void {
  // Only when TARGETPLATFORM alone was substituted (another arg may have expanded to "").
  if (nameMatch.matched.size === 1 && nameMatch.unmatched.size === 0) {
    if (!nameMatch.matched.has("TARGETPLATFORM")) return;
    if (nameMatch.result === (env.get("TARGETPLATFORM") ?? "")) {
      lint.run(ruleRedundantTargetPlatform, location, ruleRedundantTargetPlatform.format(platformVar));
    }
  }
}

/** FromPlatformFlagConstDisallowed: a constant `--platform` whose OS/arch the stage name does not mention. */
export function reportConstPlatformDisallowed(stageName: string, nameMatch: ProcessWordResult, location: DockerfileRange[], lint: Linter): void {
  if (nameMatch.matched.size > 0 || nameMatch.unmatched.size > 0) return;
  let p: Platform;
  try {
    p = parsePlatformContainerd(nameMatch.result, defaultSpec());
  } catch {
    return; // fails later, with its own error
  }
  if (stageName.includes(p.os) || stageName.includes(p.architecture)) return;
  lint.run(ruleFromPlatformFlagConstDisallowed, location, ruleFromPlatformFlagConstDisallowed.format(nameMatch.result));
}

/** MultipleInstructionsDisallowed: reported at the earlier CMD/ENTRYPOINT/HEALTHCHECK, the one ignored. */
export function validateUsedOnce(c: InstructionCommand, loc: InstructionTracker, lint: Linter): void {
  if (loc.isSet) lint.run(ruleMultipleInstructionsDisallowed, loc.location, ruleMultipleInstructionsDisallowed.format(c.name()));
  markUsed(loc, c.location());
}

/** InvalidBaseImagePlatform: the base image's OS/arch differ from the platform asked for. */
export function validateBaseImagePlatform(name: string, expected: Platform, actual: Platform, location: DockerfileRange[], lint: Linter): void {
  if (expected.os !== actual.os || expected.architecture !== actual.architecture) {
    const expectedStr = formatPlatformAll(normalizePlatform(expected));
    const actualStr = formatPlatformAll(normalizePlatform(actual));
    lint.run(ruleInvalidBaseImagePlatform, location, ruleInvalidBaseImagePlatform.format(name, expectedStr, actualStr));
  }
}

const secretTokens = ["apikey", "auth", "credential", "credentials", "key", "password", "pword", "passwd", "secret", "token"];
const allowTokens = ["public", "file", "version"];
// A whole name or its first/last `_`-separated word, case-insensitively.
const secretsRe = new RegExp(`(?:_|^)(?:${secretTokens.join("|")})(?:_|$)`, "i");
const secretsAllowRe = new RegExp(`(?:_|^)(?:${allowTokens.join("|")})(?:_|$)`, "i");

/** SecretsUsedInArgOrEnv: an ARG or ENV named like a secret (`API_KEY`, `db_password`...). */
export function validateNoSecretKey(instruction: string, key: string, location: DockerfileRange[], lint: Linter): void {
  if (secretsRe.test(key) && !secretsAllowRe.test(key)) {
    lint.run(ruleSecretsUsedInArgOrEnv, location, ruleSecretsUsedInArgOrEnv.format(instruction, key));
  }
}

/** InvalidDefaultArgInFrom: a FROM that is not a valid image name with the ARG defaults alone. */
export function validateBaseImagesWithDefaultArgs(stages: readonly Stage[], shlex: Lex, env: EnvList, argCmds: readonly ArgCommand[], lint: Linter): void {
  let args: EnvList;
  try {
    // The arguments as if no build-arg were given.
    [args] = buildMetaArgs(env, shlex, argCmds, {});
  } catch {
    return; // the build fails later with this error
  }
  for (const st of stages) {
    let nameMatch: ProcessWordResult;
    try {
      nameMatch = shlex.processWordWithMatches(st.baseName, envGetter(args));
    } catch {
      return;
    }
    try {
      parseNormalizedNamed(nameMatch.result);
    } catch {
      lint.run(ruleInvalidDefaultArgInFrom, st.location, ruleInvalidDefaultArgInFrom.format(st.baseName));
    }
  }
}

function envGetter(e: EnvList): EnvGetter {
  return { get: (k) => e.get(k), keys: () => [...e.keys()] };
}
