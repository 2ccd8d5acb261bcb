/**
 * `tsfrontend debug dump-llb [FILE|-]`: buildctl's `debug dump-llb` (buildkit
 * v0.32.2 cmd/buildctl/debug/dumpllb.go): prints a Definition read from a file
 * or stdin as JSON lines, one op per line, or with `--dot` as a Graphviz graph.
 * Needs no daemon.
 */

import { readFile } from "node:fs/promises";
import { buffer } from "node:stream/consumers";
import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { decodeDefinition, dumpDefinitionDot, dumpDefinitionJson } from "../../llb/index.js";

interface DumpLlbFlags {
  dot?: boolean;
}

export function registerDebug(program: Command): void {
  const debug = program.command("debug").description("debug utilities (as buildctl debug)");
  debug
    .command("dump-llb")
    .description("print an LLB Definition (from FILE, or stdin when FILE is - or absent) as buildctl debug dump-llb does; needs no daemon")
    .argument("[file]", "Definition file (as written by `tsfrontend llb` or llb.WriteTo); - or absent: stdin")
    .option("--dot", "print a Graphviz dot graph instead of JSON lines")
    .action(async (file: string | undefined, flags: DumpLlbFlags) => {
      await dumpLlb(file, flags);
    });
}

async function dumpLlb(file: string | undefined, flags: DumpLlbFlags): Promise<void> {
  const bytes = file && file !== "-" ? await readDefinitionFile(file) : await readStdin();
  const def = decodeDefinition(bytes);
  const text = flags.dot ? dumpDefinitionDot(def) : dumpDefinitionJson(def).map((l) => l + "\n").join("");
  await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
}

async function readDefinitionFile(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : (err as Error).message;
    throw new UsageError(`${file}: ${why}`, { cause: err });
  }
}

async function readStdin(): Promise<Uint8Array> {
  if (process.stdin.isTTY) throw new UsageError("give a Definition FILE, or pipe one to stdin (e.g. tsfrontend llb PROGRAM.ts --platform linux/amd64 | tsfrontend debug dump-llb)");
  return buffer(process.stdin);
}
