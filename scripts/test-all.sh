#!/usr/bin/env bash
# Runs every test suite from a fresh clone: installs npm dependencies, builds,
# then runs the unit tests, the proto drift test, the golden vectors and the
# progress goldens (regenerated with Go and compared).
# Ends with one line: `N passed, M failed` (the sum over all suites).
set -uo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund >/dev/null || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi
log "build"
if ! npm run --silent build; then echo "build failed"; echo "0 passed, 1 failed"; exit 1; fi

out_dir=$(mktemp -d)
trap 'rm -rf "$out_dir"' EXIT
total_pass=0
total_fail=0
status=0

# Runs a suite, keeps its output, and adds its counts.
suite() {
  local name=$1; shift
  log "$name"
  local out="$out_dir/$name.log"
  "$@" 2>&1 | tee "$out"
  local rc=${PIPESTATUS[0]}
  local p f
  # node --test prints "# pass N" / "# fail N"; our runners print "N passed, M failed".
  p=$(grep -E '^(# pass|ℹ pass) [0-9]+' "$out" | tail -1 | grep -oE '[0-9]+$')
  f=$(grep -E '^(# fail|ℹ fail) [0-9]+' "$out" | tail -1 | grep -oE '[0-9]+$')
  if [ -z "$p" ]; then
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
    p=$(echo "$line" | grep -oE '^[0-9]+')
    f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
  fi
  p=${p:-0}; f=${f:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
  [ "$rc" -eq 0 ] || status=1
  echo "-- $name: $p passed, $f failed (exit $rc)"
}

# The daemon suites share one buildkitd and one registry for the whole run.
log "environment (buildkitd, registry)"
if ! bash scripts/env/install.sh; then echo "install failed"; echo "0 passed, 1 failed"; exit 1; fi
env_file=$(bash scripts/env/start.sh | tail -1)
if [ ! -f "$env_file" ]; then echo "could not start buildkitd and the registry"; echo "0 passed, 1 failed"; exit 1; fi
trap 'bash scripts/env/stop.sh "$env_file" >/dev/null 2>&1; rm -rf "$out_dir"' EXIT
# shellcheck source=/dev/null
source "$env_file"
# shellcheck source=/dev/null
source scripts/env/paths.sh
export PATH="$TSF_BIN:$PATH"

suite unit node --test --test-reporter=tap dist/src/
suite proto node --test --test-reporter=tap dist/test/proto/
suite lint node --test --test-reporter=tap dist/test/lint/
suite cli node --test --test-reporter=tap dist/test/cli/
suite golden node dist/test/golden/run.js
suite progress node dist/test/progress/run.js
suite e2e node --test --test-reporter=tap --test-timeout=900000 dist/test/e2e/

echo
echo "$total_pass passed, $total_fail failed"
exit $status
