/**
 * Named contexts for Dockerfiles: a port of buildkit v0.32.2
 * frontend/dockerui/namedcontext.go (`NamedContext.Load`). A context
 * `docker-image://REF` is resolved at once and its image config returned
 * (FROM a named context inherits it); `oci-layout://STORE@DIGEST` is resolved
 * in the client's OCI layout store STORE and read from it under the context's
 * normalized name; `local:NAME` applies the directory's
 * `.dockerignore` and is created only when the converter has asked for its
 * paths; `input:NAME` applies `input-metadata:NAME`'s image config; git and
 * http contexts are the states of program/named-contexts.ts.
 */

import { DockerfileError } from "../../errors.js";
import type { GatewayClient } from "../../gateway/types.js";
import { image, local, ociLayout, scratch, type LocalOptions, type Platform, type ResolveMode, type State } from "../../llb/index.js";
import { parseDockerOCIImage, type DockerOCIImage } from "../../llb/image-config.js";
import { parseNormalizedNamed, parseReference, tagNameOnly, withDigest, type ImageReference } from "../../llb/reference.js";
import { goQuote } from "../../internal/go/strconv.js";
import { localContextExcludes, namedContextState } from "../../program/named-contexts.js";
import type { ProgramOpts } from "../../program/opts.js";
import type { ContextOpt, NamedContext } from "../convert/options.js";

const MAX_CONTEXT_RECURSION = 10;

/** What a named context needs of the client (dockerui.Client's fields). */
export interface NamedContextEnv {
  gateway: GatewayClient;
  sessionID: string;
  opts: Record<string, string>;
  parsed: Pick<ProgramOpts, "contexts" | "imageResolveMode" | "localSessionIDs" | "opts">;
}

function resolveModeOf(v: string | undefined, fallback: ResolveMode): ResolveMode {
  return v === "pull" || v === "local" || v === "default" ? v : fallback;
}

/** dockerui's `Client.namedContext`: the context given as `context:<nameWithPlatform>`, if any. */
export function findNamedContext(env: NamedContextEnv, name: string, nameWithPlatform: string, opt: ContextOpt): NamedContext | undefined {
  const input = env.opts[`context:${nameWithPlatform}`];
  if (input === undefined) return undefined;
  const sharedKey = env.opts[`sharedkey:localdir:${nameWithPlatform}`] ?? "";
  return { load: () => loadNamedContext(env, { input, name, nameWithPlatform, sharedKey, opt }, 0) };
}

interface NamedContextSpec {
  input: string;
  name: string;
  nameWithPlatform: string;
  sharedKey: string;
  opt: ContextOpt;
}


