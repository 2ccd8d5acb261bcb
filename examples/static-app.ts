// syntax=127.0.0.1:5000/tsfrontend
/**
 * A static binary compiled on the build platform for each target platform and
 * copied into an empty image: the builder -> scratch pattern.
 *
 *   tsfrontend llb examples/static-app.ts --platform linux/arm64 --format json
 *
 * The builder image is a Go toolchain image; the compile step cross-compiles
 * with GOOS/GOARCH/GOARM taken from the target platform.
 */
import { image, local, mkdir, copy, scratch } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";

export default (ctx: BuildContext) =>
  ctx.perPlatform((target, args) => {
    const src = local("context", { includePatterns: ["*.go", "go.mod", "go.sum"] });
    const builder = image("golang:1.22-alpine", { platform: ctx.buildPlatform })
      .dir("/src")
      .addEnv("CGO_ENABLED", "0")
      .addEnv("GOOS", args.TARGETOS)
      .addEnv("GOARCH", args.TARGETARCH)
      .addEnv("GOARM", args.TARGETVARIANT.replace(/^v/, ""))
      .run({
        shlex: "go build -trimpath -ldflags=-s -o /out/app .",
        mounts: [
          { target: "/src", source: src, readonly: true },
          { target: "/root/.cache/go-build", cache: { id: "go-build", sharing: "shared" } },
        ],
        customName: `go build ${args.TARGETPLATFORM}`,
      })
      .root();
    const rootfs = scratch()
      .file(mkdir("/etc", 0o755).mkfile("/etc/passwd", 0o644, "app:x:65532:65532::/:/sbin/nologin\n"))
      .file(copy(builder, "/out/app", "/app"));
    return {
      state: rootfs,
      config: {
        Entrypoint: ["/app"],
        User: "65532:65532",
        WorkingDir: "/",
        Labels: { "org.opencontainers.image.title": "static-app" },
      },
    };
  });
