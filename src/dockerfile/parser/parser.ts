/**
 * Port of buildkit v0.32.2 frontend/dockerfile/parser/parser.go: turns a
 * Dockerfile into buildkit's low-level AST (one child Node per instruction).
 */

import type { DockerfileRange } from "../../errors.js";
import { DockerfileError } from "../../errors.js";

/** One heredoc attached to an instruction. */
export interface Heredoc {
  name: string;
  fileDescriptor: number;
  expand: boolean;
  chomp: boolean;
  content: string;
}

/** buildkit's parser.Node. */
export interface Node {
  value: string;
  next: Node | undefined;
  children: Node[];
  heredocs: Heredoc[];
  attributes: Record<string, boolean>;
  original: string;
  flags: string[];
  startLine: number;
  endLine: number;
  prevComment: string[];
}

/** A parser warning (e.g. an empty continuation line). */
export interface Warning {
  short: string;
  detail: string[];
  url: string;
  location: DockerfileRange | undefined;
}

/** What `parse` returns. */
export interface Result {
  ast: Node;
  escapeToken: string;
  warnings: Warning[];
}

/** Parses a Dockerfile. Throws only DockerfileError. */
export function parse(_source: string | Uint8Array): Result {
  throw new DockerfileError("not yet");
}
