#!/usr/bin/env bash
# Makes sure Debian's Prometheus, Alertmanager, node_exporter and postgres_exporter are there for
# `yingji up --monitoring` and the monitoring tests (scripts/stack/monitoring.ts). Installs the
# Debian packages when we are root with apt-get; otherwise says what is missing. Never fails the
# caller: always exits 0. Prints where each binary is (Debian names Alertmanager
# `prometheus-alertmanager`, not `alertmanager`).
set -uo pipefail

say() { echo "ensure-monitoring: $*"; }

# name:package:candidates (first executable wins; PATH names last)
tools=(
  "prometheus:prometheus:/usr/bin/prometheus prometheus"
  "promtool:prometheus:/usr/bin/promtool promtool"
  "alertmanager:prometheus-alertmanager:/usr/bin/prometheus-alertmanager /usr/sbin/prometheus-alertmanager /usr/bin/alertmanager prometheus-alertmanager alertmanager"
  "amtool:prometheus-alertmanager:/usr/bin/amtool amtool"
  "node_exporter:prometheus-node-exporter:/usr/bin/prometheus-node-exporter /usr/bin/node_exporter prometheus-node-exporter node_exporter"
  "postgres_exporter:prometheus-postgres-exporter:/usr/bin/prometheus-postgres-exporter /usr/bin/postgres_exporter prometheus-postgres-exporter postgres_exporter"
)

find_tool() {
  local c
  for c in $1; do
    if [[ $c == /* ]]; then
      [ -x "$c" ] && { echo "$c"; return 0; }
    else
      command -v "$c" 2>/dev/null && return 0
    fi
  done
  return 1
}

missing_packages() {
  local t name pkg cands out=()
  for t in "${tools[@]}"; do
    IFS=: read -r name pkg cands <<<"$t"
    find_tool "$cands" >/dev/null || out+=("$pkg")
  done
  printf '%s\n' "${out[@]}" | sort -u | grep -v '^$'
}

report() {
  local t name pkg cands where
  for t in "${tools[@]}"; do
    IFS=: read -r name pkg cands <<<"$t"
    where=$(find_tool "$cands") || where="missing (package $pkg)"
    say "$name: $where"
  done
}

mapfile -t packages < <(missing_packages)
if [ ${#packages[@]} -eq 0 ]; then
  report
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  why="not root"
  command -v apt-get >/dev/null 2>&1 || why="no apt-get"
  say "missing ${packages[*]} and cannot install them ($why)."
  say "\`yingji up --monitoring\` and the monitoring tests need them: apt-get install ${packages[*]}"
  report
  exit 0
fi

# The packages' own services would listen on 9090/9093/9100/9187 with Debian's configs; Yingji starts its own.
# shellcheck source=lib/apt-install.sh
source "$(dirname "$0")/lib/apt-install.sh"
if ! apt_install ensure-monitoring no-services "${packages[@]}"; then
  say "install failed (full log: $APT_LOG); \`yingji up --monitoring\` and the monitoring tests are unavailable."
  report
  exit 0
fi
report
exit 0
