#!/usr/bin/env bash
# Starts the multi-process cluster: the Temporal server v1.29.1's frontend, history, matching and
# worker services on PostgreSQL, two Yingji workers and two APIs behind haproxy (loopback). Builds
# what is missing first (the server once per machine, haproxy from Debian as root). Run it again
# after a crash: it starts only the processes that are not running. Settings: YINGJI_CLUSTER_*,
# DATABASE_URL (a server of yours instead of the cluster's own PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/cluster/ensure-server.sh >/dev/null
scripts/ensure-haproxy.sh
[ -f dist/apps/cli/src/cluster-commands.js ] || npm run --silent build
exec node bin/yingji.js cluster up "$@"
