/**
 * The build-check rules: a port of buildkit v0.32.2
 * frontend/dockerfile/linter/ruleset.go (every rule with its name,
 * description, documentation URL and message format).
 */

import { goQuote } from "../../internal/go/strconv.js";
import { LinterRule } from "./linter.js";

export const ruleStageNameCasing = new LinterRule({
  name: "StageNameCasing",
  description: "Stage names should be lowercase",
  url: "https://docs.docker.com/go/dockerfile/rule/stage-name-casing/",
  format: (stageName: string) => `Stage name '${stageName}' should be lowercase`,
});

export const ruleFromAsCasing = new LinterRule({
  name: "FromAsCasing",
  description: "The 'as' keyword should match the case of the 'from' keyword",
  url: "https://docs.docker.com/go/dockerfile/rule/from-as-casing/",
  format: (from: string, as: string) => `'${as}' and '${from}' keywords' casing do not match`,
});

export const ruleNoEmptyContinuation = new LinterRule({
  name: "NoEmptyContinuation",
  description: "Empty continuation lines will become errors in a future release",
  url: "https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/",
  format: () => "Empty continuation line",
});

export const ruleConsistentInstructionCasing = new LinterRule({
  name: "ConsistentInstructionCasing",
  description: "All commands within the Dockerfile should use the same casing (either upper or lower)",
  url: "https://docs.docker.com/go/dockerfile/rule/consistent-instruction-casing/",
  format: (violatingCommand: string, correctCasing: string) =>
    `Command '${violatingCommand}' should match the case of the command majority (${correctCasing})`,
});

export const ruleDuplicateStageName = new LinterRule({
  name: "DuplicateStageName",
  description: "Stage names should be unique",
  url: "https://docs.docker.com/go/dockerfile/rule/duplicate-stage-name/",
  format: (stageName: string) => `Duplicate stage name ${goQuote(stageName)}, stage names should be unique`,
});

export const ruleReservedStageName = new LinterRule({
  name: "ReservedStageName",
  description: "Reserved words should not be used as stage names",
  url: "https://docs.docker.com/go/dockerfile/rule/reserved-stage-name/",
  format: (reservedStageName: string) => `Stage name should not use the same name as reserved stage ${goQuote(reservedStageName)}`,
});

export const ruleJSONArgsRecommended = new LinterRule({
  name: "JSONArgsRecommended",
  description: "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals",
  url: "https://docs.docker.com/go/dockerfile/rule/json-args-recommended/",
  format: (instructionName: string) =>
    `JSON arguments recommended for ${instructionName} to prevent unintended behavior related to OS signals`,
});

export const ruleMaintainerDeprecated = new LinterRule({
  name: "MaintainerDeprecated",
  description: "The MAINTAINER instruction is deprecated, use a label instead to define an image author",
  url: "https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/",
  format: () => "Maintainer instruction is deprecated in favor of using label",
});

export const ruleUndefinedArgInFrom = new LinterRule({
  name: "UndefinedArgInFrom",
  description: "FROM command must use declared ARGs",
  url: "https://docs.docker.com/go/dockerfile/rule/undefined-arg-in-from/",
  format: (baseArg: string, suggest: string) => {
    let out = `FROM argument '${baseArg}' is not declared`;
    if (suggest !== "") out += ` (did you mean ${suggest}?)`;
    return out;
  },
});

export const ruleWorkdirRelativePath = new LinterRule({
  name: "WorkdirRelativePath",
  description: "Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes",
  url: "https://docs.docker.com/go/dockerfile/rule/workdir-relative-path/",
  format: (workdir: string) => `Relative workdir ${goQuote(workdir)} can have unexpected results if the base image changes`,
});

export const ruleUndefinedVar = new LinterRule({
  name: "UndefinedVar",
  description: "Variables should be defined before their use",
  url: "https://docs.docker.com/go/dockerfile/rule/undefined-var/",
  format: (arg: string, suggest: string) => {
    let out = `Usage of undefined variable '$${arg}'`;
    if (suggest !== "") out += ` (did you mean $${suggest}?)`;
    return out;
  },
});

export const ruleMultipleInstructionsDisallowed = new LinterRule({
  name: "MultipleInstructionsDisallowed",
  description: "Multiple instructions of the same type should not be used in the same stage",
  url: "https://docs.docker.com/go/dockerfile/rule/multiple-instructions-disallowed/",
  format: (instructionName: string) =>
    `Multiple ${instructionName} instructions should not be used in the same stage because only the last one will be used`,
});

export const ruleLegacyKeyValueFormat = new LinterRule({
  name: "LegacyKeyValueFormat",
  description: "Legacy key/value format with whitespace separator should not be used",
  url: "https://docs.docker.com/go/dockerfile/rule/legacy-key-value-format/",
  format: (cmdName: string) => `"${cmdName} key=value" should be used instead of legacy "${cmdName} key value" format`,
});

