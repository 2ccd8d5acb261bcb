/**
 * Sending a build context (`--local context=DIR`) with `tsfrontend build`
 * against the daemon named by BUILDKIT_HOST: a program
 * (fixtures/context.ts) reads the context's `.dockerignore` through the
 * gateway and asks for the context with those exclude patterns, as the
 * Dockerfile frontend does (buildctl itself never applies .dockerignore; the
 * client-side FileSync sender filters with the patterns the daemon relays).
 * The context has excludes with `!` re-includes, nested dirs, symlinks that
 * point outside it, and 20,000 small files. The expected file list is what
 * buildctl + dockerfile.v0 (`COPY . /ctx/`) exports for the same context.
 * A second build after changing one file must send only that file's data.
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ok, requireEnv, runCli, tempDir, type RunResult } from "./lib/env.js";
import { parseRawJson, statusesOf, type RawProgress } from "./lib/progress.js";
import { readTar } from "./lib/tar.js";

const DIRS = 100;
const FILES_PER_DIR = 200;
const FILE_SIZE = 1024;
const TOTAL_DATA = DIRS * FILES_PER_DIR * FILE_SIZE;
const CHANGED = "many/d042/f137.txt";

let work: ReturnType<typeof tempDir>;
let ctxDir: string;
let outsideDir: string;
/** Unique content of the files outside the context. */
let secret: string;
let build1: { run: RunResult; progress: RawProgress };
let build2: { run: RunResult; progress: RawProgress } | undefined;
const key = `e2e-context-${process.pid}-${Date.now()}`;

function manyContent(d: number, f: number, version = 1): string {
  return `many d${d} f${f} v${version}\n`.padEnd(FILE_SIZE - 1, String.fromCharCode(97 + ((d + f) % 26))) + "\n";
}

const name = (d: number, f: number) => `many/d${String(d).padStart(3, "0")}/f${String(f).padStart(3, "0")}.txt`;

function makeContext(): void {
  ctxDir = join(work.dir, "ctx");
  outsideDir = join(work.dir, "outside");
  secret = `OUTSIDE-${randomBytes(12).toString("hex")}`;
  mkdirSync(join(outsideDir, "sub"), { recursive: true });
  writeFileSync(join(outsideDir, "secret.txt"), `${secret}\n`);
  writeFileSync(join(outsideDir, "sub", "inner.txt"), `${secret} in a dir\n`);
  const files: Record<string, string> = {
    ".dockerignore": "# build outputs and logs\n*.log\n!important.log\nsecret\ndocs/**\n!docs/keep/README.md\n**/*.tmp\n",
    "a.log": "ignored log\n",
    "important.log": "re-included log\n",
    "secret/key": "ignored dir\n",
    "docs/index.md": "ignored doc\n",
    "docs/keep/README.md": "re-included doc\n",
    "docs/other/x.md": "ignored nested doc\n",
    "a/b/c/d/deep.txt": "deep\n",
    "a/b/skip.tmp": "ignored tmp\n",
    "a/keep.tmp.txt": "kept: not *.tmp\n",
    "top.tmp": "ignored tmp\n",
  };
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(ctxDir, p, ".."), { recursive: true });
    writeFileSync(join(ctxDir, p), c);
  }
  symlinkSync(join(outsideDir, "secret.txt"), join(ctxDir, "link-abs"));
  symlinkSync("../outside", join(ctxDir, "link-dir"));
  symlinkSync("a/b/c/d/deep.txt", join(ctxDir, "link-in"));
  for (let d = 0; d < DIRS; d++) {
    mkdirSync(join(ctxDir, name(d, 0), ".."), { recursive: true });
    for (let f = 0; f < FILES_PER_DIR; f++) writeFileSync(join(ctxDir, name(d, f)), manyContent(d, f));
  }
}

async function build(output: string): Promise<{ run: RunResult; progress: RawProgress }> {
  const r = await runCli([
    "build",
    "-f",
    "test/e2e/fixtures/context.ts",
    "--local",
    `context=${ctxDir}`,
    "--build-arg",
    `CONTEXT_KEY=${key}`,
    "--progress",
    "rawjson",
    "-o",
    output,
  ]);
  ok(r, "tsfrontend build");
  return { run: r, progress: parseRawJson(r.stderr) };
}

/** Bytes the daemon received for the context (fsutil counts every packet: stats, data, requests' answers). */
function transferred(p: RawProgress): number {
  const s = statusesOf(p, "load build context", "transferring context:");
  assert.equal(s.length, 1, `one "transferring context:" status for the context: ${JSON.stringify(s)}`);
  assert.ok(s[0]!.completed, "the transfer completed");
  return s[0]!.current ?? 0;
}

/** Every path under `root` (relative, sorted), not descending into symlinks. */
function listTree(root: string, rel = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    out.push(p);
    if (e.isDirectory()) out.push(...listTree(root, p));
  }
  return out.sort();
}

before(async () => {
  work = tempDir("context");
  requireEnv();
  makeContext();
  build1 = await build(`type=local,dest=${join(work.dir, "out1")}`);
});

after(() => work?.remove());

test(".dockerignore: ignored paths are absent, re-included ones present (as buildctl's dockerfile frontend)", () => {
  const root = join(work.dir, "out1", "ctx");
  const listed = listTree(root).filter((p) => !p.startsWith("many/"));
  assert.deepEqual(listed, [
    ".dockerignore",
    "a",
    "a/b",
    "a/b/c",
    "a/b/c/d",
    "a/b/c/d/deep.txt",
    "a/keep.tmp.txt",
    "docs",
    "docs/keep",
    "docs/keep/README.md",
    "important.log",
    "link-abs",
    "link-dir",
    "link-in",
    "many",
  ]);
  assert.equal(readFileSync(join(root, "important.log"), "utf8"), "re-included log\n");
  assert.equal(readFileSync(join(root, "docs/keep/README.md"), "utf8"), "re-included doc\n");
  assert.equal(readFileSync(join(root, "a/b/c/d/deep.txt"), "utf8"), "deep\n");
});

