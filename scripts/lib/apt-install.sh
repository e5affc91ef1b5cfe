# Sourced by scripts/ensure-*.sh: installs Debian packages with apt-get, quietly, into a log.
#   apt_install <who> <keep-services|no-services> <package>...
# Prints "installing ... done (Ns)" or "failed" with the log's last lines; returns apt-get's status
# and leaves the log's path in APT_LOG when it failed. `no-services`: packages whose Debian service
# would start on its default port with Debian's config (Yingji runs its own processes on loopback)
# are kept from starting during the install by a policy-rc.d of ours, only when the machine has
# none, removed afterwards.
apt_install() {
  local who=$1 services=$2
  shift 2
  APT_LOG=$(mktemp "/tmp/$who.XXXXXX.log")
  local started policy=/usr/sbin/policy-rc.d ours="" status
  started=$(date +%s)
  printf '%s: installing %s with apt-get ... ' "$who" "$*"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$services" = no-services ] && [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# %s: no service starts while it installs\nexit 101\n' "$who" >"$policy" && chmod 755 "$policy" && ours=1
  fi
  _apt_get_install() { apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 "$@" >>"$APT_LOG" 2>&1; }
  if ! _apt_get_install "$@"; then
    # Package lists may be missing or stale (fresh containers): refresh once and retry.
    apt-get update -q >>"$APT_LOG" 2>&1 && _apt_get_install "$@"
  fi
  status=$?
  [ -n "$ours" ] && rm -f "$policy"
  if [ $status -ne 0 ]; then
    echo "failed"
    tail -n 5 "$APT_LOG" | sed 's/^/  /'
    return $status
  fi
  echo "done ($(( $(date +%s) - started ))s)"
  rm -f "$APT_LOG"
}
