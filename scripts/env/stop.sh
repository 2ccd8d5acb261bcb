#!/usr/bin/env bash
# Stops what scripts/env/start.sh started and removes its run dir.
#   usage: scripts/env/stop.sh RUNDIR/env.sh | RUNDIR      (default: $TSF_RUNDIR)
# Only processes recorded in RUNDIR/pids (checked against their start time, so a reused pid
# is never hit) are signalled, plus runc containers whose bundle lies in RUNDIR. Leftover
# mounts under RUNDIR (or overlay mounts whose layers lie there) are unmounted, then RUNDIR
# is deleted. Safe to run twice.
set -euo pipefail

log() { printf '[stop] %s\n' "$*" >&2; }
die() { printf '[stop] ERROR: %s\n' "$*" >&2; exit 1; }

arg="${1:-${TSF_RUNDIR:-}}"
[ -n "$arg" ] || die "usage: $0 RUNDIR/env.sh | RUNDIR"
case "$arg" in *.sh) RUNDIR="$(dirname "$arg")" ;; *) RUNDIR="$arg" ;; esac
if [ ! -d "$RUNDIR" ]; then
  log "$RUNDIR does not exist: nothing to do"
  exit 0
fi
RUNDIR="$(cd "$RUNDIR" && pwd -P)"
[ -f "$RUNDIR/.tsfrontend-rundir" ] || die "$RUNDIR was not made by start.sh (no .tsfrontend-rundir marker)"
[ "$(id -u)" = 0 ] || die "must run as root"

# Field 22 of /proc/PID/stat (after the ")" of the command name) is the start time; a zombie
# (state Z) counts as gone.
starttime() { sed -n 's/^.*) \([A-Za-z]\) .*$/\1 &/p' "/proc/$1/stat" 2>/dev/null | awk '$1 != "Z" { sub(/^.*\) /, ""); print $20 }' || true; }
ours() { [ -n "$2" ] && [ "$(starttime "$1")" = "$2" ]; } # pid still the process we started?

# Build containers of our buildkitd: runc's default root, bundles in RUNDIR/state/.../executor/<id>.
RUNC_BIN="$(awk -F'"' '/^[[:space:]]*binary[[:space:]]*=/{print $2; exit}' "$RUNDIR/buildkitd.toml" 2>/dev/null || true)"
[ -x "${RUNC_BIN:-}" ] || RUNC_BIN="$(command -v runc || true)"
our_containers() {
  [ -n "$RUNC_BIN" ] || return 0
  "$RUNC_BIN" list -f json 2>/dev/null | tr '{' '\n' | grep -F "\"bundle\":\"$RUNDIR/" |
    sed -n 's/.*"id":"\([^"]*\)".*/\1/p' || true
}

# 1. kill running build containers first, so buildkitd's graceful stop need not wait for them.
for id in $(our_containers); do
  log "killing build container $id"
  "$RUNC_BIN" kill "$id" KILL 2>/dev/null || true
done

# 2. processes start.sh recorded: buildkitd first (it cleans up its containers), then registry.
if [ -f "$RUNDIR/pids" ]; then
  for name in buildkitd registry; do
    while read -r n pid st; do
      [ "$n" = "$name" ] || continue
      if ! ours "$pid" "$st"; then continue; fi
      log "stopping $name (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 100); do ours "$pid" "$st" || break; sleep 0.1; done # up to 10 s
      if ours "$pid" "$st"; then
        log "$name (pid $pid) ignored SIGTERM; SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        for _ in $(seq 50); do ours "$pid" "$st" || break; sleep 0.1; done
      fi
      if ours "$pid" "$st"; then die "could not stop $name (pid $pid)"; fi
    done <"$RUNDIR/pids"
  done
fi

# 3. containers left behind (buildkitd killed mid-build).
for id in $(our_containers); do
  log "removing leftover runc container $id"
  "$RUNC_BIN" kill "$id" KILL 2>/dev/null || true
  "$RUNC_BIN" delete --force "$id" 2>/dev/null || true
done

# 4. leftover mounts: mount point under RUNDIR, or super options naming RUNDIR (overlay layers).
#    Deepest first; umount -R, lazy as a last resort.
leftover_mounts() {
  awk -v d="$RUNDIR/" '
    { mp = $5; gsub(/\\040/, " ", mp) }
    index(mp "/", d) == 1 || index($0, "=" d) > 0 || index($0, ":" d) > 0 { print mp }
  ' /proc/self/mountinfo | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2- | uniq
}
for round in 1 2 3; do
  mapfile -t mounts < <(leftover_mounts)
  [ "${#mounts[@]}" -gt 0 ] || break
  for m in "${mounts[@]}"; do
    log "umount $m"
    if [ "$round" -lt 3 ]; then umount -R "$m" 2>/dev/null || true; else umount -R -l "$m" 2>/dev/null || true; fi
  done
done
mapfile -t mounts < <(leftover_mounts)
[ "${#mounts[@]}" -eq 0 ] || die "mounts still present under $RUNDIR: ${mounts[*]}"

# 5. the run dir itself (state, registry storage, sockets, credentials).
rm -rf --one-file-system "$RUNDIR"
log "stopped and removed $RUNDIR"
