#!/usr/bin/env bash
# The differential Dockerfile corpus (test/e2e/dockerfile-diff.test.ts): every case of test/dockerfile-corpus/
# built by dockerfile.v0 and by tsfrontend on the test daemon, compared. Needs a built tree (npm run build) and
# the test environment (source the env.sh of scripts/env/start.sh). Options through the environment:
# TSF_DIFF_SELF=1, TSF_DIFF_MUTATE=label|file|line, TSF_DIFF_CASES=REGEX, TSF_DIFF_JOBS=N (see the test file).
# Ends with one line: `N passed, M failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=/dev/null
source scripts/env/paths.sh
export PATH="$TSF_BIN:$PATH"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
node --test --test-reporter=spec --test-timeout=1800000 dist/test/e2e/dockerfile-diff.test.js 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
counts=$(node scripts/suite-summary.mjs test/skip-allowlist.txt "$log" "$rc" | tail -1)
read -r _ passed failed _ _ <<<"$counts"
echo "${passed:-0} passed, ${failed:-1} failed"
[ "$rc" -eq 0 ] && [ "${failed:-1}" -eq 0 ]
