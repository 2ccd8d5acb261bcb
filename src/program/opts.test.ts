import { test } from "node:test";
import assert from "node:assert/strict";
import { image, local, parsePlatform, scratch } from "../llb/index.js";
import { classifyBuildFile, firstInstructionLine } from "./classify.js";
import { lookupNamedContext, parseGitContext } from "./named-contexts.js";
import { parseProgramOpts } from "./opts.js";
import { moduleCandidates, refusedImport } from "./imports.js";

test("dockerui options: labels, multi-platform, cache imports, resolve mode, hosts, network", () => {
  const o = parseProgramOpts({
    platform: "linux/arm64,linux/amd64",
    "build-arg:A": "1",
    "label:org.opencontainers.image.title": "t",
    "cache-imports": '[{"Type":"registry","Attrs":{"ref":"r/c:1"}}]',
    "cache-from": "r/c:2,r/c:3",
    "image-resolve-mode": "pull",
    "add-hosts": "Host1=10.0.0.1,h2=::1",
    "force-network-mode": "none",
    "context:base::linux/arm64": "docker-image://alpine",
    "local-sessionid:ctx": "s2",
  });
  assert.equal(o.platforms.length, 2);
  assert.equal(o.multiPlatform, true);
  assert.deepEqual(o.buildArgs, { A: "1" });
  assert.deepEqual(o.labels, { "org.opencontainers.image.title": "t" });
  assert.deepEqual(o.cacheImports, [
    { type: "registry", attrs: { ref: "r/c:1" } },
    { type: "registry", attrs: { ref: "r/c:2" } },
    { type: "registry", attrs: { ref: "r/c:3" } },
  ]);
  assert.equal(o.imageResolveMode, "pull");
  assert.deepEqual(o.extraHosts, [{ host: "host1", ip: "10.0.0.1" }, { host: "h2", ip: "::1" }]);
  assert.equal(o.networkMode, "none");
  assert.deepEqual(o.contexts, { "base::linux/arm64": "docker-image://alpine" });
  assert.deepEqual(o.localSessionIDs, { ctx: "s2" });
});

test("multi-platform: the opt or BUILDKIT_MULTI_PLATFORM, false with several platforms is a conflict", () => {
  assert.equal(parseProgramOpts({}).multiPlatform, false);
  assert.equal(parseProgramOpts({ "multi-platform": "true" }).multiPlatform, true);
  assert.equal(parseProgramOpts({ "build-arg:BUILDKIT_MULTI_PLATFORM": "1", "multi-platform": "false" }).multiPlatform, true);
  assert.throws(() => parseProgramOpts({ platform: "linux/amd64,linux/arm64", "multi-platform": "false" }), /conflicting config: returning multiple target platforms is not allowed/);
  assert.throws(() => parseProgramOpts({ "multi-platform": "maybe" }), /invalid boolean value for multi-platform: maybe/);
  assert.throws(() => parseProgramOpts({ "image-resolve-mode": "x" }), /invalid image-resolve-mode: x/);
  assert.throws(() => parseProgramOpts({ "add-hosts": "a=notip" }), /failed to parse IP notip/);
  assert.throws(() => parseProgramOpts({ "force-network-mode": "bridge" }), /invalid netmode bridge/);
});

test("named contexts: NAME::platform first, then NAME; git URLs as dfgitutil reads them", () => {
  const a = image("alpine");
  const b = scratch();
  const c = local("x");
  const ctxs = { base: a, "base::linux/arm64": b, other: c };
  assert.equal(lookupNamedContext(ctxs, "base", parsePlatform("linux/arm64")), b);
  assert.equal(lookupNamedContext(ctxs, "base", parsePlatform("linux/amd64")), a);
  assert.equal(lookupNamedContext(ctxs, "base", undefined), a);
  assert.equal(lookupNamedContext(ctxs, "none", undefined), undefined);
  const g = parseGitContext("https://github.com/moby/buildkit.git#v0.32.2:frontend");
  assert.deepEqual([g?.remote, g?.ref, g?.subDir], ["https://github.com/moby/buildkit.git", "v0.32.2", "frontend"]);
  assert.equal(parseGitContext("https://example.com/archive.tar.gz"), undefined);
  assert.equal(parseGitContext("./dir"), undefined);
  assert.equal(parseGitContext(""), undefined);
  assert.equal(parseGitContext("git@github.com:moby/buildkit.git")?.ref, "");
});

