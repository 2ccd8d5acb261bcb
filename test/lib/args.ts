/** The value after `--name` in a test runner's arguments (`--count 10`), if given. */
export function argValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}
