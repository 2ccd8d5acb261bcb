/**
 * Finding and reading the build file as buildkit's dockerui does (v0.32.2
 * frontend/dockerui/context.go `initContext`, config.go `ReadEntrypoint`):
 * - `filename` (default `Dockerfile`) in the build file's source;
 * - the source: a git context (`context` opt, or the opt named by
 *   `contextkey`), an `http(s)://` context (a downloaded file: an archive is
 *   unpacked and holds the build file, anything else *is* the build file),
 *   the `dockerfile` frontend input (buildx `-f -`), else the local named by
 *   `dockerfilekey` (default `dockerfile`, which `dockerfilekey` forces), read
 *   with `followPaths` so only the build file is sent;
 * - the main build context likewise: the git/http context, the `context` input,
 *   else `local("context")`.
 * Modules the program imports are read from the same source: from a local,
 * each import is one more small transfer with `followPaths`. For a
 * Dockerfile, `<filename>.dockerignore` is read from the same source, and the
 * source's definition and head vertex are kept (the source map and warnings
 * point at them), as `ReadEntrypoint` does.
 */

import { ProgramError } from "../errors.js";
import { parseBool } from "../internal/go/strconv.js";
import type { GatewayClient, ResultRef } from "../gateway/types.js";
import { copy, definitionState, local, mkfile, scratch, type Definition, type State } from "../llb/index.js";
import type { ProgramFiles } from "./imports.js";
import { gitContextState, httpContextState } from "./named-contexts.js";

export const DEFAULT_FILENAME = "Dockerfile";
const DEFAULT_DOCKERFILE_LOCAL = "dockerfile";

export interface BuildFile {
  /** The build file's path in its source (posix, e.g. `Dockerfile`, `sub/build.ts`). */
  path: string;
  source: string;
  /** Where its relative imports are read. */
  files: ProgramFiles;
  /** The main build context, when it is not `local("context")`. */
  context?: State;
  /** `<path>.dockerignore` next to the build file, when it exists. */
  dockerignore?: Uint8Array;
  /** The marshalled source the build file was read from (Go's SourceMap.Definition). */
  definition?: Definition;
  /** Its head vertex (Go's `def.Head()`), which warnings are attached to. */
  vertex?: string;
  /**
   * Settles once the vertex has been solved, when it is solved in the
   * background (a file read in place): a warning sent before the daemon has
   * shown the vertex would be dropped by the display.
   */
  vertexShown?: Promise<void>;
}

/**
 * Reads a file of a client local where the local is (the client's disk),
 * without a transfer: bytes, `null` when the file is not there, `undefined`
 * when it cannot say (then the file is read through the daemon).
 */
export type LocalFileReader = (localName: string, path: string) => Promise<Uint8Array | null | undefined>;

export interface BuildFileOptions {
  opts: Readonly<Record<string, string>>;
  gateway: GatewayClient;
  sessionID: string;
  /** Gateway caps of the daemon (`frontend.inputs` decides whether inputs are asked for). */
  caps: ReadonlySet<string>;
  /** The inputs, when asked for already (the frontend asks together with its Ping); used only with the cap. */
  inputs?: Promise<Record<string, Definition>>;
  /** The session's locals read in place (a client-side build): the build file without the transfer's round trips. */
  localFiles?: LocalFileReader;
}

const decoder = new TextDecoder();

