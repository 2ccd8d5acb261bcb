/**
 * Builders: named lists of buildkitd nodes, kept in one small JSON file
 * (`builders.json`) under `$TSFRONTEND_CONFIG_DIR`, else
 * `${XDG_CONFIG_HOME:-~/.config}/tsfrontend`, with the current builder
 * (`builder use`). As buildx's store (buildx v0.38.2 store/nodegroup.go:
 * a NodeGroup of Nodes with Endpoint, Platforms, Flags and DriverOpts), with
 * only what a remote node needs: its address, declared platforms, labels and
 * TLS files (buildx's remote driver-opts cacert, cert, key, servername).
 *
 * The edits are pure functions of the document ({@link createBuilder},
 * {@link removeBuilder}, {@link useBuilder}); {@link loadBuilders} and
 * {@link saveBuilders} read and write the file (written atomically).
 */

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { addressProblem } from "../client/address.js";
import { BuilderError, TsfError, UsageError } from "../errors.js";
import { formatPlatformAll, parsePlatform } from "../llb/index.js";

/** TLS files of a tcp:// node (absolute paths), as buildx's remote driver-opts. */
export interface NodeTls {
  cacert?: string;
  cert?: string;
  key?: string;
  servername?: string;
}

/** One buildkitd of a builder. */
export interface BuilderNode {
  name: string;
  /** `unix:///path`, `tcp://host:port` or `ssh://[user@]host[:port][/socket]`. */
  endpoint: string;
  /** Declared platforms (normalised, e.g. `linux/arm64`): the node is native for these; empty: read from its workers. */
  platforms: string[];
  labels: Record<string, string>;
  tls?: NodeTls;
}

export interface Builder {
  name: string;
  nodes: BuilderNode[];
}

/** The builders file. */
export interface BuildersFile {
  /** The builder `builder use` chose. */
  current?: string;
  builders: Record<string, Builder>;
}

/** The directory of tsfrontend's configuration (the builders file). */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env["TSFRONTEND_CONFIG_DIR"]) return resolve(env["TSFRONTEND_CONFIG_DIR"]);
  const xdg = env["XDG_CONFIG_HOME"];
  return join(xdg ? resolve(xdg) : join(env["HOME"] || homedir(), ".config"), "tsfrontend");
}

export function buildersFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), "builders.json");
}

/**
 * When a builder was last created, changed or built with: one file per
 * builder under `activity/` (as buildx keeps it: RFC 3339 in seconds, UTC),
 * apart from the builders file so a build never rewrites that one.
 */
function activityFile(name: string, env: NodeJS.ProcessEnv): string {
  return join(configDir(env), "activity", name);
}

/** Records that builder `name` is used now. Best effort: a build does not fail for it. */
export function touchActivity(name: string, env: NodeJS.ProcessEnv = process.env, now: Date = new Date()): void {
  try {
    const file = activityFile(name, env);
    mkdirSync(join(configDir(env), "activity"), { recursive: true, mode: 0o700 });
    writePrivateAtomically(file, now.toISOString().replace(/\.\d+Z$/, "Z"));
  } catch {
    // an unwritable config dir only loses the time shown by inspect
  }
}

/** The builder's last activity; undefined when none is recorded (or the record is not a time). */
export function lastActivity(name: string, env: NodeJS.ProcessEnv = process.env): Date | undefined {
  let text: string;
  try {
    text = readFileSync(activityFile(name, env), "utf8").trim();
  } catch {
    return undefined;
  }
  const d = new Date(text);
  return /^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(d.getTime()) ? d : undefined;
}

/** Forgets a removed builder's activity. */
export function forgetActivity(name: string, env: NodeJS.ProcessEnv = process.env): void {
  rmSync(activityFile(name, env), { force: true });
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Why `name` cannot name a builder or node (buildx: letters, digits, `_ . -`), or undefined. */
export function nameProblem(name: string): string | undefined {
  if (!NAME.test(name)) return `${JSON.stringify(name)} is not a valid name: use letters, digits, '_', '.' and '-', starting with a letter or digit`;
  return undefined;
}

function fail(file: string, what: string): never {
  throw new BuilderError(`${file}: ${what}`, { location: { file } });
}

function isRecordOfStrings(v: unknown): v is Record<string, string> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
}

