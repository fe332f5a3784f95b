#!/usr/bin/env bash
# The published packages work outside this monorepo: builds and packs @thermograd/autograd, backend-wasm, optim and
# data (`pnpm pack` turns their workspace:* dependencies into real versions), checks each tarball
# holds dist/, the type declarations, README.md and LICENSE, then installs the tarballs with plain
# npm into a new project in a temporary directory outside the workspace (their other dependencies
# come from the npm registry), typechecks scripts/packed-project/train.ts against the installed
# declarations and runs it: softmax regression on 1,000 MNIST images, which must lower the loss.
# (pnpm pack takes LICENSE from the workspace root.) About 20 s after a build. Usage: scripts/check-packed.sh   (CI runs it; exit 0 = all good)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export TURBO_TELEMETRY_DISABLED=1
packages=(autograd backend-wasm optim data)

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
case "$tmp/" in "$root"/*) echo "check-packed: $tmp is inside the workspace" >&2; exit 1 ;; esac

npx -y pnpm@12.4.2 exec turbo run build "${packages[@]/#/--filter=@thermograd/}" --output-logs=errors-only
mkdir "$tmp/tarballs"
for p in "${packages[@]}"; do
  (cd "packages/$p" && npx -y pnpm@12.4.2 pack --pack-destination "$tmp/tarballs" >/dev/null)
  tarball="$tmp/tarballs/thermograd-$p-0.1.0.tgz"
  listing="$(tar tzf "$tarball")"
  for f in package/package.json package/README.md package/LICENSE package/dist/index.js package/dist/index.d.ts; do
    grep -qx "$f" <<<"$listing" || { echo "check-packed: $f missing from $(basename "$tarball")" >&2; exit 1; }
  done
  if tar xzOf "$tarball" package/package.json | grep -q 'workspace:'; then
    echo "check-packed: $(basename "$tarball") still has a workspace: dependency" >&2
    exit 1
  fi
done

project="$tmp/project"
mkdir "$project"
cp scripts/packed-project/train.ts scripts/packed-project/tsconfig.json "$project/"
echo '{ "name": "thermograd-packed-check", "private": true, "type": "module" }' >"$project/package.json"
(cd "$project" && npm install --no-audit --no-fund --loglevel=error "$tmp"/tarballs/*.tgz)
node "$root/node_modules/typescript/bin/tsc" -p "$project/tsconfig.json"
(cd "$project" && node out/train.js)
echo "check-packed: ${packages[*]} install from their tarballs and train outside the workspace"
