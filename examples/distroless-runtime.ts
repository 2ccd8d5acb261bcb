// syntax=127.0.0.1:5000/tsfrontend
/**
 * A distroless-style runtime image: no shell and no package manager, only
 * CA certificates, a generated /etc/passwd and /etc/group, a writable /tmp
 * and a home for the non-root numeric user the image runs as. Copy a static
 * binary on top (`base:` or FROM) and set its Entrypoint.
 *
 * The build context holds `ca-certificates.crt` (the host's
 * /etc/ssl/certs/ca-certificates.crt):
 *
 *   buildctl build --frontend gateway.v0 --opt source=$TSF_REGISTRY/tsfrontend:VERSION \
 *     --opt filename=distroless-runtime.ts --opt platform=linux/amd64,linux/arm64 \
 *     --local dockerfile=examples --local context=/etc/ssl/certs --output type=image,name=REF,push=true
 */
import { local, mkdir, scratch } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";

/** The user the image runs as (distroless' `nonroot`). */
const UID = 65532;

export const args = { UID: { description: "numeric id of the non-root user and its group", default: String(UID) } };

export default (ctx: BuildContext) => {
  const uid = Number(ctx.buildArgs["UID"] ?? UID);
  if (!Number.isInteger(uid) || uid <= 0) throw new Error(`UID must be a non-root numeric id, not ${ctx.buildArgs["UID"]}`);
  const certs = local("context", { includePatterns: ["ca-certificates.crt"] });
  const passwd = `root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:${uid}:${uid}:nonroot:/home/nonroot:/sbin/nologin\n`;
  const group = `root:x:0:\nnobody:x:65534:\nnonroot:x:${uid}:\n`;
  const rootfs = scratch().file(
    mkdir("/etc/ssl/certs", 0o755, { parents: true })
      .mkdir("/root", 0o700)
      .mkdir("/home/nonroot", 0o700, { parents: true, chown: { user: uid, group: uid } })
      .mkfile("/etc/passwd", 0o644, passwd)
      .mkfile("/etc/group", 0o644, group)
      .copy(certs, "/ca-certificates.crt", "/etc/ssl/certs/ca-certificates.crt", { mode: 0o644 })
      // A FileOp mkdir drops the sticky bit (buildkit masks its mode with 0777); a copy's mode keeps it.
      .copy(scratch().file(mkdir("/tmp", 0o755)), "/tmp", "/tmp", { mode: 0o1777 }),
  );
  return ctx.perPlatform((target) => ({
    platform: target,
    state: rootfs,
    config: {
      User: `${uid}:${uid}`,
      WorkingDir: "/home/nonroot",
      Env: ["PATH=/usr/local/bin:/usr/bin:/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"],
      Labels: { "org.opencontainers.image.title": "distroless-runtime", "org.opencontainers.image.base.name": "scratch" },
    },
  }));
};
