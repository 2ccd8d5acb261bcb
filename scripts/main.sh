#!/usr/bin/env bash
# The main job, from a fresh machine: install what the project needs (buildkitd
# v0.32.2, runc, qemu, busybox for three architectures, registry tools), build
# tsfrontend, then build a real multi-platform image from scratch with it:
# a busybox shell image for linux/amd64, linux/arm64 and linux/arm/v7, exported
# as one OCI image index to out/busybox-shell.oci.tar.
#
# The daemon is BUILDKIT_HOST when set, else /run/buildkit/buildkitd.sock when a
# daemon answers there, else a buildkitd that tsfrontend starts itself (stop it
# with `node dist/cli/main.js daemon stop`).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/env/install.sh
# shellcheck source=/dev/null
source scripts/env/paths.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build

mkdir -p out
export PATH="$TSF_BIN:$PATH"
node dist/cli/main.js build \
  -f examples/busybox-shell.ts \
  --local "busybox=$TSF_CACHE/busybox" \
  --platform linux/amd64,linux/arm64,linux/arm/v7 \
  --progress "${PROGRESS:-plain}" \
  --metadata-file out/busybox-shell.metadata.json \
  -o type=oci,dest=out/busybox-shell.oci.tar,name=tsfrontend/busybox-shell:latest

echo "main: built out/busybox-shell.oci.tar ($(du -h out/busybox-shell.oci.tar | cut -f1)), image index $(node -e 'console.log(JSON.parse(require("fs").readFileSync("out/busybox-shell.metadata.json","utf8"))["containerimage.digest"])')"
