/**
 * The differential Dockerfile corpus (test/dockerfile-corpus/, see its README.md): loading the cases,
 * preparing each case's work directory (placeholders, generated archives), and what a build leaves to
 * compare: per platform the image config (timestamps aside), its history and the whole filesystem tree
 * flattened from the layers (paths, types, modes, uid/gid, link targets, xattrs, content hashes), or for
 * a failed build its error message and Dockerfile lines.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ok, repoRoot, run } from "./env.js";
import { layerEntries, platformOf, readOciTar, type OciLayout } from "./oci.js";

export const corpusDir = join(repoRoot, "test", "dockerfile-corpus");

/** One case: a directory with a Dockerfile, its context files and an optional case.json. */
export interface CorpusCase {
  name: string;
  dir: string;
  /** The Dockerfile's path inside the case directory (case.json `dockerfile`, default `Dockerfile`). */
  dockerfile: string;
  /** Frontend opts (`build-arg:K`, `target`, `context:NAME`, `label:K`, ...); values may hold placeholders. */
  opts: Record<string, string>;
  /** Target platforms; more than one makes a multi-platform build. Default linux/amd64. */
  platforms: string[];
  /** When set, the build must fail and dockerfile.v0's message must contain this text. */
  fail: string | undefined;
  /** Extra local dirs (`--local NAME=<case dir>/PATH`), e.g. for `context:NAME=local:NAME`. */
  locals: Record<string, string>;
  /** `--secret` specs; `src=` paths are relative to the case directory. */
  secrets: string[];
  /** Forward the test's ssh-agent as the default ssh socket. */
  ssh: boolean;
  /** Pass the busybox image as the OCI layout store `busybox-oci` (`--oci-layout`), for `oci-layout://` contexts. */
  ociLayout: boolean;
  /** Files generated into the work directory: `tar:DIR`, `tar.gz:DIR`, `tar.bz2:DIR`, `tar.xz:DIR`, `minirootfs:ARCH`. */
  files: Record<string, string>;
}

interface CaseJson {
  dockerfile?: string;
  opts?: Record<string, string>;
  platforms?: string[];
  fail?: string;
  locals?: Record<string, string>;
  secrets?: string[];
  ssh?: boolean;
  ociLayout?: boolean;
  files?: Record<string, string>;
  note?: string;
}

const CASE_KEYS = new Set(["dockerfile", "opts", "platforms", "fail", "locals", "secrets", "ssh", "ociLayout", "files", "note"]);

/** Every case of the corpus, sorted by name (directories starting with `_` hold shared fixtures). */
export function loadCorpus(dir = corpusDir): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (const name of readdirSync(dir).sort()) {
    const caseDir = join(dir, name);
    if (name.startsWith("_") || !statSync(caseDir).isDirectory()) continue;
    const jsonPath = join(caseDir, "case.json");
    const cj: CaseJson = existsSync(jsonPath) ? (JSON.parse(readFileSync(jsonPath, "utf8")) as CaseJson) : {};
    for (const k of Object.keys(cj)) assert.ok(CASE_KEYS.has(k), `${name}/case.json: unknown key ${JSON.stringify(k)}`);
    const dockerfile = cj.dockerfile ?? "Dockerfile";
    assert.ok(existsSync(join(caseDir, dockerfile)), `${name}: no ${dockerfile}`);
    out.push({
      name,
      dir: caseDir,
      dockerfile,
      opts: cj.opts ?? {},
      platforms: cj.platforms ?? ["linux/amd64"],
      fail: cj.fail,
      locals: cj.locals ?? {},
      secrets: cj.secrets ?? [],
      ssh: cj.ssh ?? false,
      ociLayout: cj.ociLayout ?? false,
      files: cj.files ?? {},
    });
  }
  return out;
}

/** Values of the placeholders `{{NAME}}` in Dockerfiles and opts. */
export type Placeholders = Record<string, string>;

export function substitute(text: string, values: Placeholders): string {
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (m, k: string) => values[k] ?? m);
}

/** How side B's Dockerfile is changed on purpose to show the comparison catches it (TSF_DIFF_MUTATE). */
export type Mutation = "label" | "file" | "line";

/** A Dockerfile changed by `mutation`: a label (config), a file (tree), or every line one down (error lines). */
export function mutate(text: string, mutation: Mutation): string {
  if (mutation === "line") return `\n${text}`;
  const nl = text.endsWith("\n") ? "" : "\n";
  if (mutation === "label") return `${text}${nl}LABEL tsf.diff.mutated=1\n`;
  return `${text}${nl}COPY --from=busybox /etc/group /tsf-diff-mutated\n`;
}

/** Deterministic archive of `src` at `dest` (sorted, mtime 0, numeric owner 0). */
async function makeArchive(kind: string, src: string, dest: string): Promise<void> {
  const z = { tar: [], "tar.gz": ["-z"], "tar.bz2": ["-j"], "tar.xz": ["-J"] }[kind];
  assert.ok(z, `unknown archive kind ${kind}`);
  const args = ["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", ...z, "-cf", dest, "-C", src, "."];
  ok(await run("tar", args, { timeout: 60_000, env: { ...process.env, GZIP: "-n" } }), `tar ${dest}`);
}

