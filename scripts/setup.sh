#!/usr/bin/env bash
# Set up everything StoryReel needs on this machine, idempotently:
#   .venv with requirements.txt, database migrations, frontend node_modules (npm ci) and, with --build, the
#   production build of the web app. Re-running skips what is already up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

if [ ! -x .venv/bin/python ]; then
  echo "==> Creating .venv with $PY"
  "$PY" -m venv .venv
fi
req_stamp=.venv/.requirements.sha
req_hash=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$req_stamp" 2>/dev/null)" != "$req_hash" ]; then
  echo "==> Installing Python packages"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements.txt
  echo "$req_hash" > "$req_stamp"
fi

# Caption fonts (from Debian): Noto Sans (OFL) for Latin, Arabic, Devanagari and more, Noto Sans CJK (OFL) for
# Chinese, Japanese and Korean, Symbola ("free for any use") for emoji as outlines — libass draws outline glyphs only,
# so a colour emoji font would show nothing. libass finds them through fontconfig; nothing is fetched at run time.
caption_fonts="fonts-noto-core fonts-noto-cjk fonts-symbola"
if command -v dpkg >/dev/null 2>&1 && ! dpkg -s $caption_fonts >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "==> Installing caption fonts ($caption_fonts)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      $caption_fonts >/dev/null
  else
    echo "WARNING: caption fonts are missing: run 'sudo apt-get install -y $caption_fonts'" \
      "(captions in non-Latin scripts would show empty boxes)" >&2
  fi
fi

echo "==> Migrating the database"
.venv/bin/python backend/manage.py migrate --noinput >/dev/null

if [ -f frontend/package.json ]; then
  lock_stamp=frontend/node_modules/.lock.sha
  lock_hash=$(sha256sum frontend/package-lock.json | cut -d' ' -f1)
  if [ "$(cat "$lock_stamp" 2>/dev/null)" != "$lock_hash" ]; then
    echo "==> Installing frontend packages"
    (cd frontend && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_hash" > "$lock_stamp"
  fi
  if [ "${1:-}" = "--build" ]; then
    # Rebuild only when the app's sources changed since the last build.
    src_hash=$(cd frontend && find app components lib public next.config.ts postcss.config.mjs tsconfig.json \
      package-lock.json -type f 2>/dev/null | sort | xargs cat | sha256sum | cut -d' ' -f1 || true)
    if [ ! -f frontend/.next/BUILD_ID ] || [ "$(cat frontend/.next/.src.sha 2>/dev/null)" != "$src_hash" ]; then
      echo "==> Building the web app"
      (cd frontend && npm run build --silent)
      echo "$src_hash" > frontend/.next/.src.sha
    fi
  fi
fi
