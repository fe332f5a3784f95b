# Sourced, not run: fetches Debian packages without root and without installing anything, from the
# Debian archive this machine's apt already uses (used by scripts/webgpu-software.sh and
# packages/backend-gpujs/device/prepare.sh).
#
#   source scripts/debian-archive.sh
#   private_apt "$dir" bookworm bookworm-backports || exit 3   # sets the array private_apt_options
#   apt-get "${private_apt_options[@]}" download libvulkan1
#
# The archive is the URI of the machine's bookworm main source (/etc/apt/sources.list,
# /etc/apt/sources.list.d/*.list or deb822 *.sources); every suite asked for is added on that same
# URI. The repository names no archive host of its own.

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

# Sets up apt state of its own under $1 (sources.list, lists, cache), with the suites $2... (component
# main) on the machine's bookworm archive, fills private_apt_options and runs apt-get update.
# Returns 1, saying why on stderr, when there is no apt-get, no such archive, or the update fails.
private_apt() {
  local dir="$1" uri suite
  shift
  command -v apt-get >/dev/null || { echo "needs Debian's apt-get" >&2; return 1; }
  uri="$(bookworm_archive_uri | head -n 1)"
  [ -n "$uri" ] || { echo "no Debian bookworm main archive in this machine's apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d/)" >&2; return 1; }
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  for suite in "$@"; do printf 'deb %s %s main\n' "$uri" "$suite"; done >"$dir/sources.list"
  private_apt_options=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" -o Debug::NoLocking=1
    -o APT::Sandbox::User="$(id -un)")
  apt-get "${private_apt_options[@]}" -qq update || { echo "apt-get update failed (is $uri reachable?)" >&2; return 1; }
}