/** The Dockerfile with the base `busybox` (FROM, --from=, from= of mounts, ARG defaults) written as the image `ref`. */
export function withBaseRef(text: string, ref: string): string {
  return text
    .replace(/^(\s*FROM\s+(?:--platform=\S+\s+)?)busybox(?=\s|$)/gim, `$1${ref}`)
    .replace(/(--from=|[,=]from=)busybox(?=[\s,]|$)/gm, `$1${ref}`)
    .replace(/^(\s*ARG\s+\w+=)busybox(?=\s|$)/gim, `$1${ref}`);
}

export interface PrepareOptions {
  /** Change the Dockerfile on purpose. */
  mutation?: Mutation | undefined;
  /** Write this image ref for the base `busybox` instead of using the named context. */
  baseRef?: string | undefined;
}

/**
 * Copies the case to `work`: the Dockerfile with placeholders substituted (and `opts` applied), generated
 * files added.
 */
export async function prepareWorkDir(c: CorpusCase, work: string, values: Placeholders, minirootfs: () => Promise<string>, opts: PrepareOptions = {}): Promise<void> {
  cpSync(c.dir, work, { recursive: true, verbatimSymlinks: true });
  const df = join(work, c.dockerfile);
  let text = substitute(readFileSync(df, "utf8"), values);
  if (opts.mutation) text = mutate(text, opts.mutation);
  if (opts.baseRef) text = withBaseRef(text, opts.baseRef);
  writeFileSync(df, text);
  for (const [dest, spec] of Object.entries(c.files)) {
    const [kind, arg] = [spec.slice(0, spec.indexOf(":")), spec.slice(spec.indexOf(":") + 1)];
    const out = join(work, dest);
    mkdirSync(dirname(out), { recursive: true });
    if (kind === "minirootfs") cpSync(join(await minirootfs(), arg, "rootfs.tar.gz"), out);
    else await makeArchive(kind, join(c.dir, arg), out);
  }
}

// ---- what a build leaves to compare ----

export interface TreeEntry {
  type: "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo";
  /** Permission and special bits (07777). */
  mode: string;
  uid: number;
  gid: number;
  /** Symlink or hardlink target. */
  link?: string;
  /** sha256 of a file's content. */
  sha256?: string;
  xattrs?: Record<string, string>;
}

export interface PlatformSnapshot {
  /** The image config without `created` timestamps (kept when `keepTimes`) and with layer digests counted. */
  config: Record<string, unknown>;
  tree: Map<string, TreeEntry>;
}

export type Snapshot = Map<string, PlatformSnapshot>;

const TAR_TYPES: Record<string, TreeEntry["type"]> = { "0": "file", "5": "dir", "2": "symlink", "1": "hardlink", "3": "char", "4": "block", "6": "fifo" };

/** Applies a layer's entries to a tree (OCI whiteouts: `.wh.NAME` removes NAME, `.wh..wh..opq` empties the dir). */
function applyLayer(tree: Map<string, TreeEntry>, layout: OciLayout, layer: OciLayout["images"][number]["manifest"]["layers"][number]): void {
  const removeUnder = (p: string, keepSelf: boolean) => {
    for (const k of [...tree.keys()]) if (k.startsWith(`${p}/`) || (!keepSelf && k === p)) tree.delete(k);
  };
  for (const e of layerEntries(layout, layer)) {
    const path = "/" + e.name.replace(/^\.?\/+/, "").replace(/\/+$/, "");
    const base = path.slice(path.lastIndexOf("/") + 1);
    const parent = path.slice(0, path.lastIndexOf("/"));
    if (base === ".wh..wh..opq") {
      removeUnder(parent, true);
      continue;
    }
    if (base.startsWith(".wh.")) {
      removeUnder(`${parent}/${base.slice(4)}`, false);
      continue;
    }
    const type = TAR_TYPES[e.type];
    assert.ok(type, `${path}: tar entry type ${e.type}`);
    if (type !== "dir") removeUnder(path, false);
    const entry: TreeEntry = { type, mode: (e.mode & 0o7777).toString(8).padStart(4, "0"), uid: e.uid, gid: e.gid };
    if (type === "symlink") entry.link = e.linkname;
    if (type === "hardlink") entry.link = "/" + e.linkname.replace(/^\.?\/+/, "");
    if (type === "file") entry.sha256 = createHash("sha256").update(e.data).digest("hex");
    const xattrs = Object.entries(e.pax)
      .filter(([k]) => k.startsWith("SCHILY.xattr."))
      .sort(([a], [b]) => (a < b ? -1 : 1));
    if (xattrs.length > 0) entry.xattrs = Object.fromEntries(xattrs.map(([k, v]) => [k.slice(13), v]));
    tree.set(path === "/" ? "/" : path, entry);
  }
}

