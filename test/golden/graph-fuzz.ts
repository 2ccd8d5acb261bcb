/**
 * `npm run test:graph-fuzz`: seeded random LLB graphs built twice, with Go's
 * client/llb (test/golden/go `golden graphs`, one process for all) and with
 * ours, marshalled with the golden defaults (linux/amd64 unless the program
 * names another platform, local unique id "golden-unique") and compared byte
 * for byte. The golden vectors are one case per feature, written by hand;
 * these combine the features at random: sources with their options, env, dir,
 * user and platform changes, runs with mounts (bind, cache, tmpfs, outputs),
 * secrets, ssh, network, security and custom names, file actions chained and
 * copying from other branches, merges and diffs, all sharing nodes. Ends with
 * `N passed, M failed`, one per graph.
 *
 * A graph is a list of nodes, each made from earlier ones by index (the
 * `GraphProgram` below, the same JSON both sides read); `buildGraph` makes
 * each node with the same call Go's `buildGraph` (test/golden/go/graphs.go)
 * makes.
 *
 *   node dist/test/golden/graph-fuzz.js [--count N] [--seed S] [--index I] [--show]
 */

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { prng } from "../../bench/lib.js";
import {
  copy,
  decodeDefinition,
  diff,
  dumpDefinitionJson,
  git,
  http,
  image,
  local,
  merge,
  mkdir,
  mkfile,
  NetMode,
  parsePlatform,
  rm,
  scratch,
  SecurityMode,
  symlink,
  type FileAction,
  type MountOptions,
  type RunOptions,
  type State,
} from "../../src/llb/index.js";
import { compareDefinitions } from "../lib/definitions.js";
import { goldenBinary } from "../lib/gobin.js";
import { argValue } from "../lib/args.js";

interface GraphMount {
  target: string;
  source?: number;
  readonly?: boolean;
  selector?: string;
  cacheID?: string;
  sharing?: "shared" | "private" | "locked";
  tmpfs?: boolean;
}

interface GraphSecret {
  id?: string;
  target?: string;
  optional?: boolean;
}

/** An action's owner (Go's `llb.WithUser`: "user[:group]", names or ids) and created time (the golden fixedTime). */
interface FileMeta {
  chown?: string;
  created?: boolean;
}

type GraphAction =
  | ({ a: "mkdir"; path: string; mode: number; parents: boolean } & FileMeta)
  | ({ a: "mkfile"; path: string; mode: number; data: string } & FileMeta)
  | ({ a: "symlink"; target: string; path: string } & FileMeta)
  | { a: "rm"; path: string; allowNotFound: boolean; allowWildcard: boolean }
  | ({
      a: "copy";
      from: number;
      src: string;
      dst: string;
      createDestPath?: boolean;
      allowWildcard?: boolean;
      copyDirContentsOnly?: boolean;
      followSymlinks?: boolean;
      copyMode?: number;
      includePatterns?: string[];
      excludePatterns?: string[];
      requiredPaths?: string[];
      attemptUnpack?: boolean;
      allowEmptyWildcard?: boolean;
      alwaysReplace?: boolean;
    } & FileMeta);

type GraphNode =
  | { k: "scratch" }
  | { k: "image"; ref: string; platform?: string; resolveMode?: "pull" | "local" | "default"; layerLimit?: number }
  | { k: "local"; name: string; include?: string[]; exclude?: string[]; followPaths?: string[]; sharedKeyHint?: string; differ?: "none" | "metadata"; differRequired?: boolean }
  | { k: "git"; url: string; gitRef: string; keepGitDir?: boolean; subdir?: string; skipSubmodules?: boolean; mtimeCommit?: boolean; fetchByCommit?: boolean; checksum?: string }
  | { k: "http"; url: string; filename?: string; chmod?: number; checksum?: string }
  | { k: "env"; base: number; key: string; value: string }
  | { k: "dir" | "user" | "platform" | "hostname"; base: number; value: string }
  | { k: "network"; base: number; value: "sandbox" | "host" | "none" }
  | { k: "security"; base: number; value: "sandbox" | "insecure" }
  | { k: "extraHost"; base: number; key: string; value: string }
  | { k: "merge"; inputs: number[] }
  | { k: "diff"; lower: number; upper: number }
  | {
      k: "run";
      base: number;
      args?: string[];
      shlex?: string;
      env?: [string, string][];
      dir?: string;
      user?: string;
      hostname?: string;
      network?: "host" | "none";
      security?: "insecure";
      customName?: string;
      ignoreCache?: boolean;
      mounts?: GraphMount[];
      secrets?: GraphSecret[];
      ssh?: GraphSecret[];
      extraHosts?: [string, string][];
      ulimits?: { name: "nofile" | "nproc" | "core"; soft: number; hard: number }[];
      cgroupParent?: string;
      validExitCodes?: number[];
      description?: Record<string, string>;
      progressGroup?: { id: string; name: string; weak: boolean };
      /** Go's llb.ProxyEnv fields. */
      proxy?: { HTTPProxy?: string; HTTPSProxy?: string; FTPProxy?: string; NoProxy?: string; AllProxy?: string };
      readonlyRootfs?: boolean;
      out: string;
    }
  | { k: "file"; base: number; actions: GraphAction[] };

