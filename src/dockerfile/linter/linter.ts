/**
 * The build-check linter: a port of buildkit v0.32.2
 * frontend/dockerfile/linter/linter.go (Linter, Config, the rule type,
 * `check=` option parsing and the short message format).
 */

import type { DockerfileRange } from "../../errors.js";
import { DockerfileError } from "../../errors.js";
import { goQuote, parseBool } from "../../internal/go/strconv.js";
import { goTrimSpace } from "../../internal/go/strings.js";
import { parseDirectives } from "../../program/syntax.js";

/** Reports one rule violation: the rule, its description and URL, the formatted message, where. */
export type LintWarnFunc = (rulename: string, description: string, url: string, fmtmsg: string, location: DockerfileRange[]) => void;

/** What the Linter needs of a rule (Go's LinterRuleI). */
export interface LinterRuleI {
  ruleName(): string;
  run(warn: LintWarnFunc, location: DockerfileRange[], ...txt: string[]): void;
  isDeprecated(): boolean;
  isExperimental(): boolean;
}

/** The fields of a rule. */
export interface LinterRuleFields<F> {
  name: string;
  description: string;
  url?: string;
  deprecated?: boolean;
  experimental?: boolean;
  format: F;
}

/** One build-check rule; `format` builds its message from the rule's arguments. */
export class LinterRule<F extends (...args: never[]) => string> implements LinterRuleI {
  readonly name: string;
  readonly description: string;
  readonly url: string;
  readonly deprecated: boolean;
  readonly experimental: boolean;
  readonly format: F;

  constructor(f: LinterRuleFields<F>) {
    this.name = f.name;
    this.description = f.description;
    this.url = f.url ?? "";
    this.deprecated = f.deprecated ?? false;
    this.experimental = f.experimental ?? false;
    this.format = f.format;
  }

  ruleName(): string {
    return this.name;
  }

  /** Calls `warn` with the messages joined by spaces (the description when there are none). */
  run(warn: LintWarnFunc, location: DockerfileRange[], ...txt: string[]): void {
    const short = txt.length === 0 ? this.description : txt.join(" ");
    warn(this.name, this.description, this.url, short, location);
  }

  isDeprecated(): boolean {
    return this.deprecated;
  }

  isExperimental(): boolean {
    return this.experimental;
  }
}

/** Go's linter.Config: what `check=` and the BUILDKIT_DOCKERFILE_CHECK build-arg ask for. */
export interface LinterConfig {
  experimentalAll?: boolean;
  experimentalRules?: string[];
  returnAsError?: boolean;
  skipAll?: boolean;
  skipRules?: string[];
  warn?: LintWarnFunc | undefined;
}

/** Runs rules against a configuration; clones made by `withMergedConfig` share the list of rules called. */
export class Linter {
  /** Names of the rules that reported, shared with every clone. */
  calledRules: string[];
  experimentalAll: boolean;
  experimentalRules: Set<string>;
  returnAsError: boolean;
  skipAll: boolean;
  skippedRules: Set<string>;
  warn: LintWarnFunc | undefined;

  /** Go's `linter.New`. */
  constructor(config: LinterConfig) {
    this.calledRules = [];
    this.warn = config.warn;
    this.skipAll = config.skipAll ?? false;
    this.experimentalAll = config.experimentalAll ?? false;
    this.returnAsError = config.returnAsError ?? false;
    this.skippedRules = new Set(config.skipRules ?? []);
    this.experimentalRules = new Set(config.experimentalRules ?? []);
  }

  /** Reports `rule` at `location` unless it is deprecated, skipped, or experimental and not enabled. */
  run(rule: LinterRuleI, location: DockerfileRange[], ...txt: string[]): void {
    if (this.warn === undefined || rule.isDeprecated()) return;
    const rulename = rule.ruleName();
    if (rule.isExperimental()) {
      if (!this.experimentalAll && !this.experimentalRules.has(rulename)) return;
    } else if (this.skipAll || this.skippedRules.has(rulename)) {
      return;
    }
    this.calledRules.push(rulename);
    rule.run(this.warn, location, ...txt);
  }

