import { test } from "node:test";
import assert from "node:assert/strict";

import { DockerfileError } from "../errors.js";
import { decodeErrorDetails, encodeErrorStatus } from "../gateway/errdefs.js";
import type { GatewayClient, GatewayResult, GatewaySolveRequest, GatewaySolveResult, GatewayWarning } from "../gateway/types.js";
import { decodeOp, inspectDefinition, parsePlatform, scratch, type Definition, type Platform } from "../llb/index.js";
import { newDockerOCIImage, type DockerOCIImage } from "../llb/image-config.js";
import { google } from "../proto/index.js";
import { build, type DockerfileConverter } from "./builder.js";
import type { ConvertOpt, ConvertResult } from "./convert/options.js";
import { DockerUIClient } from "./dockerui/config.js";
import { handleSubrequest } from "./dockerui/requests.js";

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const amd64 = parsePlatform("linux/amd64");
const arm64 = parsePlatform("linux/arm64");

/** A gateway serving files of the `dockerfile` and `context` locals, recording solves, warnings and resolves. */
class FakeGateway implements GatewayClient {
  readonly workerPlatforms: readonly Platform[] = [amd64];
  readonly llbCaps = new Set(["file.base"]);
  readonly caps = new Set<string>();
  readonly solves: GatewaySolveRequest[] = [];
  readonly warnings: { digest: string; warning: GatewayWarning }[] = [];
  readonly resolved: { ref: string; platform: Platform | undefined }[] = [];
  readonly refs = new Map<string, string>();
  constructor(
    private readonly files: Record<string, Record<string, string>>,
    private readonly configs: Record<string, unknown> = {},
  ) {}
  async solve(req: GatewaySolveRequest): Promise<GatewaySolveResult> {
    this.solves.push(req);
    const id = `ref-${this.solves.length}`;
    // Which local a solve reads, from its source op.
    const src = req.definition?.def.map((d) => decodeOp(d).source?.identifier).find((x) => x?.startsWith("local://"));
    if (src) this.refs.set(id, src.slice("local://".length));
    return { ref: { id }, metadata: {} };
  }
  async readFile(ref: { id: string }, path: string): Promise<Uint8Array> {
    const data = this.files[this.refs.get(ref.id) ?? ""]?.[path];
    if (data === undefined) throw new Error(`open ${path}: no such file or directory`);
    return encoder.encode(data);
  }
  async readDir(): Promise<never> {
    throw new Error("not used");
  }
  async statFile(): Promise<never> {
    throw new Error("not used");
  }
  async resolveImageConfig(ref: string, options: { platform: Platform | undefined }) {
    this.resolved.push({ ref, platform: options.platform });
    return { ref, digest: "sha256:" + "1".repeat(64), config: encoder.encode(JSON.stringify(this.configs[ref] ?? {})) };
  }
  async inputs() {
    return {};
  }
  async warn(digest: string, warning: GatewayWarning) {
    this.warnings.push({ digest, warning });
  }
  async return(_result: GatewayResult | { error: Error }) {}
}

function image(fields: Partial<DockerOCIImage> & { user?: string }): DockerOCIImage {
  const img = newDockerOCIImage();
  img.os = fields.os ?? "linux";
  img.architecture = fields.architecture ?? "amd64";
  img.config.user = fields.user ?? "";
  return img;
}

