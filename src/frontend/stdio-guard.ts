/**
 * Inside the frontend image stdout is the gRPC pipe to buildkitd: nothing but
 * HTTP/2 frames may be written to it. This module is the first import of
 * main.ts: before anything else loads, `console.log/info/debug/...` and
 * `process.stdout.write` are sent to stderr (which only reaches the daemon's
 * log), and the real writer of fd 1 is kept for the transport.
 */

import type { Writable } from "node:stream";

type WriteFn = Writable["write"];

const stdout = process.stdout;
/** The real `process.stdout.write`, bound: the only writer of the gRPC pipe. */
export const writeStdout: WriteFn = stdout.write.bind(stdout) as WriteFn;

const toStderr = process.stderr.write.bind(process.stderr) as WriteFn;
process.stdout.write = toStderr as typeof process.stdout.write;
// Every console method writes to stderr: a Console whose stdout is stderr.
const onStderr = new console.Console({ stdout: process.stderr, stderr: process.stderr });
for (const name of Object.keys(onStderr) as (keyof Console)[]) {
  const f = onStderr[name];
  if (typeof f === "function") (console as unknown as Record<string, unknown>)[name] = (f as (...a: unknown[]) => unknown).bind(onStderr);
}
