/**
 * A shell image from scratch for each target platform: Debian's static busybox
 * for that architecture (from the `busybox` local dir laid out as
 * <deb-arch>/bin/busybox, see scripts/env/install.sh) copied to /bin, then
 * `busybox --install` run inside the image itself (emulated for foreign
 * platforms), plus /etc/passwd for root and a non-root user.
 *
 *   tsfrontend build -f examples/busybox-shell.ts --local busybox=$HOME/.cache/tsfrontend/busybox \
 *     --platform linux/amd64,linux/arm64,linux/arm/v7 -o type=oci,dest=shell.tar
 */
import { local, mkdir, scratch, type Platform } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";

/** Debian's name for each platform's architecture. */
function debianArch(p: Platform): string {
  if (p.architecture === "arm" && p.variant === "v7") return "armhf";
  if (p.architecture === "arm" && p.variant === "v6") return "armel";
  return p.architecture;
}

export default (ctx: BuildContext) =>
  ctx.perPlatform((target) => {
    const arch = debianArch(target);
    const busybox = local("busybox", { includePatterns: [`${arch}/bin/busybox`] });
    const rootfs = scratch()
      .file(
        mkdir("/bin", 0o755)
          .mkdir("/etc", 0o755)
          .mkdir("/tmp", 0o1777)
          .mkdir("/home/app", 0o755, { parents: true, chown: { user: 1000, group: 1000 } })
          .mkfile("/etc/passwd", 0o644, "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n")
          .mkfile("/etc/group", 0o644, "root:x:0:\napp:x:1000:\n")
          .copy(busybox, `/${arch}/bin/busybox`, "/bin/busybox"),
      )
      .platform(target)
      .run({ args: ["/bin/busybox", "--install", "-s", "/bin"], customName: `busybox --install (${arch})` })
      .root();
    return {
      state: rootfs,
      config: {
        Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        Cmd: ["/bin/sh"],
        Labels: { "org.opencontainers.image.title": "busybox-shell", "org.opencontainers.image.base.name": "scratch" },
      },
    };
  });
