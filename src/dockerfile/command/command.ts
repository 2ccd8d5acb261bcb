/** The Dockerfile instruction names: a port of buildkit v0.32.2 frontend/dockerfile/command/command.go. */

export const Add = "add";
export const Arg = "arg";
export const Cmd = "cmd";
export const Copy = "copy";
export const Entrypoint = "entrypoint";
export const Env = "env";
export const Expose = "expose";
export const From = "from";
export const Healthcheck = "healthcheck";
export const Label = "label";
export const Maintainer = "maintainer";
export const Onbuild = "onbuild";
export const Run = "run";
export const Shell = "shell";
export const StopSignal = "stopsignal";
export const User = "user";
export const Volume = "volume";
export const Workdir = "workdir";

/** Every instruction name, lower case. */
export const commands: ReadonlySet<string> = new Set([
  Add, Arg, Cmd, Copy, Entrypoint, Env, Expose, From, Healthcheck, Label, Maintainer, Onbuild, Run, Shell, StopSignal, User, Volume, Workdir,
]);
