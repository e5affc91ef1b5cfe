#!/usr/bin/env bash
# Each process of the cluster with its pid (or "down") and log; exit 3 when any is down.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node bin/yingji.js cluster status "$@"
