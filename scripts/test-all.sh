#!/usr/bin/env bash
# Runs every test suite from a fresh clone: installs npm dependencies, builds,
# then runs the unit tests, the proto drift test, the golden vectors, random graphs
# compared with Go's client/llb (graph-fuzz), the
# progress goldens (regenerated with Go and compared), the Dockerfile goldens
# against buildkit's frontend, the Dockerfile fuzz run and the generated Dockerfiles compared
# with buildkit's frontend (diff-fuzz), and the e2e tests.
# Ends with one line: `N passed, M failed` (the sum over all suites; a skipped test is not
# passed, and one not on test/skip-allowlist.txt is a failure).
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
total_skip=0
status=0

# Runs a suite, keeps its output, and adds its counts (scripts/suite-summary.mjs): passed and
# failed from the suite's summary; every skipped or todo test named, and one that is not on
# test/skip-allowlist.txt counted as a failure. Skips are never counted as passed.
suite() {
  local name=$1; shift
  log "$name"
  local out="$out_dir/$name.log"
  "$@" 2>&1 | tee "$out"
  local rc=${PIPESTATUS[0]}
  local summary counts p f s u
  summary=$(node scripts/suite-summary.mjs test/skip-allowlist.txt "$out" "$rc")
  counts=$(printf '%s\n' "$summary" | tail -1)
  if [[ ! "$counts" =~ ^counts\ [0-9]+\ [0-9]+\ [0-9]+\ [0-9]+$ ]]; then
    printf '%s\n' "$summary"
    counts="counts 0 1 0 0"
    echo "-- $name: could not count the results (scripts/suite-summary.mjs)"
  fi
  printf '%s\n' "$summary" | sed '$d'
  read -r _ p f s u <<<"$counts"
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + s))
  [ "$rc" -eq 0 ] && [ "$u" -eq 0 ] || status=1
  echo "-- $name: $p passed, $f failed, $s skipped ($u not allowed) (exit $rc)"
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
suite graph-fuzz node dist/test/golden/graph-fuzz.js
suite dockerfile-golden node dist/test/dockerfile/golden.js
suite dockerfile-fuzz node dist/test/dockerfile/fuzz.js
suite dockerfile-diff-fuzz node dist/test/dockerfile/diff-fuzz.js
suite progress node dist/test/progress/run.js
# node --test runs files in parallel. A file that prunes the shared daemon or compares its `du`
# with buildctl's (marked `// e2e: runs alone` in its first lines) would remove or change what the
# others build, and see their records come and go: those run after the others, one at a time.
e2e_alone=() e2e_rest=()
for f in test/e2e/*.test.ts; do
  js="dist/${f%.ts}.js"
  # The Dockerfile corpus is its own suite (below).
  [ "$f" = test/e2e/dockerfile-diff.test.ts ] && continue
  if head -n 20 "$f" | grep -q '^// e2e: runs alone'; then e2e_alone+=("$js"); else e2e_rest+=("$js"); fi
done
suite e2e node --test --test-reporter=tap --test-timeout=900000 "${e2e_rest[@]}"
if [ ${#e2e_alone[@]} -gt 0 ]; then
  suite e2e-alone node --test --test-reporter=tap --test-timeout=900000 --test-concurrency=1 "${e2e_alone[@]}"
fi
# The differential Dockerfile corpus: dockerfile.v0 vs tsfrontend on the shared daemon (~4 minutes with a warm cache).
suite dockerfile-diff node --test --test-reporter=tap --test-timeout=1800000 dist/test/e2e/dockerfile-diff.test.js

echo
echo "$total_pass passed, $total_fail failed"
exit $status
