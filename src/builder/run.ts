/**
 * A build on a builder: the requested platforms are split over the nodes
 * (schedule.ts), every node builds its share in parallel with its own
 * session services (the request's services assembled once per node), and
 * the results are put together (merge.ts): images pushed by digest, then one
 * index pushed under the tags once every platform succeeded; `type=oci` one
 * index tarball; `type=local` one folder per platform (`linux_amd64/`). As
 * buildx's multi-node build (buildx v0.38.2 build/build.go: push-by-digest
 * per node, then imagetools Combine and Push), plus oci/local outputs.
 *
 * Faults: a node that cannot be reached, or whose build fails, is one
 * {@link BuilderNodeError} naming the node and its platforms; the other nodes'
 * builds are cancelled. With `retryOtherNode`, the platforms of a node that
 * is down or went away are built again on another node that serves them.
 * Abort (Ctrl-C) cancels every node's build and waits for them to end.
 */

import { chmodSync, existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join, dirname, basename } from "node:path";
import { tmpdir } from "node:os";
import { BuildkitError } from "../client/errors.js";
import type { OutputEntry } from "../client/exporters.js";
import { RegistryRepository, parseRegistryRef, type RegistryOptions } from "../client/registry.js";
import type { ImageReference } from "../llb/reference.js";
import { archiveSource } from "../client/oci-archive.js";
import { sessionServices, type SessionServicesOptions } from "../client/session-services.js";
import type { ExportEntry, SolveResult } from "../client/solve.js";
import type { CacheOptionsEntry } from "../client/cache.js";
import { BuilderError, BuilderNodeError, TsfError, UsageError } from "../errors.js";
import type { moby } from "../proto/index.js";
import { formatPlatformAll, parsePlatform, type Definition } from "../llb/index.js";
import { exportedDescriptor, mergeSources, splitIndexAnnotations, type IndexAnnotations, type MergeSource, type MergedIndex } from "./merge.js";
import { connectNode, failureReason, recordPlatforms, schedulingView, type ConnectedNode } from "./nodes.js";
import { ControlClient } from "../client/connection.js";
import { ociLayoutEntries, writeMergedOciTar } from "./oci-tar.js";
import { isSpecialFile } from "../internal/node/special-file.js";
import { hasConversation, runBuildRequest, type BuildRequest } from "./request.js";
import { declaredPlatformsDecide, headStartNodes, schedulePlatforms, type Assignment, type NodePlatforms } from "./schedule.js";
import type { Builder, BuilderNode } from "./store.js";

/** One node's part of a build, as it ran. */
export interface NodeRun {
  node: string;
  address: string;
  platforms: string[];
  /** `[node platform,...]`, the prefix of its progress lines. */
  label: string;
  /** Names this run's temporary outputs (a retry may put two runs on one node). */
  key: string;
  result: SolveResult;
}

export interface BuilderBuildOptions {
  builder: Builder;
  request: BuildRequest;
  /** Target platforms (normalised strings); empty: the first node's native platform. */
  platforms: readonly string[];
  /** Outputs as parsed (`--output`): image (push), oci (file), local (dir); none at all is fine. */
  outputs: readonly OutputEntry[];
  /** The request's session services, assembled once per node (file send is set up here). */
  services: Omit<SessionServicesOptions, "fileSend">;
  /** Rebuild the platforms of a node that is down or went away on another node. */
  retryOtherNode?: boolean;
  signal?: AbortSignal;
  /** How long each node may take to answer (default 5 s). */
  connectTimeoutMs?: number;
  /** Every Status message, with the node's label. */
  onStatus?: (run: { node: string; label: string }, status: moby.buildkit.v1.StatusResponse) => void;
  /** Lines worth showing while it builds: which node builds what, retries. */
  onInfo?: (message: string) => void;
  onWarning?: (message: string) => void;
  /** For pushing the index (docker config, plain http...). */
  registry?: RegistryOptions;
}

export interface BuilderBuildResult {
  nodes: NodeRun[];
  /**
   * What a one-daemon build's exporter response would say: the node's own
   * when one node built everything, else the index digest and descriptor and
   * the image names.
   */
  exporterResponse: Record<string, string>;
  /** The merged index (image and oci outputs of several nodes). */
  index?: MergedIndex;
  /** The names the merged index was pushed under, each with its digest (`NAME@DIGEST`), for the user. */
  pushed: string[];
}

