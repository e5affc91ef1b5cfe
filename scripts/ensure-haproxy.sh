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

log=$(mktemp /tmp/ensure-haproxy.XXXXXX.log)
started=$(date +%s)
printf 'ensure-haproxy: installing haproxy with apt-get ... '
export DEBIAN_FRONTEND=noninteractive
# Debian's package starts its own service (on port 80 with its config); the cluster runs its own
# haproxy on loopback, so keep services from starting during the install (a policy-rc.d of ours,
# only when the machine has none, removed afterwards).
policy=/usr/sbin/policy-rc.d
ours=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# ensure-haproxy.sh: no service starts while it installs\nexit 101\n' >"$policy" && chmod 755 "$policy" && ours=1
fi
install() { apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 haproxy >>"$log" 2>&1; }
if ! install; then
  # Package lists may be missing or stale (fresh containers): refresh once and retry.
  apt-get update -q >>"$log" 2>&1 && install
fi
status=$?
[ -n "$ours" ] && rm -f "$policy"
if [ $status -ne 0 ]; then
  echo "failed"
  tail -n 5 "$log" | sed 's/^/  /'
  say "install failed (full log: $log); the cluster cannot put its APIs behind one address."
  exit 0
fi
echo "done ($(( $(date +%s) - started ))s)"
rm -f "$log"
where=$(find_haproxy) && say "ok: $where" || say "installed, but no haproxy binary found"
exit 0
