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

# Prints the URI of the first enabled `deb` source for suite bookworm with component main, from the
# one-line format (`deb [options] URI suite components...`) and the deb822 format (stanzas of
# Types/URIs/Suites/Components fields).
bookworm_archive_uri() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
      awk '$1 == "deb" && $3 == "bookworm" { for (i = 4; i <= NF; i++) if ($i == "main") { print $2; exit } }'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    sed -e '/^[[:space:]]*#/d' -e 's/#.*//' "$f" | awk '
      function has(list, word,   n, a, i) { n = split(list, a, " "); for (i = 1; i <= n; i++) if (a[i] == word) return 1; return 0 }
      function stanza(   u) {
        if (!found && has(f["types"], "deb") && has(f["suites"], "bookworm") && has(f["components"], "main") && f["enabled"] !~ /^ *[Nn][Oo] *$/) {
          split(f["uris"], u, " "); if (u[1] != "") { print u[1]; found = 1 }
        }
        split("", f)
      }
      /^[ \t]*$/ { stanza(); next }
      /^[ \t]/ { if (key != "") f[key] = f[key] " " $0; next }
      { key = tolower(substr($0, 1, index($0, ":") - 1)); f[key] = substr($0, index($0, ":") + 1) }
      END { stanza() }'
  done
}

if [ ! -f "$dir/ready" ]; then
  command -v apt-get >/dev/null || fail "needs Debian's apt-get (this fetches Mesa's lavapipe from bookworm-backports)"
  [ "$(uname -m)" = x86_64 ] || fail "only x86-64 is set up (found $(uname -m))"
  rm -rf "$dir" && mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/debs"
  uri="$(bookworm_archive_uri | head -n 1)"
  [ -n "$uri" ] || fail "no Debian bookworm main archive in this machine's apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d/)"
  printf 'deb %s bookworm main\ndeb %s bookworm-backports main\n' "$uri" "$uri" >"$dir/sources.list"
  apt=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$dir/lists"
    -o "Dir::Cache=$dir/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User="$(id -un)")
  echo "webgpu-software: fetching Mesa's lavapipe (bookworm-backports) into .lavapipe/ ..." >&2
  apt-get "${apt[@]}" -qq update || fail "apt-get update failed (is $uri reachable?)"
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