/** The longest a node's conversation waits for its turn. */
export const HEAD_START_MAX_MS = 1000;

/**
 * When each node's conversation may start. The client runs every node's
 * conversation on its one thread; the nodes that emulate (schedule.ts
 * `headStartNodes`, from the worker platforms each node reports once its
 * `Ping` answered) go first, and the others start when those have submitted
 * their builds or ended. Nothing waits longer than HEAD_START_MAX_MS from the
 * start (a program's conversation can include long solves; a node may never
 * report), nor after `release` (abort, the end).
 */
export function conversationTurns(plan: readonly Assignment[], views: readonly NodePlatforms[], conversations: boolean) {
  const reported = new Map<string, readonly string[]>();
  let first: Set<string> | undefined = conversations ? undefined : new Set();
  const left = new Set<string>();
  let releaseAll!: () => void;
  const released = new Promise<void>((resolve) => (releaseAll = resolve));
  let decide!: () => void;
  const decided = new Promise<void>((resolve) => (decide = resolve));
  const release = () => {
    first ??= new Set();
    decide();
    releaseAll();
    clearTimeout(cap);
  };
  const cap = setTimeout(release, HEAD_START_MAX_MS).unref();
  const decideIfAllReported = () => {
    if (first || plan.some((a) => !reported.has(a.node))) return;
    first = headStartNodes(plan, views.map((v) => ({ ...v, workers: reported.get(v.name) ?? v.workers })));
    for (const n of first) left.add(n);
    decide();
    if (left.size === 0) release();
  };
  if (first) release();
  return {
    release,
    /** The node's build was submitted, or its run ended (a run that ends before reporting reports nothing known). */
    done(node: string) {
      if (!reported.has(node)) reported.set(node, []);
      decideIfAllReported();
      if (left.delete(node) && left.size === 0) release();
    },
    /** Resolves when `node`, whose workers' platforms are `workers`, may start its conversation. */
    async wait(node: string, workers: readonly string[]): Promise<void> {
      reported.set(node, workers);
      decideIfAllReported();
      await decided;
      if (!first!.has(node)) await released;
    },
  };
}

/** The Definitions of a node's platforms, in their order. */
function nodeDefinitions(all: ReadonlyMap<string, Definition>, platforms: readonly string[]): Map<string, Definition> {
  return new Map(platforms.map((p) => [p, all.get(p)!]));
}

