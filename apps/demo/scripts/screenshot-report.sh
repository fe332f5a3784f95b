#!/usr/bin/env bash
# Regenerates docs/images/demo-report.png from a real run: builds the demo, trains a short MLP run,
# and screenshots its report.html in headless Chromium at 1280 px (Debian's chromium, installed by
# scripts/ensure-chromium.sh when missing).
set -euo pipefail
cd "$(dirname "$0")/../../.."
scripts/ensure-chromium.sh >/dev/null
export TURBO_TELEMETRY_DISABLED=1
npx -y pnpm@12.4.2 exec turbo run build --filter=@thermograd/demo... --output-logs=errors-only
run="$(mktemp -d)/run"
node apps/demo/dist/cli.js --epochs 2 --limit 12000 --validation 2000 --log-every 20 --quiet --out "$run"
node apps/demo/scripts/screenshot-report.mjs "$run/report.html" docs/images/demo-report.png 1280