async function loadNamedContext(env: NamedContextEnv, nc: NamedContextSpec, count: number): Promise<{ state: State; image: DockerOCIImage | undefined }> {
  const opt = nc.opt;
  if (count > MAX_CONTEXT_RECURSION) {
    throw new DockerfileError("context recursion limit exceeded; this may indicate a cycle in the provided source policies: " + nc.input);
  }
  const colon = nc.input.indexOf(":");
  if (colon < 0) throw new DockerfileError(`invalid context specifier ${nc.input} for ${nc.nameWithPlatform}`);
  let scheme = nc.input.slice(0, colon);
  const rest = nc.input.slice(colon + 1);
  if (scheme.startsWith("git@")) scheme = "git";
  const platform: Platform | undefined = opt.platform;
  switch (scheme) {
    case "docker-image": {
      const ref = rest.replace(/^\/\//, "");
      if (ref === "scratch") return { state: scratch(), image: undefined };
      let named: string;
      try {
        named = tagNameOnly(parseNormalizedNamed(ref)).toString();
      } catch (err) {
        throw new DockerfileError((err as Error).message, { cause: err });
      }
      const resolved = await env.gateway.resolveImageConfig(named, {
        platform,
        resolveMode: resolveModeOf(opt.resolveMode, env.parsed.imageResolveMode),
        logName: `[context ${nc.nameWithPlatform}] load metadata for ${ref}`,
      });
      const img = parseDockerOCIImage(resolved.config);
      img.created = undefined;
      const st = image(resolved.ref, { customName: `[context ${nc.nameWithPlatform}] ${ref}`, ...(platform ? { platform } : {}) }).withImageConfig(resolved.config);
      return { state: st, image: img };
    }
    case "local": {
      const sessionID = env.parsed.localSessionIDs[rest] ?? env.sessionID;
      const excludes = await localContextExcludes(env.gateway, {
        localName: rest,
        sessionID,
        nameWithPlatform: nc.nameWithPlatform,
        read: !opt.noDockerignore,
        fail: (message, cause) => new DockerfileError(message, { cause }),
      });
      // Go's asyncLocalOutput: the local source is made when the graph is marshalled, after the
      // converter knows which paths it reads (opt.asyncLocalOpts).
      const state = scratch().async(async () => {
        const extra: LocalOptions = opt.asyncLocalOpts ? opt.asyncLocalOpts() : {};
        return local(rest, {
          customName: `[context ${nc.nameWithPlatform}] load from client`,
          sessionID,
          sharedKeyHint: `context:${nc.nameWithPlatform}-${nc.sharedKey}`,
          ...(excludes.length > 0 ? { excludePatterns: excludes } : {}),
          ...extra,
        });
      });
      return { state, image: undefined };
    }
    case "input": {
      const inputs = await env.gateway.inputs();
      const def = inputs[rest];
      if (!def) throw new DockerfileError(`invalid input ${rest} for ${nc.nameWithPlatform}`);
      let st = await namedContextState(nc.nameWithPlatform, nc.input, { gateway: env.gateway, sessionID: env.sessionID, opts: env.parsed }, async () => inputs);
      const md = env.opts[`input-metadata:${rest}`];
      if (md === undefined) return { state: st, image: undefined };
      let m: Record<string, string>;
      try {
        m = JSON.parse(md) as Record<string, string>;
      } catch (err) {
        throw new DockerfileError(`failed to parse input metadata ${md}: ${(err as Error).message}`, { cause: err });
      }
      const config = m["containerimage.config"];
      if (config === undefined) return { state: st, image: undefined };
      // Go's map[string][]byte: values are base64.
      const dtic = Buffer.from(config, "base64");
      st = st.withImageConfig(dtic);
      let img: DockerOCIImage;
      try {
        img = parseDockerOCIImage(dtic);
      } catch (err) {
        throw new DockerfileError(`failed to parse image config for ${nc.nameWithPlatform}: ${(err as Error).message}`, { cause: err });
      }
      return { state: st, image: img };
    }
    case "oci-layout":
      return loadOCILayout(env, nc, rest);
    case "git":
    case "http":
    case "https": {
      const st = await namedContextState(nc.nameWithPlatform, nc.input, { gateway: env.gateway, sessionID: env.sessionID, opts: env.parsed }, () => env.gateway.inputs());
      return { state: st, image: undefined };
    }
    default:
      throw new DockerfileError(`unsupported context source ${scheme} for ${nc.nameWithPlatform}`);
  }
}

/**
 * dockerui's `oci-layout` case: the config of `STORE@DIGEST` resolved in the
 * client's OCI layout store STORE (session and store ID), under the dummy
 * reference `ParseNormalizedNamed(name)@DIGEST` (it names the image in the
 * progress and the source op), and the image read from that store with its
 * config applied. A reference without a digest is an error, as in Go (buildx
 * resolves `STORE:TAG` to a digest before sending it).
 */
async function loadOCILayout(env: NamedContextEnv, nc: NamedContextSpec, rest: string): Promise<{ state: State; image: DockerOCIImage | undefined }> {
  const platform = nc.opt.platform;
  const refSpec = rest.replace(/^\/\//, "");
  let named: ImageReference;
  try {
    named = parseReference(refSpec);
  } catch (err) {
    throw new DockerfileError(`could not parse oci-layout reference ${goQuote(refSpec)}: ${(err as Error).message}`, { cause: err });
  }
  if (!named.isDigested()) throw new DockerfileError(`oci-layout reference ${goQuote(named.toString())} has no digest`);
  let dummyRef: string;
  try {
    dummyRef = withDigest(parseNormalizedNamed(nc.name), named.digest).toString();
  } catch (err) {
    throw new DockerfileError(`could not parse oci-layout reference ${goQuote(nc.name)}: ${(err as Error).message}`, { cause: err });
  }
  const store = { sessionID: env.sessionID, storeID: named.name() };
  const resolved = await env.gateway.resolveImageConfig(dummyRef, {
    platform,
    resolveMode: "default",
    logName: `[context ${nc.nameWithPlatform}] load metadata for ${dummyRef}`,
    ociStore: store,
  });
  let img: DockerOCIImage;
  try {
    img = parseDockerOCIImage(resolved.config);
  } catch (err) {
    throw new DockerfileError(`could not parse oci-layout image config: ${(err as Error).message}`, { cause: err });
  }
  const st = ociLayout(dummyRef, {
    customName: `[context ${nc.nameWithPlatform}] OCI load from client`,
    ociStore: store,
    ...(platform ? { platform } : {}),
  }).withImageConfig(resolved.config);
  return { state: st, image: img };
}
