#!/usr/bin/env bash
# Installs (idempotently) what the BuildKit integration tests need on a Debian bookworm VM:
#   - buildkitd + buildctl v0.32.2 built with Go (module from the Go proxy) into $TSF_CACHE/bin
#   - docker buildx v0.38.2 (`go install`, standalone binary) into $TSF_CACHE/bin
#   - Debian packages: runc, qemu-user-static, binfmt-support, busybox-static, docker-registry,
#     skopeo, apache2-utils (htpasswd), debootstrap (the debian-base example's tarballs)
#   - binfmt_misc handlers for qemu-aarch64 and qemu-arm (F flag)
#   - static busybox for amd64, arm64 and armhf under $TSF_CACHE/busybox/<arch>/bin/busybox
# Downloads and builds are cached outside the work tree (Go's module/build cache and
# ${XDG_CACHE_HOME:-$HOME/.cache}/tsfrontend). A second run only verifies and takes ~1s.
# Must run as root. Paths are printed at the end; `source scripts/env/paths.sh` exports them.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR
. "$HERE/paths.sh"

log() { printf '[install] %s\n' "$*" >&2; }
die() { printf '[install] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (apt-get, binfmt_misc)"
command -v go >/dev/null || die "go not found on PATH (need Go >= 1.26.3 for buildkit $TSF_BUILDKIT_VERSION)"

mkdir -p "$TSF_BIN" "$TSF_CACHE/debs" "$TSF_CACHE/busybox"
# One install at a time (parallel runs would fight over apt and the bin dir).
exec 9>"$TSF_CACHE/install.lock"
flock 9

APT=(apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
export DEBIAN_FRONTEND=noninteractive
APT_UPDATED=0
apt_update() {
  if [ "$APT_UPDATED" = 0 ]; then
    local i
    for i in 1 2 3; do
      log "apt-get update (attempt $i/3)"
      if "${APT[@]}" update -qq; then APT_UPDATED=1; return 0; fi
      sleep 5
    done
    # A partly failed update (e.g. "Mirror sync in progress" on one index) is not fatal by
    # itself: the install/download that follows fails if what it needs is really missing.
    log "WARNING: apt-get update reported errors; continuing with the indices it got"
    APT_UPDATED=1
  fi
}

# --- 1. Debian packages -------------------------------------------------------------------
# iptables is not needed: without a CNI config the OCI worker's "auto" network mode falls back
# to the host network (start.sh sets networkMode = "host" explicitly).
PKGS=(runc qemu-user-static binfmt-support busybox-static docker-registry skopeo apache2-utils openssl openssh-client openssh-server binutils-aarch64-linux-gnu debootstrap)
missing=()
for p in "${PKGS[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt_update
  log "apt-get install ${missing[*]}"
  # Packages with services (openssh-server) must not start them: tests run their own on loopback.
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
  fi
  "${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ "$made_policy" = 1 ]; then rm -f "$policy"; fi
else
  log "apt packages present: ${PKGS[*]}"
fi

# --- 2. binfmt_misc (qemu-aarch64, qemu-arm) ----------------------------------------------
BINFMT=/proc/sys/fs/binfmt_misc
if ! mountpoint -q "$BINFMT"; then
  log "mounting binfmt_misc on $BINFMT"
  mount -t binfmt_misc binfmt_misc "$BINFMT"
fi
for h in qemu-aarch64 qemu-arm; do
  if ! [ -f "$BINFMT/$h" ] || ! head -n1 "$BINFMT/$h" | grep -qx enabled; then
    log "update-binfmts --enable $h"
    update-binfmts --enable "$h"
  fi
  head -n1 "$BINFMT/$h" | grep -qx enabled || die "$BINFMT/$h is not enabled"
  grep -q '^flags: .*F' "$BINFMT/$h" || die "$BINFMT/$h lacks the F (fix-binary) flag"
done
log "binfmt: qemu-aarch64 and qemu-arm enabled (F flag)"

# --- 3. buildkitd + buildctl v0.32.2 --------------------------------------------------------
has_version() { [ -x "$1" ] && "$1" --version 2>/dev/null | grep -q " $TSF_BUILDKIT_VERSION "; }
if has_version "$BUILDKITD" && has_version "$BUILDCTL"; then
  log "buildkit $TSF_BUILDKIT_VERSION present: $BUILDKITD, $BUILDCTL"
else
  MOD=github.com/moby/buildkit
  # `go install $MOD/cmd/buildkitd@$TSF_BUILDKIT_VERSION` is refused: buildkit's go.mod has
  # `exclude` directives. So fetch the module into Go's module cache and build it there as the
  # main module (like buildkit's Dockerfile does with `go build ./cmd/buildkitd`).
  DL="$(cd / && GOFLAGS=-mod=mod go mod download -json "$MOD@$TSF_BUILDKIT_VERSION")" \
    || die "go mod download $MOD@$TSF_BUILDKIT_VERSION failed: $DL"
  SRC="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p' <<<"$DL")"
  # The module proxy gives no git commit, so Revision is the module's go.sum hash (h1:...).
  SUM="$(sed -n 's/^[[:space:]]*"Sum": "\(.*\)",*$/\1/p' <<<"$DL")"
  if [ ! -d "$SRC" ] || [ -z "$SUM" ]; then die "unexpected go mod download output: $DL"; fi
  LDFLAGS="-X $MOD/version.Version=$TSF_BUILDKIT_VERSION -X $MOD/version.Revision=$SUM -X $MOD/version.Package=$MOD"
  gobuild() { # OUT PKG [go build flags...]
    local out="$1" pkg="$2"; shift 2
    (cd "$SRC" && CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" \
      go build "$@" -ldflags "$LDFLAGS" -o "$out.tmp" "$pkg") && mv -f "$out.tmp" "$out"
  }
  if ! has_version "$BUILDKITD"; then
    # Same tags as buildkit's own Dockerfile (target "buildkitd", BUILDKITD_TAGS empty).
    log "go build $MOD/cmd/buildkitd $TSF_BUILDKIT_VERSION (cold: several minutes)"
    gobuild "$BUILDKITD" ./cmd/buildkitd -tags "osusergo netgo static_build seccomp"
  fi
  if ! has_version "$BUILDCTL"; then
    # buildkit's Dockerfile builds buildctl with CGO_ENABLED=0 and no tags.
    log "go build $MOD/cmd/buildctl $TSF_BUILDKIT_VERSION"
    gobuild "$BUILDCTL" ./cmd/buildctl
  fi
  has_version "$BUILDKITD" || die "$BUILDKITD does not report $TSF_BUILDKIT_VERSION"
  has_version "$BUILDCTL" || die "$BUILDCTL does not report $TSF_BUILDKIT_VERSION"
  log "built: $("$BUILDKITD" --version)"
fi

# --- 3b. docker buildx v0.38.2 ----------------------------------------------------------------
# Run standalone (`buildx build ...`), not as a docker CLI plugin. buildx's go.mod has no
# `exclude`/`replace`, so `go install pkg@version` works; -mod=mod as its own Dockerfile builds it
# (CGO_ENABLED=0 there too). Version.Version is what `buildx version` prints.
buildx_ok() { [ -x "$BUILDX" ] && "$BUILDX" version 2>/dev/null | grep -qE " $TSF_BUILDX_VERSION( |$)"; }
if buildx_ok; then
  log "buildx $TSF_BUILDX_VERSION present: $BUILDX"
else
  log "go install github.com/docker/buildx/cmd/buildx@$TSF_BUILDX_VERSION (cold: several minutes)"
  (cd / && GOBIN="$TSF_BIN" CGO_ENABLED=0 GOFLAGS=-mod=mod \
    go install -ldflags "-X github.com/docker/buildx/version.Version=$TSF_BUILDX_VERSION" \
    "github.com/docker/buildx/cmd/buildx@$TSF_BUILDX_VERSION")
  buildx_ok || die "$BUILDX does not report $TSF_BUILDX_VERSION"
  log "built: $("$BUILDX" version)"
fi

# --- 4. static busybox for amd64, arm64, armhf ----------------------------------------------
# ELF e_machine (offset 18, little endian): 62 = x86-64, 183 = aarch64, 40 = arm.
elf_machine() { od -An -t u2 -j 18 -N 2 "$1" 2>/dev/null | tr -d ' '; }
declare -A WANT_MACHINE=([amd64]=62 [arm64]=183 [armhf]=40)
busybox_ok() {
  local f="$TSF_CACHE/busybox/$1/bin/busybox"
  [ -x "$f" ] && [ "$(elf_machine "$f")" = "${WANT_MACHINE[$1]}" ]
}
need_arch=()
for a in amd64 arm64 armhf; do busybox_ok "$a" || need_arch+=("$a"); done
if [ "${#need_arch[@]}" -gt 0 ]; then
  foreign="$(dpkg --print-foreign-architectures)"
  for a in arm64 armhf; do
    if ! grep -qx "$a" <<<"$foreign"; then
      log "dpkg --add-architecture $a"
      dpkg --add-architecture "$a"
      APT_UPDATED=0
    fi
  done
  for a in "${need_arch[@]}"; do
    deb="$(ls "$TSF_CACHE/debs"/busybox-static_*_"$a".deb 2>/dev/null | tail -n1 || true)"
    if [ -z "$deb" ]; then
      log "apt-get download busybox-static:$a"
      if ! (cd "$TSF_CACHE/debs" && "${APT[@]}" download -qq "busybox-static:$a" 2>/dev/null); then
        apt_update
        (cd "$TSF_CACHE/debs" && "${APT[@]}" download -qq "busybox-static:$a")
      fi
      deb="$(ls "$TSF_CACHE/debs"/busybox-static_*_"$a".deb | tail -n1)"
    fi
    rm -rf "$TSF_CACHE/busybox/$a"
    dpkg-deb -x "$deb" "$TSF_CACHE/busybox/$a"
    busybox_ok "$a" || die "$TSF_CACHE/busybox/$a/bin/busybox is not a $a ELF"
    log "busybox $a: extracted $(basename "$deb")"
  done
else
  log "busybox present for amd64, arm64, armhf"
fi

# --- 5. runc ---------------------------------------------------------------------------------
# Debian's runc 1.1.5 (buildkit pins 1.4.3) was tested with buildkitd v0.32.2 and works (see
# doc/ENVIRONMENT.md), so none is built. A runc placed at $TSF_BIN/runc would be preferred.
[ -x "$RUNC" ] || die "runc not found"
log "runc: $RUNC ($("$RUNC" --version | head -n1))"

echo "tsfrontend env OK: BUILDKITD=$BUILDKITD BUILDCTL=$BUILDCTL BUILDX=$BUILDX RUNC=$RUNC" \
  "BUSYBOX_AMD64=$BUSYBOX_AMD64 BUSYBOX_ARM64=$BUSYBOX_ARM64 BUSYBOX_ARMHF=$BUSYBOX_ARMHF" \
  "(source $HERE/paths.sh)"
