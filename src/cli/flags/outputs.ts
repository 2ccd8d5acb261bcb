/**
 * `--output` as buildctl v0.32.2 parses it (cmd/buildctl/build/output.go,
 * util.go), turned into the OutputEntry values client/exporters.ts exports.
 *
 * - Values are one CSV record (csv.ts). Each field is `key=value`, split at
 *   the first `=`; keys are lower-cased; `type` is required; the last
 *   duplicate wins.
 * - `dest` becomes a client-side target and is removed from the attrs (only
 *   when a target was made, as output.go does); every other key goes to the
 *   daemon verbatim. `dest=-` or no `dest` on tar/oci/docker means stdout,
 *   refused when stdout is a terminal.
 * - buildx's shorthands: `-o <dir>` = `type=local,dest=<dir>`, `-o -` =
 *   `type=tar,dest=-` (buildx util/buildflags/export.go). Unlike buildx, a
 *   lone value containing `=` is not taken as a directory name (so
 *   `-o dest=out` gets "requires type=<type>" instead of a dir `dest=out`).
 */

import { existsSync, statSync } from "node:fs";
import * as path from "node:path";
import type { FileSendTarget, OutputEntry } from "../../client/exporters.js";
import { parseTypedCsv, usage, type TypedCsv } from "./csv.js";
import { parseBool } from "../../internal/go/strconv.js";

const OUTPUT_FORMS =
  "type=local,dest=<dir> | type=tar,dest=<file>|- | type=oci|docker,dest=<file>|- | type=image,name=<ref>[,push=true] | <dir> | -";

export interface ParseOutputOptions {
  /** Flag name used in error messages. Default `--output`. */
  flag?: string;
  /** Whether stdout is a terminal (tar/oci/docker to stdout are refused then). Default `process.stdout.isTTY`. */
  stdoutIsTTY?: boolean;
  /** Stream for `dest=-`. Default `process.stdout`. */
  stdout?: NodeJS.WritableStream;
  /** Accept buildx's `-o <dir>` and `-o -`. Default true. */
  shorthand?: boolean;
}

/** Parses one `--output` value (buildctl's parseOutputCSV + resolveExporterDest). */
export function parseOutput(value: string, options: ParseOutputOptions = {}): OutputEntry {
  const flag = options.flag ?? "--output";
  let parsed: TypedCsv;
  if ((options.shorthand ?? true) && value !== "" && !value.includes(",") && !value.includes("=") && !value.includes('"')) {
    parsed = value === "-" ? { type: "tar", attrs: { dest: "-" } } : { type: "local", attrs: { dest: value } };
  } else {
    parsed = parseTypedCsv(value, flag, OUTPUT_FORMS);
  }
  const { type, attrs } = parsed;
  if ("output" in attrs) {
    throw usage(flag, `output=${attrs.output} not supported for ${flag}, you meant dest=${attrs.output}?`, OUTPUT_FORMS);
  }
  const dest = attrs.dest ?? "";
  const fail = (msg: string) => usage(flag, `invalid output option: ${msg}`, OUTPUT_FORMS);

  let supportFile = false;
  let supportDir = false;
  switch (type) {
    case "local":
      supportDir = true;
      break;
    case "tar":
      supportFile = true;
      break;
    case "oci":
    case "docker": {
      const tar = parseBool(attrs.tar ?? "") ?? true;
      supportFile = tar;
      supportDir = !tar;
      break;
    }
  }

  let target: FileSendTarget | undefined;
  if (supportDir) {
    if (dest === "") throw fail(`output directory is required for ${type} exporter`);
    if (type !== "local") {
      throw fail(`${type} exporter with tar=false (an OCI layout directory, needs the content-store session service) is not supported; use tar output: type=${type},dest=<file>.tar`);
    }
    let mode: "copy" | "delete" = "copy";
    if (attrs.mode !== undefined) {
      const m = attrs.mode.trim().toLowerCase();
      if (m === "delete") mode = "delete";
      else if (m !== "" && m !== "copy") throw fail(`invalid local exporter mode ${JSON.stringify(attrs.mode)} (want copy or delete)`);
    }
    if (existsSync(dest) && !statSync(dest).isDirectory()) throw fail(`destination ${dest} exists and is not a directory`);
    target = { kind: "dir", path: dest, mode, exporter: type };
  } else if (supportFile) {
    if (dest !== "" && dest !== "-") {
      let isDir = false;
      try {
        isDir = statSync(dest).isDirectory();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw fail(`invalid destination file: ${dest}: ${(err as Error).message}`);
      }
      if (isDir) throw fail(`destination file is a directory: ${dest}`);
      const parent = path.dirname(path.resolve(dest));
      if (!existsSync(parent)) throw fail(`cannot create ${dest}: directory ${parent} does not exist`);
      target = { kind: "file", path: dest, exporter: type };
    } else {
      const tty = options.stdoutIsTTY ?? Boolean(process.stdout.isTTY);
      if (tty) throw fail(`output file is required for ${type} exporter. refusing to write to console`);
      target = options.stdout ? { kind: "stdout", stream: options.stdout, exporter: type } : { kind: "stdout", exporter: type };
    }
  } else if (dest !== "") {
    // e.g. image
    throw fail(`output ${dest} is not supported by ${type} exporter`);
  }
  if (target) delete attrs.dest;
  return target ? { type, attrs, target } : { type, attrs };
}

/** Parses every `--output` value (buildctl's ParseOutput); at most one may write to stdout. */
export function parseOutputs(values: readonly string[], options: ParseOutputOptions = {}): OutputEntry[] {
  const flag = options.flag ?? "--output";
  const outputs = values.map((v) => parseOutput(v, options));
  if (outputs.filter((o) => o.target?.kind === "stdout").length > 1) {
    throw usage(flag, "only one output can write to stdout", OUTPUT_FORMS);
  }
  return outputs;
}
