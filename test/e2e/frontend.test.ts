/**
 * The frontend process (dist/src/frontend/main.js) against the real daemon,
 * without an image: test/e2e/lib/frontend-loopback.ts connects its stdio to
 * buildkitd's LLBBridge through a client-side build. Checks the result shapes
 * (ref map, per-platform configs, refs.platforms), named contexts, relative
 * imports read through the build file's local, errors returned with the
 * build file's line, Dockerfiles handed to the Dockerfile builder, and subrequests.
 */

import { before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { decodeStatusDetails } from "../../src/gateway/errdefs.js";
import { mkfile, scratch } from "../../src/llb/index.js";
import { buildThroughFrontend } from "./lib/frontend-loopback.js";
import { layerEntries, readOciTar } from "./lib/oci.js";
import { requireEnv, tempDir } from "./lib/env.js";

before(() => {
  requireEnv();
});

const PROGRAM = `# syntax=tsfrontend-loopback
import { scratch, mkfile, copy } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";
import { greeting } from "./lib/greeting";

export const targets = { app: { description: "the app", default: true }, debug: "with debug files" };
export const args = { NAME: { description: "who to greet", default: "world" } };

export default async (ctx: BuildContext) => {
  // stdout is the gRPC pipe: these must end up on stderr.
  console.log("noise from console.log");
  process.stdout.write("noise from process.stdout.write\\n");
  const gw = ctx.gateway!;
  const solved = await gw.solve({ definition: await ctx.context.marshal() });
  const note = new TextDecoder().decode(await gw.readFile(solved.ref!, "note.txt")).trim();
  const extra = ctx.namedContext("extra")!;
  return ctx.perPlatform((p, args) => ({
    state: scratch()
      .file(mkfile("/hello", 0o644, greeting(args.NAME ?? "world") + " " + args.TARGETARCH + " " + note + "\\n"))
      .file(copy(extra, "/extra.txt", "/extra.txt"))
      .file(copy(extra, "/", "/all", { copyDirContentsOnly: true, createDestPath: true })),
    config: { Env: ["A=1"], Labels: { "from.program": "yes" } },
  }));
};
`;

function project(files: Record<string, string>): { dir: string; remove(): void } {
  const t = tempDir("fe-");
  for (const [name, data] of Object.entries(files)) {
    mkdirSync(join(t.dir, name, ".."), { recursive: true });
    writeFileSync(join(t.dir, name), data);
  }
  return t;
}

test("a program named Dockerfile: two platforms, imports, context files, named contexts, labels, build args", async () => {
  const t = project({
    "src/Dockerfile": PROGRAM,
    "src/lib/greeting.ts": "export const greeting = (n: string): string => `hello ${n}`;\n",
    "ctx/note.txt": "from the context\n",
    "extra/extra.txt": "named context\n",
    "extra/secret.txt": "left out by the .dockerignore\n",
    "extra/.dockerignore": "secret.txt\n",
  });
  const tar = join(t.dir, "out.tar");
  const r = await buildThroughFrontend({
    opts: { filename: "Dockerfile", platform: "linux/amd64,linux/arm64", "build-arg:NAME": "tests", "label:org.example": "yes", "context:extra": "local:extra" },
    locals: { dockerfile: join(t.dir, "src"), context: join(t.dir, "ctx"), extra: join(t.dir, "extra") },
    outputs: [`type=oci,dest=${tar}`],
  });
  assert.equal(r.error, undefined, `${r.error?.message}\n${r.stderr}`);
  assert.equal(r.exitCode, 0, r.stderr);
  // Inputs goes out with the Ping (frontend.ts), then the rest.
  assert.deepEqual(r.calls.slice(0, 2).sort(), ["Inputs", "Ping"]);
  assert.equal(r.calls.filter((c) => c === "Inputs").length, 1, "inputs are asked for once");
  assert.match(r.stderr, /noise from console.log\nnoise from process.stdout.write\n/);
  assert.equal(r.calls.at(-1), "Return");
  const md = r.returned!.result!.metadata!;
  assert.deepEqual(Object.keys(r.returned!.result!.refs!.refs!).sort(), ["linux/amd64", "linux/arm64"]);
  assert.deepEqual(JSON.parse(Buffer.from(md["refs.platforms"]!).toString()), {
    Platforms: [
      { ID: "linux/amd64", Platform: { architecture: "amd64", os: "linux" } },
      { ID: "linux/arm64", Platform: { architecture: "arm64", os: "linux" } },
    ],
  });
  const layout = readOciTar(tar);
  assert.deepEqual(layout.images.map((i) => i.config.architecture).sort(), ["amd64", "arm64"]);
  for (const img of layout.images) {
    assert.deepEqual(img.config.config.Labels, { "from.program": "yes", "org.example": "yes" });
    assert.ok(img.config.config.Env?.includes("A=1"));
    const files = new Map(img.manifest.layers.flatMap((l) => layerEntries(layout, l)).map((e) => [e.name.replace(/^\.?\//, ""), e.data.toString()]));
    assert.equal(files.get("hello"), `hello tests ${img.config.architecture} from the context\n`);
    assert.equal(files.get("extra.txt"), "named context\n");
    // The local: context without what its .dockerignore names, as dockerui's.
    assert.ok(files.has("all/extra.txt") && !files.has("all/secret.txt"), [...files.keys()].join(" "));
  }
  t.remove();
});

test("multi-platform with one platform returns a ref map; no platform returns one ref; refs.platforms always", async () => {
  const t = project({ "p/build.ts": `import { scratch, mkfile } from "tsfrontend/llb";\nexport default () => ({ state: scratch().file(mkfile("/a", 0o644, "a")) });\n` });
  const multi = await buildThroughFrontend({ opts: { filename: "build.ts", platform: "linux/arm64", "multi-platform": "true" }, locals: { dockerfile: join(t.dir, "p") } });
  assert.equal(multi.error, undefined, `${multi.error?.message}\n${multi.stderr}`);
  assert.deepEqual(Object.keys(multi.returned!.result!.refs!.refs!), ["linux/arm64"]);
  assert.ok(multi.returned!.result!.metadata!["containerimage.config/linux/arm64"]);
  const single = await buildThroughFrontend({ opts: { filename: "build.ts" }, locals: { dockerfile: join(t.dir, "p") } });
  assert.equal(single.error, undefined, `${single.error?.message}\n${single.stderr}`);
  assert.ok(single.returned!.result!.ref);
  const md = single.returned!.result!.metadata!;
  assert.ok(md["containerimage.config"]);
  assert.equal(JSON.parse(Buffer.from(md["refs.platforms"]!).toString()).Platforms.length, 1);
  t.remove();
});

test("a failing program goes back through Return with the build file's line; the process exits 0", async () => {
  const t = project({ "p/Dockerfile": `// syntax=tsfrontend-loopback\nimport { scratch } from "tsfrontend/llb";\n\nexport default () => {\n  throw new Error("boom on line 5");\n};\n` });
  const r = await buildThroughFrontend({ opts: {}, locals: { dockerfile: join(t.dir, "p") } });
  assert.ok(r.error, "the build fails");
  assert.match(r.error.message, /boom on line 5/);
  assert.equal(r.exitCode, 0, r.stderr);
  const details = decodeStatusDetails(r.returned!.error!.details ?? []);
  assert.equal(details.sources?.[0]?.filename, "Dockerfile");
  assert.deepEqual(details.sources?.[0]?.ranges, [{ start: 5, end: 5 }]);
  t.remove();
});

test("a Dockerfile goes to the Dockerfile builder (its error at its line); a forbidden import names itself and its line", async () => {
  const t = project({
    "d/Dockerfile": "# syntax=tsfrontend-loopback\nFROM scratch\nFOO bar\n",
    "typo/Dockerfile": "# syntax=tsfrontend-loopback\n\nFORM scratch\n",
    "i/build.ts": `import { scratch } from "tsfrontend/llb";\nimport { readFileSync } from "node:fs";\nexport default () => ({ state: scratch(), config: { Cmd: [readFileSync("/etc/hostname", "utf8")] } });\n`,
  });
  // `cmdline` as dockerfile.v0 sets it when it forwards to the image of a `# syntax=` line: without
  // it the Dockerfile builder would forward again, to an image named tsfrontend-loopback.
  const df = await buildThroughFrontend({ opts: { cmdline: "tsfrontend-loopback" }, locals: { dockerfile: join(t.dir, "d") } });
  assert.ok(df.error);
  assert.match(df.error.message, /unknown instruction: FOO/);
  assert.equal(df.exitCode, 0);
  const dfDetails = decodeStatusDetails(df.returned!.error!.details ?? []);
  assert.equal(dfDetails.sources?.[0]?.filename, "Dockerfile");
  assert.deepEqual(dfDetails.sources?.[0]?.ranges, [{ start: 3, end: 3 }]);
  // A misspelt first instruction is a Dockerfile too: dockerfile.v0's error at its line.
  const typo = await buildThroughFrontend({ opts: { cmdline: "tsfrontend-loopback" }, locals: { dockerfile: join(t.dir, "typo") } });
  assert.match(String(typo.error?.message), /dockerfile parse error on line 3: unknown instruction: FORM \(did you mean FROM\?\)/);
  assert.deepEqual(decodeStatusDetails(typo.returned!.error!.details ?? []).sources?.[0]?.ranges, [{ start: 3, end: 3 }]);
  const imp = await buildThroughFrontend({ opts: { filename: "build.ts" }, locals: { dockerfile: join(t.dir, "i") } });
  assert.ok(imp.error);
  assert.match(imp.error.message, /import "node:fs" is not allowed in a build program/);
  const details = decodeStatusDetails(imp.returned!.error!.details ?? []);
  assert.deepEqual(details.sources?.[0]?.ranges, [{ start: 2, end: 2 }]);
  t.remove();
});

test("subrequests: describe, targets and outline from the program's declarations", async () => {
  const t = project({ "src/Dockerfile": PROGRAM, "src/lib/greeting.ts": "export const greeting = (n: string) => n;\n", "ctx/note.txt": "note\n", "extra/extra.txt": "x\n" });
  const caps = { "frontend.caps": "moby.buildkit.frontend.subrequests+forward" };
  const text = (r: Awaited<ReturnType<typeof buildThroughFrontend>>, k: string) => Buffer.from(r.returned!.result!.metadata![k]!).toString();
  const describe = await buildThroughFrontend({ opts: { ...caps, requestid: "frontend.subrequests.describe" }, locals: {} });
  assert.deepEqual(JSON.parse(text(describe, "result.json")).map((x: { name: string }) => x.name), ["frontend.outline", "frontend.targets", "frontend.subrequests.describe"]);
  const targets = await buildThroughFrontend({ opts: { ...caps, requestid: "frontend.targets" }, locals: { dockerfile: join(t.dir, "src") } });
  assert.deepEqual(JSON.parse(text(targets, "result.json")).targets, [{ name: "app", default: true, description: "the app" }, { name: "debug", description: "with debug files" }]);
  const outline = await buildThroughFrontend({ opts: { requestid: "frontend.outline", target: "app" }, locals: { dockerfile: join(t.dir, "src") } });
  assert.deepEqual(JSON.parse(text(outline, "result.json")).args, [{ name: "NAME", description: "who to greet", value: "world" }]);
  // frontend.lint runs the program (its own solves and reads included, the result not solved): no warnings, status 0.
  const lint = await buildThroughFrontend({
    opts: { requestid: "frontend.lint", "context:extra": "local:extra" },
    locals: { dockerfile: join(t.dir, "src"), context: join(t.dir, "ctx"), extra: join(t.dir, "extra") },
  });
  assert.equal(text(lint, "result.statuscode"), "0", text(lint, "result.json"));
  assert.equal(JSON.parse(text(lint, "result.json")).warnings, null);
  // A program answers no convertllb request (a Dockerfile would): the build file is read first, as dockerfile.v0 does.
  const other = await buildThroughFrontend({ opts: { requestid: "frontend.convertllb" }, locals: { dockerfile: join(t.dir, "src") } });
  assert.match(String(other.error?.message), /unsupported request frontend.convertllb/);
  t.remove();
});

test("the build file from the dockerfile input (buildx -f -) and the main context from the context input", async () => {
  const program = `// syntax=tsfrontend-loopback\nimport { copy, scratch } from "tsfrontend/llb";\nexport default (ctx) => ({ state: scratch().file(copy(ctx.context, "/in.txt", "/out.txt")) });\n`;
  const dockerfile = await scratch().file(mkfile("/Dockerfile", 0o644, program)).marshal();
  const context = await scratch().file(mkfile("/in.txt", 0o644, "from the context input\n")).marshal();
  const t = tempDir("fe-in-");
  const r = await buildThroughFrontend({ opts: {}, locals: {}, inputs: { dockerfile, context }, outputs: [`type=local,dest=${t.dir}`] });
  assert.equal(r.error, undefined, `${r.error?.message}\n${r.stderr}`);
  assert.ok(r.calls.includes("Inputs"));
  assert.equal(readFileSync(join(t.dir, "out.txt"), "utf8"), "from the context input\n");
  t.remove();
});

test("https-style contexts: a URL that is the build file, and a tar.gz holding it (unpacked as the context)", async () => {
  const program = (what: string) => `# syntax=tsfrontend-loopback\nimport { copy, mkfile, scratch } from "tsfrontend/llb";\nexport default (ctx) => ({ state: scratch().file(mkfile("/what", 0o644, "${what}")) });\n`;
  const t = project({ "arch/Dockerfile": program("from the archive"), "arch/data.txt": "x\n" });
  const tgz = join(t.dir, "ctx.tar.gz");
  const tar = spawnSync("tar", ["-czf", tgz, "-C", join(t.dir, "arch"), "."]);
  assert.equal(tar.status, 0, String(tar.stderr));
  const files: Record<string, Buffer> = { "/build.ts": Buffer.from(program("from the URL")), "/ctx.tar.gz": readFileSync(tgz) };
  const server = createServer((req, res) => {
    const body = files[req.url ?? ""];
    res.writeHead(body ? 200 : 404).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  try {
    for (const [url, want] of [[`http://127.0.0.1:${port}/build.ts`, "from the URL"], [`http://127.0.0.1:${port}/ctx.tar.gz`, "from the archive"]] as const) {
      const out = join(t.dir, "out-" + want.replace(/ /g, "-"));
      const r = await buildThroughFrontend({ opts: { context: url }, locals: {}, outputs: [`type=local,dest=${out}`] });
      assert.equal(r.error, undefined, `${url}: ${r.error?.message}\n${r.stderr}`);
      assert.equal(readFileSync(join(out, "what"), "utf8"), want);
    }
  } finally {
    server.close();
    t.remove();
  }
});

test("a git context (dumb http): the build file and the main context come from the repository", async () => {
  const t = project({
    "work/sub/Dockerfile": `// syntax=tsfrontend-loopback\nimport { copy, scratch } from "tsfrontend/llb";\nimport { name } from "./name";\nexport default (ctx) => ({ state: scratch().file(copy(ctx.context, "/data.txt", "/" + name)) });\n`,
    "work/sub/name.ts": `export const name = "copied.txt";\n`,
    "work/sub/data.txt": "from git\n",
  });
  const git = (...args: string[]) => {
    const r = spawnSync("git", args, { cwd: t.dir, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@e", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@e" } });
    assert.equal(r.status, 0, r.stderr);
  };
  git("-C", "work", "init", "-q", "-b", "main");
  git("-C", "work", "add", ".");
  git("-C", "work", "commit", "-q", "-m", "c");
  git("clone", "-q", "--bare", "work", "repo.git");
  git("-C", "repo.git", "update-server-info");
  const server = createServer((req, res) => {
    try {
      res.writeHead(200).end(readFileSync(join(t.dir, decodeURIComponent((req.url ?? "").split("?")[0]!))));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  try {
    const out = join(t.dir, "out");
    const r = await buildThroughFrontend({ opts: { context: `http://127.0.0.1:${port}/repo.git#main:sub` }, locals: {}, outputs: [`type=local,dest=${out}`] });
    assert.equal(r.error, undefined, `${r.error?.message}\n${r.stderr}`);
    assert.equal(readFileSync(join(out, "copied.txt"), "utf8"), "from git\n");
  } finally {
    server.close();
    t.remove();
  }
});