test("build files: .ts names, // directives and default exports are programs; Dockerfiles and neither", async () => {
  assert.equal((await classifyBuildFile("x.ts", "FROM alpine\n")).kind, "program");
  assert.equal((await classifyBuildFile("sub/x.mts", "")).kind, "program");
  assert.deepEqual(await classifyBuildFile("Dockerfile", "// syntax=r/tsf\nFROM alpine\n").then((k) => [k.kind, k.kind === "program" && k.reason]), ["program", "directive"]);
  assert.deepEqual(await classifyBuildFile("Dockerfile", "# syntax=r/tsf\nexport default () => 1;\n").then((k) => [k.kind, k.kind === "program" && k.reason]), ["program", "default-export"]);
  assert.deepEqual(await classifyBuildFile("Dockerfile", "# syntax=r/tsf\n\n# comment\nFROM alpine\nRUN x\n"), { kind: "dockerfile", line: 4, syntax: { ref: "r/tsf", cmdline: "r/tsf", line: 1, form: "#" } });
  assert.equal((await classifyBuildFile("Dockerfile", "export const a = 1;\n")).kind, "unknown");
  assert.deepEqual(await classifyBuildFile("Dockerfile", "import { x } from './x'\nconst = 1\n").then((k) => [k.kind, k.kind === "unknown" && k.parseError?.line]), ["unknown", 2]);
  assert.equal((await classifyBuildFile("Dockerfile", "/* a program */ export const a = 1;\n")).kind, "unknown");
  // Not meant as a module: the Dockerfile parser reports it (a misspelt instruction at its line, empty, comments only).
  assert.deepEqual(await classifyBuildFile("Dockerfile", "# syntax=r/tsf\n\nFORM alpine\n"), { kind: "dockerfile", line: 3, syntax: { ref: "r/tsf", cmdline: "r/tsf", line: 1, form: "#" } });
  assert.equal((await classifyBuildFile("Dockerfile", "hello\n")).kind, "dockerfile");
  assert.deepEqual(await classifyBuildFile("Dockerfile", ""), { kind: "dockerfile", line: 0, syntax: undefined });
  assert.equal((await classifyBuildFile("Dockerfile", "# only a comment\n")).kind, "dockerfile");
  assert.equal(firstInstructionLine("\ufeff\n  from alpine"), 2);
});

test("import policy: tsfrontend modules, a few node: built-ins and relative modules only", () => {
  for (const ok of ["tsfrontend", "tsfrontend/llb", "tsfrontend/program", "node:path", "node:crypto", "./x", "../y"]) assert.equal(refusedImport(ok), undefined, ok);
  assert.match(refusedImport("node:fs")!, /"node:fs" is not allowed in a build program: of Node's built-ins only/);
  assert.match(refusedImport("fs")!, /"fs" is not allowed in a build program: programs may import only tsfrontend/);
  assert.match(refusedImport("left-pad")!, /programs may import only/);
  assert.match(refusedImport("/etc/x.ts")!, /relative path/);
  assert.match(refusedImport("tsfrontend/client")!, /unknown module "tsfrontend\/client"/);
  assert.deepEqual(moduleCandidates("lib/a.js"), ["lib/a.js", "lib/a.ts"]);
  assert.deepEqual(moduleCandidates("lib/a").slice(0, 2), ["lib/a.ts", "lib/a.mts"]);
});

test("ctx.runOptions carries force-network-mode and add-hosts for run()", async () => {
  const { createBuildContext } = await import("./context.js");
  const { NetMode } = await import("../llb/index.js");
  const p = parsePlatform("linux/amd64");
  const ctx = createBuildContext({ targetPlatforms: [p], buildPlatform: p, networkMode: "host", extraHosts: [{ host: "a", ip: "10.0.0.1" }] });
  assert.deepEqual(ctx.runOptions, { network: NetMode.HOST, extraHosts: [{ host: "a", ip: "10.0.0.1" }] });
  assert.deepEqual(createBuildContext({ targetPlatforms: [p], buildPlatform: p }).runOptions, {});
  assert.equal(createBuildContext({ targetPlatforms: [p], buildPlatform: p, networkMode: "sandbox" }).runOptions.network, NetMode.UNSET);
});
