/**
 * The examples/ programs, each built once through the frontend image
 * (`buildctl --frontend gateway.v0 --opt source=<frontend image>`) for
 * linux/amd64 and linux/arm64, pushed to the test registry and checked: the
 * pushed configs with skopeo, the files by commands run on top of the pushed
 * images (linux/arm64 emulated) in a small checker program built with
 * `tsfrontend build`. Inputs are made locally (lib/example-inputs.ts).
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildctlPath } from "../lib/buildctl.js";
import { ok, repoRoot, requireEnv, run, runCli, skopeo, skopeoCreds, tempDir, type E2eEnv } from "./lib/env.js";
import { DEBIAN_SUITE, EXAMPLE_ARCHES, MINIROOTFS_OS_RELEASE, ensureCaCerts, ensureDebianRootfs, ensureMinirootfs, ensureZoneinfo } from "./lib/example-inputs.js";
import { ensureFrontendImage, type FrontendImage } from "./lib/frontend-image.js";
import { registryIndexDigest } from "./lib/pushed-image.js";
import { ensureShellImage, type ShellImage } from "./lib/shell-image.js";
import { type ImageConfigDoc } from "./lib/oci.js";

const PLATFORMS = EXAMPLE_ARCHES.map((a) => a.platform);
let env: E2eEnv;
let frontend: FrontendImage;
let shell: ShellImage;
let work: ReturnType<typeof tempDir>;

before(async () => {
  env = requireEnv();
  work = tempDir("examples");
  [frontend, shell] = await Promise.all([ensureFrontendImage(), ensureShellImage()]);
});

after(() => work?.remove());

function exampleRef(name: string): string {
  return `${env.registry}/tsfrontend-examples/${name}:latest`;
}

/** Builds examples/<file> through the frontend image for both platforms and pushes it; returns its ref. */
async function buildExample(t: { diagnostic: (m: string) => void }, file: string, context: string, opts: readonly string[] = []): Promise<string> {
  const ref = exampleRef(file.replace(/\.ts$/, ""));
  const start = Date.now();
  const r = await run(
    buildctlPath(),
    ["--addr", env.buildkitHost, "build", "--frontend", "gateway.v0", "--opt", `source=${frontend.ref}`, "--opt", `filename=${file}`,
      "--opt", `platform=${PLATFORMS.join(",")}`, ...opts.flatMap((o) => ["--opt", o]),
      "--local", `dockerfile=${join(repoRoot, "examples")}`, "--local", `context=${context}`,
      "--progress", "plain", "--output", `type=image,name=${ref},push=true`],
    { timeout: 10 * 60_000 },
  );
  ok(r, `buildctl gateway.v0 examples/${file}`);
  t.diagnostic(`examples/${file}: built through the frontend and pushed in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  assert.ok(await registryIndexDigest(env, ref, PLATFORMS), `the registry serves ${ref} for ${PLATFORMS.join(" and ")}`);
  return ref;
}

/** The config as pushed (`--raw`: skopeo's parsed view drops Healthcheck). */
async function configOf(ref: string, arch: string): Promise<ImageConfigDoc & { config: { Healthcheck?: Record<string, unknown> } }> {
  return JSON.parse(await skopeo(env, ["inspect", "--config", "--raw", "--tls-verify=false", ...skopeoCreds(env), "--override-arch", arch, `docker://${ref}`]));
}

const CHECKER = `import { copy, image, scratch } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";

const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Runs SCRIPT as root on top of IMAGE, or on top of SHELL with IMAGE mounted read-only at /img;
// then USER_SCRIPT (if set) as USER; their stdout is the result (/check.out, /user.out).
export default (ctx: BuildContext) =>
  ctx.perPlatform((target) => {
    const b = ctx.buildArgs;
    const img = image(b["IMAGE"]!, { platform: target });
    const onTop = b["SHELL"] ? image(b["SHELL"], { platform: target }) : img;
    const mounts = b["SHELL"] ? [{ target: "/img", source: img, readonly: true }] : [];
    let ran = onTop.run({ args: ["/bin/sh", "-c", "exec >/check.out; set -eu\\n" + b["SCRIPT"]!], env: { PATH }, mounts }).root();
    let out = scratch().file(copy(ran, "/check.out", "/check.out"));
    if (b["USER_SCRIPT"]) {
      ran = ran.run({ args: ["/bin/sh", "-c", "exec >/tmp/user.out\\n" + b["USER_SCRIPT"]], env: { PATH }, user: b["USER"]! }).root();
      out = out.file(copy(ran, "/tmp/user.out", "/user.out"));
    }
    return { state: out };
  });
`;

/** Runs the checker program for both platforms; returns each platform's outputs. */
async function check(name: string, args: Record<string, string>): Promise<Map<string, { check: string; user: string | undefined }>> {
  const program = join(work.dir, `check-${name}.ts`);
  writeFileSync(program, CHECKER);
  const out = join(work.dir, `check-${name}-out`);
  const r = await runCli(
    ["build", "-f", program, "--platform", PLATFORMS.join(","), ...Object.entries(args).flatMap(([k, v]) => ["--opt", `build-arg:${k}=${v}`]),
      "--progress", "plain", "-o", `type=local,dest=${out}`],
    { cwd: repoRoot, timeout: 10 * 60_000 },
  );
  ok(r, `checking ${name}`);
  const res = new Map<string, { check: string; user: string | undefined }>();
  for (const p of PLATFORMS) {
    const dir = join(out, p.replace("/", "_"));
    let user: string | undefined;
    try {
      user = readFileSync(join(dir, "user.out"), "utf8");
    } catch {
      user = undefined;
    }
    res.set(p, { check: readFileSync(join(dir, "check.out"), "utf8"), user });
  }
  return res;
}

test("tsfrontend check type-checks every example", async () => {
  const files = readdirSync(join(repoRoot, "examples")).filter((f) => f.endsWith(".ts")).map((f) => `examples/${f}`);
  assert.ok(files.length >= 6, files.join(" "));
  ok(await runCli(["check", ...files], { cwd: repoRoot }), "tsfrontend check examples/*.ts");
});

let minimalRef: string | undefined;

test("minimal-base: a busybox minirootfs tarball added to scratch and unpacked, for amd64 and arm64", async (t) => {
  const rootfs = await ensureMinirootfs(env);
  const ref = await buildExample(t, "minimal-base.ts", rootfs);
  for (const a of EXAMPLE_ARCHES) {
    const c = await configOf(ref, a.deb);
    assert.equal(`${c.os}/${c.architecture}`, a.platform);
    assert.deepEqual(c.config.Cmd, ["/bin/sh"]);
  }
  const res = await check("minimal", { IMAGE: ref, SCRIPT: "busybox uname -m\ncat /etc/os-release\nreadlink /bin/sh\nstat -c %a /tmp" });
  for (const a of EXAMPLE_ARCHES) {
    assert.equal(res.get(a.platform)!.check, `${a.uname}\n${MINIROOTFS_OS_RELEASE}/bin/busybox\n1777\n`, `${a.platform}: arch, os-release, applets, /tmp`);
  }
  minimalRef = ref;
});

test("distroless-runtime: no shell, the CA bundle, a non-root numeric user, generated passwd and group", async (t) => {
  const ref = await buildExample(t, "distroless-runtime.ts", ensureCaCerts(env));
  for (const a of EXAMPLE_ARCHES) {
    const c = await configOf(ref, a.deb);
    assert.equal(`${c.os}/${c.architecture}`, a.platform);
    assert.equal(c.config.User, "65532:65532", `${a.platform}: numeric non-root user`);
    assert.ok(c.config.Env?.includes("SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"));
  }
  const host = readFileSync("/etc/ssl/certs/ca-certificates.crt", "utf8");
  const res = await check("distroless", {
    IMAGE: ref,
    SHELL: shell.ref,
    SCRIPT: [
      "ls -A /img | tr '\\n' ' '; echo",
      "if [ -e /img/bin/sh ] || [ -e /img/bin ]; then echo shell; else echo no-shell; fi",
      "wc -c < /img/etc/ssl/certs/ca-certificates.crt",
      "cat /img/etc/passwd /img/etc/group",
      "stat -c '%u:%g %a' /img/home/nonroot /img/tmp",
    ].join("\n"),
  });
  for (const a of EXAMPLE_ARCHES) {
    assert.equal(
      res.get(a.platform)!.check,
      "etc home root tmp \nno-shell\n" + `${Buffer.byteLength(host)}\n` +
        "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n" +
        "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n65532:65532 700\n0:0 1777\n",
      `${a.platform}: the image's files`,
    );
  }
});

test("org-base: on the minimal base, OCI labels, user 10000, hardened permissions, timezone data, a HEALTHCHECK", async (t) => {
  assert.ok(minimalRef, "the minimal-base example was built");
  const ref = await buildExample(t, "org-base.ts", ensureZoneinfo(env), [`build-arg:BASE=${minimalRef}`, "build-arg:VERSION=2.1.0"]);
  for (const a of EXAMPLE_ARCHES) {
    const c = await configOf(ref, a.deb);
    assert.equal(`${c.os}/${c.architecture}`, a.platform);
    assert.equal(c.config.User, "10000:10000");
    assert.deepEqual(c.config.Cmd, ["/bin/sh"], "inherited from the base");
    assert.ok(c.config.Env?.includes("TZ=UTC"));
    const labels = c.config.Labels ?? {};
    assert.equal(labels["org.opencontainers.image.version"], "2.1.0");
    assert.equal(labels["org.opencontainers.image.vendor"], "Example Org");
    assert.equal(labels["org.opencontainers.image.base.name"], minimalRef);
    assert.equal(labels["org.opencontainers.image.title"], "org-base");
    assert.deepEqual(c.config.Healthcheck, { Test: ["CMD-SHELL", "test -w /tmp || exit 1"], Interval: 30e9, Timeout: 5e9, StartPeriod: 5e9, Retries: 3 });
  }
  const res = await check("org", {
    IMAGE: ref,
    SCRIPT: [
      "find / -xdev -type d -perm -0002 | tr '\\n' ' '; echo",
      "stat -c %a /tmp /var/tmp",
      "find / -xdev -type f \\( -perm -4000 -o -perm -2000 \\) | wc -l",
      "grep ^app: /etc/passwd /etc/group",
      "stat -c '%u:%g %a' /home/app",
      "head -c 4 /usr/share/zoneinfo/Europe/Berlin; echo",
      "readlink /etc/localtime; cat /etc/timezone",
    ].join("\n"),
    USER: "10000:10000",
    USER_SCRIPT: "id -u; test -w /tmp && echo healthy; test -w /etc || echo etc-read-only",
  });
  for (const a of EXAMPLE_ARCHES) {
    const r = res.get(a.platform)!;
    assert.equal(
      r.check,
      "/tmp \n1777\n1755\n0\n/etc/passwd:app:x:10000:10000:app:/home/app:/sbin/nologin\n/etc/group:app:x:10000:\n10000:10000 750\nTZif\n/usr/share/zoneinfo/UTC\nUTC\n",
      `${a.platform}: the image's files`,
    );
    assert.equal(r.user, "10000\nhealthy\netc-read-only\n", `${a.platform}: as user 10000`);
  }
});

let debianRef: string | undefined;

test("debian-base: a debootstrap rootfs tarball per arch imported into scratch (the docker import flow)", async (t) => {
  const start = Date.now();
  const tarballs = await ensureDebianRootfs(env);
  t.diagnostic(`debootstrap tarballs ready in ${((Date.now() - start) / 1000).toFixed(1)} s (cached under $TSF_CACHE/examples/debian)`);
  const ref = await buildExample(t, "debian-base.ts", tarballs, [`build-arg:SUITE=${DEBIAN_SUITE}`]);
  debianRef = ref;
  for (const a of EXAMPLE_ARCHES) {
    const c = await configOf(ref, a.deb);
    assert.equal(`${c.os}/${c.architecture}`, a.platform);
    assert.deepEqual(c.config.Cmd, ["bash"]);
    assert.equal(c.config.Labels?.["org.opencontainers.image.version"], DEBIAN_SUITE);
  }
  const res = await check("debian", {
    IMAGE: ref,
    SCRIPT: ". /etc/os-release; echo \"$ID $VERSION_CODENAME\"\ndpkg --print-architecture\nuname -m\ntest -x /bin/bash && test -x /usr/bin/apt-get && echo tools",
  });
  for (const a of EXAMPLE_ARCHES) {
    assert.equal(res.get(a.platform)!.check, `debian ${DEBIAN_SUITE}\n${a.deb}\n${a.uname}\ntools\n`, `${a.platform}: Debian's os-release, dpkg's arch, the kernel arch`);
  }
});

/** ELF e_machine of each Debian arch (little-endian bytes 18-19). */
const ELF_MACHINE: Record<string, string> = { amd64: "3e00", arm64: "b700" };

test("static-binaries: C (Debian's cross gcc) and Go (CGO_ENABLED=0) compiled on the build platform per TARGETARCH into scratch", async (t) => {
  assert.ok(debianRef, "the debian-base example was built (the builder stage starts from it)");
  const ref = await buildExample(t, "static-binaries.ts", join(repoRoot, "examples"), [`build-arg:BUILDER=${debianRef}`]);
  for (const a of EXAMPLE_ARCHES) {
    const c = await configOf(ref, a.deb);
    assert.equal(`${c.os}/${c.architecture}`, a.platform);
    assert.deepEqual(c.config.Entrypoint, ["/hello-c"]);
  }
  const res = await check("static", {
    IMAGE: ref,
    SHELL: shell.ref,
    SCRIPT: [
      "ls -A /img | tr '\\n' ' '; echo",
      "for b in hello-c hello-go; do od -An -tx1 -j18 -N2 /img/$b | tr -d ' \\n'; echo; done",
      "/img/hello-c",
      "/img/hello-go",
    ].join("\n"),
  });
  for (const a of EXAMPLE_ARCHES) {
    const m = ELF_MACHINE[a.deb]!;
    assert.equal(
      res.get(a.platform)!.check,
      `hello-c hello-go \n${m}\n${m}\nhello from C on ${a.uname}\nhello from Go on linux/${a.deb}\n`,
      `${a.platform}: ELF machines, and both run (statically linked) in the busybox image`,
    );
  }
});
