#!/usr/bin/env bash
# Builds .device/ (git-ignored) in the repository root: everything a GPU machine without Node.js,
# npm or network needs to run device/check.ts. Run it on the (x86-64 Debian 12) development machine:
#
#   packages/backend-gpujs/device/prepare.sh
#
# then carry .device/ over and, there, `source .device/on-device.sh && cd .device && node check.mjs`
# (device/README.md). What goes in:
#   node.xz                      the Node.js binary running this script (process.execPath), xz'd
#   gpujs-webgpu-modules.tar.xz  a flat node_modules/ with gpu.js 2.24.1 and webgpu 0.3.8 (the
#                                version gpu.js pins, 0.2.9, fails on a real GPU), from the npm registry
#   debs/                        libvulkan1 and the glvnd libraries, from Debian bookworm (apt-get
#                                download: nothing is installed here)
#   on-device.sh                 unpacks all of that on the GPU machine and exports the environment
#   check.mjs                    device/check.ts bundled with thermograd (device/bundle.mjs)
# Exit 3 when something cannot be fetched (no npm registry, no apt archive).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="$root/.device"
gpujs_version='2.24.1'
webgpu_version='0.3.8'
debs=(libvulkan1 libglvnd0 libgl1 libglx0 libegl1 libgles2 libopengl0)

fail() { echo "device/prepare: $*" >&2; exit 3; }
# shellcheck source=../../../scripts/debian-archive.sh
source "$root/scripts/debian-archive.sh"

[ "$(uname -m)" = x86_64 ] || fail "the GPU machine is x86-64 Linux; this machine is $(uname -m)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
rm -rf "$out"
mkdir -p "$out/debs"

echo "device/prepare: Node.js $(node --version) ..." >&2
xz -T0 -c "$(node -p process.execPath)" >"$out/node.xz"

echo "device/prepare: gpu.js $gpujs_version + webgpu $webgpu_version from the npm registry ..." >&2
mkdir "$tmp/modules"
cat >"$tmp/modules/package.json" <<JSON
{
  "private": true,
  "dependencies": { "gpu.js": "$gpujs_version", "webgpu": "$webgpu_version" },
  "overrides": { "webgpu": "$webgpu_version" }
}
JSON
# No optional dependencies (gpu.js's headless-gl is not used on the device) and no install scripts
# (webgpu's only clears a macOS quarantine attribute).
(cd "$tmp/modules" && npm install --omit=optional --ignore-scripts --install-strategy=hoisted \
  --no-audit --no-fund --no-package-lock --loglevel=error) || fail 'npm install of gpu.js and webgpu failed'
[ "$(node -p "require('$tmp/modules/node_modules/webgpu/package.json').version")" = "$webgpu_version" ] ||
  fail "webgpu is not $webgpu_version after the install"
# Only what Node on Linux x86-64 loads: Dawn's Linux binary (not the Windows/macOS ones) and gpu.js's
# src/ (not its browser bundles).
find "$tmp/modules/node_modules/webgpu/dist" -type f ! -name 'linux-x64.dawn.node' -delete
rm -rf "$tmp/modules/node_modules/gpu.js/dist"
tar cJf "$out/gpujs-webgpu-modules.tar.xz" -C "$tmp/modules" node_modules

echo "device/prepare: ${debs[*]} from Debian bookworm ..." >&2
private_apt "$tmp/apt" bookworm || fail 'cannot reach a Debian archive (see above)'
(cd "$out/debs" && apt-get "${private_apt_options[@]}" -qq download "${debs[@]}") ||
  fail "apt-get download ${debs[*]} failed"

cp "$here/on-device.sh" "$out/on-device.sh"
(cd "$root/packages/backend-gpujs" && node device/bundle.mjs "$out/check.mjs")
echo "device/prepare: .device/ is ready ($(du -sh "$out" | cut -f1)); carry it to the GPU machine" >&2
