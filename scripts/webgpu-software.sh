#!/usr/bin/env bash
# Runs a command with a software WebGPU adapter, so that gpu.js's WGSL kernels can be checked on a
# machine without a GPU:   scripts/webgpu-software.sh node check.mjs
#
# Why: Dawn (the `webgpu` npm package) needs a Vulkan driver. Debian 12's own software driver (Mesa
# 22.3 lavapipe) lacks a feature Dawn requires, so Dawn finds no adapter; Mesa 25's lavapipe, from
# bookworm-backports, works. This fetches it once into .lavapipe/ (git-ignored, about 11 MB) with
# `apt-get download` (no root, nothing installed system-wide), then runs the command with
# LD_LIBRARY_PATH and VK_DRIVER_FILES pointing there. Speed on lavapipe means nothing; correctness does.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.lavapipe"
libs="$dir/root/usr/lib/x86_64-linux-gnu"
icd="$dir/root/usr/share/vulkan/icd.d/lvp_icd.json"
# The version measured to work; if the mirror has moved on, the newest backport is taken (and said).
mesa_pinned='25.0.7-2~bpo12+1'

fail() { echo "webgpu-software: $*" >&2; exit 3; }

if [ ! -f "$dir/ready" ]; then
  command -v apt-get >/dev/null || fail "needs Debian's apt-get (this fetches Mesa's lavapipe from bookworm-backports)"
  [ "$(uname -m)" = x86_64 ] || fail "only x86-64 is set up (found $(uname -m))"
  rm -rf "$dir" && mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/debs"
  printf '%s\n' 'deb http://deb.debian.org/debian bookworm main' 'deb http://deb.debian.org/debian bookworm-backports main' >"$dir/sources.list"
  apt=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$dir/lists"
    -o "Dir::Cache=$dir/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User="$(id -un)")
  echo "webgpu-software: fetching Mesa's lavapipe (bookworm-backports) into .lavapipe/ ..." >&2
  apt-get "${apt[@]}" -qq update || fail 'apt-get update failed (is deb.debian.org reachable?)'
  mesa="mesa-vulkan-drivers=$mesa_pinned"
  if ! apt-cache "${apt[@]}" show "$mesa" >/dev/null 2>&1; then
    mesa="mesa-vulkan-drivers/bookworm-backports"
    echo "webgpu-software: $mesa_pinned is gone from the mirror; taking the newest backport" >&2
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