/** A converter that records its calls: one scratch state per platform, a warning from each call. */
function fakeConverter(calls: ConvertOpt[], fail?: Error): DockerfileConverter {
  return {
    async dockerfile2LLB(dt, opt): Promise<ConvertResult> {
      calls.push(opt);
      assert.equal(decoder.decode(dt), "FROM scratch\nCOPY a /\n");
      opt.warn?.("StageNameCasing", "Stage names should be lowercase", "https://docs.docker.com/go/dockerfile/rule/stage-name-casing/", "Stage name 'Foo' should be lowercase", [
        { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } },
      ]);
      if (fail) throw fail;
      const p = opt.targetPlatform ?? amd64;
      return { state: scratch(), image: image({ architecture: p.architecture, user: "1000" }), baseImage: undefined, sbom: { core: scratch(), extras: new Map() }, epoch: undefined, isIgnoreCache: false };
    },
    async dockerfile2Outline() {
      return { name: "app", description: "", args: [{ name: "VERSION", value: "1.0", description: "the version" }], secrets: [], ssh: [] };
    },
    listTargets() {
      const l = { targets: [{ name: "app", default: true, description: "the app" }, { name: "test", default: false, description: "" }] };
      return Object.defineProperty(l, "toJSON", { value: () => ({ targets: [{ name: "app", default: true, description: "the app" }, { name: "test" }], sources: [] }) });
    },
    async dockerfileLint() {
      return { warnings: [], sources: [], error: undefined };
    },
    async dockerfileConvertLLB() {
      return '{\n  "def": {},\n  "metadata": {},\n  "source": {}\n}';
    },
    parseLintOptions(v) {
      if (v === "bad") throw new Error("invalid check");
      return { skipAll: v === "skip=all" } as never;
    },
    lintFormatShort: (rule, msg, line) => `${rule}: ${msg} (line ${line})`,
  };
}

const DOCKERFILE = "FROM scratch\nCOPY a /\n";

test("a build converts once per target platform and returns one ref and config each, with refs.platforms", async () => {
  const gw = new FakeGateway({ dockerfile: { Dockerfile: DOCKERFILE } });
  const calls: ConvertOpt[] = [];
  const res = await build(gw, fakeConverter(calls), { opts: { platform: "linux/arm64,linux/amd64" }, sessionID: "s1" });
  assert.deepEqual(calls.map((c) => c.targetPlatform?.architecture), ["arm64", "amd64"]);
  // Only the first platform's conversion warns (Go: idx != 0 drops Warn).
  assert.equal(typeof calls[0]!.warn, "function");
  assert.equal(calls[1]!.warn, undefined);
  assert.deepEqual(Object.keys(res.refs ?? {}), ["linux/arm64", "linux/amd64"]);
  assert.equal(JSON.parse(decoder.decode(res.metadata["containerimage.config/linux/arm64"]))["architecture"], "arm64");
  assert.equal(JSON.parse(decoder.decode(res.metadata["containerimage.config/linux/amd64"]))["config"]["User"], "1000");
  assert.deepEqual(JSON.parse(decoder.decode(res.metadata["refs.platforms"])), {
    Platforms: [
      { ID: "linux/arm64", Platform: { architecture: "arm64", os: "linux" } },
      { ID: "linux/amd64", Platform: { architecture: "amd64", os: "linux" } },
    ],
  });
  // The lint warning went out once, formatted, with its line, attached to the Dockerfile's source vertex.
  assert.equal(gw.warnings.length, 1);
  const w = gw.warnings[0]!;
  assert.equal(w.warning.message, "StageNameCasing: Stage name 'Foo' should be lowercase (line 1)");
  assert.equal(w.warning.url, "https://docs.docker.com/go/dockerfile/rule/stage-name-casing/");
  assert.equal(decoder.decode(w.warning.detail![0]), "Stage names should be lowercase");
  assert.equal(w.warning.source?.filename, "Dockerfile");
  assert.equal(w.warning.ranges?.[0]?.start.line, 1);
  assert.match(w.digest, /^sha256:[0-9a-f]{64}$/);
  // The Dockerfile was read from the `dockerfile` local with only its paths followed.
  const first = inspectDefinition(gw.solves[0]!.definition!)[0]!;
  assert.equal(first.op.source?.identifier, "local://dockerfile");
  assert.deepEqual(JSON.parse(first.op.source!.attrs!["local.followpaths"]!), ["Dockerfile", "Dockerfile.dockerignore", "dockerfile"]);
});

test("one platform without multi-platform returns a single ref; multi-platform=true a map", async () => {
  const single = await build(new FakeGateway({ dockerfile: { Dockerfile: DOCKERFILE } }), fakeConverter([]), { opts: {}, sessionID: "s" });
  assert.ok(single.ref);
  assert.equal(single.refs, undefined);
  assert.ok(single.metadata["containerimage.config"]);
  const multi = await build(new FakeGateway({ dockerfile: { Dockerfile: DOCKERFILE } }), fakeConverter([]), { opts: { "multi-platform": "true" }, sessionID: "s" });
  assert.deepEqual(Object.keys(multi.refs ?? {}), ["linux/amd64"]);
});

