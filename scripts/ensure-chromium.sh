#!/usr/bin/env bash
# Makes sure Debian's chromium is installed (for the demo report's browser test and screenshot).
# Nothing downloads a browser at `pnpm install`; this installs the distribution's package instead.
# Exit 0: chromium is there (prints its path). Exit 3: it is missing and cannot be installed here
# (not root, no apt-get, or apt cannot reach its mirror); the reason is printed on one line.
set -uo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  echo "$CHROMIUM"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium is not installed at $CHROMIUM and there is no apt-get to install it" >&2
  exit 3
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium is not installed at $CHROMIUM; installing it needs root (apt-get install chromium)" >&2
  exit 3
fi
log="$(mktemp)"
if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; } >"$log" 2>&1; then
  echo "chromium could not be installed with apt-get: $(tail -n 1 "$log")" >&2
  rm -f "$log"
  exit 3
fi
rm -f "$log"
if [ ! -x "$CHROMIUM" ]; then
  echo "apt-get installed chromium, but not at $CHROMIUM" >&2
  exit 3
fi
echo "$CHROMIUM"
