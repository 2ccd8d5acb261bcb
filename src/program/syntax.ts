/** The syntax directive of a program or Dockerfile. */

/** Finds a `syntax=` directive the way buildkit's `parser.DetectSyntax` does (first comment lines). */
export function detectSyntax(source: string): string | undefined {
  const lines = source.split(/\r?\n/);
  let i = 0;
  if (lines[0]?.startsWith("#!")) i = 1;
  for (; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const m = /^(?:#|\/\/)\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) return undefined;
    if (m[1]!.toLowerCase() === "syntax") return m[2] || undefined;
  }
  return undefined;
}
