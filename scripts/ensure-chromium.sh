#!/usr/bin/env bash
# Makes sure a headless Chromium (and a Chinese font, the report is labelled 中文 first) is there for
# drill-report PDFs and screenshots (apps/shared/chromium.ts). Installs the Debian packages when we
# are root with apt-get; otherwise says why the PDF/screenshot parts will be unavailable. Never fails
# the caller: always exits 0.
set -uo pipefail

say() { echo "ensure-chromium: $*"; }

find_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ]; then
    [ -x "$CHROMIUM_PATH" ] && { echo "$CHROMIUM_PATH"; return 0; }
    return 1
  fi
  local c
  for c in /usr/bin/chromium /usr/bin/chromium-browser; do
    [ -x "$c" ] && { echo "$c"; return 0; }
  done
  for c in chromium chromium-browser; do
    command -v "$c" 2>/dev/null && return 0
  done
  return 1
}

has_cjk_font() {
  # Without fontconfig we cannot tell; assume fine rather than install blindly.
  command -v fc-list >/dev/null 2>&1 || return 0
  [ -n "$(fc-list :lang=zh family 2>/dev/null | head -n 1)" ]
}

packages=()
chromium=$(find_chromium) || chromium=""
if [ -n "${CHROMIUM_PATH:-}" ] && [ -z "$chromium" ]; then
  say "CHROMIUM_PATH=$CHROMIUM_PATH is not executable; fix or unset it. Drill-report PDF and screenshots are unavailable until then."
  exit 0
fi
[ -z "$chromium" ] && packages+=(chromium)
has_cjk_font || packages+=(fonts-wqy-microhei)

if [ ${#packages[@]} -eq 0 ]; then
  say "ok: $chromium"
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  why="not root"
  command -v apt-get >/dev/null 2>&1 || why="no apt-get"
  if [ -z "$chromium" ]; then
    say "no Chromium found (CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser, PATH) and cannot install it ($why)."
    say "Drill-report PDF and screenshots are unavailable; install Chromium and/or set CHROMIUM_PATH. HTML and JSON reports still work."
  else
    say "ok: $chromium, but no Chinese font and cannot install one ($why): 中文 labels will print as boxes. Install fonts-wqy-microhei or fonts-noto-cjk."
  fi
  exit 0
fi

# shellcheck source=lib/apt-install.sh
source "$(dirname "$0")/lib/apt-install.sh"
if ! apt_install ensure-chromium keep-services "${packages[@]}"; then
  say "install failed (full log: $APT_LOG); drill-report PDF and screenshots may be unavailable. HTML and JSON reports still work."
  exit 0
fi
chromium=$(find_chromium) || chromium=""
if [ -n "$chromium" ]; then
  say "ok: $chromium"
else
  say "installed, but still no Chromium at the known paths; drill-report PDF and screenshots are unavailable."
fi
exit 0
