/**
 * Inputs of the examples/ programs, made locally (no image can be pulled) and
 * cached outside the tree under `$TSF_CACHE/examples/`:
 *
 * - `minirootfs/<deb-arch>/rootfs.tar.gz`: a minirootfs-style tarball per
 *   architecture made from Debian's static busybox (`$TSF_CACHE/busybox/<deb-arch>/bin/busybox`):
 *   /bin/busybox, a symlink per applet, /etc/passwd, /etc/group,
 *   /etc/os-release, /tmp and /var/tmp; keyed by the busybox binaries.
 * - `certs/ca-certificates.crt`: the host's CA bundle.
 * - `tz/zoneinfo/`: a subset of the host's /usr/share/zoneinfo.
 */

import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { dirname, join } from "node:path";
import { ok, run, type E2eEnv } from "./env.js";

/** Debian architectures the examples are built for, with their platforms. */
export const EXAMPLE_ARCHES = [
  { platform: "linux/amd64", deb: "amd64", uname: "x86_64" },
  { platform: "linux/arm64", deb: "arm64", uname: "aarch64" },
] as const;

/** The zones copied into the tz context (names under /usr/share/zoneinfo). */
export const ZONES = ["UTC", "Etc/UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"] as const;

export const MINIROOTFS_OS_RELEASE = 'NAME="tsfrontend minirootfs"\nID=tsf-minirootfs\nVERSION_ID=1\nPRETTY_NAME="tsfrontend minirootfs (busybox)"\n';

function busyboxPath(env: E2eEnv, deb: string): string {
  return join(env.cache, "busybox", deb, "bin", "busybox");
}

/** Makes `<dir>/<deb>/rootfs.tar.gz` from a root tree, deterministic (sorted, mtime 0, numeric root owner). */
async function makeTarball(env: E2eEnv, deb: string, appletPaths: readonly string[], out: string): Promise<void> {
  const root = `${out}.root`;
  rmSync(root, { recursive: true, force: true });
  for (const d of ["bin", "sbin", "usr/bin", "usr/sbin", "etc", "root", "tmp", "var/tmp", "home"]) mkdirSync(join(root, d), { recursive: true });
  chmodSync(join(root, "tmp"), 0o1777);
  chmodSync(join(root, "var/tmp"), 0o1777);
  chmodSync(join(root, "root"), 0o700);
  cpSync(busyboxPath(env, deb), join(root, "bin", "busybox"));
  chmodSync(join(root, "bin", "busybox"), 0o755);
  for (const p of appletPaths) {
    if (p === "bin/busybox") continue;
    mkdirSync(join(root, dirname(p)), { recursive: true });
    symlinkSync("/bin/busybox", join(root, p));
  }
  writeFileSync(join(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n");
  writeFileSync(join(root, "etc", "group"), "root:x:0:\nnobody:x:65534:\n");
  writeFileSync(join(root, "etc", "os-release"), MINIROOTFS_OS_RELEASE);
  const tmp = `${out}.tmp`;
  ok(
    await run("tar", ["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "-czf", tmp, "-C", root, "."], { timeout: 120_000 }),
    `tar ${out}`,
  );
  renameSync(tmp, out);
  rmSync(root, { recursive: true, force: true });
}

/** The directory holding `<deb-arch>/rootfs.tar.gz` for every arch of {@link EXAMPLE_ARCHES}. */
export async function ensureMinirootfs(env: E2eEnv): Promise<string> {
  const dir = join(env.cache, "examples", "minirootfs");
  const h = createHash("sha256").update("minirootfs v1\n").update(MINIROOTFS_OS_RELEASE);
  for (const a of EXAMPLE_ARCHES) h.update(readFileSync(busyboxPath(env, a.deb)));
  const key = h.digest("hex");
  const keyFile = join(dir, "key");
  if (existsSync(keyFile) && readFileSync(keyFile, "utf8") === key && EXAMPLE_ARCHES.every((a) => existsSync(join(dir, a.deb, "rootfs.tar.gz")))) return dir;
  rmSync(dir, { recursive: true, force: true });
  // Same busybox version for every arch: the host's (amd64) applet list serves them all.
  const list = ok(await run(busyboxPath(env, "amd64"), ["--list-full"]), "busybox --list-full").split("\n").filter((l) => l !== "");
  for (const a of EXAMPLE_ARCHES) {
    mkdirSync(join(dir, a.deb), { recursive: true });
    await makeTarball(env, a.deb, list, join(dir, a.deb, "rootfs.tar.gz"));
  }
  writeFileSync(keyFile, key);
  return dir;
}

/** A directory holding only `ca-certificates.crt` (the host's bundle). */
export function ensureCaCerts(env: E2eEnv): string {
  const dir = join(env.cache, "examples", "certs");
  mkdirSync(dir, { recursive: true });
  cpSync("/etc/ssl/certs/ca-certificates.crt", join(dir, "ca-certificates.crt"), { dereference: true });
  return dir;
}

/** A directory holding `zoneinfo/` with {@link ZONES} from the host (symlinks resolved). */
export function ensureZoneinfo(env: E2eEnv): string {
  const dir = join(env.cache, "examples", "tz");
  for (const z of ZONES) {
    const dest = join(dir, "zoneinfo", z);
    mkdirSync(dirname(dest), { recursive: true });
    cpSync(join("/usr/share/zoneinfo", z), dest, { dereference: true });
  }
  return dir;
}

/** The Debian suite of the debian-base example's tarballs. */
export const DEBIAN_SUITE = "bookworm";
const DEBIAN_MIRROR = "http://deb.debian.org/debian";

/**
 * debootstrap (minbase) into `$1/$2.work/root` for arch `$2`, suite `$3`, mirror `$4`, then `$1/$2/rootfs.tar.gz`
 * without apt's caches and lists and without /dev, /proc and /sys contents. A foreign arch runs its second
 * stage under qemu through binfmt_misc (F flag, scripts/env/install.sh).
 */
const DEBOOTSTRAP = `set -euo pipefail
out=$1 arch=$2 suite=$3 mirror=$4
work="$out/$arch.work"
rm -rf "$work"; mkdir -p "$out/$arch"
debootstrap --variant=minbase --arch="$arch" "$suite" "$work/root" "$mirror" >"$out/$arch.log" 2>&1 || { tail -n 20 "$out/$arch.log" >&2; exit 1; }
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"* "$work/root/dev/"* "$work/root/proc/"* "$work/root/sys/"*
tar --sort=name --numeric-owner -C "$work/root" -czf "$out/$arch/rootfs.tar.gz.tmp" .
mv "$out/$arch/rootfs.tar.gz.tmp" "$out/$arch/rootfs.tar.gz"
rm -rf "$work"
`;

/**
 * The directory holding `<deb-arch>/rootfs.tar.gz`, a debootstrap minbase of {@link DEBIAN_SUITE} per arch of
 * {@link EXAMPLE_ARCHES} (made once, minutes; the host needs debootstrap and network to deb.debian.org).
 */
export async function ensureDebianRootfs(env: E2eEnv): Promise<string> {
  const dir = join(env.cache, "examples", "debian");
  await Promise.all(
    EXAMPLE_ARCHES.map(async (a) => {
      if (existsSync(join(dir, a.deb, "rootfs.tar.gz"))) return;
      ok(await run("bash", ["-c", DEBOOTSTRAP, "debootstrap", dir, a.deb, DEBIAN_SUITE, DEBIAN_MIRROR], { timeout: 30 * 60_000 }), `debootstrap ${a.deb}`);
    }),
  );
  return dir;
}
