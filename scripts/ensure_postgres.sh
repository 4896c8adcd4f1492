#!/usr/bin/env bash
# Install Debian's PostgreSQL server binaries for the fault tests when they are missing.
# The tests start their own throw-away cluster (initdb/pg_ctl as the unprivileged `postgres` user,
# on a free port under a temp dir), so no system cluster is created or started here.
# Never fails the build: without PostgreSQL the PostgreSQL tests skip with a clear reason.
set -u
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "postgresql is missing and we are not root: PostgreSQL tests will be skipped (install the Debian package postgresql)." >&2
    exit 0
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "postgresql is missing and apt-get is not available: PostgreSQL tests will be skipped." >&2
  exit 0
fi
echo "Installing postgresql (Debian package) for the PostgreSQL tests..." >&2
export DEBIAN_FRONTEND=noninteractive
# Only the binaries are needed: keep the package from creating and starting a `main` cluster.
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  $SUDO mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
LOG="$(mktemp)"
$SUDO apt-get update -qq >"$LOG" 2>&1 || true
if ! $SUDO apt-get install -y -qq --no-install-recommends postgresql >>"$LOG" 2>&1; then
  echo "Could not install postgresql: PostgreSQL tests will be skipped. apt-get said:" >&2
  tail -n 15 "$LOG" >&2
fi
rm -f "$LOG"
exit 0
