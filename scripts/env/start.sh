#!/usr/bin/env bash
# Starts a private buildkitd (root, OCI worker + overlayfs snapshotter, containerd worker off)
# and a private docker-registry (127.0.0.1:<free port>, htpasswd auth), both in a run dir of
# their own, waits until both answer, and writes $RUNDIR/env.sh (and env.json).
#
#   usage: scripts/env/start.sh            -> prints the path of env.sh on stdout (last line)
#          . "$(scripts/env/start.sh)"     -> BUILDKIT_HOST, TSF_REGISTRY, ... in this shell
#          scripts/env/stop.sh "$RUNDIR/env.sh"   (or the run dir) stops and removes everything
#
# TSF_RUNDIR_BASE (default /var/tmp) is where the run dir is created; it must be a real disk
# filesystem (ext4, ...), not overlay or tmpfs, for the overlayfs snapshotter.
# TSF_BUILDKITD_FLAGS: extra buildkitd flags, split on spaces, e.g.
#   "--allow-insecure-entitlement network.host --allow-insecure-entitlement security.insecure".
# Needs scripts/env/install.sh to have run. Must run as root.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR
. "$HERE/paths.sh"

log() { printf '[start] %s\n' "$*" >&2; }
die() { printf '[start] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"
for f in "$BUILDKITD" "$BUILDCTL" "$RUNC" "$DOCKER_REGISTRY_BIN"; do
  [ -x "$f" ] || die "$f missing: run scripts/env/install.sh"
done
command -v htpasswd >/dev/null || die "htpasswd missing: run scripts/env/install.sh"

BASE="${TSF_RUNDIR_BASE:-/var/tmp}"
fstype="$(df --output=fstype "$BASE" | tail -n1 | tr -d ' ')"
case "$fstype" in
  overlay | tmpfs | ramfs | aufs | fuse*) die "$BASE is on $fstype; the overlayfs snapshotter needs a real disk fs (set TSF_RUNDIR_BASE)" ;;
esac

RUNDIR="$(mktemp -d "$BASE/tsfrontend-bk.XXXXXX")"
chmod 0711 "$RUNDIR"
touch "$RUNDIR/.tsfrontend-rundir" # marker: stop.sh only deletes dirs carrying it
STATE="$RUNDIR/state"
SOCK="$RUNDIR/buildkitd.sock"
REG="$RUNDIR/registry"
mkdir -p "$STATE" "$RUNDIR/tmp" "$REG/storage" "$RUNDIR/docker"
: >"$RUNDIR/pids" # "name pid starttime" lines, read by stop.sh

# Clean up whatever was started if anything below fails.
ok=0
on_exit() {
  if [ "$ok" != 1 ]; then
    log "start failed; logs: $RUNDIR/buildkitd.log $REG/registry.log"
    tail -n 20 "$RUNDIR/buildkitd.log" "$REG/registry.log" 2>/dev/null | sed 's/^/[start]   /' >&2 || true
    "$HERE/stop.sh" "$RUNDIR" >&2 || true
  fi
}
trap on_exit EXIT

starttime() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null; }
# spawn NAME LOG CMD...: runs CMD in a session of its own (it survives this script and the
# caller's process group), records "NAME PID STARTTIME" in $RUNDIR/pids, sets SPAWNED_PID.
spawn() {
  local name="$1" logf="$2"; shift 2
  setsid "$@" </dev/null >>"$logf" 2>&1 &
  SPAWNED_PID=$!
  echo "$name $SPAWNED_PID $(starttime "$SPAWNED_PID")" >>"$RUNDIR/pids"
}
alive() { kill -0 "$1" 2>/dev/null; }
port_free() { [ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }

# --- registry -------------------------------------------------------------------------------
USER_NAME="tsf"
PASSWORD="$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)"
printf '%s' "$PASSWORD" | htpasswd -B -i -c "$REG/htpasswd" "$USER_NAME" 2>/dev/null
chmod 600 "$REG/htpasswd"

PORT="" REGISTRY_PID=""
for attempt in 1 2 3 4 5; do
  p=$((20000 + RANDOM % 20000))
  port_free "$p" || continue
  cat >"$REG/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $REG/storage
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$p
  secret: $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
auth:
  htpasswd:
    realm: tsfrontend-registry
    path: $REG/htpasswd
EOF
  spawn registry "$REG/registry.log" "$DOCKER_REGISTRY_BIN" serve "$REG/config.yml"
  for _ in $(seq 100); do # up to 10 s
    code="$(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$p/v2/" || true)"
    [ "$code" = 401 ] && break
    alive "$SPAWNED_PID" || break
    sleep 0.1
  done
  if [ "$code" = 401 ]; then
    PORT="$p" REGISTRY_PID="$SPAWNED_PID"
    break
  fi
  log "registry on port $p did not come up (attempt $attempt); retrying"
  kill "$SPAWNED_PID" 2>/dev/null || true
  wait "$SPAWNED_PID" 2>/dev/null || true
done
[ -n "$PORT" ] || die "docker-registry did not answer 401 on /v2/"
REGISTRY="127.0.0.1:$PORT"
log "registry: http://$REGISTRY (pid $REGISTRY_PID, user $USER_NAME)"

# docker config for buildctl/skopeo/docker CLI: DOCKER_CONFIG=$RUNDIR/docker
printf '{\n  "auths": {\n    "%s": {\n      "auth": "%s"\n    }\n  }\n}\n' \
  "$REGISTRY" "$(printf '%s:%s' "$USER_NAME" "$PASSWORD" | base64 -w0)" >"$RUNDIR/docker/config.json"
