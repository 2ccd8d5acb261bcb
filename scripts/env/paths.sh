# shellcheck shell=bash
# Machine-readable paths of the test environment installed by scripts/env/install.sh.
# Source it:  . scripts/env/paths.sh
# It only sets and exports variables (no side effects, no `set -e`), so it is safe to
# source from any shell. Override TSF_CACHE to use another cache dir.

TSF_BUILDKIT_VERSION="v0.32.2"
TSF_BUILDX_VERSION="v0.38.2"
TSF_CACHE="${TSF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tsfrontend}"
TSF_BIN="$TSF_CACHE/bin"

BUILDKITD="$TSF_BIN/buildkitd"
BUILDCTL="$TSF_BIN/buildctl"
# docker buildx, run standalone (`$BUILDX build ...`), not as a docker CLI plugin.
BUILDX="$TSF_BIN/buildx"
# runc used by buildkitd's OCI worker: a runc that install.sh built into $TSF_BIN wins,
# otherwise Debian's /usr/sbin/runc.
if [ -x "$TSF_BIN/runc" ]; then
  RUNC="$TSF_BIN/runc"
else
  RUNC="$(command -v runc 2>/dev/null || echo /usr/sbin/runc)"
fi

# Static busybox per platform (from Debian's busybox-static .debs).
BUSYBOX_AMD64="$TSF_CACHE/busybox/amd64/bin/busybox"   # linux/amd64
BUSYBOX_ARM64="$TSF_CACHE/busybox/arm64/bin/busybox"   # linux/arm64
BUSYBOX_ARMHF="$TSF_CACHE/busybox/armhf/bin/busybox"   # linux/arm/v7

DOCKER_REGISTRY_BIN="$(command -v docker-registry 2>/dev/null || echo /usr/bin/docker-registry)"
SKOPEO="$(command -v skopeo 2>/dev/null || echo /usr/bin/skopeo)"

export TSF_BUILDKIT_VERSION TSF_BUILDX_VERSION TSF_CACHE TSF_BIN BUILDKITD BUILDCTL BUILDX RUNC \
  BUSYBOX_AMD64 BUSYBOX_ARM64 BUSYBOX_ARMHF DOCKER_REGISTRY_BIN SKOPEO