/** Checks a parsed builders file; `file` names it in errors. */
export function validateBuilders(doc: unknown, file = "builders.json"): BuildersFile {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) fail(file, "not a JSON object");
  const d = doc as Record<string, unknown>;
  if (d["current"] !== undefined && typeof d["current"] !== "string") fail(file, '"current" is not a string');
  const builders = d["builders"] ?? {};
  if (typeof builders !== "object" || builders === null || Array.isArray(builders)) fail(file, '"builders" is not an object');
  const out: BuildersFile = { builders: {} };
  if (typeof d["current"] === "string") out.current = d["current"];
  for (const [key, raw] of Object.entries(builders as Record<string, unknown>)) {
    const b = raw as Record<string, unknown>;
    if (typeof b !== "object" || b === null || b["name"] !== key || !Array.isArray(b["nodes"])) fail(file, `builder ${JSON.stringify(key)}: needs "name" equal to its key and a "nodes" list`);
    const nodes: BuilderNode[] = [];
    for (const rn of b["nodes"] as unknown[]) {
      const n = rn as Record<string, unknown>;
      if (typeof n !== "object" || n === null || typeof n["name"] !== "string" || typeof n["endpoint"] !== "string") fail(file, `builder ${JSON.stringify(key)}: a node needs a "name" and an "endpoint"`);
      const platforms = n["platforms"] ?? [];
      if (!Array.isArray(platforms) || !platforms.every((p) => typeof p === "string")) fail(file, `node ${JSON.stringify(n["name"])}: "platforms" is not a list of strings`);
      const labels = n["labels"] ?? {};
      if (!isRecordOfStrings(labels)) fail(file, `node ${JSON.stringify(n["name"])}: "labels" is not an object of strings`);
      const node: BuilderNode = { name: n["name"] as string, endpoint: n["endpoint"] as string, platforms: [...(platforms as string[])], labels: { ...labels } };
      if (n["tls"] !== undefined) {
        if (!isRecordOfStrings(n["tls"])) fail(file, `node ${JSON.stringify(n["name"])}: "tls" is not an object of strings`);
        const t = n["tls"] as Record<string, string>;
        const tls: NodeTls = {};
        for (const k of ["cacert", "cert", "key", "servername"] as const) if (t[k] !== undefined) tls[k] = t[k];
        node.tls = tls;
      }
      nodes.push(node);
    }
    out.builders[key] = { name: key, nodes };
  }
  return out;
}

/** Reads the builders file (an empty document when there is none). */
export function loadBuilders(env: NodeJS.ProcessEnv = process.env): BuildersFile {
  const file = buildersFilePath(env);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { builders: {} };
    throw new BuilderError(`cannot read ${file}: ${(err as Error).message}`, { location: { file }, cause: err });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new BuilderError(`${file}: not JSON: ${(err as Error).message}`, { location: { file }, cause: err });
  }
  return validateBuilders(doc, file);
}

/** Writes the builders file atomically (a temporary file renamed over it). */
export function saveBuilders(doc: BuildersFile, env: NodeJS.ProcessEnv = process.env): void {
  const file = buildersFilePath(env);
  mkdirSync(configDir(env), { recursive: true, mode: 0o700 });
  const sorted: BuildersFile = { ...(doc.current !== undefined ? { current: doc.current } : {}), builders: {} };
  for (const k of Object.keys(doc.builders).sort()) sorted.builders[k] = doc.builders[k]!;
  writePrivateAtomically(file, JSON.stringify(sorted, null, 2) + "\n");
}

/** Writes `file` (mode 0600) through a temporary file renamed over it: a reader sees the old or the new one, never half. */
function writePrivateAtomically(file: string, data: string): void {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, file);
}

