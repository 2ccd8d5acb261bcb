/**
 * What `tsfrontend debug dump-llb` and `debug get` do (the history commands
 * are history.ts); their flags are declared in ../commands/debug.ts, which
 * loads this module only when the command runs.
 */

import { readFile } from "node:fs/promises";
import { buffer } from "node:stream/consumers";
import type { Command } from "commander";
import type { DumpLlbFlags } from "../commands/debug.js";
import { UsageError } from "../../errors.js";
import { decodeDefinition, dumpDefinitionDot, dumpDefinitionJson, parseDigest } from "../../llb/index.js";
import { ContentClient } from "../../client/connection.js";
import { connectEach } from "../connect.js";
import { writeStdout } from "../stdout.js";

/** Runs `tsfrontend debug dump-llb`: the Definition as JSON lines or a dot graph on stdout. */
export async function dumpLlb(file: string | undefined, flags: DumpLlbFlags): Promise<void> {
  const bytes = file && file !== "-" ? await readDefinitionFile(file) : await readStdin();
  const def = decodeDefinition(bytes);
  const text = flags.dot ? dumpDefinitionDot(def) : dumpDefinitionJson(def).map((l) => l + "\n").join("");
  await writeStdout(text);
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

/** A blob of the daemon's content store to stdout, chunk by chunk as the daemon sends it. */
export async function writeBlob(store: ContentClient, digest: string): Promise<void> {
  let pending = Promise.resolve();
  await store.read(digest, (chunk) => {
    const copy = Buffer.from(chunk);
    pending = pending.then(() => writeStdout(copy));
  });
  await pending;
}

/** Runs `tsfrontend debug get DIGEST`: the blob, as buildctl reads it through containerd's content proxy (Info, then Read). With a builder, the first node that has it. */
export async function runGet(digest: string | undefined, cmd: Command): Promise<void> {
  if (!digest) throw new UsageError("blob digest must be specified");
  try {
    parseDigest(digest);
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
  const conns = await connectEach(cmd);
  try {
    let firstError: unknown;
    for (const conn of conns) {
      const store = new ContentClient(conn);
      try {
        await store.size(digest);
      } catch (err) {
        firstError ??= err;
        continue;
      }
      await writeBlob(store, digest);
      return;
    }
    throw firstError;
  } finally {
    for (const conn of conns) conn.close();
  }
}
