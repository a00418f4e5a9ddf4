#!/usr/bin/env bash
# `npm test`: set up exactly like `npm start`, then run the quality gate (scripts/lint.sh) and every suite: backend
# (pytest, including the distributed-backend tests on a real Redis and PostgreSQL), frontend unit tests, the
# production build and the browser tests against the real backend. Debian packages the tests need (chromium,
# redis-server, postgresql) are installed here when missing. Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export STORYREEL_DB_PATH=${STORYREEL_DB_PATH:-$(mktemp -d)/setup.sqlite3}
bash scripts/setup.sh

# need_debian_packages WHY CHECK-COMMAND PACKAGE...: install PACKAGEs when CHECK-COMMAND fails (root only).
need_debian_packages() {
  local why=$1 check=$2
  shift 2
  if ! bash -c "$check" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      echo "==> Installing Debian's $* for $why"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
      echo "$* missing (needed for $why): run 'sudo apt-get install -y $*' and try again" >&2
      exit 1
    fi
  fi
}
need_debian_packages "the browser tests" "test -x /usr/bin/chromium" chromium
need_debian_packages "the distributed-backend tests" \
  "test -x /usr/bin/redis-server && ls /usr/lib/postgresql/*/bin/initdb" redis-server postgresql

echo "==> Quality gate"
bash scripts/lint.sh

echo "==> Backend tests"
.venv/bin/python -m pytest -q

if [ -f frontend/package.json ]; then
  cd frontend
  echo "==> Frontend unit tests"
  npm run --silent test
  echo "==> Frontend build and browser tests"
  npm run --silent e2e
fi