test("ctx.context as given to a program is the context minus its .dockerignore: the same tree", async () => {
  const program = join(work.dir, "main-context.ts");
  writeFileSync(
    program,
    `import { copy, scratch } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";
export default (ctx: BuildContext) => ({ state: scratch().file(copy(ctx.context, "/", "/ctx/", { copyDirContentsOnly: true, createDestPath: true })) });
`,
  );
  const out = join(work.dir, "out-main-context");
  const r = await runCli(["build", "-f", program, "--local", `context=${ctxDir}`, "--progress", "plain", "-o", `type=local,dest=${out}`]);
  ok(r, "tsfrontend build of ctx.context");
  assert.match(r.stderr, /\[internal\] load \.dockerignore/);
  assert.deepEqual(listTree(join(out, "ctx")), listTree(join(work.dir, "out1", "ctx")));
  // <program>.dockerignore next to the program replaces the context's (dockerui's <Dockerfile>.dockerignore).
  writeFileSync(`${program}.dockerignore`, "*\n!top.tmp\n");
  const own = join(work.dir, "out-main-context-own");
  ok(await runCli(["build", "-f", program, "--local", `context=${ctxDir}`, "--progress", "quiet", "-o", `type=local,dest=${own}`]), "with the program's own .dockerignore");
  assert.deepEqual(listTree(join(own, "ctx")), ["top.tmp"]);
});

test("symlinks are sent as symlinks with their targets; nothing outside the context is sent", () => {
  const root = join(work.dir, "out1", "ctx");
  for (const [link, target] of [
    ["link-abs", join(outsideDir, "secret.txt")],
    ["link-dir", "../outside"],
    ["link-in", "a/b/c/d/deep.txt"],
  ] as const) {
    assert.ok(lstatSync(join(root, link)).isSymbolicLink(), link);
    assert.equal(readlinkSync(join(root, link)), target, link);
  }
  // The outside files' content is nowhere in the export (and no regular file is named like them).
  let files = 0;
  const out = join(work.dir, "out1");
  for (const p of listTree(out)) {
    const st = lstatSync(join(out, p));
    if (!st.isFile()) continue;
    files++;
    assert.ok(!readFileSync(join(out, p)).includes(secret), `${p} holds the outside file's content`);
    assert.ok(!/(^|\/)(secret\.txt|inner\.txt)$/.test(p), p);
  }
  assert.equal(files, DIRS * FILES_PER_DIR + 5);
});

test("all 20,000 files arrive with their contents", () => {
  const root = join(work.dir, "out1", "ctx");
  assert.equal(readdirSync(join(root, "many")).length, DIRS);
  for (let d = 0; d < DIRS; d++) {
    assert.equal(readdirSync(join(root, name(d, 0), "..")).length, FILES_PER_DIR);
    for (let f = 0; f < FILES_PER_DIR; f++) {
      const got = readFileSync(join(root, name(d, f)), "utf8");
      if (got !== manyContent(d, f)) assert.equal(got, manyContent(d, f), name(d, f));
    }
  }
  // The first transfer carried every file's data.
  assert.ok(transferred(build1.progress) >= TOTAL_DATA, `transferred ${transferred(build1.progress)} bytes`);
});

test("after changing one file, only that file's data is sent again", async (t) => {
  writeFileSync(join(ctxDir, CHANGED), manyContent(42, 137, 2));
  // A tar this time: the same tree, and much faster to receive than 20,000 files.
  const tarFile = join(work.dir, "out2.tar");
  build2 = await build(`type=tar,dest=${tarFile}`);
  const first = transferred(build1.progress);
  const second = transferred(build2.progress);
  t.diagnostic(`context transfers: ${first} bytes, then ${second} bytes`);
  // Both transfers list the same tree (the stat packets); the first also sent
  // every file's data, the second only one file's.
  assert.ok(first - second >= TOTAL_DATA - 64 * 1024, `first ${first} bytes, second ${second} bytes: more than one file was sent again`);
  assert.ok(second < first / 4, `first ${first}, second ${second}`);
  assert.ok(second > FILE_SIZE, `second ${second}: the changed file's data was sent`);

  const entries = new Map(readTar(readFileSync(tarFile)).map((e) => [e.name.replace(/\/$/, ""), e]));
  assert.equal(entries.get(`ctx/${CHANGED}`)?.data.toString("utf8"), manyContent(42, 137, 2));
  for (let d = 0; d < DIRS; d++) {
    for (let f = 0; f < FILES_PER_DIR; f++) {
      if (d === 42 && f === 137) continue;
      const got = entries.get(`ctx/${name(d, f)}`)?.data.toString("utf8");
      if (got !== manyContent(d, f)) assert.equal(got, manyContent(d, f), name(d, f));
    }
  }
  assert.equal(entries.get("ctx/link-abs")?.type, "2");
  assert.equal(entries.get("ctx/link-abs")?.linkname, join(outsideDir, "secret.txt"));
  assert.equal(entries.has("ctx/a.log"), false);
  assert.equal(readFileSync(join(work.dir, "out1", "ctx", CHANGED), "utf8"), manyContent(42, 137));
});
