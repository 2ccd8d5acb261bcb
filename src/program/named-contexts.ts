/**
 * Named contexts (`context:NAME[::platform]=VALUE`) and the main build context
 * as states, following buildkit v0.32.2 frontend/dockerui/namedcontext.go and
 * context.go (`DetectGitContext`, `DetectHTTPContext`):
 * `docker-image://REF` (an image whose config is applied when the graph is
 * marshalled, through the gateway; `scratch` is scratch), `git` URLs,
 * `http(s)://` (a git repository when the path ends in `.git`, else a
 * downloaded file named `context`), `oci-layout://STORE@DIGEST` (the client's
 * OCI layout store), `local:NAME` (a local directory of the session) and
 * `input:NAME` (a frontend input; `input-metadata:NAME` may give its image
 * config). A `local:` context leaves out what its `.dockerignore` names, as
 * dockerui's does ({@link localContextExcludes}, shared with the Dockerfile's).
 */

import { ProgramError } from "../errors.js";
import type { GatewayClient } from "../gateway/types.js";
import { parseIgnoreFile } from "../internal/go/patternmatcher.js";
import { definitionState, formatPlatformAll, git, http, image, local, normalizePlatform, ociLayout, parsePlatform, scratch, type Platform, type State } from "../llb/index.js";
import { parseGitRef, type GitRef } from "./git-ref.js";
import type { ProgramOpts } from "./opts.js";

/** dfgitutil.ParseGitRef's answer to "is this a git URL": the reference, undefined when it is not one. */
export function parseGitContext(ref: string): GitRef | undefined {
  if (ref === "") return undefined;
  const { gitRef, isGit, err } = parseGitRef(ref);
  if (!isGit) return undefined;
  if (err !== undefined || !gitRef) throw new ProgramError(err ?? `invalid git context ${ref}`);
  return gitRef;
}

/**
 * dockerui's `DetectGitContext`: a git state for a git URL (with its query keys), else undefined.
 * `extra` is what the main context adds: `keepGitDir` (BUILDKIT_CONTEXT_KEEP_GIT_DIR) and
 * `mtime: "commit"` (when SOURCE_DATE_EPOCH is set; a `mtime` query key wins).
 */
export function gitContextState(ref: string, customName: string, extra: { keepGitDir?: boolean; mtime?: string } = {}): State | undefined {
  const g = parseGitContext(ref);
  if (!g) return undefined;
  return git(g.remote, "", {
    ref: g.ref,
    customName,
    ...(extra.mtime ? { mtime: extra.mtime } : {}),
    ...(g.keepGitDir === true || extra.keepGitDir === true ? { keepGitDir: true } : {}),
    ...(g.subDir ? { subdir: g.subDir } : {}),
    ...(g.checksum ? { checksum: g.checksum } : {}),
    ...(g.submodules === false ? { skipSubmodules: true } : {}),
    ...(g.mtime ? { mtime: g.mtime } : {}),
    ...(g.fetchByCommit ? { fetchByCommit: true } : {}),
  });
}