/** `linux/arm/v7` -> `linux_arm_v7`: the folder buildkit's local exporter gives each platform. */
export function platformFolder(platform: string): string {
  return platform.replace(/\//g, "_");
}

/** The `[node platform,...]` prefix of a node's progress lines. */
export function nodeLabel(node: string, platforms: readonly string[]): string {
  return `[${node} ${platforms.join(",")}]`;
}

/** Checks the outputs a builder can produce from several nodes; a UsageError names `--output`. */
export function checkBuilderOutputs(outputs: readonly OutputEntry[]): void {
  for (const o of outputs) {
    if (o.type === "image" || o.type === "registry") {
      const push = o.type === "registry" || /^(1|t|true)$/i.test(o.attrs["push"] ?? "");
      if (!push) throw new UsageError(`type=${o.type} without push=true: a builder of several nodes has no one image store to keep the result in; add push=true (as buildx requires)`, { flag: "--output" });
      if (!o.attrs["name"]) throw new UsageError(`type=${o.type} needs name=REF to push the index under`, { flag: "--output" });
      if (/^(1|t|true)$/i.test(o.attrs["push-by-digest"] ?? "")) throw new UsageError("push-by-digest is what each node does already; the index is pushed under the names", { flag: "--output" });
    } else if (o.type === "oci") {
      if (o.target?.kind !== "file") throw new UsageError("type=oci from a builder needs dest=FILE (the index tarball is assembled locally)", { flag: "--output" });
    } else if (o.type === "local") {
      if (o.target?.kind !== "dir") throw new UsageError("type=local needs dest=DIR", { flag: "--output" });
      if (o.target.mode === "delete") throw new UsageError("type=local,mode=delete is not supported with a builder (each platform gets its own folder)", { flag: "--output" });
    } else {
      throw new UsageError(`type=${o.type} is not supported with a builder: use type=image,push=true, type=oci or type=local`, { flag: "--output" });
    }
  }
}

/** A run's outputs (`key`: the run's name for temporary files): images by digest, oci to a temporary tarball, local to its platform's folder. */
function nodeOutputs(outputs: readonly OutputEntry[], key: string, platforms: readonly string[], temps: string[]): OutputEntry[] {
  return outputs.map((o): OutputEntry => {
    if (o.type === "image" || o.type === "registry") {
      // buildkit refuses to push a tagged name by digest: the repositories only.
      const repos = [...new Set((o.attrs["name"] ?? "").split(",").map((n) => n.trim()).filter((n) => n !== "").map((n) => {
        const r = parseRegistryRef(n);
        return `${r.domain}/${r.path}`;
      }))];
      // The index's annotations are the merge's: a node's one-platform export refuses them.
      return { type: o.type, attrs: { ...splitIndexAnnotations(o.attrs).nodeAttrs, name: repos.join(","), push: "true", "push-by-digest": "true" } };
    }
    if (o.type === "oci" && o.target?.kind === "file") {
      // Beside the destination (same file system), unless it is a device or FIFO such as /dev/null.
      const dir = isSpecialFile(o.target.path) ? tmpdir() : dirname(o.target.path);
      const tmp = join(dir, `.${basename(o.target.path)}.tsfrontend-${key}.tar`);
      temps.push(tmp);
      return { type: o.type, attrs: splitIndexAnnotations(o.attrs).nodeAttrs, target: { kind: "file", path: tmp, exporter: "oci" } };
    }
    if (o.type === "local" && o.target?.kind === "dir") {
      // One platform: buildkit writes into dest itself, so dest is that platform's folder; several:
      // buildkit makes the platform folders, in a staging dir moved into place afterwards.
      const path = platforms.length === 1 ? join(o.target.path, platformFolder(platforms[0]!)) : join(o.target.path, `.tsfrontend-${key}`);
      if (platforms.length > 1) temps.push(path);
      return { type: o.type, attrs: { ...o.attrs }, target: { kind: "dir", path, exporter: "local" } };
    }
    return o;
  });
}

/** Cache entries with `{node}` and `{platform}` (platforms joined with `-`, `/` as `-`) replaced: one registry ref per node/platform. */
export function nodeCacheEntries(entries: readonly CacheOptionsEntry[] | undefined, node: string, platforms: readonly string[]): CacheOptionsEntry[] {
  const plat = platforms.map((p) => p.replace(/\//g, "-")).join("-");
  return (entries ?? []).map((e) => ({ type: e.type, attrs: Object.fromEntries(Object.entries(e.attrs).map(([k, v]) => [k, v.replaceAll("{node}", node).replaceAll("{platform}", plat)])) }));
}

/** Whether a node failure is the node's fault (down, went away), so another node may do its work. */
function nodeWentAway(err: unknown): boolean {
  const e = err instanceof BuilderNodeError ? err.cause : err;
  if (err instanceof BuilderNodeError && !(e instanceof BuildkitError)) return true; // could not connect
  return e instanceof BuildkitError && (e.reason === "CONNECTION_LOST" || e.reason === "UNAVAILABLE");
}

function errorLine(err: unknown): string {
  if (err instanceof TsfError) return err.message.split("\n")[0]!;
  return err instanceof Error ? err.message.split("\n")[0]! : String(err);
}

/** A builder's nodes, all connected at once; the ones that do not answer are kept with their reason. */
interface BuilderConnections {
  connected: Map<string, ConnectedNode>;
  down: Map<string, BuilderNodeError>;
  /** What the scheduler knows of every node, in the builder's order (declared platforms only for a node down). */
  views: NodePlatforms[];
  /** Reads the workers of the connected nodes not read yet (a plan without a node needs them to find one that emulates). */
  readWorkers(): Promise<void>;
  closeAll(): void;
}

async function connectBuilderNodes(builder: Builder, timeoutMs: number | undefined, platforms: readonly string[]): Promise<BuilderConnections> {
  const connected = new Map<string, ConnectedNode>();
  const down = new Map<string, BuilderNodeError>();
  // As buildx, the workers are read only when the declared platforms do not decide the plan.
  const readWorkers = !declaredPlatformsDecide(platforms, builder.nodes.map((n) => ({ declared: n.platforms })));
  await Promise.all(
    builder.nodes.map(async (n) => {
      try {
        connected.set(n.name, await connectNode(n, { readWorkers, ...(timeoutMs !== undefined ? { timeoutMs } : {}) }));
      } catch (err) {
        down.set(n.name, err instanceof BuilderNodeError ? err : new BuilderNodeError(n.name, n.endpoint, n.platforms, errorLine(err), { cause: err }));
      }
    }),
  );
  const viewOf = (n: BuilderNode): NodePlatforms => {
    const c = connected.get(n.name);
    return c ? schedulingView(c) : { name: n.name, declared: n.platforms, workers: [] };
  };
  const views = builder.nodes.map(viewOf);
  return {
    connected,
    down,
    views,
    readWorkers: async () => {
      await Promise.all(
        [...connected.values()]
          .filter((c) => c.workers.length === 0)
          .map(async (c) => {
            try {
              c.records = await new ControlClient(c.conn).listWorkers();
              c.workers = recordPlatforms(c.records);
            } catch {
              // unknown: the node serves its declared platforms only
            }
          }),
      );
      builder.nodes.forEach((n, i) => (views[i] = viewOf(n)));
    },
    closeAll: () => {
      for (const c of connected.values()) c.conn.close();
    },
  };
}

/** The platform built when none is asked for: the first answering node's native one (declared, else its first worker's), as buildx. */
function defaultPlatform(views: readonly NodePlatforms[], connected: ReadonlyMap<string, ConnectedNode>, down: ReadonlyMap<string, BuilderNodeError>): string {
  const first = views.find((v) => connected.has(v.name)) ?? views[0]!;
  const native = first.declared[0] ?? first.workers[0];
  if (!native) throw down.get(first.name) ?? new BuilderError(`node ${JSON.stringify(first.name)} has no platform`);
  return native;
}

export interface SubrequestNodeOptions {
  builder: Builder;
  /** Target platforms (normalised strings); empty: the first node's native platform. */
  platforms: readonly string[];
  /** Ask another node that serves the platform when the chosen one is down. */
  retryOtherNode?: boolean;
  connectTimeoutMs?: number;
  onInfo?: (message: string) => void;
}

/**
 * The node a subrequest (`--call`, `--check`, `--opt requestid`) is asked of:
 * the one that would build the first platform. buildx asks every node of a
 * multi-node build and prints one answer; the answers describe the build file,
 * not the platform, so one node gives the same. The other nodes are closed;
 * the caller closes the returned connection. A node that is down is a
 * {@link BuilderNodeError} naming it, unless `retryOtherNode` finds another.
 */
export async function subrequestNode(options: SubrequestNodeOptions): Promise<ConnectedNode & { label: string }> {
  const { builder } = options;
  if (builder.nodes.length === 0) throw new BuilderError(`builder ${JSON.stringify(builder.name)} has no nodes`);
  const { connected, down, views, readWorkers, closeAll } = await connectBuilderNodes(builder, options.connectTimeoutMs, options.platforms.slice(0, 1));
  try {
    if (options.retryOtherNode && down.size > 0) await readWorkers();
    const platform = options.platforms[0] ?? defaultPlatform(views, connected, down);
    const [assignment] = schedulePlatforms([platform], views, { exclude: new Set(options.retryOtherNode ? down.keys() : []) });
    const e = down.get(assignment!.node);
    if (e) throw new BuilderNodeError(e.node, e.address, [platform], e.reason, { cause: e.cause });
    const chosen = connected.get(assignment!.node)!;
    connected.delete(chosen.node.name);
    const label = nodeLabel(chosen.node.name, [platform]);
    options.onInfo?.(`${label} asking the subrequest of ${chosen.node.endpoint}`);
    return Object.assign(chosen, { label });
  } finally {
    closeAll();
  }
}

/** Runs a build on a builder (see the module comment). */
export async function builderBuild(options: BuilderBuildOptions): Promise<BuilderBuildResult> {
  const { builder, request } = options;
  if (builder.nodes.length === 0) throw new BuilderError(`builder ${JSON.stringify(builder.name)} has no nodes`);
  // Outputs only a merge of several nodes' results cannot give are refused before connecting when the
  // declared platforms already split the build (else once the plan is known).
  const declared = builder.nodes.map((n) => ({ name: n.name, declared: n.platforms, workers: [] }));
  if (declaredPlatformsDecide(options.platforms, declared) && schedulePlatforms(options.platforms, declared).length > 1) checkBuilderOutputs(options.outputs);
  const info = options.onInfo ?? (() => {});
  if (request.input.kind === "definition" && options.platforms.length > 1) {
    throw new UsageError(`an LLB Definition from stdin is built for the platforms it was marshalled for and cannot be split over nodes: give one --platform (the node to use), not ${options.platforms.join(",")}`, { flag: "--platform" });
  }

  if (request.input.kind === "definitions") {
    const given = request.input.definitions;
    const missing = options.platforms.filter((p) => !given.has(p));
    if (options.platforms.length === 0 || missing.length > 0) {
      throw new UsageError(`no Definition for ${missing.length > 0 ? missing.join(",") : "the default platform"}: the Definitions given are for ${[...given.keys()].join(",")}`, { flag: "--platform" });
    }
  }

  const { connected, down, views, readWorkers, closeAll } = await connectBuilderNodes(builder, options.connectTimeoutMs, options.platforms);
  const temps: string[] = [];
  try {
    if (options.retryOtherNode && down.size > 0) await readWorkers();
    const platforms = options.platforms.length > 0 ? [...options.platforms] : [defaultPlatform(views, connected, down)];

    const failed = new Set<string>(options.retryOtherNode ? down.keys() : []);
    const unserved = (p: string, node: string) => info(`no node of the builder lists ${p}: building it on node ${JSON.stringify(node)}, the first (as buildx)`);
    const plan: Assignment[] = schedulePlatforms(platforms, views, { exclude: failed }, unserved);
    const firstDown = plan.find((a) => down.has(a.node));
    if (firstDown) {
      const e = down.get(firstDown.node)!;
      throw new BuilderNodeError(e.node, e.address, firstDown.platforms, e.reason, { cause: e.cause });
    }
    if (options.retryOtherNode) for (const e of down.values()) info(`${e.message}; building without it`);
    // All on one node: a build as on one daemon (buildx builds on the node itself and exports what
    // was asked: one manifest for one platform, its outputs unchanged); else merged from the nodes.
    const single = plan.length === 1;
    if (!single) checkBuilderOutputs(options.outputs);

    const abort = new AbortController();
    const onAbort = () => abort.abort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) abort.abort();

    // Folders of type=local made by this build (dest itself, or the platforms' in it): removed again if
    // the build fails, as one daemon's export leaves nothing when the build fails.
    const madeFolders: string[] = [];
    if (!single) {
      for (const o of options.outputs) {
        if (o.type !== "local" || o.target?.kind !== "dir") continue;
        if (!existsSync(o.target.path)) madeFolders.push(o.target.path);
        else for (const p of platforms) if (!existsSync(join(o.target.path, platformFolder(p)))) madeFolders.push(join(o.target.path, platformFolder(p)));
      }
    }
    // The index's registries are asked for their challenges once a node has its build: started
    // earlier, that request's CPU would delay the nodes' sessions and solves on this one thread.
    const indexes = new Map<OutputEntry, IndexTarget[]>();
    if (!single) for (const o of options.outputs) if (o.type === "image" || o.type === "registry") indexes.set(o, indexTargets(o, options.registry ?? {}));
    let authPrepared = false;
    const prepareIndexAuth = () => {
      if (authPrepared) return;
      authPrepared = true;
      for (const targets of indexes.values()) for (const repo of new Set(targets.map((t) => t.repo))) void repo.prepareAuth({ push: true });
    };
    const turns = conversationTurns(plan, views, hasConversation(request));
    abort.signal.addEventListener("abort", () => turns.release(), { once: true });
    const runs: NodeRun[] = [];
    let runCount = 0;
    const runOne = async (a: Assignment): Promise<void> => {
      const c = connected.get(a.node)!;
      const label = nodeLabel(a.node, a.platforms);
      const key = `${a.node}-${process.pid}-${runCount++}`;
      const outputs = single ? [...options.outputs] : nodeOutputs(options.outputs, key, a.platforms, temps);
      info(`${label} building on ${c.node.endpoint}`);
      try {
        const requestServices = await sessionServices({
          ...options.services,
          cacheExports: nodeCacheEntries(options.services.cacheExports, a.node, a.platforms),
          cacheImports: nodeCacheEntries(options.services.cacheImports, a.node, a.platforms),
          fileSend: { targets: outputs.map((o) => o.target) },
        });
        const exports: ExportEntry[] = outputs.map((o) => ({ type: o.type, attrs: o.attrs }));
        const opts = request.input.kind === "definition" ? request.opts : { ...request.opts, platform: a.platforms.join(",") };
        const input = request.input.kind === "definitions" ? { kind: "definitions" as const, definitions: nodeDefinitions(request.input.definitions, a.platforms) } : request.input;
        const result = await runBuildRequest(c.conn, { ...request, input, opts }, {
          exports,
          requestServices,
          ...(c.workers.length > 0 ? { workerPlatforms: c.workers.map((w) => parsePlatform(w)) } : {}),
          signal: abort.signal,
          ...(options.onStatus ? { onStatus: (s: moby.buildkit.v1.StatusResponse) => options.onStatus!({ node: a.node, label }, s) } : {}),
          ...(options.onWarning ? { onWarning: options.onWarning } : {}),
          onSubmitted: () => {
            prepareIndexAuth();
            turns.done(a.node);
          },
          beforeConversation: (workers) => turns.wait(a.node, workers.map(formatPlatformAll)),
        });
        // A one-platform local export is written into a folder the client made (0700): make it as the others.
        if (!single) for (const o of outputs) if (o.type === "local" && o.target?.kind === "dir" && a.platforms.length === 1 && existsSync(o.target.path)) chmodSync(o.target.path, 0o755);
        runs.push({ node: a.node, address: c.node.endpoint, platforms: a.platforms, label, key, result });
      } catch (err) {
        if (err instanceof BuilderNodeError) throw err;
        throw new BuilderNodeError(a.node, c.node.endpoint, a.platforms, failureReason(err, c.node.endpoint), { cause: err });
      }
    };

    // Each node's share; a failure cancels the others unless it can be retried elsewhere.
    let firstError: unknown;
    const pending = new Set<Promise<void>>();
    const start = (a: Assignment) => {
      const p: Promise<void> = runOne(a)
        .finally(() => turns.done(a.node))
        .catch(async (err: unknown) => {
          if (abort.signal.aborted) {
            firstError ??= err;
            return;
          }
          if (options.retryOtherNode && nodeWentAway(err) && err instanceof BuilderNodeError) {
            failed.add(a.node);
            connected.get(a.node)?.conn.close();
            connected.delete(a.node);
            // Another node may take the platforms by emulating them: its workers tell.
            await readWorkers();
            if (abort.signal.aborted) {
              firstError ??= err;
              return;
            }
            let again: Assignment[];
            try {
              again = schedulePlatforms(a.platforms, views, { exclude: failed }, unserved);
              // A build on one node stays on one (its outputs are the user's own, not merged).
              if (single && again.length > 1) again = [{ node: again[0]!.node, platforms: [...a.platforms] }];
            } catch (e) {
              firstError ??= new BuilderNodeError(err.node, err.address, err.platforms, `${err.reason}; no other node can take ${a.platforms.join(",")}`, { cause: e });
              abort.abort();
              return;
            }
            info(`${err.message}; retrying ${a.platforms.join(",")} on ${again.map((x) => `node ${JSON.stringify(x.node)}`).join(", ")}`);
            for (const x of again) start(x);
            return;
          }
          firstError ??= err;
          abort.abort();
        })
        .finally(() => pending.delete(p));
      pending.add(p);
    };
    for (const a of plan) start(a);
    while (pending.size > 0) await Promise.all([...pending]);
    turns.release();
    options.signal?.removeEventListener("abort", onAbort);
    if (options.signal?.aborted || firstError !== undefined) for (const f of madeFolders) rmSync(f, { recursive: true, force: true });
    if (options.signal?.aborted) throw new BuildkitError("CANCELED", "build canceled", firstError !== undefined ? { cause: firstError } : {});
    if (firstError !== undefined) throw firstError;

    // Every platform built: one node's result is the build's, several are put together.
    if (single) return { nodes: runs, exporterResponse: { ...runs[0]!.result.exporterResponse }, pushed: [] };
    const response: Record<string, string> = {};
    const pushed: string[] = [];
    let index: MergedIndex | undefined;
    for (const o of options.outputs) {
      if (o.type === "image" || o.type === "registry") {
        index = await pushIndex(indexes.get(o)!, runs, platforms, splitIndexAnnotations(o.attrs).annotations, pushed);
        const desc = { ...index.descriptor };
        response["containerimage.digest"] = desc.digest;
        response["containerimage.descriptor"] = Buffer.from(JSON.stringify(desc)).toString("base64");
        response["image.name"] = o.attrs["name"]!;
      } else if (o.type === "oci" && o.target?.kind === "file") {
        const tars = runs.map((r) => nodeOutputs([o], r.key, r.platforms, []).at(0)!.target as { path: string });
        const sources: MergeSource[] = [];
        const opened: ReturnType<typeof archiveSource>[] = [];
        const { annotations } = splitIndexAnnotations(o.attrs);
        let created: string | undefined;
        try {
          for (const [i, r] of runs.entries()) {
            const src = archiveSource({ kind: "tar", path: tars[i]!.path });
            opened.push(src);
            const root = await src.root();
            // The export's time as the daemon took it (SOURCE_DATE_EPOCH included).
            created ??= root.descriptor.annotations?.["org.opencontainers.image.created"];
            sources.push({ label: `node ${JSON.stringify(r.node)} (${r.platforms.join(",")})`, root: root.descriptor, fetch: src.fetch.bind(src), platforms: r.platforms });
          }
          index = await mergeSources(sources, platforms, annotations);
        } finally {
          for (const s of opened) s.close();
        }
        const names = (o.attrs["name"] ?? "").split(",").map((n) => n.trim()).filter((n) => n !== "");
        const entries = ociLayoutEntries(index.descriptor, { names, created: created ?? new Date().toISOString().replace(/\.\d+Z$/, "Z"), annotations: annotations.indexDescriptor });
        writeMergedOciTar(o.target.path, tars.map((t) => t.path), index, entries);
        response["containerimage.digest"] = index.descriptor.digest;
        response["containerimage.descriptor"] = Buffer.from(JSON.stringify(index.descriptor)).toString("base64");
      } else if (o.type === "local" && o.target?.kind === "dir") {
        for (const r of runs) {
          if (r.platforms.length < 2) continue;
          const staging = join(o.target.path, `.tsfrontend-${r.key}`);
          for (const entry of readdirSync(staging)) {
            const to = join(o.target.path, entry);
            if (existsSync(to)) rmSync(to, { recursive: true, force: true });
            renameSync(join(staging, entry), to);
          }
        }
      }
    }
    return { nodes: runs, exporterResponse: response, ...(index ? { index } : {}), pushed };
  } finally {
    closeAll();
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  }
}

/** Where an image output's index goes: each name and the repository client for it (one per repository). */
interface IndexTarget {
  ref: ImageReference;
  repo: RegistryRepository;
}

/**
 * The index targets of an image output (one repository client per
 * repository). Their registries' challenges are answered while the nodes
 * build (`prepareAuth`), so the index push at the end is one request per name.
 */
function indexTargets(o: OutputEntry, registry: RegistryOptions): IndexTarget[] {
  const names = o.attrs["name"]!.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const plainHttp = /^(1|t|true)$/i.test(o.attrs["registry.insecure"] ?? "") ? { plainHttp: true } : {};
  const repos = new Map<string, RegistryRepository>();
  return names.map((name) => {
    const ref = parseRegistryRef(name);
    const key = `${ref.domain}/${ref.path}`;
    let repo = repos.get(key);
    if (!repo) {
      repo = new RegistryRepository(ref, { ...registry, ...plainHttp });
      repos.set(key, repo);
    }
    return { ref, repo };
  });
}

/** Pushes the index of the nodes' by-digest images under every name of `o` (after all succeeded). */
async function pushIndex(targets: readonly IndexTarget[], runs: readonly NodeRun[], platforms: readonly string[], annotations: IndexAnnotations, pushed: string[]): Promise<MergedIndex> {
  const repo = targets[0]!.repo;
  const sources: MergeSource[] = runs.map((r) => ({
    label: `node ${JSON.stringify(r.node)} (${r.platforms.join(",")})`,
    root: exportedDescriptor(r.result.exporterResponse, `node ${JSON.stringify(r.node)}`),
    platforms: r.platforms,
    fetch: async (d, kind) => (kind === "manifest" ? (await repo.manifest(d.digest)).bytes : repo.blob(d.digest)),
  }));
  const index = await mergeSources(sources, platforms, annotations);
  for (const { ref, repo: target } of targets) {
    // Every node pushed its images to each name's repository (push-by-digest pushes to every name).
    await target.putManifest(ref.tag || index.descriptor.digest, index.bytes, index.descriptor.mediaType);
    const n = index.manifests.length;
    pushed.push(`${ref.name()}${ref.tag ? `:${ref.tag}` : ""}@${index.descriptor.digest} (${n} manifest${n === 1 ? "" : "s"})`);
  }
  return index;
}
