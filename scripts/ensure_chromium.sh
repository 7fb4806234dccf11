#!/usr/bin/env bash
# The browser tests drive Debian's Chromium with Playwright (Playwright's own
# browser download is not used). Install it when missing, or say how.
set -euo pipefail
# Chinese fonts too, or screenshots of the chat page show boxes.
have_fonts() { fc-list :lang=zh 2>/dev/null | grep -q .; }
if { command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; } && have_fonts; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium and Chinese fonts for the browser tests…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  exit 0
fi
cat >&2 <<MSG
Chromium is missing; the browser tests need it.
  Fix: sudo apt-get install chromium fonts-noto-cjk     (Debian/Ubuntu)
  or point CHROMIUM_PATH at an installed Chromium or Chrome.
MSG
exit 1