/** dockerui's `DetectHTTPContext`: an `http(s)://` URL downloaded as the file `context`. */
export function httpContextState(ref: string): State | undefined {
  if (!/^https?:\/\//.test(ref)) return undefined;
  return http(ref, { filename: "context", customName: "[internal] load remote build context" });
}

const DOCKERIGNORE = ".dockerignore";

/** What reading a local's `.dockerignore` takes: the local, its session, and the probe's name and cache hint. */
export interface DockerignoreProbe {
  localName: string;
  sessionID: string | undefined;
  sharedKeyHint: string;
  customName: string;
  /** Solve the probe with evaluate (dockerui does for named contexts, not for the main context). Default true. */
  evaluate?: boolean;
}

/** The local with the `.dockerignore` alone (no diffing), as dockerui reads it. */
export function dockerignoreProbe(o: DockerignoreProbe): State {
  return local(o.localName, {
    ...(o.sessionID ? { sessionID: o.sessionID } : {}),
    followPaths: [DOCKERIGNORE],
    sharedKeyHint: o.sharedKeyHint,
    customName: o.customName,
    differ: { type: "none", required: false },
  });
}

/**
 * dockerui's read of a local's `.dockerignore`: the file alone is solved from
 * the session and read; its bytes, empty when there is none.
 */
export async function readLocalDockerignoreFile(gateway: GatewayClient, o: DockerignoreProbe): Promise<Uint8Array> {
  const res = await gateway.solve({ definition: await dockerignoreProbe(o).marshal(), ...(o.evaluate === false ? {} : { evaluate: true }) });
  if (!res.ref) return new Uint8Array();
  try {
    return await gateway.readFile(res.ref, DOCKERIGNORE);
  } catch {
    return new Uint8Array(); // no .dockerignore (Go ignores the read error too)
  }
}

/**
 * The patterns of a local's `.dockerignore` ({@link readLocalDockerignoreFile});
 * none when it is absent or `read` is false. `fail` makes the error for a file
 * that does not parse.
 */
export async function readLocalDockerignore(
  gateway: GatewayClient,
  o: DockerignoreProbe & { read?: boolean; fail?: (message: string, cause: unknown) => Error },
): Promise<string[]> {
  const dt = await readLocalDockerignoreFile(gateway, o);
  if (o.read === false || dt.length === 0) return [];
  try {
    return parseIgnoreFile(new TextDecoder().decode(dt));
  } catch (err) {
    const message = `failed parsing ${DOCKERIGNORE}: ${(err as Error).message}`;
    throw o.fail ? o.fail(message, err) : new ProgramError(message, { cause: err });
  }
}

/** dockerui's `.dockerignore` of a `local:NAME` named context (`nameWithPlatform` is the key after `context:`). */
export function localContextExcludes(
  gateway: GatewayClient,
  o: { localName: string; sessionID: string | undefined; nameWithPlatform: string; read?: boolean; fail?: (message: string, cause: unknown) => Error },
): Promise<string[]> {
  const { nameWithPlatform, ...rest } = o;
  return readLocalDockerignore(gateway, { ...rest, sharedKeyHint: `context:${nameWithPlatform}-${DOCKERIGNORE}`, customName: `[context ${nameWithPlatform}] load ${DOCKERIGNORE}` });
}

/**
 * A program's main context (`ctx.context`) when the build gave no other: the
 * `context` local minus what its `.dockerignore` names (or, when the build
 * file has one, `<build file>.dockerignore`), as dockerui's `MainContext`. The file is read when the state is first marshalled, so a
 * program that never uses its context pays nothing; when the probe itself
 * fails (no `context` local in the session) the local is left as it is and
 * the build's own solve reports that at the program's line.
 */
export function mainContextState(gateway: GatewayClient | undefined, sessionID: string | undefined, buildFileIgnore?: Uint8Array): State {
  const plain = local("context", sessionID ? { sessionID } : {});
  const minus = (excludes: string[]) => (excludes.length > 0 ? local("context", { ...(sessionID ? { sessionID } : {}), excludePatterns: excludes }) : plain);
  // `<build file>.dockerignore` next to the build file wins over the context's, as in dockerui.
  if (buildFileIgnore !== undefined) {
    try {
      return minus(parseIgnoreFile(new TextDecoder().decode(buildFileIgnore)));
    } catch (err) {
      throw new ProgramError(`failed parsing the build file's .dockerignore: ${(err as Error).message}`, { cause: err });
    }
  }
  if (!gateway) return plain;
  return scratch().async(async () => {
    let excludes: string[] = [];
    try {
      excludes = await readLocalDockerignore(gateway, { localName: "context", sessionID, sharedKeyHint: `context-${DOCKERIGNORE}`, customName: `[internal] load ${DOCKERIGNORE}` });
    } catch (err) {
      if (err instanceof ProgramError) throw err;
    }
    return minus(excludes);
  });
}

export interface NamedContextEnv {
  gateway: GatewayClient | undefined;
  sessionID: string | undefined;
  opts: Pick<ProgramOpts, "contexts" | "imageResolveMode" | "localSessionIDs" | "opts">;
}

/** One named context's value as a state. `nameWithPlatform` is the key after `context:`. */
export async function namedContextState(nameWithPlatform: string, value: string, env: NamedContextEnv, inputs: () => Promise<Record<string, import("../llb/index.js").Definition>>): Promise<State> {
  const colon = value.indexOf(":");
  if (colon < 0) throw new ProgramError(`invalid context specifier ${value} for ${nameWithPlatform}`);
  let scheme = value.slice(0, colon);
  const rest = value.slice(colon + 1);
  if (scheme.startsWith("git@")) scheme = "git";
  const sep = nameWithPlatform.indexOf("::");
  const name = sep < 0 ? nameWithPlatform : nameWithPlatform.slice(0, sep);
  const platform: Platform | undefined = sep < 0 ? undefined : normalizePlatform(parsePlatform(nameWithPlatform.slice(sep + 2)));
  const label = `[context ${nameWithPlatform}]`;
  switch (scheme) {
    case "docker-image": {
      const ref = rest.replace(/^\/\//, "");
      if (ref === "scratch") return scratch();
      return image(ref, {
        customName: `${label} ${ref}`,
        ...(platform ? { platform } : {}),
        resolveMode: env.opts.imageResolveMode,
        ...(env.gateway ? { metaResolver: env.gateway } : {}),
      });
    }
    case "git": {
      const st = gitContextState(value, `[internal] load git source ${value}`);
      if (!st) throw new ProgramError(`invalid git context ${value}`);
      return st;
    }
    case "http":
    case "https":
      return gitContextState(value, `[internal] load git source ${value}`) ?? http(value, { filename: "context", customName: `${label} ${value}` });
    case "oci-layout": {
      const spec = rest.replace(/^\/\//, "");
      const at = spec.lastIndexOf("@");
      if (at < 0) throw new ProgramError(`oci-layout reference ${JSON.stringify(spec)} has no digest`);
      const store = spec.slice(0, at).replace(/:[^/:]*$/, "");
      if (!env.sessionID) throw new ProgramError(`${label} oci-layout contexts need the client's session`);
      return ociLayout(`${name}@${spec.slice(at + 1)}`, {
        customName: `${label} OCI load from client`,
        ociStore: { sessionID: env.sessionID, storeID: store },
        ...(platform ? { platform } : {}),
      });
    }
    case "local": {
      const sessionID = env.opts.localSessionIDs[rest] ?? env.sessionID;
      const sharedKey = env.opts.opts[`sharedkey:localdir:${nameWithPlatform}`] ?? "";
      const excludes = env.gateway ? await localContextExcludes(env.gateway, { localName: rest, sessionID, nameWithPlatform }) : [];
      return local(rest, {
        ...(sessionID ? { sessionID } : {}),
        sharedKeyHint: `context:${nameWithPlatform}-${sharedKey}`,
        customName: `${label} load from client`,
        ...(excludes.length > 0 ? { excludePatterns: excludes } : {}),
      });
    }
    case "input": {
      const all = await inputs();
      const def = all[rest];
      if (!def) throw new ProgramError(`invalid input ${rest} for ${nameWithPlatform}`);
      return definitionState(def);
    }
    default:
      throw new ProgramError(`unsupported context source ${scheme} for ${nameWithPlatform}`);
  }
}

/** Every `context:*` option as a state, keyed as given (`NAME` or `NAME::os/arch`). */
export async function loadNamedContexts(env: NamedContextEnv): Promise<Record<string, State>> {
  const out: Record<string, State> = {};
  let inputs: Promise<Record<string, import("../llb/index.js").Definition>> | undefined;
  const getInputs = () => {
    if (!env.gateway) return Promise.reject(new ProgramError("input: contexts need a gateway"));
    return (inputs ??= env.gateway.inputs());
  };
  for (const [k, v] of Object.entries(env.opts.contexts)) out[k] = await namedContextState(k, v, env, getInputs);
  return out;
}

/** dockerui's lookup order: `NAME::<platform>` first, then `NAME`. */
export function lookupNamedContext(contexts: Readonly<Record<string, State>>, name: string, platform: Platform | undefined): State | undefined {
  if (platform) {
    const p = contexts[`${name}::${formatPlatformAll(normalizePlatform(platform))}`];
    if (p) return p;
  }
  return contexts[name];
}
