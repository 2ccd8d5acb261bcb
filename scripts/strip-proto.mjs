#!/usr/bin/env node
// Turns an upstream .proto file into the comment-free form kept in proto/.
//
//   node scripts/strip-proto.mjs <upstream.proto> <out.proto> [--source "<module>@<version> <path>"]
//
// What it does:
//   - removes all comments (// and /* */), leaving string literals alone;
//   - drops the vtprotobuf extension import and `option (vtproto.*)` lines
//     (code-generation hints for Go only; they do not affect the wire);
//   - normalises whitespace (no trailing spaces, no runs of blank lines,
//     no blank line directly inside braces);
//   - optionally prefixes a one-line provenance comment of our own.
//
// The output is meant to be committed; the proto/ files do not depend on this
// script or on the Go module cache.

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

/** Remove // and block comments outside string literals. */
export function stripComments(src) {
  let out = "";
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    const d = src[i + 1];
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && src[j] !== c) {
        if (src[j] === "\\") j++;
        if (src[j] === "\n") break;
        j++;
      }
      out += src.slice(i, j + 1);
      i = j + 1;
    } else if (c === "/" && d === "/") {
      while (i < n && src[i] !== "\n") i++;
    } else if (c === "/" && d === "*") {
      const end = src.indexOf("*/", i + 2);
      if (end < 0) throw new Error("unterminated block comment");
      // keep line structure roughly intact: a block comment becomes a space
      out += src.slice(i, end + 2).includes("\n") ? "\n" : " ";
      i = end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const VTPROTO_IMPORT = /^\s*import\s+"github\.com\/planetscale\/vtprotobuf\/vtproto\/ext\.proto"\s*;\s*$/;
const VTPROTO_OPTION = /^\s*option\s+\(vtproto\.[A-Za-z_]+\)\s*=\s*[^;]*;\s*$/;

/** Full transformation; returns the new file text. */
export function stripProto(src, { source } = {}) {
  const lines = stripComments(src.replace(/\r\n/g, "\n"))
    .split("\n")
    .map((l) => l.replace(/\s+$/, ""))
    .filter((l) => !VTPROTO_IMPORT.test(l) && !VTPROTO_OPTION.test(l));

  const out = [];
  for (const line of lines) {
    const blank = line === "";
    const prev = out.length ? out[out.length - 1] : null;
    if (blank && (prev === null || prev === "" || prev.endsWith("{"))) continue;
    if (/^\s*}/.test(line) && prev === "") out.pop();
    out.push(line);
  }
  while (out.length && out[out.length - 1] === "") out.pop();
  const header = source ? [`// ${source} (wire schema only; see proto/README.md)`, ""] : [];
  return [...header, ...out].join("\n") + "\n";
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  let source;
  const si = args.indexOf("--source");
  if (si >= 0) {
    source = args[si + 1];
    args.splice(si, 2);
  }
  if (args.length !== 2) {
    console.error('usage: strip-proto.mjs <upstream.proto> <out.proto> [--source "<module>@<version> <path>"]');
    process.exit(2);
  }
  const [inFile, outFile] = args;
  const text = stripProto(readFileSync(inFile, "utf8"), { source });
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, text);
}
