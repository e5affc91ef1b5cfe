#!/usr/bin/env bash
# Installs what a fresh clone lacks: npm packages (from the lockfile), the compiled code, and the
# Temporal CLI (built once with `go install`, then reused), and headless Chromium for drill reports'
# PDFs and screenshots (Debian's package). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> npm ci"
  npm ci --no-fund --no-audit
fi
echo "==> build (tsc)"
npm run --silent build
scripts/ensure-chromium.sh
scripts/ensure-monitoring.sh
if [ -z "${TEMPORAL_ADDRESS:-}" ]; then
  node bin/yingji.js setup
fi