export interface GraphProgram {
  name: string;
  platform?: string;
  nodes: GraphNode[];
  output: number;
}

// ---------------------------------------------------------------------------
// Generation (deterministic from seed and index).

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;
const maybe = (r: Rand, p: number) => r() < p;

const PLATFORMS = ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/386", "linux/s390x"];
const PATHS = ["/", "/app", "/app/sub", "rel", "rel/deep", "../up", "/etc/os-release", "/out", "/data/*.txt", "/src/", "a b"];
const WORDS = ["echo hi", "make all", "sh -c 'ls /'", "true", "cat /etc/hosts", "go build ./...", "echo \"$HOME\" > /out"];

function genSource(r: Rand): GraphNode {
  switch (int(r, 7)) {
    case 0:
      return { k: "scratch" };
    case 1:
    case 2: {
      const ref = pick(r, ["busybox", "alpine:3.20", "docker.io/library/debian:12", "ghcr.io/org/img:tag", "example.com:5000/x/y@sha256:" + "a".repeat(64)]);
      return {
        k: "image",
        ref,
        ...(maybe(r, 0.3) ? { platform: pick(r, PLATFORMS) } : {}),
        ...(maybe(r, 0.2) ? { resolveMode: pick(r, ["pull", "local", "default"] as const) } : {}),
        ...(maybe(r, 0.1) ? { layerLimit: pick(r, [0, 1, 5]) } : {}),
      };
    }
    case 3: {
      const n: GraphNode = { k: "local", name: pick(r, ["context", "dockerfile", "src"]) };
      if (maybe(r, 0.4)) n.include = [pick(r, ["*.go", "go.*", "src/", "**/*.ts"])];
      if (maybe(r, 0.4)) n.exclude = [pick(r, ["*_test.go", "node_modules", ".git"])];
      if (maybe(r, 0.2)) n.followPaths = [pick(r, ["a", "b/c"])];
      if (maybe(r, 0.3)) n.sharedKeyHint = pick(r, ["ctx", "key-1"]);
      if (maybe(r, 0.2)) {
        n.differ = pick(r, ["none", "metadata"] as const);
        if (maybe(r, 0.5)) n.differRequired = true;
      }
      return n;
    }
    case 4:
      return {
        k: "git",
        url: pick(r, ["https://github.com/moby/buildkit.git", "https://example.com/repo.git", "github.com/org/repo"]),
        gitRef: pick(r, ["", "main", "v0.12.0", "refs/heads/dev", "main:sub/dir"]),
        ...(maybe(r, 0.3) ? { keepGitDir: true } : {}),
        ...(maybe(r, 0.15) ? { subdir: pick(r, ["docs", "/a/b/"]) } : {}),
        ...(maybe(r, 0.15) ? { skipSubmodules: true } : {}),
        ...(maybe(r, 0.15) ? { mtimeCommit: true } : {}),
        ...(maybe(r, 0.1) ? { fetchByCommit: true } : {}),
        ...(maybe(r, 0.1) ? { checksum: pick(r, ["0123456789abcdef0123456789abcdef01234567", "abc123"]) } : {}),
      };
    default: {
      const n: GraphNode = { k: "http", url: pick(r, ["https://example.com/f.tgz", "https://example.com/dir/", "http://127.0.0.1:8080/a.txt"]) };
      if (maybe(r, 0.4)) n.filename = pick(r, ["file.bin", "x.tgz"]);
      if (maybe(r, 0.3)) n.chmod = pick(r, [0o755, 0o600, 0o644]);
      if (maybe(r, 0.2)) n.checksum = "sha256:" + "c".repeat(64);
      return n;
    }
  }
}

