import { test } from "node:test";
import assert from "node:assert/strict";

import { ProgramError } from "../errors.js";
import { decodeErrorDetails, encodeErrorStatus } from "../gateway/errdefs.js";
import type { GatewayResult, GatewaySolveRequest } from "../gateway/types.js";
import { UnusedGateway } from "../gateway/unused-gateway.test-util.js";
import { image, inspectDefinition, parsePlatform, SourceMap, type Platform } from "../llb/index.js";
import { google } from "../proto/index.js";
import type { LoadedProgram } from "./load.js";
import { parseProgramOpts, programOpts } from "./opts.js";
import { runProgramBuild } from "./run.js";
import { SourceMapLookup } from "./source-map.js";
import type { BuildContext, BuildResult } from "./types.js";

const SOURCE = "export default (ctx) => {\n  // line 2\n  throw new Error('x');\n};\n";

function program(run: (ctx: BuildContext) => BuildResult | Promise<BuildResult>): LoadedProgram {
  const file = "/work/build.ts";
  return {
    file,
    displayName: "build.ts",
    syntax: undefined,
    source: SOURCE,
    sourceMap: new SourceMap("build.ts", { language: "TypeScript", data: SOURCE }),
    positions: { bundleUrl: "file:///nonexistent/program.mjs", lookup: new SourceMapLookup({ sources: [], mappings: "" }), file, displayName: "build.ts" },
    run,
  };
}

/** A gateway that records what the runner asks and returns. */
class FakeGateway extends UnusedGateway {
  readonly solves: GatewaySolveRequest[] = [];
  readonly resolved: { ref: string; platform: Platform | undefined }[] = [];
  returned: GatewayResult | { error: Error } | undefined;
  constructor(
    override readonly workerPlatforms: readonly Platform[],
    private readonly configs: Record<string, unknown> = {},
  ) {
    super();
  }
  override async solve(req: GatewaySolveRequest) {
    this.solves.push(req);
    return { ref: { id: `ref-${this.solves.length}` }, metadata: {} };
  }
  override async resolveImageConfig(ref: string, options: { platform: Platform | undefined }) {
    this.resolved.push({ ref, platform: options.platform });
    return { ref, digest: "sha256:" + "0".repeat(64), config: new TextEncoder().encode(JSON.stringify(this.configs[ref] ?? {})) };
  }
  override async return(result: GatewayResult | { error: Error }) {
    if (this.returned) throw new Error("returned twice");
    this.returned = result;
  }
}

const amd64 = parsePlatform("linux/amd64");
const arm64 = parsePlatform("linux/arm64");
const json = (b: Uint8Array | undefined) => JSON.parse(Buffer.from(b!).toString("utf8")) as Record<string, unknown>;

test("single platform: one ref, containerimage.config and refs.platforms (dockerui's Finalize)", async () => {
  const gw = new FakeGateway([amd64]);
  const result = await runProgramBuild(gw, {
    program: program((ctx) => ({ state: image("alpine:3.20"), config: { Cmd: ["sh"], Env: [`ARCH=${ctx.args(ctx.targetPlatforms[0]!).TARGETARCH}`] } })),
  });
  assert.equal(gw.solves.length, 1);
  assert.deepEqual(gw.returned, result);
  assert.deepEqual(result.ref, { id: "ref-1" });
  assert.equal(result.refs, undefined);
  assert.deepEqual(Object.keys(result.metadata), ["containerimage.config", "refs.platforms"]);
  assert.deepEqual(json(result.metadata["refs.platforms"]), { Platforms: [{ ID: "linux/amd64", Platform: { architecture: "amd64", os: "linux" } }] });
  const config = json(result.metadata["containerimage.config"]);
  assert.equal(config["architecture"], "amd64");
  assert.deepEqual((config["config"] as { Cmd: string[] }).Cmd, ["sh"]);
  assert.ok((config["config"] as { Env: string[] }).Env.includes("ARCH=amd64"));
});

