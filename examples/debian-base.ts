// syntax=127.0.0.1:5000/tsfrontend
/**
 * A Debian base image from a debootstrap rootfs tarball, the `docker import`
 * flow (how Debian's official images are made): the tarball of the target
 * architecture is added to `scratch` and unpacked, and the config is what
 * `docker import` plus the official image set.
 *
 * The build context holds `<TARGETARCH>/rootfs.tar.gz` per architecture, e.g. from
 *   debootstrap --variant=minbase --arch=arm64 bookworm root http://deb.debian.org/debian
 *   tar --numeric-owner -C root -czf arm64/rootfs.tar.gz .
 * (test/e2e/lib/example-inputs.ts does this):
 *
 *   buildctl build --frontend gateway.v0 --opt source=$TSF_REGISTRY/tsfrontend:VERSION \
 *     --opt filename=debian-base.ts --opt platform=linux/amd64,linux/arm64 --opt build-arg:SUITE=bookworm \
 *     --local dockerfile=examples --local context=TARBALLS_DIR --output type=image,name=REF,push=true
 */
import { copy, local, scratch } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";

export const args = { SUITE: { description: "the Debian suite the tarballs hold (a label)", default: "bookworm" } };

export default (ctx: BuildContext) =>
  ctx.perPlatform((target, a) => {
    const tarball = `${a.TARGETARCH}${a.TARGETVARIANT}/rootfs.tar.gz`;
    const context = local("context", { includePatterns: [tarball] });
    const rootfs = scratch().file(copy(context, `/${tarball}`, "/", { attemptUnpack: true, createDestPath: true }), {
      customName: `ADD ${tarball} /`,
    });
    return {
      platform: target,
      state: rootfs,
      config: {
        Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        Cmd: ["bash"],
        Labels: {
          "org.opencontainers.image.title": "debian-base",
          "org.opencontainers.image.version": a["SUITE"] ?? "bookworm",
          "org.opencontainers.image.base.name": "scratch",
        },
      },
    };
  });