test("a conversion error at a Dockerfile line is returned with the Dockerfile as its source", async () => {
  const err = new DockerfileError("unknown instruction: FOO", { ranges: [{ start: { line: 2, character: 0 }, end: { line: 2, character: 7 } }] });
  const gw = new FakeGateway({ dockerfile: { Dockerfile: DOCKERFILE } });
  await assert.rejects(
    () => build(gw, fakeConverter([], err), { opts: {}, sessionID: "s" }),
    (e: Error) => {
      const status = encodeErrorStatus(e);
      const d = decodeErrorDetails(google.rpc.Status.encode(status).finish());
      assert.equal(status.message, "unknown instruction: FOO");
      assert.equal(d.sources?.[0]?.filename, "Dockerfile");
      assert.deepEqual(d.sources?.[0]?.ranges.map((r) => [r.start, r.end]), [[2, 2]]);
      assert.equal(decoder.decode(d.sources![0]!.data!), DOCKERFILE);
      return true;
    },
  );
});

test("subrequests: outline, targets, describe and an unknown request", async () => {
  const gw = () => new FakeGateway({ dockerfile: { Dockerfile: DOCKERFILE } });
  const outline = await build(gw(), fakeConverter([]), { opts: { requestid: "frontend.outline" }, sessionID: "s" });
  assert.equal(decoder.decode(outline.metadata["result.txt"]), "TARGET: app\n\nBUILD ARG   VALUE   DESCRIPTION\nVERSION     1.0     the version\n\n");
  const targets = await build(gw(), fakeConverter([]), { opts: { requestid: "frontend.targets" }, sessionID: "s" });
  assert.equal(decoder.decode(targets.metadata["result.txt"]), "TARGET        DESCRIPTION\napp (default) the app\ntest          \n");
  assert.deepEqual(JSON.parse(decoder.decode(targets.metadata["result.json"])), { targets: [{ name: "app", default: true, description: "the app" }, { name: "test" }], sources: [] });
  const llb = await build(gw(), fakeConverter([]), { opts: { requestid: "frontend.convertllb" }, sessionID: "s" });
  assert.deepEqual(JSON.parse(decoder.decode(llb.metadata["result.json"])), { def: {}, metadata: {}, source: {} });
  assert.equal(decoder.decode(llb.metadata["version"]), "0.1.0");
  const lint = await build(gw(), fakeConverter([]), { opts: { requestid: "frontend.lint" }, sessionID: "s" });
  assert.equal(decoder.decode(lint.metadata["result.statuscode"]), "0");
  const describe = await build(gw(), fakeConverter([]), { opts: { requestid: "frontend.subrequests.describe" }, sessionID: "s" });
  assert.deepEqual(JSON.parse(decoder.decode(describe.metadata["result.json"])).map((r: { name: string }) => r.name), ["frontend.outline", "frontend.targets", "frontend.subrequests.describe"]);
  await assert.rejects(() => build(gw(), fakeConverter([]), { opts: { requestid: "frontend.nope" }, sessionID: "s" }), /unsupported request frontend.nope/);
  assert.equal(await handleSubrequest({}, {}), undefined);
});

test("a subrequest's error at a Dockerfile line keeps that line as its source (not the # syntax= line a client would show)", async () => {
  const err = new DockerfileError("busybox: failed to resolve source metadata", { ranges: [{ start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }] });
  const converter = { ...fakeConverter([]), dockerfile2Outline: async () => Promise.reject(err) };
  await assert.rejects(
    () => build(new FakeGateway({ dockerfile: { Dockerfile: DOCKERFILE } }), converter, { opts: { requestid: "frontend.outline" }, sessionID: "s" }),
    (e: Error) => {
      const status = encodeErrorStatus(e);
      const d = decodeErrorDetails(google.rpc.Status.encode(status).finish());
      assert.equal(status.message, "busybox: failed to resolve source metadata");
      assert.deepEqual(d.sources?.[0]?.ranges.map((r) => [r.start, r.end]), [[1, 1]]);
      return true;
    },
  );
});