test("multi platform: refs by platform, a config each, refs.platforms in target order", async () => {
  const gw = new FakeGateway([amd64]);
  const result = await runProgramBuild(gw, {
    program: program((ctx) => ctx.perPlatform((p) => ({ state: image("alpine:3.20", { platform: p }) }))),
    opts: programOpts({ platforms: [arm64, amd64] }),
  });
  assert.equal(gw.solves.length, 2);
  assert.deepEqual(result.refs, { "linux/arm64": { id: "ref-1" }, "linux/amd64": { id: "ref-2" } });
  assert.equal(json(result.metadata["containerimage.config/linux/arm64"])["architecture"], "arm64");
  assert.equal(json(result.metadata["containerimage.config/linux/amd64"])["architecture"], "amd64");
  assert.deepEqual(json(result.metadata["refs.platforms"]), {
    Platforms: [
      { ID: "linux/arm64", Platform: { architecture: "arm64", os: "linux" } },
      { ID: "linux/amd64", Platform: { architecture: "amd64", os: "linux" } },
    ],
  });
});

test("the base image's config is resolved for the platform and inherited under the program's", async () => {
  const gw = new FakeGateway([amd64], {
    "golang:1.22": { config: { Env: ["PATH=/go/bin:/usr/bin", "GOLANG_VERSION=1.22"], WorkingDir: "/go", Cmd: ["bash"], User: "root" } },
  });
  const result = await runProgramBuild(gw, {
    program: program(() => ({ state: image("golang:1.22"), base: "golang:1.22", config: { Env: ["GOLANG_VERSION=1.23"], User: "app" } })),
  });
  assert.deepEqual(gw.resolved, [{ ref: "golang:1.22", platform: amd64 }]);
  const config = json(result.metadata["containerimage.config"])["config"] as Record<string, unknown>;
  assert.deepEqual(config["Env"], ["PATH=/go/bin:/usr/bin", "GOLANG_VERSION=1.23"]);
  assert.equal(config["WorkingDir"], "/go");
  assert.deepEqual(config["Cmd"], ["bash"]);
  assert.equal(config["User"], "app");
});

test("opts: build args, target and no-cache reach the program and the marshalled ops", async () => {
  const gw = new FakeGateway([amd64]);
  let seen: BuildContext | undefined;
  await runProgramBuild(gw, {
    program: program((ctx) => {
      seen = ctx;
      return { state: image("alpine:3.20") };
    }),
    opts: programOpts({ buildArgs: { A: "1" }, target: "t", noCache: true }, { "build-arg:B": "2", "context:src": "local:x" }),
    evaluate: true,
  });
  assert.deepEqual(seen!.buildArgs, { B: "2", A: "1" });
  assert.equal(seen!.target, "t");
  assert.equal(seen!.opts["no-cache"], "");
  // First the local context's .dockerignore (as dockerui reads it), then the program's graph.
  assert.equal(gw.solves.length, 2);
  assert.match(JSON.stringify([...gw.solves[0]!.definition!.metadata.values()]), /\[context src\] load \.dockerignore/);
  assert.equal(gw.solves[1]!.evaluate, true);
  const md = [...gw.solves[1]!.definition!.metadata.values()];
  assert.ok(md.some((m) => m.ignore_cache === true), "the image op ignores the cache");
  assert.deepEqual(parseProgramOpts(seen!.opts).contexts, { src: "local:x" });
});

test("a failing program is returned as Return{error} with its file:line, then thrown", async () => {
  const gw = new FakeGateway([amd64]);
  const failure = new ProgramError("boom", { location: { file: "build.ts", line: 3, column: 9 } });
  await assert.rejects(
    runProgramBuild(gw, {
      program: program(() => {
        throw failure;
      }),
    }),
    (err: unknown) => err === failure,
  );
  assert.ok(gw.returned && "error" in gw.returned);
  const status = encodeErrorStatus(gw.returned.error);
  assert.equal(status.code, 2);
  assert.equal(status.message, "boom");
  const details = decodeErrorDetails(google.rpc.Status.encode(status).finish());
  assert.deepEqual(details.sources, [{ filename: "build.ts", language: "TypeScript", data: Buffer.from(SOURCE), ranges: [{ start: 3, end: 3 }] }]);
  assert.equal(gw.solves.length, 0);
});

