// syntax=127.0.0.1:5000/tsfrontend
/**
 * An organisation base image on top of another base (`BASE`, e.g. the
 * minimal-base example): OCI labels, a non-root user 10000, hardened
 * permissions (no world-writable directory but /tmp with its sticky bit, no
 * setuid/setgid files), timezone data and a HEALTHCHECK in its config.
 *
 * The build context holds the timezone data as `zoneinfo/` (a subset of the
 * host's /usr/share/zoneinfo is enough):
 *
 *   buildctl build --frontend gateway.v0 --opt source=$TSF_REGISTRY/tsfrontend:VERSION \
 *     --opt filename=org-base.ts --opt platform=linux/amd64,linux/arm64 --opt build-arg:BASE=REF \
 *     --local dockerfile=examples --local context=TZ_DIR --output type=image,name=REF,push=true
 */
import { copy, image, local } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";

export const args = {
  BASE: "the image to start from (it needs /bin/sh and find)",
  VENDOR: { description: "org.opencontainers.image.vendor", default: "Example Org" },
  VERSION: { description: "org.opencontainers.image.version", default: "1.0.0" },
  SOURCE: { description: "org.opencontainers.image.source", default: "https://example.org/base" },
};

const UID = 10000;

/** Run as root on the base's files: adds the user, sets the timezone, then tightens permissions. */
const HARDEN = [
  "set -eu",
  `echo 'app:x:${UID}:${UID}:app:/home/app:/sbin/nologin' >> /etc/passwd`,
  `echo 'app:x:${UID}:' >> /etc/group`,
  `mkdir -p /home/app && chown ${UID}:${UID} /home/app && chmod 0750 /home/app`,
  "ln -sf /usr/share/zoneinfo/UTC /etc/localtime && echo UTC > /etc/timezone",
  "find / -xdev -type d -perm -0002 ! -path /tmp -exec chmod go-w {} \\;",
  "find / -xdev -type f -perm -4000 -exec chmod u-s {} \\;",
  "find / -xdev -type f -perm -2000 -exec chmod g-s {} \\;",
  "chmod 1777 /tmp && chmod 0644 /etc/passwd /etc/group && chmod 0700 /root",
].join("\n");

export default (ctx: BuildContext) => {
  const base = ctx.buildArgs["BASE"];
  if (!base) throw new Error("set the base image: --opt build-arg:BASE=REF");
  const a = (k: keyof typeof args) => ctx.buildArgs[k] ?? (args[k] as { default: string }).default;
  const zoneinfo = local("context", { includePatterns: ["zoneinfo/**"] });
  return ctx.perPlatform((target) => {
    const rootfs = image(base, { platform: target, resolveMode: ctx.imageResolveMode })
      .file(copy(zoneinfo, "/zoneinfo", "/usr/share/zoneinfo", { copyDirContentsOnly: true, createDestPath: true }), {
        customName: "COPY zoneinfo /usr/share/zoneinfo",
      })
      .run({ args: ["/bin/sh", "-c", HARDEN], customName: "harden", ...ctx.runOptions })
      .root();
    return {
      platform: target,
      base,
      state: rootfs,
      config: {
        User: `${UID}:${UID}`,
        WorkingDir: "/home/app",
        Env: ["TZ=UTC"],
        Labels: {
          "org.opencontainers.image.title": "org-base",
          "org.opencontainers.image.description": "Example Org's hardened base image",
          "org.opencontainers.image.vendor": a("VENDOR"),
          "org.opencontainers.image.version": a("VERSION"),
          "org.opencontainers.image.source": a("SOURCE"),
          "org.opencontainers.image.licenses": "Apache-2.0",
          "org.opencontainers.image.base.name": base,
        },
        Healthcheck: { Test: ["CMD-SHELL", "test -w /tmp || exit 1"], Interval: 30e9, Timeout: 5e9, StartPeriod: 5e9, Retries: 3 },
      },
    };
  });
};
