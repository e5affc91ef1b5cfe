#!/usr/bin/env bash
# Stops every process scripts/cluster/up.sh started (and the cluster's own PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node bin/yingji.js cluster down "$@"