  /** A copy with `other`'s skips and experimental rules added (the called rules stay shared). */
  withMergedConfig(other: LinterConfig): Linter {
    const cloned: Linter = Object.create(Linter.prototype);
    Object.assign(cloned, this);
    if (other.experimentalAll) cloned.experimentalAll = true;
    if (other.experimentalRules && other.experimentalRules.length > 0) {
      cloned.experimentalRules = new Set(cloned.experimentalRules);
      for (const r of other.experimentalRules) cloned.experimentalRules.add(r);
    }
    if (other.skipAll) cloned.skipAll = true;
    if (other.skipRules && other.skipRules.length > 0) {
      cloned.skippedRules = new Set(cloned.skippedRules);
      for (const r of other.skipRules) cloned.skippedRules.add(r);
    }
    return cloned;
  }

  /** The linter with the first `# check=...` comment among `comments` merged in (itself if none, or if it is invalid). */
  withMergedConfigFromComments(comments: string[] | undefined): Linter {
    if (comments === undefined) return this;
    for (const comment of comments) {
      // A comment line is a directive line without its "#".
      const d = parseDirectives("#" + comment, "#")[0];
      if (d === undefined || d.name !== "check") continue;
      const sp = d.value.indexOf(" ");
      const v = sp < 0 ? d.value : d.value.slice(0, sp);
      let cfg: LinterConfig;
      try {
        cfg = parseLintOptions(v);
      } catch {
        return this;
      }
      return this.withMergedConfig(cfg);
    }
    return this;
  }

  /** With `error=true`, the error for the rules that reported: `lint violation found for rules: A, B`. */
  error(): DockerfileError | undefined {
    if (!this.returnAsError || this.calledRules.length === 0) return undefined;
    const rules = [...new Set(this.calledRules)];
    return new DockerfileError(`lint violation found for rules: ${rules.join(", ")}`);
  }
}

/** `RuleName: message (line N)`, the one-line form of a warning. */
export function lintFormatShort(rulename: string, msg: string, line: number): string {
  msg = `${rulename}: ${msg}`;
  if (line > 0) msg = `${msg} (line ${line})`;
  return msg;
}

function splitTrimmed(v: string): string[] {
  return v.split(",").map((r) => goTrimSpace(r));
}

/**
 * Go's `ParseLintOptions`: `skip=A,B;error=true;experimental=all` as a LinterConfig.
 * Throws a DockerfileError worded as Go's (`invalid check option "x"`).
 */
export function parseLintOptions(checkStr: string): LinterConfig {
  checkStr = goTrimSpace(checkStr);
  if (checkStr === "") return {};
  const parts = splitN(checkStr, ";", 3);
  let skipSet: string[] | undefined;
  let experimentalSet: string[] | undefined;
  let errorOnWarn = false;
  let skipAll = false;
  let experimentalAll = false;
  for (const p of parts) {
    const eq = p.indexOf("=");
    if (eq < 0) throw new DockerfileError(`invalid check option ${goQuote(p)}`);
    const k = goTrimSpace(p.slice(0, eq));
    let v = p.slice(eq + 1);
    switch (k) {
      case "skip":
        v = goTrimSpace(v);
        if (v === "all") skipAll = true;
        else skipSet = splitTrimmed(v);
        break;
      case "experimental":
        v = goTrimSpace(v);
        if (v === "all") experimentalAll = true;
        else experimentalSet = splitTrimmed(v);
        break;
      case "error": {
        const t = goTrimSpace(v);
        const b = parseBool(t);
        if (b === undefined) {
          throw new DockerfileError(`failed to parse check option ${goQuote(p)}: strconv.ParseBool: parsing ${goQuote(t)}: invalid syntax`);
        }
        errorOnWarn = b;
        break;
      }
      default:
        throw new DockerfileError(`invalid check option ${goQuote(k)}`);
    }
  }
  return {
    experimentalAll,
    experimentalRules: experimentalSet ?? [],
    skipRules: skipSet ?? [],
    skipAll,
    returnAsError: errorOnWarn,
  };
}

/** Go's strings.SplitN(s, sep, n) for n > 0. */
function splitN(s: string, sep: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  out.push(rest);
  return out;
}
