#!/usr/bin/env bash
# `npm test`: set up exactly like `npm start`, then run every suite: backend (pytest), frontend type check, lint,
# unit tests and production build, and the browser tests against the real backend (Debian's chromium, installed
# here when missing). Exits non-zero when any of them fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export STORYREEL_DB_PATH=${STORYREEL_DB_PATH:-$(mktemp -d)/setup.sqlite3}
bash scripts/setup.sh

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "==> Installing Debian's chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing: run 'sudo apt-get install -y chromium' and try again" >&2
    exit 1
  fi
fi

# The distributed-backend tests start a real Redis and a throwaway PostgreSQL cluster (Debian's packages).
if [ ! -x /usr/bin/redis-server ] || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "==> Installing Debian's redis-server and postgresql for the distributed-backend tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server postgresql >/dev/null
  else
    echo "redis-server or postgresql is missing: run 'sudo apt-get install -y redis-server postgresql'" >&2
    exit 1
  fi
fi

echo "==> Backend tests"
.venv/bin/python -m pytest -q

if [ -f frontend/package.json ]; then
  cd frontend
  echo "==> Frontend type check, lint, unit tests"
  npm run --silent typecheck
  npm run --silent lint
  npm run --silent test
  echo "==> Frontend build and browser tests"
  npm run --silent e2e
fi
