#!/usr/bin/env bash
# Installs headless Chromium (Debian's `chromium` package) for the analyzer's HTML report test.
# Idempotent: does nothing when /usr/bin/chromium is already there. Needs root (CI runs as root);
# otherwise it says so and exits 1, and the test that needs a browser skips with that reason.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-browser: /usr/bin/chromium is missing and installing it needs root (apt-get install chromium)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-browser: /usr/bin/chromium is missing and this system has no apt-get" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
if [ ! -x /usr/bin/chromium ]; then
  echo "setup-browser: apt-get finished but /usr/bin/chromium is still missing" >&2
  exit 1
fi
