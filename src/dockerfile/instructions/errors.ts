/** Platform-specific instruction errors: a port of buildkit v0.32.2 frontend/dockerfile/instructions/errors_unix.go. */

import { DockerfileError } from "../../errors.js";

/** The error for a non-JSON form where JSON is required (SHELL). */
export function errNotJSON(command: string, _original: string): DockerfileError {
  return new DockerfileError(`${command} requires the arguments to be in JSON form`);
}
