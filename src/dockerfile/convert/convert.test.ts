import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDuration } from "../../internal/go/time.js";
import { newDockerOCIImage } from "../../llb/image-config.js";
import { Stage } from "../instructions/commands.js";
import { KeyValuePairOptional } from "../instructions/commands.js";
import { addEnv, goQuoteList, isEnabledForStage, mergeLocations, parseKeyValue, parseSignal, proxyEnvFromBuildArgs } from "./convert.js";
import {
  commitToHistory,
  DispatchState,
  emptyEnvs,
  formatTargetPlatform,
  prefixCommand,
  runCommandString,
  summarizeHeredoc,
  uppercaseCmd,
  withShell,
} from "./dispatch-state.js";

test("addEnv / parseKeyValue (convert_test.go)", () => {
  assert.deepEqual(addEnv(["key1=val1", "key2=val2"], "key1", "value1"), ["key1=value1", "key2=val2"]);
  assert.deepEqual(addEnv(["key1=val1", "key2=val2"], "key3", "val3"), ["key1=val1", "key2=val2", "key3=val3"]);
  assert.deepEqual(addEnv(["key1=val1", "key1=val2"], "key1", "value1"), ["key1=value1", "key1=val2"]);
  assert.deepEqual(addEnv(undefined, "a", "b"), ["a=b"]);
  assert.deepEqual(parseKeyValue("key=val"), ["key", "val"]);
  assert.deepEqual(parseKeyValue("key=val=x"), ["key", "val=x"]);
  assert.deepEqual(parseKeyValue("key"), ["key", ""]);
});

test("proxyEnvFromBuildArgs: any case, sorted keys decide, undefined without proxies", () => {
  assert.equal(proxyEnvFromBuildArgs({ FOO: "bar" }), undefined);
  assert.deepEqual(proxyEnvFromBuildArgs({ http_proxy: "b", HTTP_PROXY: "a", no_proxy: "x" }), { httpProxy: "b", noProxy: "x" });
  assert.deepEqual(proxyEnvFromBuildArgs({ ALL_PROXY: "s", FTP_PROXY: "f", https_proxy: "h" }), { allProxy: "s", ftpProxy: "f", httpsProxy: "h" });
});

test("history strings: durations, %q lists, RUN with build args", () => {
  assert.equal(formatDuration(0), "0s");
  assert.equal(formatDuration(30_000_000_000), "30s");
  assert.equal(formatDuration(90_000_000_000), "1m30s");
  assert.equal(formatDuration(3_723_500_000_000), "1h2m3.5s");
  assert.equal(formatDuration(1_500_000), "1.5ms");
  assert.equal(formatDuration(2_000), "2µs");
  assert.equal(formatDuration(999), "999ns");
  assert.equal(goQuoteList(["/bin/sh", "-c", 'echo "hi"\n']), '["/bin/sh" "-c" "echo \\"hi\\"\\n"]');
  assert.equal(goQuoteList(undefined), "[]");
  const env = { get: (k: string) => (k === "A" ? "fromenv" : undefined), keys: () => ["A"] };
  const args = [new KeyValuePairOptional("A", "1"), new KeyValuePairOptional("B", undefined), new KeyValuePairOptional("A", "2")];
  assert.equal(runCommandString(["/bin/sh", "-c", "make"], args, env), "|2 A=fromenv B= /bin/sh -c make");
  assert.equal(runCommandString(["ls"], [], env), "ls");
});

test("commitToHistory: comment, empty_layer, created from the epoch, # buildkit with a state", () => {
  const img = newDockerOCIImage();
  commitToHistory(img, "ENV A=b", false, undefined, undefined);
  commitToHistory(img, "WORKDIR /x", true, undefined, new Date(1700000000_000));
  assert.deepEqual(img.history, [
    { createdBy: "ENV A=b", author: "", comment: "buildkit.dockerfile.v0", emptyLayer: true },
    { createdBy: "WORKDIR /x", author: "", comment: "buildkit.dockerfile.v0", emptyLayer: false, created: "2023-11-14T22:13:20Z" },
  ]);
});

test("prefixCommand: [platform stage n/total] with padded index, ONBUILD", () => {
  const ds = new DispatchState(new Stage({ name: "build" }));
  ds.stageName = "build";
  ds.cmdTotal = 12;
  assert.equal(prefixCommand(ds, "RUN x", false, undefined, emptyEnvs), "[build  1/12] RUN x");
  ds.cmdIsOnBuild = true;
  const env = { get: (k: string) => ({ TARGETARCH: "arm64", TARGETOS: "linux" })[k], keys: () => ["TARGETOS", "TARGETARCH"] };
  assert.equal(prefixCommand(ds, "RUN y", true, { os: "linux", architecture: "amd64" }, env), "[linux/amd64->arm64 build  2/12] ONBUILD RUN y");
  const none = new DispatchState(new Stage());
  assert.equal(prefixCommand(none, "FROM x", true, { os: "linux", architecture: "amd64" }, emptyEnvs), "FROM x");
});

