#!/usr/bin/env bash
# README command 2: every test, unit and integration, against real Temporal and PostgreSQL; then
# every log the run wrote is scanned for token secrets and backup keys (jest project after-run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
# The cluster fault test (test/integration/cluster.test.ts) needs haproxy and the Temporal server
# v1.29.1: built here, outside any test's timeout (minutes once per machine, then copied from the cache).
scripts/ensure-haproxy.sh
scripts/cluster/ensure-server.sh >/dev/null
export YINGJI_CLUSTER_TEST="${YINGJI_CLUSTER_TEST:-1}" YINGJI_CLUSTER_TEST_INCIDENTS="${YINGJI_CLUSTER_TEST_INCIDENTS:-200}"
npx eslint . --max-warnings 0

# One folder for the run's logs (jest's output, spawned workers, the test servers' and stacks'
# logs); the secrets the run hands out are recorded beside it, never inside it (mode 0600).
run="$(date -u +%Y%m%dT%H%M%SZ)-$$"
logs_root="$PWD/.data/test-logs"
export YINGJI_TEST_LOG_DIR="$logs_root/$run"
export YINGJI_TEST_SECRETS_FILE="$logs_root/$run.secrets.jsonl"
mkdir -p "$YINGJI_TEST_LOG_DIR"
# The five newest runs' logs are kept for a look afterwards.
find "$logs_root" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' | sort -rn | tail -n +6 | cut -d' ' -f2- | xargs -r rm -rf
(umask 077 && : >"$YINGJI_TEST_SECRETS_FILE")
pidfile="$logs_root/$run.jest-pid"
started="$logs_root/$run.started"
: >"$started"
trap 'rm -f "$YINGJI_TEST_SECRETS_FILE" "$pidfile" "$started"' EXIT

# The integration stack's folder is named after jest's pid; it is kept until its logs are copied.
# Two test files run at a time (YINGJI_TEST_LANES): each has its own database, task queue and
# servers, and most of a file's time is spent waiting on Temporal, PostgreSQL and the peers.
status=0
set +e
YINGJI_KEEP_TEST_RUN=1 bash -c 'echo $$ >"$0"; exec node node_modules/jest/bin/jest.js "$@"' "$pidfile" \
  --selectProjects unit integration --maxWorkers="${YINGJI_TEST_LANES:-2}" "$@" 2>&1 | tee "$YINGJI_TEST_LOG_DIR/jest.log"
status=${PIPESTATUS[0]}
set -e

jest_pid="$(cat "$pidfile")"
rm -f "$pidfile"
# Only this run's folder: named after jest's pid and made after the run started (pids come round again).
for stack in $(find .data/test-runs -mindepth 1 -maxdepth 1 -type d -name "*-$jest_pid" -newer "$started" 2>/dev/null); do
  mkdir -p "$YINGJI_TEST_LOG_DIR/stack" && (cd "$stack" && find . -type f -name '*.log' -exec cp --parents {} "$YINGJI_TEST_LOG_DIR/stack/" \;)
  # What the global teardown does unless asked to keep the run.
  [ -n "${YINGJI_KEEP_TEST_RUN:-}" ] || rm -rf "$stack"
done

scan=0
npx jest --selectProjects after-run || scan=$?
if [ "$status" -ne 0 ]; then exit "$status"; fi
exit "$scan"
