#!/usr/bin/env bash
# README command 2: every test, unit and integration, against real Temporal and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
npx eslint . --max-warnings 0
npx jest --selectProjects unit integration --runInBand "$@"
