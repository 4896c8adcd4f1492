#!/usr/bin/env bash
# Install Debian's Chromium + ChromeDriver for the browser tests when they are missing.
set -u
if [ -x /usr/bin/chromium ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "chromium is missing and we are not root: browser tests will be skipped (install the Debian packages chromium and chromium-driver)." >&2
    exit 0
  fi
fi
echo "Installing chromium and chromium-driver (Debian packages) for the browser tests..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || true
if ! $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1; then
  echo "Could not install chromium: browser tests will be skipped." >&2
fi
exit 0
