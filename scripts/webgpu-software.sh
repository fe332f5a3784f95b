#!/usr/bin/env bash
# Runs a command with a software WebGPU adapter, so that gpu.js's WGSL kernels can be checked on a
# machine without a GPU:   scripts/webgpu-software.sh node check.mjs
#
# Why: Dawn (the `webgpu` npm package) needs a Vulkan driver. Debian 12's own software driver (Mesa
# 22.3 lavapipe) lacks a feature Dawn requires, so Dawn finds no adapter; Mesa 25's lavapipe, from
# bookworm-backports, works. This fetches it once into .lavapipe/ (git-ignored, about 11 MB) with
# `apt-get download` (no root, nothing installed system-wide), then runs the command with
# LD_LIBRARY_PATH and VK_DRIVER_FILES pointing there. Speed on lavapipe means nothing; correctness does.
#
# The packages come from the Debian archive this machine's apt already uses: the URI of its
# bookworm main archive (from /etc/apt/sources.list, sources.list.d/*.list or deb822 *.sources), with
# the bookworm-backports suite added on that same URI. No archive configured: exit 3, as for any
# other "cannot fetch".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.lavapipe"
libs="$dir/root/usr/lib/x86_64-linux-gnu"
icd="$dir/root/usr/share/vulkan/icd.d/lvp_icd.json"
# The version measured to work; if the archive has moved on, the newest backport is taken (and said).
mesa_pinned='25.0.7-2~bpo12+1'

fail() { echo "webgpu-software: $*" >&2; exit 3; }

# shellcheck source=scripts/debian-archive.sh
source "$root/scripts/debian-archive.sh"

if [ ! -f "$dir/ready" ]; then
  [ "$(uname -m)" = x86_64 ] || fail "only x86-64 is set up (found $(uname -m))"
  rm -rf "$dir" && mkdir -p "$dir/debs"
  echo "webgpu-software: fetching Mesa's lavapipe (bookworm-backports) into .lavapipe/ ..." >&2
  private_apt "$dir" bookworm bookworm-backports || fail "cannot fetch Mesa's lavapipe (see above)"
  apt=("${private_apt_options[@]}")
  mesa="mesa-vulkan-drivers=$mesa_pinned"
  if ! apt-cache "${apt[@]}" show "$mesa" >/dev/null 2>&1; then
    mesa="mesa-vulkan-drivers/bookworm-backports"
    echo "webgpu-software: $mesa_pinned is gone from the archive; taking the newest backport" >&2
  fi
  (cd "$dir/debs" && apt-get "${apt[@]}" -qq download "$mesa" libvulkan1 2>/dev/null) || fail "apt-get download $mesa libvulkan1 failed"
  for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
  # The manifest names the driver by file name; make it absolute, since nothing is installed.
  sed -i "s#\"library_path\": \"[^\"]*\"#\"library_path\": \"$libs/libvulkan_lvp.so\"#" "$icd"
  missing="$(LD_LIBRARY_PATH="$libs" ldd "$libs/libvulkan_lvp.so" | grep 'not found' || true)"
  [ -z "$missing" ] || fail "lavapipe needs libraries this machine lacks: $missing"
  # Only lavapipe is wanted: drop the hardware drivers and layers the package also carries.
  find "$libs" -name 'libvulkan_*.so' ! -name libvulkan_lvp.so -delete
  find "$libs" -name 'libVkLayer_*' -delete
  rm -rf "$dir/root/usr/share/vulkan/implicit_layer.d" "$dir/root/usr/share/vulkan/explicit_layer.d" "$dir/root/usr/share/doc"
  find "$dir/root/usr/share/vulkan/icd.d" -type f ! -name lvp_icd.json -delete
  rm -rf "$dir/lists" "$dir/cache" "$dir/debs"
  echo "$mesa" >"$dir/ready"
fi

export LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export VK_DRIVER_FILES="$icd"
exec "$@"