/** The comparable parts of an OCI tarball, per platform. `keepTimes` keeps `created` (SOURCE_DATE_EPOCH builds). */
export function snapshotOci(file: string, keepTimes: boolean): Snapshot {
  const layout = readOciTar(file);
  const out: Snapshot = new Map();
  for (const img of layout.images) {
    const tree = new Map<string, TreeEntry>();
    for (const l of img.manifest.layers) applyLayer(tree, layout, l);
    const config = JSON.parse(JSON.stringify(img.config)) as Record<string, unknown> & { history?: Record<string, unknown>[]; rootfs?: { diff_ids: string[] } };
    if (!keepTimes) {
      delete config["created"];
      for (const h of config.history ?? []) delete h["created"];
    }
    if (config.rootfs) (config.rootfs as unknown as Record<string, unknown>)["diff_ids"] = `${config.rootfs.diff_ids?.length ?? 0} layers`;
    out.set(platformOf(img.descriptor.platform ?? img.config), { config, tree });
  }
  return out;
}

function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))) : x,
  );
}

/** Differences between two snapshots, one line each (empty when equal); at most `limit` tree lines. */
export function diffSnapshots(a: Snapshot, b: Snapshot, limit = 20): string[] {
  const out: string[] = [];
  const pa = [...a.keys()].sort();
  const pb = [...b.keys()].sort();
  if (stable(pa) !== stable(pb)) out.push(`platforms: ${pa.join(",")} vs ${pb.join(",")}`);
  for (const p of pa) {
    const sa = a.get(p)!;
    const sb = b.get(p);
    if (!sb) continue;
    const ca = sa.config as Record<string, unknown>;
    const cb = sb.config as Record<string, unknown>;
    for (const k of [...new Set([...Object.keys(ca), ...Object.keys(cb)])].sort()) {
      if (k === "history") continue;
      if (stable(ca[k]) !== stable(cb[k])) out.push(`${p} config.${k}: ${stable(ca[k])} vs ${stable(cb[k])}`);
    }
    const ha = (ca["history"] ?? []) as unknown[];
    const hb = (cb["history"] ?? []) as unknown[];
    for (let i = 0; i < Math.max(ha.length, hb.length); i++) {
      if (stable(ha[i]) !== stable(hb[i])) out.push(`${p} history[${i}]: ${stable(ha[i])} vs ${stable(hb[i])}`);
    }
    let n = 0;
    const paths = [...new Set([...sa.tree.keys(), ...sb.tree.keys()])].sort();
    for (const path of paths) {
      const ea = sa.tree.get(path);
      const eb = sb.tree.get(path);
      if (stable(ea) === stable(eb)) continue;
      if (++n > limit) {
        out.push(`${p} ... more tree differences`);
        break;
      }
      out.push(`${p} ${path}: ${ea ? stable(ea) : "(missing)"} vs ${eb ? stable(eb) : "(missing)"}`);
    }
  }
  return out;
}

/** A failed build's error: the message of its last `error: ` line and the `Dockerfile:LINE[-END]` excerpt headers. */
export interface BuildFailure {
  message: string;
  lines: string[];
}

/**
 * The error of a buildctl or tsfrontend build from its stderr. Normalised: `failed to solve: ` prefixes dropped
 * (buildctl adds one, the CLI does not) and `failed to run Build function: ` (the daemon adds it to some errors, not
 * always to the same), random snapshot refs replaced, the CLI's entitlement hint dropped, and the
 * rule list of a lint violation sorted (dockerfile.v0 prints it in Go map order, which changes from run to run).
 */
export function parseFailure(stderr: string): BuildFailure {
  const all = stderr.split("\n");
  let message = "";
  for (let i = all.length - 1; i >= 0; i--) {
    const l = all[i]!;
    if (l.startsWith("error: ") || l.startsWith("ERROR: ")) {
      message = [l.slice(7), ...all.slice(i + 1)].join("\n").trim();
      break;
    }
  }
  if (message === "") {
    // The CLI's own errors (usage, or a Dockerfile error it reports before any solve): `tsfrontend: MESSAGE`.
    const last = all.filter((l) => l.trim() !== "").at(-1) ?? "";
    message = last.replace(/^tsfrontend: /, "").trim();
  }
  message = message.replace(/^((failed to solve|failed to run Build function): )+/, "");
  message = message.replace(/ref [a-z0-9]{25}::[a-z0-9]{25}/g, "ref <ref>");
  message = message.replace(/(is not allowed): add --allow \S+ \(and start buildkitd with --allow-insecure-entitlement \S+\)/g, "$1");
  message = message.replace(/(lint violation found for rules: )([\w, ]+)/, (_m, p: string, rules: string) => p + rules.split(", ").sort().join(", "));
  const lines: string[] = [];
  for (let i = 0; i + 1 < all.length; i++) {
    const m = /^(\S+):(\d+(?:-\d+)?)$/.exec(all[i]!);
    if (m && /^-{20}$/.test(all[i + 1]!)) lines.push(`${m[1]!.replace(/^.*\//, "")}:${m[2]}`);
  }
  return { message, lines };
}
