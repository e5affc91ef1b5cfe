#!/usr/bin/env bash
# Builds the Temporal server and its SQL schema tool (v1.29.1, the server inside the Temporal CLI
# v1.5.1) into the project's tools folder, once per machine: a build is kept in the user cache
# (~/.cache/yingji/tools/) and copied from there by the next clone. Safe to run again.
# Prints the two binaries' paths on its last two lines.
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION=v1.29.1
MODULE=go.temporal.io/server
BIN_DIR="$PWD/.tools/bin"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/yingji/tools"
mkdir -p "$BIN_DIR"

runnable() { [ -x "$1" ] && "$1" --help >/dev/null 2>&1; }

# ensure <binary name> <package> <name go install gives it>
ensure() {
  local name=$1 pkg=$2 built=$3
  local local_bin="$BIN_DIR/$name-$VERSION" cached="$CACHE_DIR/$name-$VERSION"
  if runnable "$local_bin"; then
    echo "$name $VERSION: present in .tools/bin" >&2
  elif runnable "$cached"; then
    cp "$cached" "$local_bin" && chmod 755 "$local_bin"
    echo "$name $VERSION: reused the build in $cached" >&2
  else
    echo "$name $VERSION: building with go install $pkg@$VERSION (minutes, once per machine)..." >&2
    local start=$SECONDS tmp
    tmp=$(mktemp -d)
    # GOFLAGS=-mod=mod as for the CLI; CGO off: a static binary that runs on any machine of this arch.
    if ! GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS=-mod=mod go install "$pkg@$VERSION"; then
      echo "go install failed; retrying once without the checksum database (GOSUMDB=off)..." >&2
      GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS=-mod=mod GOSUMDB=off go install "$pkg@$VERSION"
    fi
    mv "$tmp/$built" "$local_bin" && rmdir "$tmp"
    echo "$name $VERSION: built in $((SECONDS - start))s into $local_bin" >&2
    # The cache only saves time later; a read-only home is fine.
    { mkdir -p "$CACHE_DIR" && cp "$local_bin" "$cached"; } 2>/dev/null || true
  fi
  ln -sf "$name-$VERSION" "$BIN_DIR/$name"
  echo "$BIN_DIR/$name"
}

ensure temporal-server "$MODULE/cmd/server" server
ensure temporal-sql-tool "$MODULE/cmd/tools/sql" sql
