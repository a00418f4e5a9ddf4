#!/usr/bin/env bash
# `npm start`: set up, seed the demo story on an empty database, then serve the API on 127.0.0.1:8000 and the web
# app on 127.0.0.1:3000 until Ctrl-C. The API runs as one threaded process without the autoreloader, so a render in
# progress is never cut off by a reload.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --build
API_PORT=${STORYREEL_API_PORT:-8000}
WEB_PORT=${STORYREEL_WEB_PORT:-3000}
.venv/bin/python backend/manage.py seed_demo --if-empty

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

STORYREEL_FRONTEND_ORIGIN=${STORYREEL_FRONTEND_ORIGIN:-http://127.0.0.1:$WEB_PORT,http://localhost:$WEB_PORT} \
  .venv/bin/python backend/manage.py runserver "127.0.0.1:$API_PORT" --noreload --skip-checks &
pids+=($!)
if [ -f frontend/package.json ]; then
  (cd frontend && STORYREEL_API_URL=${STORYREEL_API_URL:-http://127.0.0.1:$API_PORT} PORT=$WEB_PORT npm run start --silent) &
  pids+=($!)
  echo "StoryReel: open http://127.0.0.1:$WEB_PORT  (API on http://127.0.0.1:$API_PORT/api/)"
else
  echo "StoryReel API on http://127.0.0.1:$API_PORT/api/"
fi
wait -n "${pids[@]}"