function genMount(r: Rand, nodes: number): GraphMount {
  const m: GraphMount = { target: pick(r, ["/src", "/cache", "/tmp", "/out", "/mnt/a", "/mnt/b", "/work"]) };
  const kind = int(r, 4);
  if (kind === 0 && nodes > 0) {
    m.source = int(r, nodes);
    if (maybe(r, 0.5)) m.readonly = true;
    if (maybe(r, 0.3)) m.selector = pick(r, ["/etc", "sub", "/"]);
  } else if (kind === 1) {
    m.cacheID = pick(r, ["go-build", "npm", "apt"]);
    m.sharing = pick(r, ["shared", "private", "locked"] as const);
    if (nodes > 0 && maybe(r, 0.3)) m.source = int(r, nodes);
  } else if (kind === 2) {
    m.tmpfs = true;
  } else if (nodes > 0 && maybe(r, 0.5)) m.source = int(r, nodes);
  return m;
}

function genRun(r: Rand, nodes: number): GraphNode {
  const n: Extract<GraphNode, { k: "run" }> = { k: "run", base: int(r, nodes), out: "root" };
  if (maybe(r, 0.4)) n.args = [pick(r, ["/bin/sh", "sh", "/usr/bin/env"]), ...(maybe(r, 0.5) ? ["-c", pick(r, WORDS)] : [])];
  else n.shlex = maybe(r, 0.03) ? "" : pick(r, WORDS); // "": Go refuses to marshal it (arguments are required)
  if (maybe(r, 0.3)) n.env = Array.from({ length: 1 + int(r, 3) }, () => [pick(r, ["A", "B", "PATH", "HOME"]), pick(r, ["1", "x y", "/bin:/usr/bin", ""])]);
  if (maybe(r, 0.3)) n.dir = pick(r, ["/app", "sub", "../x"]);
  if (maybe(r, 0.2)) n.user = pick(r, ["1000", "app:app", "root"]);
  if (maybe(r, 0.15)) n.hostname = pick(r, ["builder", "h-1"]);
  if (maybe(r, 0.15)) n.network = pick(r, ["host", "none"] as const);
  if (maybe(r, 0.1)) n.security = "insecure";
  if (maybe(r, 0.2)) n.customName = pick(r, ["step 1", "[build] compile"]);
  if (maybe(r, 0.1)) n.ignoreCache = true;
  if (maybe(r, 0.5)) {
    const seen = new Set<string>();
    n.mounts = [];
    for (let i = 1 + int(r, 3); i > 0; i--) {
      const m = genMount(r, nodes);
      if (seen.has(m.target)) continue;
      seen.add(m.target);
      n.mounts.push(m);
    }
    // A mount that has an output (not readonly, not cache, not tmpfs) may be the node's value.
    const outputs = n.mounts.filter((m) => !m.readonly && !m.cacheID && !m.tmpfs);
    if (outputs.length > 0 && maybe(r, 0.3)) n.out = pick(r, outputs).target;
  }
  if (maybe(r, 0.15)) n.secrets = [{ target: pick(r, ["/run/secrets/a", "/root/.npmrc"]), ...(maybe(r, 0.5) ? { id: "tok" } : {}), ...(maybe(r, 0.3) ? { optional: true } : {}) }];
  if (maybe(r, 0.1)) n.extraHosts = [[pick(r, ["db", "a.local"]), pick(r, ["10.0.0.5", "2001:db8::1", "::ffff:1.2.3.4"])]];
  if (maybe(r, 0.1)) n.ulimits = [{ name: pick(r, ["nofile", "nproc", "core"] as const), soft: pick(r, [1024, 0, -1]), hard: pick(r, [2048, 0, -1]) }];
  if (maybe(r, 0.1)) n.cgroupParent = pick(r, ["/cg", "system.slice"]);
  if (maybe(r, 0.1)) n.validExitCodes = pick(r, [[0], [0, 1], [2, 255]]);
  if (maybe(r, 0.1)) n.description = { [pick(r, ["com.example.step", "llb.customname"])]: pick(r, ["x", "build it"]) };
  if (maybe(r, 0.1)) n.progressGroup = { id: pick(r, ["g1", "g2"]), name: pick(r, ["group", "Group 2"]), weak: maybe(r, 0.5) };
  if (maybe(r, 0.08)) n.proxy = { HTTPProxy: "http://proxy:3128", ...(maybe(r, 0.5) ? { NoProxy: "localhost" } : {}), ...(maybe(r, 0.3) ? { AllProxy: "socks5://p:1080" } : {}) };
  if (maybe(r, 0.08)) n.readonlyRootfs = true;
  if (maybe(r, 0.15)) n.ssh = [{ ...(maybe(r, 0.5) ? { id: "default" } : {}), ...(maybe(r, 0.3) ? { target: "/run/ssh.sock" } : {}), ...(maybe(r, 0.3) ? { optional: true } : {}) }];
  return n;
}

