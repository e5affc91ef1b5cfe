#!/usr/bin/env bash
# README command 1: set everything up, bring the stack up on the embedded defaults, and run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
node bin/yingji.js demo
