/** A command's output on stdout, awaited: the next chunk waits for this one (no megabytes held), and a write error (EPIPE) surfaces. */
export function writeStdout(data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(data, (err) => (err ? reject(err) : resolve())));
}
