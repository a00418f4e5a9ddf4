#!/usr/bin/env bash
# `npm start`: set up, seed the demo story on an empty database, then serve the API on 127.0.0.1:8000 (waitress, one
# process with threads: the task manager lives in it) and the web app on 127.0.0.1:3000 until Ctrl-C.
# - Leftovers of a crashed earlier run (a next-server or API from this folder still holding a port) are stopped
#   first; a port held by another program stops the start with a message naming it.
# - Each server runs in its own process group; when either exits, or on Ctrl-C/SIGTERM, both groups are stopped
#   (SIGTERM, then SIGKILL after 10 s), so no next-server is left holding the port.
# STORYREEL_API_HOST (default 127.0.0.1) exposes the API elsewhere; it then requires STORYREEL_API_TOKEN.
# STORYREEL_SKIP_SETUP=1 skips setup and the web app build (used by the restart test).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${STORYREEL_SKIP_SETUP:-0}" != 1 ]; then
  bash scripts/setup.sh --build
fi
API_HOST=${STORYREEL_API_HOST:-127.0.0.1}
API_PORT=${STORYREEL_API_PORT:-8000}
WEB_PORT=${STORYREEL_WEB_PORT:-3000}
WITH_WEB=1
if [ ! -f frontend/package.json ] || [ "${STORYREEL_NO_WEB:-0}" = 1 ]; then WITH_WEB=0; fi

ports=("$API_PORT")
if [ "$WITH_WEB" = 1 ]; then ports+=("$WEB_PORT"); fi
.venv/bin/python backend/api/ports.py "${ports[@]}"
.venv/bin/python backend/manage.py seed_demo --if-empty

set -m # every background job gets its own process group, so a whole server tree can be stopped at once
pids=()
cleanup() {
  trap - EXIT INT TERM
  local pid
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for _ in $(seq 100); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

STORYREEL_FRONTEND_ORIGIN=${STORYREEL_FRONTEND_ORIGIN:-http://127.0.0.1:$WEB_PORT,http://localhost:$WEB_PORT} \
  .venv/bin/python backend/manage.py serve --host "$API_HOST" --port "$API_PORT" &
pids+=($!)
if [ "$WITH_WEB" = 1 ]; then
  (cd frontend && STORYREEL_API_URL=${STORYREEL_API_URL:-http://127.0.0.1:$API_PORT} NEXT_TELEMETRY_DISABLED=1 \
    exec node_modules/.bin/next start -H 127.0.0.1 -p "$WEB_PORT") &
  pids+=($!)
  echo "StoryReel: open http://127.0.0.1:$WEB_PORT  (API on http://$API_HOST:$API_PORT/api/)"
fi
# Return as soon as either server exits (a crash, or a refusal such as a busy port); the EXIT trap stops the other.
set +e
wait -n "${pids[@]}"
status=$?
echo "StoryReel: a server stopped (exit status $status); stopping the other one" >&2
exit "$status"