function genMeta(r: Rand): FileMeta {
  return { ...(maybe(r, 0.3) ? { chown: pick(r, ["app", "1000:1000", "root:wheel", "app:0", "33"]) } : {}), ...(maybe(r, 0.2) ? { created: true } : {}) };
}

function genAction(r: Rand, nodes: number): GraphAction {
  switch (int(r, 5)) {
    case 0:
      return { a: "mkdir", path: pick(r, PATHS), mode: pick(r, [0o755, 0o700, 0o4755]), parents: maybe(r, 0.5), ...genMeta(r) };
    case 1:
      return { a: "mkfile", path: pick(r, PATHS), mode: pick(r, [0o644, 0o600]), data: pick(r, ["", "hello\n", "x=1\ny=2\n"]), ...genMeta(r) };
    case 2:
      return { a: "rm", path: pick(r, PATHS), allowNotFound: maybe(r, 0.5), allowWildcard: maybe(r, 0.5) };
    case 3:
      return { a: "symlink", target: pick(r, ["/usr/bin/python3", "../lib", "x"]), path: pick(r, PATHS), ...genMeta(r) };
    default: {
      const c: GraphAction = { a: "copy", from: int(r, nodes), src: pick(r, PATHS), dst: pick(r, PATHS), ...genMeta(r) };
      if (maybe(r, 0.4)) c.createDestPath = true;
      if (maybe(r, 0.3)) c.allowWildcard = true;
      if (maybe(r, 0.3)) c.copyDirContentsOnly = true;
      if (maybe(r, 0.2)) c.followSymlinks = true;
      if (maybe(r, 0.2)) c.copyMode = pick(r, [0o755, 0o644]);
      if (maybe(r, 0.2)) c.includePatterns = [pick(r, ["*.go", "**/*.txt"])];
      if (maybe(r, 0.2)) c.excludePatterns = [pick(r, ["*_test.go", "tmp"])];
      if (maybe(r, 0.1)) c.requiredPaths = [pick(r, ["main.go", "a/b"])];
      if (maybe(r, 0.1)) c.attemptUnpack = true;
      if (maybe(r, 0.1)) c.allowEmptyWildcard = true;
      if (maybe(r, 0.1)) c.alwaysReplace = true;
      return c;
    }
  }
}

/** Graph number `index` of a run. */
export function graphProgram(seed: string, index: number): GraphProgram {
  const r = prng(`${seed}:${index}`);
  const nodes: GraphNode[] = [];
  for (let i = 1 + int(r, 3); i > 0; i--) nodes.push(genSource(r));
  for (let i = 1 + int(r, 8); i > 0; i--) {
    const n = nodes.length;
    const k = int(r, 10);
    if (k < 3) nodes.push(genRun(r, n));
    else if (k < 6) nodes.push({ k: "file", base: int(r, n), actions: Array.from({ length: 1 + int(r, 3) }, () => genAction(r, n)) });
    else if (k === 6) nodes.push({ k: "env", base: int(r, n), key: pick(r, ["A", "PATH", "B"]), value: pick(r, ["1", "/opt/bin:$PATH", "x"]) });
    else if (k === 7) {
      const base = int(r, n);
      nodes.push(
        pick<GraphNode>(r, [
          { k: "dir", base, value: pick(r, ["/w", "sub", "../up"]) },
          { k: "user", base, value: pick(r, ["app", "0:0"]) },
          { k: "platform", base, value: pick(r, PLATFORMS) },
          { k: "network", base, value: pick(r, ["sandbox", "host", "none"] as const) },
          { k: "security", base, value: pick(r, ["sandbox", "insecure"] as const) },
          { k: "hostname", base, value: pick(r, ["h1", "build-host"]) },
          { k: "extraHost", base, key: pick(r, ["db", "cache.local"]), value: pick(r, ["10.1.2.3", "fd00::2"]) },
        ]),
      );
    }
    else if (k === 8) nodes.push({ k: "merge", inputs: Array.from({ length: int(r, 4) }, () => int(r, n)) });
    else nodes.push({ k: "diff", lower: int(r, n), upper: int(r, n) });
  }
  return { name: `${seed}#${index}`, ...(maybe(r, 0.3) ? { platform: pick(r, PLATFORMS) } : {}), nodes, output: nodes.length - 1 };
}

