#!/usr/bin/env bash
# The browser tests drive Debian's Chromium with Playwright (Playwright's own
# browser download is not used). Install it when missing, or say how.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
cat >&2 <<MSG
Chromium is missing; the browser tests need it.
  Fix: sudo apt-get install chromium     (Debian/Ubuntu)
  or point CHROMIUM_PATH at an installed Chromium or Chrome.
MSG
exit 1
