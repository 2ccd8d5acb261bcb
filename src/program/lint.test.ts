import { test } from "node:test";
import assert from "node:assert/strict";

import type { GatewayResult, GatewaySolveRequest } from "../gateway/types.js";
import { UnusedGateway } from "../gateway/unused-gateway.test-util.js";
import { parsePlatform } from "../llb/index.js";
import { lintProgram } from "./lint.js";
import { loadProgramSource } from "./load.js";
import { programOpts } from "./opts.js";

/** A gateway that must never solve: a check marshals graphs without building them. */
class NoSolveGateway extends UnusedGateway {
  readonly solves: GatewaySolveRequest[] = [];
  override async solve(req: GatewaySolveRequest): Promise<never> {
    this.solves.push(req);
    throw new Error("a check solved a graph");
  }
  override async return(_r: GatewayResult | { error: Error }): Promise<void> {
    throw new Error("lintProgram returns its answer to the caller");
  }
}

const noFiles = { readFirst: async () => undefined, display: (p: string) => p };
const platforms = programOpts({ platforms: [parsePlatform("linux/amd64"), parsePlatform("linux/arm64")] });

async function lint(source: string, opts: Record<string, string> = platforms) {
  const program = await loadProgramSource({ path: "build.ts", source, files: noFiles });
  const gw = new NoSolveGateway();
  const res = await lintProgram(gw, program, { opts });
  assert.equal(gw.solves.length, 0, "nothing solved");
  const text = (k: string) => new TextDecoder().decode(res.metadata[k]);
  return { json: JSON.parse(text("result.json")) as Record<string, unknown>, txt: text("result.txt"), status: text("result.statuscode") };
}

const HEAD = `import { scratch, mkfile } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";
`;

test("a program that runs for every platform: no warnings, status 0, the program as the one source", async () => {
  const r = await lint(`${HEAD}export default (ctx: BuildContext) =>
  ctx.perPlatform((p, a) => ({ state: scratch().file(mkfile("/arch", 0o644, a.TARGETARCH + (ctx.buildArgs["X"] ?? "")) ) }));
`);
  assert.equal(r.status, "0");
  assert.equal(r.txt, "");
  assert.equal(r.json["warnings"], null, "no args declared: reads of unset args are not judged");
  assert.deepEqual(r.json["sources"], [{ filename: "build.ts", data: Buffer.from(`${HEAD}export default (ctx: BuildContext) =>
  ctx.perPlatform((p, a) => ({ state: scratch().file(mkfile("/arch", 0o644, a.TARGETARCH + (ctx.buildArgs["X"] ?? "")) ) }));
`).toString("base64"), language: "TypeScript" }]);
  assert.equal(r.json["buildError"], undefined);
});

test("a program that throws for one platform: buildError at its line, status 1", async () => {
  const r = await lint(`${HEAD}export default (ctx: BuildContext) =>
  ctx.perPlatform((p, a) => {
    if (a.TARGETARCH === "arm64") throw new Error("no arm64 here");
    return { state: scratch() };
  });
`);
  assert.equal(r.status, "1");
  assert.deepEqual(r.json["buildError"], { message: "the program threw: no arm64 here", location: { ranges: [{ start: { line: 5 }, end: { line: 5 } }] } });
});

test("declared args: reading one that is neither declared, set nor predefined is an UndeclaredBuildArg warning at the line, once per line", async () => {
  const r = await lint(
    `${HEAD}export const args = { GREETING: { default: "hello" } };
export default (ctx: BuildContext) =>
  ctx.perPlatform((p, a) => {
    const g = ctx.buildArgs["GREETING"] ?? "hello";
    const typo = ctx.buildArgs["GRETING"];
    const set = a["GIVEN"] + (a["BUILDKIT_SBOM_SCAN_CONTEXT"] ?? "") + a.TARGETVARIANT + (a["http_proxy"] ?? "");
    return { state: scratch().file(mkfile("/x", 0o644, g + typo + set + ("OTHER" in ctx.buildArgs))) };
  });
`,
    { ...platforms, "build-arg:GIVEN": "1" },
  );
  assert.equal(r.status, "1");
  const warnings = r.json["warnings"] as { ruleName: string; detail: string; location: unknown }[];
  assert.deepEqual(
    warnings.map((w) => [w.ruleName, w.detail, w.location]),
    [["UndeclaredBuildArg", "Build arg 'GRETING' is read but not declared in args, and no value was given", { ranges: [{ start: { line: 7 }, end: { line: 7 } }] }]],
  );
  assert.match(r.txt, /^WARNING: UndeclaredBuildArg\nBuild arg 'GRETING' is read/m);
  assert.match(r.txt, /^build\.ts:7$/m);
});
