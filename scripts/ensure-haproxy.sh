#!/usr/bin/env bash
# Makes sure Debian's haproxy is there for the multi-process cluster (scripts/cluster/up.sh puts the
# API processes behind it). Installs the Debian package when we are root with apt-get; otherwise
# says what is missing. Never fails the caller: always exits 0. Prints where the binary is.
set -uo pipefail

say() { echo "ensure-haproxy: $*"; }

find_haproxy() {
  local c
  for c in /usr/sbin/haproxy /usr/bin/haproxy; do
    [ -x "$c" ] && { echo "$c"; return 0; }
  done
  command -v haproxy 2>/dev/null
}

if where=$(find_haproxy); then
  say "ok: $where"
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  why="not root"
  command -v apt-get >/dev/null 2>&1 || why="no apt-get"
  say "no haproxy and cannot install it ($why). The cluster needs it in front of its API processes: apt-get install haproxy"
  exit 0
fi

# Debian's package starts its own service (on port 80 with its config); the cluster runs its own.
# shellcheck source=lib/apt-install.sh
source "$(dirname "$0")/lib/apt-install.sh"
if ! apt_install ensure-haproxy no-services haproxy; then
  say "install failed (full log: $APT_LOG); the cluster cannot put its APIs behind one address."
  exit 0
fi
where=$(find_haproxy) && say "ok: $where" || say "installed, but no haproxy binary found"
exit 0