test("formatTargetPlatform", () => {
  const base = { os: "linux", architecture: "amd64" };
  assert.equal(formatTargetPlatform(base, undefined), "");
  assert.equal(formatTargetPlatform(base, { os: "", architecture: "arm", variant: "v7" }), "->arm/v7");
  assert.equal(formatTargetPlatform(base, { os: "windows", architecture: "amd64" }), "->windows/amd64");
  assert.equal(formatTargetPlatform(base, { os: "linux", architecture: "x86_64" }), "");
});

test("small helpers: uppercaseCmd, withShell, summarizeHeredoc, isEnabledForStage, parseSignal, mergeLocations", () => {
  assert.equal(uppercaseCmd("run echo hi"), "RUN echo hi");
  assert.equal(uppercaseCmd("workdir"), "WORKDIR");
  const img = newDockerOCIImage();
  assert.deepEqual(withShell(img, ["echo", "hi"]), ["/bin/sh", "-c", "echo hi"]);
  img.os = "windows";
  assert.deepEqual(withShell(img, ["dir"]), ["cmd", "/S", "/C", "dir"]);
  img.config.shell = ["pwsh", "-c"];
  assert.deepEqual(withShell(img, ["ls"]), ["pwsh", "-c", "ls"]);
  assert.equal(summarizeHeredoc("\n  echo a\necho b\n"), "echo a...");
  assert.equal(summarizeHeredoc("one"), "one");
  assert.equal(isEnabledForStage("a", "true"), true);
  assert.equal(isEnabledForStage("a", "0"), false);
  assert.equal(isEnabledForStage("b", "a,b"), true);
  assert.equal(isEnabledForStage("c", "a,b"), false);
  parseSignal("SIGTERM");
  parseSignal("kill");
  parseSignal("9");
  parseSignal("RTMIN+3");
  assert.throws(() => parseSignal("0"), { message: "invalid signal: 0" });
  assert.throws(() => parseSignal("SIGFOO"), { message: "invalid signal: SIGFOO" });
  const r = (a: number, b: number) => ({ start: { line: a, character: 0 }, end: { line: b, character: 0 } });
  assert.deepEqual(mergeLocations([r(5, 6)], [r(1, 2), r(2, 3)]), [r(1, 3), r(5, 6)]);
  assert.deepEqual(mergeLocations(), []);
});

test("dockerfile2LLB with a client: named contexts replace images and stages, the main context gets the paths used", async () => {
  const { dockerfile2LLB } = await import("./convert.js");
  const { newConvertOpt } = await import("./options.js");
  const { image, local, decodeOp } = await import("../../llb/index.js");
  const { parseDockerOCIImage } = await import("../../llb/image-config.js");
  const asked: string[] = [];
  let mainOpts: unknown;
  const ctxImage = parseDockerOCIImage(`{"architecture":"arm64","os":"linux","config":{"Env":["FROM_CTX=1"],"WorkingDir":"/ctx"},"rootfs":{"type":"layers","diff_ids":["sha256:aa"]}}`);
  const client = {
    linterConfig: undefined,
    namedContext: async (name: string) => {
      asked.push(name);
      if (name === "docker.io/library/alpine:3.20") return { load: async () => ({ state: image("example.com/mirror/alpine:3.20"), image: ctxImage }) };
      if (name === "tools") return { load: async () => ({ state: local("tools"), image: undefined }) };
      return undefined;
    },
    mainContext: async (opts: unknown) => {
      mainOpts = opts;
      return local("context");
    },
    isNoCache: (name: string) => name === "final",
    dockerIgnorePatterns: async () => ["*.tmp"],
    llbCaps: () => new Set<string>(),
    caps: () => new Set<string>(),
  };
  const df = "FROM scratch AS tools\nFROM alpine:3.20 AS final\nCOPY --from=tools /bin/x /x\nCOPY app.js /app/\nRUN echo $FROM_CTX\n";
  const res = await dockerfile2LLB(df, newConvertOpt({ client, targetPlatform: { os: "linux", architecture: "amd64" } }));
  assert.deepEqual(asked, ["tools", "final", "docker.io/library/alpine:3.20"]);
  assert.deepEqual(mainOpts, { followPaths: ["app.js"] });
  assert.equal(res.isIgnoreCache, true);
  assert.deepEqual(res.image.config.env, ["FROM_CTX=1", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]);
  assert.equal(res.image.config.workingDir, "/ctx");
  assert.equal(res.baseImage?.architecture, "arm64");
  assert.equal(res.image.architecture, "amd64");
  const def = await res.state.marshal();
  const ids = def.def.map((b) => decodeOp(b).source?.identifier).filter((x) => x !== undefined);
  assert.ok(ids.includes("docker-image://example.com/mirror/alpine:3.20"), ids.join(" "));
  assert.ok(ids.includes("local://tools"), ids.join(" "));
  assert.ok(ids.includes("local://context"), ids.join(" "));
});