test("lint results print each warning with its source lines and set the status code", async () => {
  const conv = fakeConverter([]);
  conv.dockerfileLint = async () => ({
    warnings: [{ ruleName: "JSONArgsRecommended", url: "https://docs.docker.com/go/dockerfile/rule/json-args-recommended/", detail: "JSON arguments recommended for CMD", location: { sourceIndex: 0, ranges: [{ start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }] } }],
    sources: [{ filename: "Dockerfile", data: encoder.encode(DOCKERFILE) }],
    error: undefined,
  });
  const res = await build(new FakeGateway({ dockerfile: { Dockerfile: DOCKERFILE } }), conv, { opts: { requestid: "frontend.lint" }, sessionID: "s" });
  assert.equal(decoder.decode(res.metadata["result.statuscode"]), "1");
  assert.equal(
    decoder.decode(res.metadata["result.txt"]),
    "\nWARNING: JSONArgsRecommended - https://docs.docker.com/go/dockerfile/rule/json-args-recommended/\nJSON arguments recommended for CMD\nDockerfile:2\n--------------------\n   1 |     FROM scratch\n   2 | >>> COPY a /\n   3 |     \n--------------------\n",
  );
});

test("dockerui config: options as dockerui reads them, BUILDKIT_DOCKERFILE_CHECK through the linter, no-cache stages", async () => {
  const gw = new FakeGateway({});
  const bc = new DockerUIClient(gw, {
    opts: {
      "shm-size": "1048576",
      ulimit: "nofile=1024:2048",
      "build-arg:BUILDKIT_SANDBOX_HOSTNAME": "box",
      hostname: "ignored",
      "build-arg:BUILDKIT_CACHE_MOUNT_NS": "ns",
      "cgroup-parent": "/cg",
      "no-cache": "Build,test",
      "build-arg:BUILDKIT_DOCKERFILE_CHECK": "skip=all",
      "add-hosts": "Foo=10.0.0.1",
    },
    sessionID: "s",
    parseLintOptions: (v) => ({ skipAll: v === "skip=all" }) as never,
  });
  assert.equal(bc.config.shmSize, 1048576);
  assert.deepEqual(bc.config.ulimits, [{ name: "nofile", soft: 1024, hard: 2048 }]);
  assert.equal(bc.config.hostname, "box");
  assert.equal(bc.config.cacheIDNamespace, "ns");
  assert.equal(bc.config.cgroupParent, "/cg");
  assert.deepEqual(bc.config.extraHosts, [{ host: "foo", ip: "10.0.0.1" }]);
  assert.deepEqual(bc.config.buildPlatforms, [amd64]);
  assert.deepEqual(bc.linterConfig, { skipAll: true });
  assert.equal(bc.isNoCache("build"), true);
  assert.equal(bc.isNoCache("other"), false);
  assert.equal(new DockerUIClient(gw, { opts: { "no-cache": "" }, sessionID: "s" }).isNoCache("x"), true);
  assert.equal(new DockerUIClient(gw, { opts: {}, sessionID: "s" }).isNoCache("x"), false);
  assert.throws(() => new DockerUIClient(gw, { opts: { "build-arg:BUILDKIT_DOCKERFILE_CHECK": "bad" }, sessionID: "s", parseLintOptions: () => { throw new Error("invalid check"); } }), /failed to parse BUILDKIT_DOCKERFILE_CHECK: invalid check/);
  assert.throws(() => new DockerUIClient(gw, { opts: { "shm-size": "1g" }, sessionID: "s" }), /failed to parse shm size: strconv.ParseInt: parsing "1g": invalid syntax/);
  assert.throws(() => new DockerUIClient(gw, { opts: { ulimit: "bogus=1" }, sessionID: "s" }), /failed to parse ulimit: invalid ulimit type: bogus/);
  assert.throws(() => new DockerUIClient(gw, { opts: { "build-arg:BUILDKIT_DISABLE_FILEOP": "1" }, sessionID: "s" }), /BUILDKIT_DISABLE_FILEOP/);
});

function excludesOf(def: Definition): unknown {
  const src = inspectDefinition(def).find((o) => o.op.source)!.op.source!;
  const v = src.attrs?.["local.excludepatterns"];
  return v ? JSON.parse(v) : [];
}