test("an error without a location is returned with its message only", async () => {
  const gw = new FakeGateway([]);
  await assert.rejects(runProgramBuild(gw, { program: program(() => ({ state: image("alpine") })) }), /no worker platforms/);
  assert.ok(gw.returned && "error" in gw.returned);
  const status = encodeErrorStatus(gw.returned.error);
  assert.deepEqual(status.details, []);
  assert.match(status.message!, /no worker platforms/);
});

test("attest:sbom: the scanner runs per platform on the build platform, its output solved and returned as an SPDX bundle keyed by platform", async () => {
  const scanner = "docker.io/tsf/scanner:1";
  const gw = new FakeGateway([amd64], { [scanner]: { config: { Entrypoint: ["/scan"], Cmd: ["-v"], Env: ["A=1"], WorkingDir: "/w" } } });
  const result = await runProgramBuild(gw, {
    program: program((ctx) => ctx.perPlatform((p) => ({ state: image("alpine:3.20", { platform: p }), sbomExtras: { tools: image("busybox", { platform: p }) } }))),
    opts: { ...programOpts({ platforms: [arm64, amd64] }), "attest:sbom": "generator=tsf/scanner:1,mode=max", "build-arg:BUILDKIT_SBOM_SCAN_CONTEXT": "true" },
  });
  // The scanner's config is resolved for the build platform, before the build.
  assert.deepEqual(gw.resolved[0], { ref: scanner, platform: amd64 });
  // Two platforms, the context's .dockerignore (the context is scanned: BUILDKIT_SBOM_SCAN_CONTEXT), two scans.
  assert.equal(gw.solves.length, 5);
  assert.equal(gw.solves.filter((r) => JSON.stringify([...r.definition!.metadata.values()]).includes("[internal] load .dockerignore")).length, 1);
  assert.deepEqual(Object.keys(result.attestations ?? {}).sort(), ["linux/amd64", "linux/arm64"]);
  for (const [id, atts] of Object.entries(result.attestations!)) {
    assert.equal(atts.length, 1);
    const a = atts[0]!;
    assert.equal(a.kind, "bundle");
    assert.equal(a.inToto.predicateType, "https://spdx.dev/Document");
    assert.deepEqual(Object.fromEntries(Object.entries(a.metadata).map(([k, v]) => [k, Buffer.from(v).toString()])), { reason: "sbom", "sbom-core": "sbom" });
    assert.match(a.ref!.id, /^ref-[345]$/);
    const def = gw.solves[Number(a.ref!.id.slice(4)) - 1]!.definition!;
    const exec = inspectDefinition(def).find((o) => o.kind === "exec")!;
    assert.equal(exec.name, `[${id}] generating sbom using ${scanner}`);
    const meta = exec.op.exec!.meta!;
    assert.deepEqual(meta.args, ["/scan", "-v"]);
    assert.equal(meta.cwd, "/w");
    assert.deepEqual(meta.env, ["A=1", "BUILDKIT_SCAN_DESTINATION=/run/out/", "BUILDKIT_SCAN_SOURCE=/run/src/core/sbom", "BUILDKIT_SCAN_SOURCE_EXTRAS=/run/src/extras", "BUILDKIT_SCAN_mode=max"]);
    assert.deepEqual(exec.op.exec!.mounts!.map((m) => m.dest), ["/", "/run/out/", "/run/src/core/sbom", "/run/src/extras/sbom-context", "/run/src/extras/sbom-tools", "/tmp"].sort());
    assert.equal(exec.op.platform?.Architecture, "amd64");
  }
});

test("attest:sbom: a scanner image without Entrypoint and Cmd fails the build as buildkit does", async () => {
  const gw = new FakeGateway([amd64], { "docker.io/tsf/nocmd:latest": { config: { Env: ["A=1"] } } });
  await assert.rejects(
    runProgramBuild(gw, { program: program(() => ({ state: image("alpine:3.20") })), opts: { "attest:sbom": "generator=tsf/nocmd" } }),
    (err: Error) => err instanceof ProgramError && err.message === "scanner docker.io/tsf/nocmd:latest does not have cmd",
  );
  assert.ok(gw.returned && "error" in gw.returned);
  assert.equal(gw.solves.length, 0);
});
