// syntax=127.0.0.1:5000/tsfrontend
/**
 * A minimal base image from a minirootfs-style tarball (Alpine's
 * `alpine-minirootfs-*.tar.gz` flow, here one made from busybox): the
 * tarball for the target architecture is added to `scratch` and unpacked, as
 * a Dockerfile's `ADD rootfs.tar.gz /` does.
 *
 * The build context holds one tarball per architecture, `<TARGETARCH>/rootfs.tar.gz`
 * (test/e2e/lib/example-inputs.ts makes them):
 *
 *   buildctl build --frontend gateway.v0 --opt source=$TSF_REGISTRY/tsfrontend:VERSION \
 *     --opt filename=minimal-base.ts --opt platform=linux/amd64,linux/arm64 \
 *     --local dockerfile=examples --local context=ROOTFS_DIR --output type=image,name=REF,push=true
 */
import { copy, local, scratch } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";

export default (ctx: BuildContext) =>
  ctx.perPlatform((target, args) => {
    const tarball = `${args.TARGETARCH}${args.TARGETVARIANT}/rootfs.tar.gz`;
    const context = local("context", { includePatterns: [tarball] });
    const rootfs = scratch().file(copy(context, `/${tarball}`, "/", { attemptUnpack: true, createDestPath: true }), {
      customName: `ADD ${tarball} /`,
    });
    return {
      platform: target,
      state: rootfs,
      config: {
        Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        Cmd: ["/bin/sh"],
        Labels: { "org.opencontainers.image.title": "minimal-base", "org.opencontainers.image.base.name": "scratch" },
      },
    };
  });