test("main context: <Dockerfile>.dockerignore wins over .dockerignore", async () => {
  const gw = new FakeGateway({ dockerfile: { "app.Dockerfile": DOCKERFILE, "app.Dockerfile.dockerignore": "only-this\n" }, context: { ".dockerignore": "node_modules\n" } });
  const bc = new DockerUIClient(gw, { opts: { filename: "app.Dockerfile" }, sessionID: "s" });
  await bc.readEntrypoint();
  const st = await bc.mainContext();
  assert.deepEqual(excludesOf(await st.marshal()), ["only-this"]);
  // No solve of the context's .dockerignore was needed.
  assert.equal(gw.solves.length, 1);

  const gw2 = new FakeGateway({ dockerfile: { Dockerfile: DOCKERFILE }, context: { ".dockerignore": "# comment\nnode_modules\n/dist\n" } });
  const bc2 = new DockerUIClient(gw2, { opts: {}, sessionID: "s" });
  await bc2.readEntrypoint();
  assert.deepEqual(excludesOf(await (await bc2.mainContext()).marshal()), ["node_modules", "dist"]);
  assert.deepEqual(await bc2.dockerIgnorePatterns(), ["node_modules", "dist"]);
});

test("named contexts: NAME::platform before NAME; docker-image resolved with its config; unknown is undefined", async () => {
  const gw = new FakeGateway({}, { "docker.io/library/alpine:3.20": { architecture: "arm64", os: "linux", config: { Env: ["PATH=/bin"], WorkingDir: "/w" } } });
  const bc = new DockerUIClient(gw, { opts: { "context:base::linux/arm64": "docker-image://alpine:3.20", "context:base": "docker-image://scratch" }, sessionID: "s" });
  const nc = await bc.namedContext("base", { platform: arm64 });
  assert.ok(nc);
  const { state, image: img } = await nc.load();
  assert.equal(img?.architecture, "arm64");
  assert.equal(img?.created, undefined);
  assert.equal(await state.getDir(), "/w");
  assert.deepEqual(gw.resolved, [{ ref: "docker.io/library/alpine:3.20", platform: arm64 }]);
  const plain = await (await bc.namedContext("base", { platform: amd64 }))!.load();
  assert.equal(plain.image, undefined);
  assert.equal(await bc.namedContext("other", {}), undefined);
  await assert.rejects(() => bc.namedContext("UPPER", {}), /invalid context name UPPER/);
});

/** A gateway whose frontend solves (the forwarded build) answer `answer`; the Dockerfile reads work as above. */
class ForwardGateway extends FakeGateway {
  constructor(
    files: Record<string, Record<string, string>>,
    private readonly answer: (req: GatewaySolveRequest) => Promise<GatewaySolveResult>,
    caps: string[] = [],
    private readonly inputDefs: Record<string, Definition> = {},
  ) {
    super(files);
    for (const c of caps) this.caps.add(c);
  }
  override async solve(req: GatewaySolveRequest): Promise<GatewaySolveResult> {
    if (req.frontend) {
      this.solves.push(req);
      return this.answer(req);
    }
    return super.solve(req);
  }
  override async inputs() {
    return this.inputDefs;
  }
}

test("# syntax= forwards to gateway.v0 with every opt plus source and cmdline, the inputs, and returns that result", async () => {
  const df = "# syntax=registry.example/fe:1 --x y\nFROM scratch\n";
  const input = await scratch().marshal();
  const gw = new ForwardGateway({ dockerfile: { Dockerfile: df } }, async () => ({ ref: { id: "fwd" }, metadata: { k: encoder.encode("v") } }), ["frontend.inputs"], { ctx: input });
  const calls: ConvertOpt[] = [];
  const res = await build(gw, fakeConverter(calls), { opts: { "build-arg:A": "1", target: "t" }, sessionID: "s" });
  assert.equal(calls.length, 0);
  assert.deepEqual(res.ref, { id: "fwd" });
  assert.equal(decoder.decode(res.metadata["k"]), "v");
  const fwd = gw.solves.find((s) => s.frontend)!;
  assert.equal(fwd.frontend, "gateway.v0");
  assert.deepEqual(fwd.frontendOpt, { "build-arg:A": "1", target: "t", cmdline: "registry.example/fe:1 --x y", source: "registry.example/fe:1" });
  assert.deepEqual(Object.keys(fwd.frontendInputs ?? {}), ["ctx"]);
  // Without the daemon's frontend.inputs cap no inputs are sent.
  const gw2 = new ForwardGateway({ dockerfile: { Dockerfile: df } }, async () => ({ metadata: {} }));
  await build(gw2, fakeConverter([]), { opts: {}, sessionID: "s" });
  assert.equal(gw2.solves.find((s) => s.frontend)!.frontendInputs, undefined);
});