// ---------------------------------------------------------------------------
// Building with our llb, call for call as graphs.go.

function buildRun(base: State, n: Extract<GraphNode, { k: "run" }>, at: (i: number) => State): State {
  const mounts: MountOptions[] = (n.mounts ?? []).map((m) => ({
    target: m.target,
    source: m.source !== undefined ? at(m.source) : scratch(),
    ...(m.readonly ? { readonly: true } : {}),
    ...(m.selector ? { selector: m.selector } : {}),
    ...(m.cacheID ? { cache: { id: m.cacheID, sharing: m.sharing ?? "shared" } } : {}),
    ...(m.tmpfs ? { tmpfs: true } : {}),
  }));
  const o: RunOptions = {
    ...(n.args ? { args: n.args } : { shlex: n.shlex ?? "" }),
    ...(n.env ? { env: n.env } : {}),
    ...(n.dir ? { dir: n.dir } : {}),
    ...(n.user ? { user: n.user } : {}),
    ...(n.hostname ? { hostname: n.hostname } : {}),
    ...(n.network === "host" ? { network: NetMode.HOST } : n.network === "none" ? { network: NetMode.NONE } : {}),
    ...(n.security === "insecure" ? { security: SecurityMode.INSECURE } : {}),
    ...(n.customName ? { customName: n.customName } : {}),
    ...(n.ignoreCache ? { ignoreCache: true } : {}),
    ...(n.description ? { description: n.description } : {}),
    ...(n.progressGroup ? { progressGroup: n.progressGroup } : {}),
    ...(n.extraHosts ? { extraHosts: n.extraHosts.map(([host, ip]) => ({ host, ip })) } : {}),
    ...(n.ulimits ? { ulimits: n.ulimits } : {}),
    ...(n.cgroupParent ? { cgroupParent: n.cgroupParent } : {}),
    ...(n.validExitCodes ? { validExitCodes: n.validExitCodes } : {}),
    ...(n.proxy
      ? {
          proxyEnv: {
            ...(n.proxy.HTTPProxy ? { httpProxy: n.proxy.HTTPProxy } : {}),
            ...(n.proxy.HTTPSProxy ? { httpsProxy: n.proxy.HTTPSProxy } : {}),
            ...(n.proxy.FTPProxy ? { ftpProxy: n.proxy.FTPProxy } : {}),
            ...(n.proxy.NoProxy ? { noProxy: n.proxy.NoProxy } : {}),
            ...(n.proxy.AllProxy ? { allProxy: n.proxy.AllProxy } : {}),
          },
        }
      : {}),
    ...(n.readonlyRootfs ? { readonlyRootfs: true } : {}),
    ...(mounts.length > 0 ? { mounts } : {}),
    ...(n.secrets ? { secrets: n.secrets.map((s) => ({ ...(s.id ? { id: s.id } : {}), target: s.target ?? "", ...(s.optional ? { optional: true } : {}) })) } : {}),
    ...(n.ssh ? { ssh: n.ssh.map((s) => ({ ...(s.id ? { id: s.id } : {}), ...(s.target ? { target: s.target } : {}), ...(s.optional ? { optional: true } : {}) })) } : {}),
  };
  const es = base.run(o);
  return n.out === "root" ? es.root() : es.getMount(n.out);
}

/** Go's fixedTime (test/golden/go/helpers.go), 2023-11-14T22:13:20.123456789Z in nanoseconds. */
const FIXED_TIME = 1700000000123456789n;

