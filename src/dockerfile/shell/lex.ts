/**
 * Port of buildkit v0.32.2 frontend/dockerfile/shell/lex.go: shell-like word
 * splitting and variable expansion.
 */

/** Environment lookups the lexer uses (Go's shell.EnvGetter). */
export interface EnvGetter {
  get(key: string): string | undefined;
  keys(): string[];
}

/** Go's shell.ProcessWordResult. */
export interface ProcessWordResult {
  result: string;
  words: string[];
  matched: Set<string>;
  unmatched: Set<string>;
}

/** Go's shell.Lex. */
export class Lex {
  escapeToken: string;
  rawQuotes = false;
  rawEscapes = false;
  skipProcessQuotes = false;
  skipUnsetEnv = false;

  constructor(escapeToken: string) {
    this.escapeToken = escapeToken;
  }

  processWord(_word: string, _env: EnvGetter): { result: string; unmatched: Set<string> } {
    throw new Error("not yet");
  }

  processWords(_word: string, _env: EnvGetter): string[] {
    throw new Error("not yet");
  }

  processWordWithMatches(_word: string, _env: EnvGetter): ProcessWordResult {
    throw new Error("not yet");
  }
}

/** Go's shell.EnvsFromSlice. */
export function envsFromSlice(_env: string[]): EnvGetter {
  throw new Error("not yet");
}
