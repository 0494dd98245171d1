#!/usr/bin/env bash
# Installs what the analyzer's HTML report tests need: headless Chromium (Debian's `chromium`
# package) and a font that covers Hangul (`fonts-noto-cjk`), so the Korean report can be checked
# to render its text, not boxes. Idempotent: does nothing when /usr/bin/chromium is there and
# fontconfig knows a Korean font. Needs root (CI runs as root); otherwise it says so and exits 1,
# and the tests that need a browser skip with that reason.
set -euo pipefail

has_korean_font() {
  command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=ko family)" ]
}

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
has_korean_font || missing+=(fonts-noto-cjk)
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-browser: ${missing[*]} missing and installing needs root (apt-get install ${missing[*]})" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-browser: ${missing[*]} missing and this system has no apt-get" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
if [ ! -x /usr/bin/chromium ]; then
  echo "setup-browser: apt-get finished but /usr/bin/chromium is still missing" >&2
  exit 1
fi
if ! has_korean_font; then
  echo "setup-browser: apt-get finished but fontconfig still lists no Korean font (fc-list :lang=ko)" >&2
  exit 1
fi
