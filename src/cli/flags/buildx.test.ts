import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { UsageError } from "../../errors.js";
import { annotationAttrs, applyTagsAndPush, buildxRunOpts, cacheShorthand, imageIdOf, labelOpts, parseBuildContexts, parseRamBytes } from "./buildx.js";
import { parseOutputs } from "./outputs.js";

function usage(flag: string, re: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof UsageError, String(err));
    assert.equal(err.flag, flag);
    assert.match(err.message, re);
    return true;
  };
}

const attrsOf = (values: string[], o: { tags?: string[]; push?: boolean }) =>
  applyTagsAndPush(parseOutputs(values, { stdoutIsTTY: false }), { tags: o.tags ?? [], push: o.push ?? false }).map((e): Record<string, string> => ({ type: e.type, ...e.attrs }));

test("-t and --push as buildx: tags name the image outputs; --push adds one or sets push=true; type=registry is a pushed image", () => {
  assert.deepEqual(attrsOf([], { tags: ["r/a:1", "r/a:latest"], push: true }), [{ type: "image", push: "true", name: "r/a:1,r/a:latest" }]);
  assert.deepEqual(attrsOf(["type=image,name=r/b:2"], { tags: ["r/a:1"], push: true }), [{ type: "image", name: "r/b:2", push: "true" }]);
  assert.deepEqual(attrsOf(["type=registry"], { tags: ["r/a:1"] }), [{ type: "image", push: "true", name: "r/a:1" }]);
  assert.deepEqual(attrsOf([], { tags: ["r/a:1"] }), [], "-t alone exports nothing (buildx's remote driver)");
  const dir = mkdtempSync(path.join(os.tmpdir(), "tsf-buildx-flags-"));
  try {
    const oci = attrsOf([`type=oci,dest=${path.join(dir, "x.tar")}`], { tags: ["r/a:1"] });
    assert.equal(oci[0]!["name"], "r/a:1", "an oci tarball is named by the tags too");
    assert.equal(attrsOf([`type=local,dest=${dir}`], { tags: ["r/a:1"] })[0]!["name"], undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => attrsOf([], { push: true }), usage("--push", /tag is needed when pushing to registry/));
  assert.throws(() => attrsOf(["type=image,push=true"], {}), usage("--output", /tag is needed/));
});

test("--label K=V is the opt label:K", () => {
  assert.deepEqual(labelOpts(["org.opencontainers.image.title=app", "empty=", "a=b=c"]), { "label:org.opencontainers.image.title": "app", "label:empty": "", "label:a": "b=c" });
  assert.throws(() => labelOpts(["=x"]), usage("--label", /want KEY=VALUE/));
});

test("--build-context: URLs and images as given, a directory as a local (context and dockerfile renamed), an OCI layout as a store with its manifest", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tsf-buildx-ctx-"));
  try {
    mkdirSync(path.join(dir, "src"));
    mkdirSync(path.join(dir, "layout"));
    const d1 = "sha256:" + "1".repeat(64);
    const d2 = "sha256:" + "2".repeat(64);
    writeFileSync(path.join(dir, "layout", "index.json"), JSON.stringify({ manifests: [{ digest: d1, annotations: { "org.opencontainers.image.ref.name": "v1" } }, { digest: d2, annotations: { "org.opencontainers.image.ref.name": "latest" } }] }));
    const r = parseBuildContexts([
      "base=docker-image://alpine:3.20",
      "Repo=https://github.com/moby/buildkit.git#v0.32.2",
      `src=${path.join(dir, "src")}`,
      `context=${path.join(dir, "src")}`,
      `img=oci-layout://${path.join(dir, "layout")}:v1`,
      `latest=oci-layout://${path.join(dir, "layout")}`,
    ]);
    assert.deepEqual(r.opts, {
      "context:base": "docker-image://alpine:3.20",
      "context:repo": "https://github.com/moby/buildkit.git#v0.32.2",
      "context:src": "local:src",
      "context:context": "local:_context",
      "context:img": `oci-layout://build-context-img:v1@${d1}`,
      "context:latest": `oci-layout://build-context-latest:latest@${d2}`,
    });
    assert.deepEqual([...r.locals], [["src", path.join(dir, "src")], ["_context", path.join(dir, "src")]]);
    assert.deepEqual([...r.ociLayouts.keys()], ["build-context-img", "build-context-latest"]);
    assert.throws(() => parseBuildContexts([`x=${path.join(dir, "nope")}`]), usage("--build-context", /failed to get build context x/));
    assert.throws(() => parseBuildContexts(["x"]), usage("--build-context", /expected key=value/));
    assert.throws(() => parseBuildContexts([`x=oci-layout://${path.join(dir, "layout")}:v9`]), usage("--build-context", /no manifest tagged v9/));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("buildx's RUN flags as the opts buildx sends: add-hosts, force-network-mode (+network.host), shm-size, ulimit, cgroup-parent, no-cache, image-resolve-mode", () => {
  const r = buildxRunOpts({
    addHost: ["db:10.0.0.5", "v6=[2001:db8::1]", "two:1.2.3.4,5.6.7.8"],
    network: "host",
    shmSize: "64m",
    ulimit: ["nproc=512", "nofile=1024:2048", "nproc=100:200"],
    cgroupParent: "/cg",
    noCacheFilter: ["build", "test"],
    pull: true,
  });
  assert.deepEqual(r.opts, {
    "add-hosts": "db=10.0.0.5,v6=2001:db8::1,two=1.2.3.4,two=5.6.7.8",
    "force-network-mode": "host",
    "shm-size": "67108864",
    ulimit: "nofile=1024:2048,nproc=100:200",
    "cgroup-parent": "/cg",
    "no-cache": "build,test",
    "image-resolve-mode": "pull",
  });
  assert.deepEqual(r.entitlements, ["network.host"]);
  assert.equal(r.flagOf["ulimit"], "--ulimit");
  assert.deepEqual(buildxRunOpts({ network: "none" }).opts, { "force-network-mode": "none" });
  assert.deepEqual(buildxRunOpts({ network: "default", shmSize: "0" }).opts, {});
  assert.equal(parseRamBytes("1048576"), 1048576n);
  assert.equal(parseRamBytes("1.5k"), 1536n);
  assert.equal(parseRamBytes("2GiB"), 2147483648n);
  for (const [flags, message] of [
    [{ addHost: ["nohost"] }, /invalid host nohost/],
    [{ addHost: ["h:notanip"] }, /invalid host h:notanip/],
    [{ addHost: ["h:host-gateway"] }, /host-gateway/],
    [{ network: "bridge" }, /network mode "bridge" not supported by buildkit/],
    [{ shmSize: "lots" }, /invalid size: 'lots'/],
    [{ ulimit: ["nofile"] }, /invalid ulimit argument: nofile/],
    [{ ulimit: ["files=1"] }, /invalid ulimit type: files/],
    [{ ulimit: ["nofile=10:5"] }, /soft limit must be less than or equal to hard limit: 10 > 5/],
  ] as const) {
    assert.throws(() => buildxRunOpts(flags), (e: Error) => e instanceof UsageError && message.test(e.message), JSON.stringify(flags));
  }
});

test("--cache-from/--cache-to: a bare reference is a registry cache; the image ID is the config digest, else the image digest", () => {
  assert.equal(cacheShorthand("registry.example/app:cache"), "type=registry,ref=registry.example/app:cache");
  assert.equal(cacheShorthand("type=local,src=/c"), "type=local,src=/c");
  assert.equal(imageIdOf({ "containerimage.digest": "sha256:m", "containerimage.config.digest": "sha256:c" }), "sha256:c");
  assert.equal(imageIdOf({ "containerimage.digest": "sha256:m" }), "sha256:m");
  assert.equal(imageIdOf({}), "");
});

test("--annotation as buildx: exporter attrs annotation.KEY, annotation-TYPE[PLATFORM].KEY for each type; bad forms refused", () => {
  assert.deepEqual(annotationAttrs(["org.example.a=1", "manifest,index:org.example.b=2", "manifest[linux/arm64]:c=x=y", "index[linux/amd64]:d=4", ""]), {
    "annotation.org.example.a": "1",
    "annotation-manifest.org.example.b": "2",
    "annotation-index.org.example.b": "2",
    "annotation-manifest[linux/arm64].c": "x=y",
    "annotation-index.d": "4",
  });
  assert.throws(() => annotationAttrs(["novalue"]), usage("--annotation", /invalid annotation "novalue", expected key=value/));
  assert.throws(() => annotationAttrs(["layer:k=v"]), usage("--annotation", /unknown annotation type "layer"/));
  assert.throws(() => annotationAttrs(["Manifest:k=v"]), usage("--annotation", /invalid annotation type "Manifest"/));
});
