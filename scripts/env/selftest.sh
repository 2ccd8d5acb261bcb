#!/usr/bin/env bash
# Proves the environment works, with buildctl only (no Docker, no image pulls):
#   install.sh (fast when done) -> start.sh -> builds a busybox shell image FROM scratch with
#   buildkitd's built-in dockerfile.v0 frontend for linux/amd64, linux/arm64 and linux/arm/v7
#   (checks `RUN uname -m` prints x86_64 / aarch64 / armv7l), pushes an image to the private
#   registry with credentials (DOCKER_CONFIG from start.sh), reads it back with skopeo, then
#   stop.sh and checks nothing is left running or mounted.
# Exits 0 and prints "selftest: OK" when every check passed, else non-zero and "selftest: FAIL".
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[selftest] %s\n' "$*" >&2; }

"$HERE/install.sh" >/dev/null
# shellcheck source-path=SCRIPTDIR
. "$HERE/paths.sh"

pass=0 fail=0
ok() { pass=$((pass + 1)); log "ok   - $*"; }
ko() { fail=$((fail + 1)); log "FAIL - $*"; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tsfrontend-selftest.XXXXXX")"
ENVF=""
cleanup() {
  if [ -n "$ENVF" ] && [ -f "$ENVF" ]; then "$HERE/stop.sh" "$ENVF" || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

ENVF="$("$HERE/start.sh")"
# shellcheck disable=SC1090
. "$ENVF"
RUNDIR="$TSF_RUNDIR"
log "env file: $ENVF"

# Build context: busybox for every platform, picked by TARGETARCH/TARGETVARIANT.
cp "$BUSYBOX_AMD64" "$WORK/busybox-amd64"
cp "$BUSYBOX_ARM64" "$WORK/busybox-arm64"
cp "$BUSYBOX_ARMHF" "$WORK/busybox-armv7"
# No `# syntax=` line and only FROM scratch: the built-in dockerfile.v0 frontend, no pulls.
cat >"$WORK/Dockerfile" <<'EOF'
FROM scratch
ARG TARGETARCH
ARG TARGETVARIANT
COPY busybox-${TARGETARCH}${TARGETVARIANT} /bin/busybox
RUN ["/bin/busybox","--install","-s","/bin"]
RUN uname -m
EOF

build() { # LOG [buildctl build args...]
  local out="$1"; shift
  "$BUILDCTL" build --frontend dockerfile.v0 --local context="$WORK" --local dockerfile="$WORK" \
    --no-cache --progress plain "$@" >"$out" 2>&1
}

# 1. one build per platform, checking what `uname -m` prints inside the container.
for spec in linux/amd64=x86_64 linux/arm64=aarch64 linux/arm/v7=armv7l; do
  plat="${spec%=*}" want="${spec#*=}"
  out="$WORK/build-${plat//\//-}.log"
  if build "$out" --opt platform="$plat"; then
    if grep -Eq "^#[0-9]+ [0-9.]+ $want\$" "$out"; then
      ok "build $plat: uname -m = $want"
    else
      ko "build $plat: no '$want' in the output ($out):"; grep -E 'uname|^#[0-9]+ [0-9.]+ ' "$out" | tail -n 5 >&2 || true
    fi
  else
    ko "build $plat failed:"; tail -n 20 "$out" >&2
  fi
done

# 2. push with credentials (buildctl reads $DOCKER_CONFIG/config.json) and read back.
REF="$TSF_REGISTRY/test/shell:latest"
if build "$WORK/push.log" --opt platform=linux/amd64 --output "type=image,name=$REF,push=true"; then
  ok "push $REF"
else
  ko "push $REF:"; tail -n 20 "$WORK/push.log" >&2
fi
if info="$(skopeo inspect --tls-verify=false --creds "$TSF_REGISTRY_USER:$TSF_REGISTRY_PASSWORD" "docker://$REF" 2>&1)" &&
  grep -q '"Architecture": "amd64"' <<<"$info"; then
  ok "skopeo inspect $REF: $(sed -n 's/.*"Digest": "\(sha256:[0-9a-f]\{12\}\).*/\1/p' <<<"$info" | head -n1)..., amd64"
else
  ko "skopeo inspect $REF: $info"
fi
if skopeo inspect --tls-verify=false --no-creds "docker://$REF" >/dev/null 2>&1; then
  ko "registry answered without credentials"
else
  ok "registry refuses anonymous reads"
fi

# 3. a multi-platform push (index with 3 manifests).
MREF="$TSF_REGISTRY/test/shell:multi"
if build "$WORK/multi.log" --opt platform=linux/amd64,linux/arm64,linux/arm/v7 \
  --output "type=image,name=$MREF,push=true" &&
  raw="$(skopeo inspect --raw --tls-verify=false --creds "$TSF_REGISTRY_USER:$TSF_REGISTRY_PASSWORD" "docker://$MREF")" &&
  [ "$(grep -o '"architecture": *"[a-z0-9]*"' <<<"$raw" | sort -u | wc -l)" = 3 ]; then
  ok "multi-platform push $MREF (amd64, arm64, arm/v7)"
else
  ko "multi-platform push $MREF:"; tail -n 20 "$WORK/multi.log" >&2
fi

# 4. stop.sh leaves nothing behind.
pids="$TSF_BUILDKITD_PID $TSF_REGISTRY_PID"
"$HERE/stop.sh" "$ENVF" && stopped=1 || stopped=0
ENVF=""
left=""
for p in $pids; do # a zombie (exited, not yet reaped by init) counts as stopped
  st="$(sed -n 's/^.*) \([A-Za-z]\) .*$/\1/p' "/proc/$p/stat" 2>/dev/null || true)"
  if [ -n "$st" ] && [ "$st" != Z ]; then left="$left pid:$p($st)"; fi
done
if grep -qF "$RUNDIR" /proc/self/mountinfo; then left="$left mounts"; fi
if [ -e "$RUNDIR" ]; then left="$left $RUNDIR"; fi
if [ "$stopped" = 1 ] && [ -z "$left" ]; then
  ok "stop.sh: nothing left running, mounted or on disk"
else
  ko "stop.sh (exit ok=$stopped) left:$left"
fi

if [ "$fail" = 0 ]; then
  echo "selftest: OK ($pass passed, 0 failed)"
else
  echo "selftest: FAIL ($pass passed, $fail failed)"
  exit 1
fi