export interface CreateBuilderOptions {
  /** Builder name; default `builder-<random>` (a new builder). */
  name?: string;
  /** Node name; default `<builder><index>` (the first index free) as buildx names them. */
  node?: string;
  endpoint: string;
  /** Declared platforms, as given (`linux/arm64`, `arm64`...); for a node that exists, none keeps its own. */
  platforms?: readonly string[];
  /** For a node that exists, none keeps its own. */
  labels?: Readonly<Record<string, string>>;
  /** For a node that exists, none keeps its own. */
  tls?: NodeTls;
  /** Add the node to an existing builder (buildx `create --append`). */
  append?: boolean;
  /** Make it the current builder (`create --use`). */
  use?: boolean;
}

/** Normalised platform strings (`linux/arm64`, `linux/arm/v7`), de-duplicated; a bad one is a usage error naming `--platform`. */
export function normalizePlatformList(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    for (const part of v.split(",")) {
      const s = part.trim();
      // As buildx (platformutil.Parse): an empty entry is an error, not nothing.
      if (s === "") throw new UsageError(`${JSON.stringify(v)} names an empty platform: give os/arch[/variant], e.g. linux/arm64`, { flag: "--platform" });
      let p: string;
      try {
        p = formatPlatformAll(parsePlatform(s));
      } catch (err) {
        throw new UsageError(err instanceof TsfError ? err.message : String(err), { flag: "--platform", cause: err });
      }
      if (!out.includes(p)) out.push(p);
    }
  }
  return out;
}

/**
 * Adds a builder, or (with `append`) a node to one; an existing node of that
 * name is replaced (as buildx updates it). Returns the new document and the
 * builder and node names.
 */
export function createBuilder(doc: BuildersFile, options: CreateBuilderOptions): { doc: BuildersFile; builder: string; node: string } {
  const problem = addressProblem(options.endpoint);
  if (problem) throw new UsageError(problem, { flag: "endpoint" });
  const name = options.name ?? `builder-${randomBytes(3).toString("hex")}`;
  const bad = nameProblem(name);
  if (bad) throw new UsageError(bad, { flag: "--name" });
  const existing = doc.builders[name];
  if (options.append && !existing) throw new BuilderError(`no builder ${JSON.stringify(name)} to append to (see \`tsfrontend builder ls\`)`);
  // As buildx: without --append, an existing builder is changed only through one of its nodes, named.
  if (!options.append && existing && options.node === undefined) {
    throw new BuilderError(`builder ${JSON.stringify(name)} exists: use \`builder create --append --name ${name}\` to add a node, --node NAME to change one, or \`builder rm ${name}\` first`);
  }
  const nodes = existing ? [...existing.nodes] : [];
  let nodeName = options.node;
  if (nodeName === undefined) {
    for (let i = 0; ; i++) {
      if (!nodes.some((n) => n.name === `${name}${i}`)) {
        nodeName = `${name}${i}`;
        break;
      }
    }
  }
  const badNode = nameProblem(nodeName);
  if (badNode) throw new UsageError(badNode, { flag: "--node" });
  const at = nodes.findIndex((n) => n.name === nodeName);
  if (existing && !options.append && at < 0) {
    throw new BuilderError(`builder ${JSON.stringify(name)} has no node ${JSON.stringify(nodeName)} (it has ${nodes.map((n) => n.name).join(", ")}): use --append to add it`, { flag: "--node" });
  }
  const platforms = normalizePlatformList(options.platforms ?? []);
  const labels = { ...(options.labels ?? {}) };
  const old = at >= 0 ? nodes[at] : undefined;
  // A node that exists keeps what is not given again (buildx's NodeGroup.Update); the endpoint is always given.
  const node: BuilderNode = {
    name: nodeName,
    endpoint: options.endpoint,
    platforms: old && platforms.length === 0 ? [...old.platforms] : platforms,
    labels: old && Object.keys(labels).length === 0 ? { ...old.labels } : labels,
  };
  const tls = options.tls && Object.keys(options.tls).length > 0 ? { ...options.tls } : old?.tls ? { ...old.tls } : undefined;
  if (tls) node.tls = tls;
  // A node at an endpoint the builder already has would build twice on one daemon.
  const sameEndpoint = nodes.find((n, i) => i !== at && n.endpoint === options.endpoint);
  if (sameEndpoint) throw new BuilderError(`builder ${JSON.stringify(name)} already has node ${JSON.stringify(sameEndpoint.name)} at ${options.endpoint}`);
  if (at >= 0) nodes[at] = node;
  else nodes.push(node);
  const out: BuildersFile = { ...doc, builders: { ...doc.builders, [name]: { name, nodes } } };
  if (options.use) out.current = name;
  return { doc: out, builder: name, node: nodeName };
}