test("cmdline set (the request was forwarded already): the syntax line naming this frontend builds here, no loop", async () => {
  const df = "# syntax=registry.example/tsfrontend\nFROM scratch\nCOPY a /\n";
  const gw = new ForwardGateway({ dockerfile: { Dockerfile: df } }, async () => assert.fail("forwarded again"));
  const conv = fakeConverter([]);
  const calls: Uint8Array[] = [];
  conv.dockerfile2LLB = async (dt, opt) => {
    calls.push(dt);
    return { state: scratch(), image: image({ architecture: opt.targetPlatform?.architecture ?? "amd64" }), baseImage: undefined, sbom: { core: scratch(), extras: new Map() }, epoch: undefined, isIgnoreCache: false };
  };
  const res = await build(gw, conv, { opts: { cmdline: "registry.example/tsfrontend", source: "registry.example/tsfrontend", "build-arg:BUILDKIT_SYNTAX": "x/y" }, sessionID: "s" });
  assert.equal(calls.length, 1);
  assert.ok(res.ref);
  assert.equal(gw.solves.filter((s) => s.frontend).length, 0);
});

test("a forwarded build's failure: the syntax line as its source, or the BUILDKIT_SYNTAX value in its message; own sources kept", async () => {
  const df = "#!/usr/bin/env x\n# syntax=registry.example/missing:1\nFROM scratch\n";
  const failing = () => new ForwardGateway({ dockerfile: { Dockerfile: df } }, async () => Promise.reject(new Error("failed to resolve source metadata")));
  await assert.rejects(
    () => build(failing(), fakeConverter([]), { opts: {}, sessionID: "s" }),
    (e: Error) => {
      const d = decodeErrorDetails(google.rpc.Status.encode(encodeErrorStatus(e)).finish());
      assert.equal(e.message, "failed to resolve source metadata");
      assert.equal(d.sources?.length, 1);
      assert.deepEqual(d.sources?.[0]?.ranges.map((r) => [r.start, r.end]), [[2, 2]]);
      return true;
    },
  );
  await assert.rejects(() => build(failing(), fakeConverter([]), { opts: { "build-arg:BUILDKIT_SYNTAX": " registry.example/missing:2 a" }, sessionID: "s" }), (e: Error) => {
    assert.equal(e.message, "failed with build-arg:BUILDKIT_SYNTAX =  registry.example/missing:2 a: failed to resolve source metadata");
    return true;
  });
  const own = { filename: "Other", ranges: [{ start: 7, end: 7 }] };
  const withSources = new ForwardGateway({ dockerfile: { Dockerfile: df } }, async () => Promise.reject(Object.assign(new Error("inner failure"), { details: { sources: [own] } })));
  await assert.rejects(() => build(withSources, fakeConverter([]), { opts: { "build-arg:BUILDKIT_SYNTAX": "x" }, sessionID: "s" }), (e: Error) => {
    assert.equal(e.message, "inner failure");
    return true;
  });
});

