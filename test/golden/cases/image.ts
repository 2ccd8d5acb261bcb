/** Golden cases mirroring test/golden/go/cases_image.go. */

import { image, merge, platforms, type ImageMetaResolver } from "../../../src/llb/index.js";
import type { GoldenCase } from "../case.js";
import { digestA, digestB, digestC } from "./digests.js";

/** Go's fakeResolver: the ref unchanged, a fixed digest and config, whatever the platform or mode. */
function fakeResolver(digest: string, config: string): ImageMetaResolver {
  return { resolveImageConfig: async (ref) => ({ ref, digest, config: new TextEncoder().encode(config) }) };
}

const amd64Resolver = fakeResolver(
  digestA,
  `{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","LANG=C.UTF-8","EMPTY=","NOEQUALS","A=b=c"],"WorkingDir":"/srv/app","User":"nobody"}}`,
);
const arm64Resolver = fakeResolver(
  digestB,
  `{"architecture":"arm64","variant":"v8","os":"linux","config":{"Env":["PATH=/usr/bin:/bin","GOARCH=arm64"],"WorkingDir":"/work"}}`,
);
const noPlatformResolver = fakeResolver(digestC, `{"config":{"Env":["ONLY=env"]}}`);

export const cases: GoldenCase[] = [
  { name: "image-busybox", state: () => image("busybox") },
  { name: "image-tag", state: () => image("busybox:1.36") },
  { name: "image-docker-io-library", state: () => image("docker.io/library/busybox") },
  { name: "image-ghcr", state: () => image("ghcr.io/org/img:tag") },
  { name: "image-localhost-port", state: () => image("localhost:5000/x") },
  { name: "image-digest", state: () => image("busybox@" + digestA) },
  { name: "image-tag-digest", state: () => image("busybox:1.36@" + digestA) },
  {
    name: "image-resolve-modes",
    state: () =>
      merge([
        image("alpine:3.19", { resolveMode: "default" }),
        image("alpine:3.20", { resolveMode: "pull" }),
        image("alpine:3.21", { resolveMode: "local" }),
        image("alpine:3.22"),
      ]),
  },
  { name: "image-platform", state: () => image("alpine:3.20", { platform: platforms.linuxArmV7 }) },
  {
    name: "image-platform-exec",
    state: () => image("alpine:3.20", { platform: platforms.linuxArm64 }).run({ shlex: "uname -m" }).root(),
  },
  { name: "image-layer-limit", state: () => image("alpine:3.20", { layerLimit: 2 }) },
  { name: "image-checksum", state: () => image("alpine:3.20", { checksum: digestC }) },
  { name: "image-internal", state: () => image("alpine:3.20", { recordType: "internal" }) },
  { name: "image-custom-name", state: () => image("alpine:3.20", { customName: "load alpine", ignoreCache: true }) },
  {
    name: "image-meta-resolver",
    state: () => image("busybox:1.36", { metaResolver: amd64Resolver }).run({ shlex: "env" }).root(),
  },
  {
    name: "image-meta-resolver-digest",
    state: () => image("busybox:1.36", { metaResolver: amd64Resolver, resolveDigest: true }).run({ shlex: "env" }).root(),
  },
  {
    name: "image-meta-resolver-digested-ref",
    state: () =>
      image("busybox@" + digestC, { metaResolver: amd64Resolver, resolveDigest: true }).run({ shlex: "env" }).root(),
  },
  {
    name: "image-meta-resolver-platform",
    state: () =>
      image("golang:1.22", { metaResolver: arm64Resolver, resolveDigest: true, resolveMode: "pull" })
        .addEnv("CGO_ENABLED", "0")
        .run({ shlex: "go version" })
        .root(),
  },
  {
    name: "image-meta-resolver-env-override",
    state: () =>
      image("alpine:3.20", { metaResolver: noPlatformResolver }).addEnv("ONLY", "override").run({ shlex: "env" }).root(),
  },
];