/** dockerui's `isArchive` on the first bytes: bzip2, gzip, xz, or a tar header. */
export function isArchive(header: Uint8Array): boolean {
  const magic = [[0x42, 0x5a, 0x68], [0x1f, 0x8b, 0x08], [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]];
  if (magic.some((m) => header.length >= m.length && m.every((b, i) => header[i] === b))) return true;
  if (header.length < 512) return false;
  // A tar header: its checksum (octal at 148) is the byte sum with the checksum field as spaces.
  const field = decoder.decode(header.subarray(148, 156)).replace(/\0.*$/s, "").trim();
  if (!/^[0-7]+$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return parseInt(field, 8) === sum;
}

function cleanRelative(p: string): string {
  return p.replace(/^\/+/, "");
}

/** Files of a solved ref (a git checkout, an unpacked archive, an input). */
function refFiles(gateway: GatewayClient, ref: ResultRef, describe: string): ProgramFiles {
  return {
    async readFirst(paths) {
      for (const p of paths) {
        try {
          return { path: p, data: decoder.decode(await gateway.readFile(ref, p)) };
        } catch {
          // next candidate
        }
      }
      return undefined;
    },
    display: (p) => (describe ? `${describe}/${p}` : p),
  };
}

/** Files of a client local, each lookup one transfer of just the candidate paths. */
function localFiles(o: BuildFileOptions, localName: string, sessionID: string): ProgramFiles {
  return {
    async readFirst(paths) {
      const st = local(localName, {
        followPaths: paths,
        sessionID,
        sharedKeyHint: localName,
        customName: `[internal] load build program module ${paths[0]}`,
        differ: { type: "none", required: false },
      });
      const res = await o.gateway.solve({ definition: await st.marshal() });
      if (!res.ref) return undefined;
      return refFiles(o.gateway, res.ref, "").readFirst(paths);
    },
    display: (p) => p,
  };
}

async function solveRef(gateway: GatewayClient, st: State, what: string): Promise<ResultRef> {
  return (await solveDefinition(gateway, await st.marshal(), what)).ref;
}

async function solveDefinition(gateway: GatewayClient, definition: Definition, what: string): Promise<{ ref: ResultRef; definition: Definition }> {
  const res = await gateway.solve({ definition });
  if (!res.ref) throw new ProgramError(`${what}: the daemon returned no result`);
  return { ref: res.ref, definition };
}

async function readOptional(gateway: GatewayClient, ref: ResultRef, filename: string): Promise<Uint8Array | undefined> {
  try {
    return await gateway.readFile(ref, filename);
  } catch {
    return undefined;
  }
}

async function readRequired(gateway: GatewayClient, ref: ResultRef, filename: string): Promise<string> {
  try {
    return decoder.decode(await gateway.readFile(ref, filename));
  } catch (err) {
    // "Dockerfile" may also be spelled "dockerfile" (moby/moby#10858).
    const base = filename.slice(filename.lastIndexOf("/") + 1);
    if (base === DEFAULT_FILENAME) {
      try {
        return decoder.decode(await gateway.readFile(ref, filename.slice(0, filename.length - base.length) + "dockerfile"));
      } catch {
        // the first error is the one to report
      }
    }
    throw new ProgramError(`failed to read dockerfile: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads the build file and tells where its imports and the main context come from. */
export async function readBuildFile(o: BuildFileOptions): Promise<BuildFile> {
  const { opts, gateway } = o;
  let filename = cleanRelative(opts["filename"] ?? DEFAULT_FILENAME);
  const forceLocal = opts["dockerfilekey"] !== undefined;
  const localName = opts["dockerfilekey"] ?? DEFAULT_DOCKERFILE_LOCAL;
  const remote = opts[opts["contextkey"] ?? "context"] ?? "";
  let context: State | undefined;
  let dockerfile: State | undefined;
  let dockerfileRef: ResultRef | undefined;

  // dockerui's initContext: BUILDKIT_CONTEXT_KEEP_GIT_DIR, and commit mtimes when SOURCE_DATE_EPOCH is set.
  const gitState = gitContextState(remote, `[internal] load git source ${remote}`, {
    ...(parseBool(opts["build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR"] ?? "") === true ? { keepGitDir: true } : {}),
    ...(opts["build-arg:SOURCE_DATE_EPOCH"] ? { mtime: "commit" } : {}),
  });
  const httpState = gitState ? undefined : httpContextState(remote);
  if (gitState) {
    context = dockerfile = gitState;
  } else if (httpState) {
    const ref = await solveRef(gateway, httpState, "failed to resolve httpcontext");
    let head: Uint8Array;
    try {
      head = await gateway.readFile(ref, "context", { offset: 0, length: 1024 });
    } catch (err) {
      throw new ProgramError(`failed to read downloaded context: ${(err as Error).message}`, { cause: err });
    }
    if (isArchive(head)) {
      context = dockerfile = scratch().file(copy(httpState, "/context", "/", { attemptUnpack: true }));
    } else {
      filename = "context";
      context = dockerfile = httpState;
      dockerfileRef = ref;
    }
  } else if (o.caps.has("frontend.inputs")) {
    const inputs = await (o.inputs ?? gateway.inputs());
    if (!forceLocal && inputs["dockerfile"]) dockerfile = definitionState(inputs["dockerfile"]);
    if (inputs["context"]) context = definitionState(inputs["context"]);
  }
  const sub = opts["contextsubdir"];
  if (context && sub !== undefined) context = scratch().file(copy(context, sub, "/", { copyDirContentsOnly: true }));

  const sessionID = opts[`local-sessionid:${localName}`] ?? o.sessionID;
  if (!dockerfile || forceLocal) {
    const base = filename.slice(filename.lastIndexOf("/") + 1);
    const follow = [filename, `${filename}.dockerignore`];
    if (base === DEFAULT_FILENAME) follow.push(filename.slice(0, filename.length - base.length) + "dockerfile");
    const st = local(localName, {
      followPaths: follow,
      sessionID,
      sharedKeyHint: localName,
      customName: `[internal] load build definition from ${filename}`,
      differ: { type: "none", required: false },
    });
    if (o.localFiles && sessionID === o.sessionID) {
      const here = await readHere(o.localFiles, localName, filename);
      if (here) {
        const definition = await st.marshal();
        return {
          path: filename,
          source: decoder.decode(here.source),
          files: localFiles(o, localName, sessionID),
          ...(context ? { context } : {}),
          ...(here.dockerignore ? { dockerignore: here.dockerignore } : {}),
          definition,
          ...(await loadedHereStep(gateway, base, here.source, `[internal] load build definition from ${filename}`, async () => definition)),
        };
      }
    }
    const solved = await solveDefinition(gateway, await st.marshal(), "failed to resolve dockerfile");
    // The build file and its .dockerignore are read at once: two independent round trips.
    const [source, extras] = await Promise.all([readRequired(gateway, solved.ref, filename), sourceExtras(gateway, solved.ref, filename, solved.definition)]);
    return { path: filename, source, files: localFiles(o, localName, sessionID), ...(context ? { context } : {}), ...extras };
  }
  const solved = dockerfileRef ? { ref: dockerfileRef, definition: await dockerfile.marshal() } : await solveDefinition(gateway, await dockerfile.marshal(), "failed to resolve dockerfile");
  const [source, extras] = await Promise.all([readRequired(gateway, solved.ref, filename), sourceExtras(gateway, solved.ref, filename, solved.definition)]);
  return { path: filename, source, files: refFiles(gateway, solved.ref, ""), ...(context ? { context } : {}), ...extras };
}

/** Above this, a file read in place is still transferred for its step rather than put into a solve request. */
const HERE_STEP_MAX_BYTES = 1 << 20;

/**
 * The progress step of a file read in place, solved in the background: a file
 * op writing the same bytes, named as dockerfile.v0 names its transfer, so
 * the step shows and the warnings have a vertex to attach to (a display drops
 * warnings of steps it has not seen), without the daemon fetching the file
 * over the session beside the conversion's own calls (which made the
 * conversion's round trips wait). A big file is transferred (`transfer`, the
 * source that reads it). Returns the step's vertex digest and when it has
 * been solved (so shown).
 */
export async function loadedHereStep(
  gateway: GatewayClient,
  name: string,
  data: Uint8Array,
  customName: string,
  transfer: () => Promise<Definition>,
): Promise<{ vertex: string; vertexShown: Promise<void> }> {
  const definition = data.length > HERE_STEP_MAX_BYTES ? await transfer() : await scratch().file(mkfile(`/${name}`, 0o644, data), { customName }).marshal();
  const vertexShown = gateway.solve({ definition, evaluate: true }).then(
    () => {},
    () => {},
  );
  return { vertex: definition.head(), vertexShown };
}

/** The build file (or `dockerfile` for `Dockerfile`, as readRequired) and its `.dockerignore`, read in place; undefined when either cannot be. */
async function readHere(read: LocalFileReader, localName: string, filename: string): Promise<{ source: Uint8Array; dockerignore: Uint8Array | null } | undefined> {
  const base = filename.slice(filename.lastIndexOf("/") + 1);
  const [source, lower, dockerignore] = await Promise.all([
    read(localName, filename),
    base === DEFAULT_FILENAME ? read(localName, filename.slice(0, filename.length - base.length) + "dockerfile") : null,
    read(localName, `${filename}.dockerignore`),
  ]);
  const file = source ?? (source === null ? lower : undefined);
  // Missing here (the daemon's read error is the one to report) or not known: read through the daemon.
  if (!file || dockerignore === undefined) return undefined;
  return { source: file, dockerignore };
}

async function sourceExtras(gateway: GatewayClient, ref: ResultRef, filename: string, definition: Definition): Promise<Pick<BuildFile, "dockerignore" | "definition" | "vertex">> {
  const dockerignore = await readOptional(gateway, ref, `${filename}.dockerignore`);
  return { ...(dockerignore ? { dockerignore } : {}), definition, vertex: definition.head() };
}