test("frontend.caps: an unknown cap fails unless marked +forward and the build is forwarded", async () => {
  const plain = new FakeGateway({ dockerfile: { Dockerfile: DOCKERFILE } });
  await assert.rejects(() => build(plain, fakeConverter([]), { opts: { "frontend.caps": "moby.buildkit.frontend.inputs,moby.buildkit.frontend.nope" }, sessionID: "s" }), (e: Error) => {
    assert.equal(e.message, "unsupported frontend capability moby.buildkit.frontend.nope");
    assert.equal(encodeErrorStatus(e).code, 12);
    return true;
  });
  assert.equal(plain.solves.length, 0);
  await assert.rejects(() => build(new FakeGateway({ dockerfile: { Dockerfile: DOCKERFILE } }), fakeConverter([]), { opts: { "frontend.caps": "moby.buildkit.frontend.nope+forward" }, sessionID: "s" }), /unsupported frontend capability moby.buildkit.frontend.nope/);
  const fwd = new ForwardGateway({ dockerfile: { Dockerfile: "# syntax=x/y\n" + DOCKERFILE } }, async () => ({ metadata: {} }));
  await build(fwd, fakeConverter([]), { opts: { "frontend.caps": "moby.buildkit.frontend.nope+forward" }, sessionID: "s" });
  assert.equal(fwd.solves.filter((s) => s.frontend).length, 1);
});

test("named contexts: oci-layout://STORE@DIGEST resolved in the client's store under NAME@DIGEST, its config applied", async () => {
  const dgst = "sha256:" + "4".repeat(64);
  const seen: { ref: string; options: unknown }[] = [];
  const gw = new FakeGateway({});
  gw.resolveImageConfig = async (ref: string, options: { platform: Platform | undefined }) => {
    seen.push({ ref, options });
    return { ref, digest: dgst, config: encoder.encode(JSON.stringify({ architecture: "arm64", os: "linux", created: "2024-01-01T00:00:00Z", config: { Env: ["PATH=/opt"], WorkingDir: "/app" } })) };
  };
  const bc = new DockerUIClient(gw, { opts: { "context:base": `oci-layout://busybox-oci:tag@${dgst}`, "context:bad": "oci-layout://busybox-oci:tag", "context:ugly": "oci-layout://Bad@x" }, sessionID: "sess" });
  const { state, image: img } = await (await bc.namedContext("base", { platform: arm64 }))!.load();
  assert.deepEqual(seen, [
    { ref: `docker.io/library/base@${dgst}`, options: { platform: arm64, resolveMode: "default", logName: `[context base] load metadata for docker.io/library/base@${dgst}`, ociStore: { sessionID: "sess", storeID: "busybox-oci" } } },
  ]);
  // Unlike docker-image contexts the created time is kept (Go does not clear it here).
  assert.equal(img?.created, "2024-01-01T00:00:00Z");
  assert.equal(await state.getDir(), "/app");
  const src = inspectDefinition(await state.marshal()).find((o) => o.op.source)!.op.source!;
  assert.equal(src.identifier, `oci-layout://docker.io/library/base@${dgst}`);
  assert.deepEqual(src.attrs, { "oci.session": "sess", "oci.store": "busybox-oci" });
  await assert.rejects(async () => (await bc.namedContext("bad", {}))!.load(), /oci-layout reference "busybox-oci:tag" has no digest/);
  await assert.rejects(async () => (await bc.namedContext("ugly", {}))!.load(), /could not parse oci-layout reference "Bad@x": /);
});

test("lint warnings reach the gateway one after the other, in the converter's order (the daemon shows them as they arrive)", async () => {
  class SlowWarnings extends FakeGateway {
    inFlight = 0;
    most = 0;
    override async warn(digest: string, warning: GatewayWarning) {
      this.inFlight++;
      this.most = Math.max(this.most, this.inFlight);
      // Later warnings answer sooner: sent at once, they would land in reverse.
      await new Promise((r) => setTimeout(r, 30 - 10 * this.warnings.length));
      this.inFlight--;
      await super.warn(digest, warning);
    }
  }
  const gw = new SlowWarnings({ dockerfile: { Dockerfile: DOCKERFILE } });
  const conv = fakeConverter([]);
  const convert = conv.dockerfile2LLB.bind(conv);
  conv.dockerfile2LLB = async (dt, opt) => {
    for (const rule of ["A", "B"]) opt.warn?.(rule, "d", "", "m", [{ start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }]);
    return convert(dt, opt);
  };
  await build(gw, conv, { opts: {}, sessionID: "s" });
  assert.deepEqual(gw.warnings.map((w) => w.warning.message.split(":")[0]), ["A", "B", "StageNameCasing"]);
  assert.equal(gw.most, 1);
});