/** Removes a builder, or one node of it (the builder goes when its last node goes). */
export function removeBuilder(doc: BuildersFile, name: string, node?: string): BuildersFile {
  const b = doc.builders[name];
  if (!b) throw new BuilderError(`no builder ${JSON.stringify(name)} (see \`tsfrontend builder ls\`)`);
  const builders = { ...doc.builders };
  if (node !== undefined) {
    if (!b.nodes.some((n) => n.name === node)) throw new BuilderError(`builder ${JSON.stringify(name)} has no node ${JSON.stringify(node)} (it has ${b.nodes.map((n) => n.name).join(", ")})`);
    const nodes = b.nodes.filter((n) => n.name !== node);
    if (nodes.length > 0) {
      builders[name] = { name, nodes };
      return { ...doc, builders };
    }
  }
  delete builders[name];
  const out: BuildersFile = { builders };
  if (doc.current !== undefined && doc.current !== name) out.current = doc.current;
  return out;
}

/** Removes one node of a builder, which keeps at least one (`builder create --leave`, as buildx refuses the last). */
export function leaveNode(doc: BuildersFile, name: string, node: string): BuildersFile {
  const b = doc.builders[name];
  if (!b) throw new BuilderError(`no builder ${JSON.stringify(name)} for --leave (see \`tsfrontend builder ls\`)`, { flag: "--name" });
  if (!b.nodes.some((n) => n.name === node)) throw new BuilderError(`builder ${JSON.stringify(name)} has no node ${JSON.stringify(node)} (it has ${b.nodes.map((n) => n.name).join(", ")})`, { flag: "--node" });
  if (b.nodes.length === 1) throw new BuilderError(`node ${JSON.stringify(node)} is the last of builder ${JSON.stringify(name)}: remove the builder instead (\`tsfrontend builder rm ${name}\`)`, { flag: "--leave" });
  return removeBuilder(doc, name, node);
}

/** No current builder any more (`builder use --default`: builds go to `--addr`/`BUILDKIT_HOST`). */
export function clearCurrent(doc: BuildersFile): BuildersFile {
  return { builders: doc.builders };
}

/** Makes `name` the current builder. */
export function useBuilder(doc: BuildersFile, name: string): BuildersFile {
  if (!doc.builders[name]) throw new BuilderError(`no builder ${JSON.stringify(name)} (see \`tsfrontend builder ls\`)`);
  return { ...doc, current: name };
}

/** Where the builder of a command came from. */
export type BuilderSource = "--builder" | "TSFRONTEND_BUILDER" | "current";

/**
 * The builder a build uses: `--builder NAME`, else `$TSFRONTEND_BUILDER`, else
 * none (one daemon, `--addr`/`BUILDKIT_HOST`). The current builder (`builder
 * use`) is used only when `useCurrent` is set (`builder inspect` without a name).
 */
export function selectBuilder(doc: BuildersFile, flag: string | undefined, env: NodeJS.ProcessEnv = process.env, useCurrent = false): { builder: Builder; source: BuilderSource } | undefined {
  const pick = (name: string, source: BuilderSource) => {
    const b = doc.builders[name];
    if (!b) {
      const known = Object.keys(doc.builders);
      throw new BuilderError(`no builder ${JSON.stringify(name)} (from ${source})${known.length > 0 ? `; known: ${known.join(", ")}` : "; create one with `tsfrontend builder create`"}`, { flag: source });
    }
    return { builder: b, source };
  };
  if (flag !== undefined && flag !== "") return pick(flag, "--builder");
  const fromEnv = env["TSFRONTEND_BUILDER"];
  if (fromEnv) return pick(fromEnv, "TSFRONTEND_BUILDER");
  if (useCurrent && doc.current !== undefined) return pick(doc.current, "current");
  return undefined;
}