/** The one rule without a documentation URL. */
export const ruleInvalidBaseImagePlatform = new LinterRule({
  name: "InvalidBaseImagePlatform",
  description: "Base image platform does not match expected target platform",
  format: (image: string, expected: string, actual: string) =>
    `Base image ${image} was pulled with platform ${goQuote(actual)}, expected ${goQuote(expected)} for current build`,
});

export const ruleRedundantTargetPlatform = new LinterRule({
  name: "RedundantTargetPlatform",
  description: "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior",
  url: "https://docs.docker.com/go/dockerfile/rule/redundant-target-platform/",
  format: (platformVar: string) => `Setting platform to predefined ${platformVar} in FROM is redundant as this is the default behavior`,
});

export const ruleSecretsUsedInArgOrEnv = new LinterRule({
  name: "SecretsUsedInArgOrEnv",
  description: "Sensitive data should not be used in the ARG or ENV commands",
  url: "https://docs.docker.com/go/dockerfile/rule/secrets-used-in-arg-or-env/",
  format: (instruction: string, secretKey: string) =>
    `Do not use ARG or ENV instructions for sensitive data (${instruction} ${goQuote(secretKey)})`,
});

export const ruleInvalidDefaultArgInFrom = new LinterRule({
  name: "InvalidDefaultArgInFrom",
  description: "Default value for global ARG results in an empty or invalid base image name",
  url: "https://docs.docker.com/go/dockerfile/rule/invalid-default-arg-in-from/",
  format: (baseName: string) => `Default value for ARG ${baseName} results in empty or invalid base image name`,
});

export const ruleFromPlatformFlagConstDisallowed = new LinterRule({
  name: "FromPlatformFlagConstDisallowed",
  description: "FROM --platform flag should not use a constant value",
  url: "https://docs.docker.com/go/dockerfile/rule/from-platform-flag-const-disallowed/",
  format: (platform: string) => `FROM --platform flag should not use constant value ${goQuote(platform)}`,
});

export const ruleCopyIgnoredFile = new LinterRule({
  name: "CopyIgnoredFile",
  description: "Attempting to Copy file that is excluded by .dockerignore",
  url: "https://docs.docker.com/go/dockerfile/rule/copy-ignored-file/",
  format: (cmd: string, file: string) => `Attempting to ${cmd} file ${goQuote(file)} that is excluded by .dockerignore`,
});

export const ruleInvalidDefinitionDescription = new LinterRule({
  name: "InvalidDefinitionDescription",
  description:
    "Comment for build stage or argument should follow the format: `# <arg/stage name> <description>`. If this is not intended to be a description comment, add an empty line or comment between the instruction and the comment.",
  url: "https://docs.docker.com/go/dockerfile/rule/invalid-definition-description/",
  format: (instruction: string, defName: string) => `Comment for ${instruction} should follow the format: \`# ${defName} <description>\``,
  experimental: true,
});

export const ruleExposeProtoCasing = new LinterRule({
  name: "ExposeProtoCasing",
  description: "Protocol in EXPOSE instruction should be lowercase",
  url: "https://docs.docker.com/go/dockerfile/rule/expose-proto-casing/",
  format: (port: string) => `Defined protocol '${port}' in EXPOSE instruction should be lowercase`,
});

export const ruleExposeInvalidFormat = new LinterRule({
  name: "ExposeInvalidFormat",
  description: "IP address and host-port mapping should not be used in EXPOSE instruction. This will become an error in a future release",
  url: "https://docs.docker.com/go/dockerfile/rule/expose-invalid-format/",
  format: (port: string) => `EXPOSE instruction should not define an IP address or host-port mapping, found '${port}'`,
});

/** Every rule, in ruleset.go's order. */
export const allRules: readonly LinterRule<(...args: never[]) => string>[] = [
  ruleStageNameCasing,
  ruleFromAsCasing,
  ruleNoEmptyContinuation,
  ruleConsistentInstructionCasing,
  ruleDuplicateStageName,
  ruleReservedStageName,
  ruleJSONArgsRecommended,
  ruleMaintainerDeprecated,
  ruleUndefinedArgInFrom,
  ruleWorkdirRelativePath,
  ruleUndefinedVar,
  ruleMultipleInstructionsDisallowed,
  ruleLegacyKeyValueFormat,
  ruleInvalidBaseImagePlatform,
  ruleRedundantTargetPlatform,
  ruleSecretsUsedInArgOrEnv,
  ruleInvalidDefaultArgInFrom,
  ruleFromPlatformFlagConstDisallowed,
  ruleCopyIgnoredFile,
  ruleInvalidDefinitionDescription,
  ruleExposeProtoCasing,
  ruleExposeInvalidFormat,
];
