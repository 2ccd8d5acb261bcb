/**
 * `RUN --mount=type=secret`: port of buildkit v0.32.2
 * frontend/dockerfile/dockerfile2llb/convert_secrets.go.
 */

import { DockerfileError, type DockerfileRange } from "../../errors.js";
import { basePath } from "../../internal/go/path.js";
import { EnvList, type SecretOptions } from "../../llb/index.js";
import { getMounts, MountTypeSecret, type Mount } from "../instructions/commands-runmount.js";
import type { RunCommand } from "../instructions/commands.js";
import type { EnvGetter } from "../shell/lex.js";
import type { DispatchState } from "./dispatch-state.js";

/** The secret a secret mount asks for (Go's `llb.AddSecretWithDest(id, target, ...)`); records it in the stage's outline. */
export function dispatchSecret(d: DispatchState, m: Mount, loc: DockerfileRange[]): SecretOptions {
  let id = m.cacheID;
  if (m.source !== "") id = m.source;
  if (id === "") {
    if (m.target === "") throw new DockerfileError("one of source, target required");
    id = basePath(m.target);
  }

  let target: string | undefined;
  if (m.target !== "") target = m.target;
  if (m.env === undefined) target = m.target !== "" ? m.target : "/run/secrets/" + basePath(id);

  if (!d.outline.secrets.has(id)) d.outline.secrets.set(id, { location: loc, required: m.required });

  const s: SecretOptions = { id };
  if (target !== undefined) s.target = target;
  if (!m.required) s.optional = true;
  if (m.env !== undefined) s.env = m.env;
  if (m.uid !== undefined || m.gid !== undefined || m.mode !== undefined) {
    s.uid = m.uid ?? 0;
    s.gid = m.gid ?? 0;
    s.mode = m.mode ?? 0o400;
  }
  return s;
}

/**
 * The env the RUN's custom name is expanded with: secrets exposed as env variables read
 * `****`, so the name shows the value comes from a secret.
 */
export function withSecretEnvMask(c: RunCommand, env: EnvGetter): EnvGetter {
  let ev = EnvList.empty;
  let set = false;
  for (const mount of getMounts(c)) {
    if (mount.type === MountTypeSecret && mount.env !== undefined) {
      ev = ev.addOrReplace(mount.env, "****");
      set = true;
    }
  }
  if (!set) return env;
  return new SecretEnv(env, ev);
}

class SecretEnv implements EnvGetter {
  constructor(
    private readonly base: EnvGetter,
    private readonly env: EnvList,
  ) {}

  get(key: string): string | undefined {
    const v = this.env.get(key);
    if (v !== undefined) return v;
    return this.base.get(key);
  }

  keys(): string[] {
    const keys: string[] = [];
    for (const k of this.base.keys()) if (this.env.get(k) === undefined) keys.push(k);
    keys.push(...this.env.keys());
    return keys;
  }
}