function metaOpts(a: FileMeta): { chown?: string; createdTime?: bigint } {
  return { ...(a.chown ? { chown: a.chown } : {}), ...(a.created ? { createdTime: FIXED_TIME } : {}) };
}

function buildAction(fa: FileAction | undefined, a: GraphAction, at: (i: number) => State): FileAction {
  switch (a.a) {
    case "mkdir": {
      const o = { parents: a.parents, ...metaOpts(a) };
      return fa ? fa.mkdir(a.path, a.mode, o) : mkdir(a.path, a.mode, o);
    }
    case "mkfile":
      return fa ? fa.mkfile(a.path, a.mode, a.data, metaOpts(a)) : mkfile(a.path, a.mode, a.data, metaOpts(a));
    case "symlink":
      return fa ? fa.symlink(a.target, a.path, metaOpts(a)) : symlink(a.target, a.path, metaOpts(a));
    case "rm":
      return fa ? fa.rm(a.path, { allowNotFound: a.allowNotFound, allowWildcard: a.allowWildcard }) : rm(a.path, { allowNotFound: a.allowNotFound, allowWildcard: a.allowWildcard });
    case "copy": {
      const opts = {
        ...(a.createDestPath ? { createDestPath: true } : {}),
        ...(a.allowWildcard ? { allowWildcard: true } : {}),
        ...(a.copyDirContentsOnly ? { copyDirContentsOnly: true } : {}),
        ...(a.followSymlinks ? { followSymlinks: true } : {}),
        ...(a.copyMode !== undefined ? { mode: a.copyMode } : {}),
        ...(a.includePatterns ? { includePatterns: a.includePatterns } : {}),
        ...(a.excludePatterns ? { excludePatterns: a.excludePatterns } : {}),
        ...(a.requiredPaths ? { requiredPaths: a.requiredPaths } : {}),
        ...(a.attemptUnpack ? { attemptUnpack: true } : {}),
        ...(a.allowEmptyWildcard ? { allowEmptyWildcard: true } : {}),
        ...(a.alwaysReplace ? { alwaysReplaceExistingDestPaths: true } : {}),
        ...metaOpts(a),
      };
      return fa ? fa.copy(at(a.from), a.src, a.dst, opts) : copy(at(a.from), a.src, a.dst, opts);
    }
  }
}

export function buildGraph(p: GraphProgram): State {
  const states: State[] = [];
  const at = (i: number): State => {
    const s = states[i];
    if (!s) throw new Error(`node index ${i} out of range`);
    return s;
  };
  for (const n of p.nodes) {
    switch (n.k) {
      case "scratch":
        states.push(scratch());
        break;
      case "image":
        states.push(
          image(n.ref, {
            ...(n.platform ? { platform: parsePlatform(n.platform) } : {}),
            ...(n.resolveMode ? { resolveMode: n.resolveMode } : {}),
            ...(n.layerLimit !== undefined ? { layerLimit: n.layerLimit } : {}),
          }),
        );
        break;
      case "local":
        states.push(
          local(n.name, {
            ...(n.include ? { includePatterns: n.include } : {}),
            ...(n.exclude ? { excludePatterns: n.exclude } : {}),
            ...(n.followPaths ? { followPaths: n.followPaths } : {}),
            ...(n.sharedKeyHint ? { sharedKeyHint: n.sharedKeyHint } : {}),
            ...(n.differ ? { differ: { type: n.differ, ...(n.differRequired ? { required: true } : {}) } } : {}),
          }),
        );
        break;
      case "git":
        states.push(
          git(n.url, n.gitRef, {
            ...(n.keepGitDir ? { keepGitDir: true } : {}),
            ...(n.subdir ? { subdir: n.subdir } : {}),
            ...(n.skipSubmodules ? { skipSubmodules: true } : {}),
            ...(n.mtimeCommit ? { mtime: "commit" } : {}),
            ...(n.fetchByCommit ? { fetchByCommit: true } : {}),
            ...(n.checksum ? { checksum: n.checksum } : {}),
          }),
        );
        break;
      case "http":
        states.push(http(n.url, { ...(n.filename ? { filename: n.filename } : {}), ...(n.chmod ? { chmod: n.chmod } : {}), ...(n.checksum ? { checksum: n.checksum } : {}) }));
        break;
      case "env":
        states.push(at(n.base).addEnv(n.key, n.value));
        break;
      case "dir":
        states.push(at(n.base).dir(n.value));
        break;
      case "user":
        states.push(at(n.base).user(n.value));
        break;
      case "platform":
        states.push(at(n.base).platform(parsePlatform(n.value)));
        break;
      case "network":
        states.push(at(n.base).network(n.value === "host" ? NetMode.HOST : n.value === "none" ? NetMode.NONE : NetMode.UNSET));
        break;
      case "security":
        states.push(at(n.base).security(n.value === "insecure" ? SecurityMode.INSECURE : SecurityMode.SANDBOX));
        break;
      case "hostname":
        states.push(at(n.base).hostname(n.value));
        break;
      case "extraHost":
        states.push(at(n.base).addExtraHost(n.key, n.value));
        break;
      case "merge":
        states.push(merge(n.inputs.map(at)));
        break;
      case "diff":
        states.push(diff(at(n.lower), at(n.upper)));
        break;
      case "run":
        states.push(buildRun(at(n.base), n, at));
        break;
      case "file": {
        let fa: FileAction | undefined;
        for (const a of n.actions) fa = buildAction(fa, a, at);
        states.push(at(n.base).file(fa!));
        break;
      }
    }
  }
  return at(p.output);
}

