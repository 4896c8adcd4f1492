#!/usr/bin/env bash
# Install Debian's Chromium + ChromeDriver for the browser tests when they are missing.
# Never fails the build: without Chromium the browser tests skip with a clear reason.
set -u
if [ -x /usr/bin/chromium ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "chromium is missing and we are not root: browser tests will be skipped (install the Debian packages chromium and chromium-driver)." >&2
    exit 0
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium is missing and apt-get is not available: browser tests will be skipped." >&2
  exit 0
fi
echo "Installing chromium and chromium-driver (Debian packages) for the browser tests..." >&2
export DEBIAN_FRONTEND=noninteractive
LOG="$(mktemp)"
$SUDO apt-get update -qq >"$LOG" 2>&1 || true
if ! $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-liberation >>"$LOG" 2>&1; then
  echo "Could not install chromium: browser tests will be skipped. apt-get said:" >&2
  tail -n 15 "$LOG" >&2
fi
rm -f "$LOG"
exit 0
