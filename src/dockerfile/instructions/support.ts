/** A port of buildkit v0.32.2 frontend/dockerfile/instructions/support.go. */

/**
 * The command line of CMD, ENTRYPOINT, RUN and SHELL: the JSON form's words as
 * they are, or the shell form's words joined by spaces into one string.
 */
export function handleJSONArgs(args: string[], attributes: Record<string, boolean> | undefined): string[] {
  if (args.length === 0) return [];
  if (attributes?.["json"]) return args;
  return [args.join(" ")];
}