// ---------------------------------------------------------------------------

interface GoAnswer {
  name: string;
  def?: string;
  error?: string;
}


async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const count = Number(argValue(args, "--count") ?? 10000);
  const seed = argValue(args, "--seed") ?? "graph-fuzz";
  const only = argValue(args, "--index");
  const show = args.includes("--show");
  const programs = (only !== undefined ? [Number(only)] : Array.from({ length: count }, (_, i) => i)).map((i) => graphProgram(seed, i));

  const dir = mkdtempSync(join(tmpdir(), "tsfrontend-graphfuzz-"));
  let answers: Map<string, GoAnswer>;
  try {
    const file = join(dir, "graphs.json");
    writeFileSync(file, JSON.stringify(programs));
    const out = execFileSync(goldenBinary(), ["graphs", "-in", file], { encoding: "utf8", maxBuffer: 1 << 30 });
    answers = new Map(out.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as GoAnswer).map((a) => [a.name, a]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const defaults = { platform: parsePlatform("linux/amd64"), localUniqueID: "golden-unique" };
  let passed = 0;
  let failed = 0;
  let goErrors = 0;
  for (const p of programs) {
    const want = answers.get(p.name);
    let problem = "";
    let got: Awaited<ReturnType<State["marshal"]>> | undefined;
    let gotError: string | undefined;
    try {
      got = await buildGraph(p).marshal({ ...defaults, ...(p.platform ? { platform: parsePlatform(p.platform) } : {}) });
    } catch (err) {
      gotError = err instanceof Error ? err.message : String(err);
    }
    if (!want) problem = "no answer from the Go program";
    else if (want.error !== undefined) {
      goErrors++;
      if (gotError === undefined) problem = `Go fails (${want.error}), ours marshals`;
      else if (gotError !== want.error) problem = `error: want ${JSON.stringify(want.error)}, got ${JSON.stringify(gotError)}`;
    } else if (gotError !== undefined) problem = `ours fails (${gotError}), Go marshals`;
    else {
      // An empty Definition (a scratch output) is empty bytes, which Go leaves out of its answer.
      const wantBytes = Buffer.from(want.def ?? "", "base64");
      const gotBytes = got!.toBytes();
      if (!wantBytes.equals(Buffer.from(gotBytes))) problem = compareDefinitions(decodeDefinition(wantBytes), got!, wantBytes, gotBytes) ?? "definitions decode equal but bytes differ";
    }
    if (problem) {
      failed++;
      console.log(`FAIL ${p.name} (replay: --seed ${seed} --index ${p.name.slice(p.name.indexOf("#") + 1)} --show): ${problem}`);
      if (show) console.log(JSON.stringify(p, null, 1));
    } else {
      passed++;
      if (show && got) console.log(dumpDefinitionJson(got).join("\n"));
    }
  }
  console.log(`${programs.length} graphs (seed ${JSON.stringify(seed)}), ${goErrors} that Go refuses to marshal (the same error expected of ours)`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}

if (basename(process.argv[1] ?? "") === "graph-fuzz.js") await main();
