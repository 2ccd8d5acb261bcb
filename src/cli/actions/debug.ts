/** What `tsfrontend debug` does; its flags are declared in ../commands/debug.ts, which loads this module only when the command runs. */

import { readFile } from "node:fs/promises";
import { buffer } from "node:stream/consumers";
import type { Command } from "commander";
import type { DumpLlbFlags } from "../commands/debug.js";
import { UsageError } from "../../errors.js";
import { decodeDefinition, dumpDefinitionDot, dumpDefinitionJson } from "../../llb/index.js";

/** Runs `tsfrontend debug dump-llb`: the Definition as JSON lines or a dot graph on stdout. */
export async function dumpLlb(file: string | undefined, flags: DumpLlbFlags): Promise<void> {
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
