// syntax=127.0.0.1:5000/tsfrontend
/**
 * Static binaries for each target platform compiled in one builder stage on
 * the build platform and copied into `scratch`: a C program with Debian's
 * cross gcc (`-static`) and a Go program with Debian's Go (CGO_ENABLED=0,
 * GOARCH=TARGETARCH). The builder starts from a Debian image (`BUILDER`, e.g.
 * the debian-base example) and installs its toolchains with apt (RUN has the
 * network); it runs once on the build platform whatever the targets.
 *
 *   buildctl build --frontend gateway.v0 --opt source=$TSF_REGISTRY/tsfrontend:VERSION \
 *     --opt filename=static-binaries.ts --opt platform=linux/amd64,linux/arm64 --opt build-arg:BUILDER=DEBIAN_REF \
 *     --local dockerfile=examples --output type=image,name=REF,push=true
 */
import { copy, image, mkdir, scratch, type Platform } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";

export const args = { BUILDER: "a Debian image (bookworm) for the build platform, with apt sources" };

/** GNU triplet of each Debian architecture the example knows. */
const TRIPLETS: Readonly<Record<string, string>> = { amd64: "x86_64-linux-gnu", arm64: "aarch64-linux-gnu" };

const HELLO_C = `#include <stdio.h>
#if defined(__x86_64__)
#define ARCH "x86_64"
#elif defined(__aarch64__)
#define ARCH "aarch64"
#else
#define ARCH "unknown"
#endif
int main(void) { printf("hello from C on %s\\n", ARCH); return 0; }
`;

const HELLO_GO = `package main

import (
	"fmt"
	"runtime"
)

func main() { fmt.Printf("hello from Go on %s/%s\\n", runtime.GOOS, runtime.GOARCH) }
`;

function triplet(p: Platform): string {
  const t = TRIPLETS[p.architecture];
  if (!t || p.os !== "linux") throw new Error(`no cross compiler for ${p.os}/${p.architecture}; known: ${Object.keys(TRIPLETS).join(", ")}`);
  return t;
}

export default async (ctx: BuildContext) => {
  const builderRef = ctx.buildArgs["BUILDER"];
  if (!builderRef) throw new Error("set the builder image: --opt build-arg:BUILDER=REF (a Debian image)");
  const build = ctx.buildPlatform;
  // One gcc per target triplet: the native one for the build arch, Debian's cross gcc for the others.
  const gccPackages = ctx.targetPlatforms.map((p) =>
    p.architecture === build.architecture ? "gcc libc6-dev" : `gcc-${triplet(p).replace(/_/g, "-")} libc6-dev-${p.architecture}-cross`,
  );
  const sources = scratch().file(mkdir("/src", 0o755).mkfile("/src/hello.c", 0o644, HELLO_C).mkfile("/src/hello.go", 0o644, HELLO_GO));
  const toolchain = image(builderRef, { platform: build })
    .run({
      args: ["/bin/sh", "-c", `apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${[...new Set(gccPackages)].join(" ")} golang-go`],
      env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
      customName: `apt-get install gcc cross compilers and golang-go (${build.architecture})`,
      ...ctx.runOptions,
    })
    .root();
  return ctx.perPlatform((target, a) => {
    const cc = target.architecture === build.architecture ? "gcc" : `${triplet(target)}-gcc`;
    const out = toolchain
      .dir("/src")
      .run({
        args: ["/bin/sh", "-c", `set -e; mkdir -p /out; ${cc} -static -O2 -o /out/hello-c hello.c; CGO_ENABLED=0 GOOS=${a.TARGETOS} GOARCH=${a.TARGETARCH} go build -trimpath -ldflags=-s -o /out/hello-go hello.go`],
        env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root", GOCACHE: "/root/.cache/go-build" },
        mounts: [{ target: "/src", source: sources, selector: "/src", readonly: true }],
        customName: `compile for ${a.TARGETPLATFORM}`,
      })
      .root();
    return {
      platform: target,
      state: scratch().file(copy(out, "/out/hello-c", "/hello-c").copy(out, "/out/hello-go", "/hello-go")),
      config: { Entrypoint: ["/hello-c"], User: "65532:65532", Labels: { "org.opencontainers.image.title": "static-binaries" } },
    };
  });
};