chmod 600 "$RUNDIR/docker/config.json"

# --- buildkitd ------------------------------------------------------------------------------
cat >"$RUNDIR/buildkitd.toml" <<EOF
root = "$STATE"

[grpc]
  address = ["unix://$SOCK"]

# Each daemon its own trace socket: the default /run/buildkit/otel-grpc.sock is shared, and a
# second buildkitd started while another holds it fails with "address already in use".
[otel]
  socketPath = "$RUNDIR/otel-grpc.sock"

[worker.oci]
  enabled = true
  snapshotter = "overlayfs"
  binary = "$RUNC"
  # No CNI config and no iptables: build containers share the host network namespace.
  networkMode = "host"
  gc = true

[worker.containerd]
  enabled = false

# No CDI devices on these machines; avoids three warnings per start.
[cdi]
  disabled = true

[registry."$REGISTRY"]
  http = true
  insecure = true
EOF
# TMPDIR: buildkitd's temporary mounts (buildkit-mount*, runc*) land in the run dir too.
read -r -a EXTRA_FLAGS <<<"${TSF_BUILDKITD_FLAGS:-}"
spawn buildkitd "$RUNDIR/buildkitd.log" env TMPDIR="$RUNDIR/tmp" "$BUILDKITD" --config "$RUNDIR/buildkitd.toml" ${EXTRA_FLAGS[@]+"${EXTRA_FLAGS[@]}"}
BUILDKITD_PID="$SPAWNED_PID"
BUILDKIT_HOST="unix://$SOCK"
up=0
for _ in $(seq 300); do # up to 30 s
  if [ -S "$SOCK" ] && timeout 5 "$BUILDCTL" --addr "$BUILDKIT_HOST" debug workers >/dev/null 2>&1; then
    up=1
    break
  fi
  alive "$BUILDKITD_PID" || die "buildkitd exited"
  sleep 0.1
done
[ "$up" = 1 ] || die "buildkitd did not answer on $BUILDKIT_HOST"
# `env` exec'd buildkitd, so the recorded pid is buildkitd's.
[ "$(readlink "/proc/$BUILDKITD_PID/exe")" = "$BUILDKITD" ] || die "pid $BUILDKITD_PID is not $BUILDKITD"
PLATFORMS="$("$BUILDCTL" --addr "$BUILDKIT_HOST" debug workers --format '{{range .}}{{range .Platforms}}{{.OS}}/{{.Architecture}}{{with .Variant}}/{{.}}{{end}},{{end}}{{end}}' 2>/dev/null | sed 's/,$//' || true)"
log "buildkitd: $BUILDKIT_HOST (pid $BUILDKITD_PID, state $STATE, platforms ${PLATFORMS:-?})"

# --- env files ------------------------------------------------------------------------------
q() { printf '%q' "$1"; }
cat >"$RUNDIR/env.sh" <<EOF
# Written by scripts/env/start.sh; stop with: scripts/env/stop.sh $(q "$RUNDIR/env.sh")
export TSF_RUNDIR=$(q "$RUNDIR")
export BUILDKIT_HOST=$(q "$BUILDKIT_HOST")
export TSF_BUILDKITD_PID=$BUILDKITD_PID
export TSF_BUILDKITD_STATE=$(q "$STATE")
export TSF_BUILDKITD_CONFIG=$(q "$RUNDIR/buildkitd.toml")
export TSF_BUILDKITD_LOG=$(q "$RUNDIR/buildkitd.log")
export TSF_REGISTRY=$(q "$REGISTRY")
export TSF_REGISTRY_USER=$(q "$USER_NAME")
export TSF_REGISTRY_PASSWORD=$(q "$PASSWORD")
export TSF_REGISTRY_PID=$REGISTRY_PID
export TSF_REGISTRY_LOG=$(q "$REG/registry.log")
export TSF_DOCKER_CONFIG=$(q "$RUNDIR/docker")
export DOCKER_CONFIG=$(q "$RUNDIR/docker")
export BUILDKITD=$(q "$BUILDKITD")
export BUILDCTL=$(q "$BUILDCTL")
EOF
cat >"$RUNDIR/env.json" <<EOF
{
  "TSF_RUNDIR": "$RUNDIR",
  "BUILDKIT_HOST": "$BUILDKIT_HOST",
  "TSF_BUILDKITD_PID": $BUILDKITD_PID,
  "TSF_BUILDKITD_STATE": "$STATE",
  "TSF_BUILDKITD_CONFIG": "$RUNDIR/buildkitd.toml",
  "TSF_BUILDKITD_LOG": "$RUNDIR/buildkitd.log",
  "TSF_REGISTRY": "$REGISTRY",
  "TSF_REGISTRY_USER": "$USER_NAME",
  "TSF_REGISTRY_PASSWORD": "$PASSWORD",
  "TSF_REGISTRY_PID": $REGISTRY_PID,
  "TSF_REGISTRY_LOG": "$REG/registry.log",
  "TSF_DOCKER_CONFIG": "$RUNDIR/docker",
  "DOCKER_CONFIG": "$RUNDIR/docker",
  "BUILDKITD": "$BUILDKITD",
  "BUILDCTL": "$BUILDCTL"
}
EOF
chmod 600 "$RUNDIR/env.sh" "$RUNDIR/env.json"
ok=1
log "ready; stop with: $HERE/stop.sh $RUNDIR/env.sh"
echo "$RUNDIR/env.sh"
