/**
 * Flags of a Dockerfile instruction (`COPY --from=x`, `RUN --mount=...`): a port of buildkit
 * v0.32.2 frontend/dockerfile/instructions/bflag.go. Flags are declared with `addBool`,
 * `addString` or `addStrings`, then `parse` reads `args`; a mistake while declaring shows
 * up at `parse`, as in Go.
 */

import { DockerfileError } from "../../errors.js";
import { suggestMessage } from "../../internal/go/suggest.js";

/** The type of a flag's value. */
export const FlagType = { bool: 0, string: 1, strings: 2 } as const;
export type FlagType = (typeof FlagType)[keyof typeof FlagType];

/** One declared flag and the value `parse` gave it. */
export class Flag {
  value = "";
  stringValues: string[] = [];

  constructor(
    readonly bf: BFlags,
    readonly name: string,
    readonly flagType: FlagType,
  ) {}

  /** Whether the instruction set this flag. */
  isUsed(): boolean {
    return this.bf.used.has(this.name);
  }

  /** The value of a bool flag. */
  isTrue(): boolean {
    if (this.flagType !== FlagType.bool) throw new DockerfileError(`Trying to use IsTrue on a non-boolean: ${this.name}`);
    return this.value === "true";
  }
}

/** The flags an instruction accepts and the ones its source gives (`args`, e.g. `--from=build`). */
export class BFlags {
  readonly flags = new Map<string, Flag>();
  readonly used = new Map<string, Flag>();
  /** A mistake made while declaring flags, reported by `parse`. */
  err: string | undefined;

  constructor(public args: string[] = []) {}

  /** Declares a bool flag with its default. */
  addBool(name: string, def: boolean): Flag {
    const flag = this.addFlag(name, FlagType.bool);
    flag.value = def ? "true" : "false";
    return flag;
  }

  /** Declares a string flag with its default. */
  addString(name: string, def: string): Flag {
    const flag = this.addFlag(name, FlagType.string);
    flag.value = def;
    return flag;
  }

  /** Declares a string flag that may be given several times. */
  addStrings(name: string): Flag {
    return this.addFlag(name, FlagType.strings);
  }

  /** A second declaration of a name records the mistake for `parse` and returns a flag that is never set. */
  private addFlag(name: string, flagType: FlagType): Flag {
    if (this.flags.has(name)) {
      this.err = `Duplicate flag defined: ${name}`;
      return new Flag(this, name, flagType);
    }
    const flag = new Flag(this, name, flagType);
    this.flags.set(name, flag);
    return flag;
  }

  /** The names of the flags the instruction set, in the order they were first given. */
  usedNames(): string[] {
    return [...this.used.keys()];
  }

  /** Reads `args` into the declared flags; throws a DockerfileError worded as Go's. */
  parse(): void {
    if (this.err !== undefined) throw new DockerfileError(`error setting up flags: ${this.err}`);
    for (const a of this.args) {
      if (a === "--") return;
      if (!a.startsWith("--")) throw new DockerfileError(`arg should start with -- : ${a}`);
      const eq = a.indexOf("=");
      const hasValue = eq >= 0;
      const flagName = hasValue ? a.slice(0, eq) : a;
      const value = hasValue ? a.slice(eq + 1) : "";
      const arg = flagName.slice(2);
      const flag = this.flags.get(arg);
      if (!flag) throw new DockerfileError(suggestMessage(`unknown flag: ${flagName}`, arg, this.flags.keys(), true));
      if (this.used.has(arg) && flag.flagType !== FlagType.strings) {
        throw new DockerfileError(`duplicate flag specified: ${flagName}`);
      }
      this.used.set(arg, flag);
      switch (flag.flagType) {
        case FlagType.bool: {
          if (hasValue && value === "") throw new DockerfileError(`missing a value on flag: ${flagName}`);
          const v = value.toLowerCase();
          if (v === "true" || v === "") flag.value = "true";
          else if (v === "false") flag.value = "false";
          else throw new DockerfileError(`expecting boolean value for flag ${flagName}, not: ${value}`);
          break;
        }
        case FlagType.string:
          if (!hasValue) throw new DockerfileError(`missing a value on flag: ${flagName}`);
          flag.value = value;
          break;
        case FlagType.strings:
          if (!hasValue) throw new DockerfileError(`missing a value on flag: ${flagName}`);
          flag.stringValues.push(value);
          break;
      }
    }
  }
}

/** Go's `NewBFlagsWithArgs`. */
export function newBFlagsWithArgs(args: string[]): BFlags {
  return new BFlags(args);
}
