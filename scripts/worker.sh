#!/usr/bin/env bash
# `npm run worker`: one Celery render worker of the distributed backend (README "Distributed rendering").
# It runs the same task functions as the embedded backend, one job at a time, against the database named by
# STORYREEL_DATABASE_URL, the Redis broker named by STORYREEL_BROKER_URL and the media folder STORYREEL_MEDIA_ROOT
# (a folder every machine mounts). Extra arguments go to `celery worker` (e.g. -n render2@%h).
set -euo pipefail
cd "$(dirname "$0")/.."
export STORYREEL_TASK_BACKEND=celery
cd backend
exec ../.venv/bin/celery -A storyreel.celery worker --loglevel=INFO --concurrency=1 --prefetch-multiplier=1 \
  --without-gossip --without-mingle "$@"
