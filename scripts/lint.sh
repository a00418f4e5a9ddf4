#!/usr/bin/env bash
# The quality gate, run first by `npm test` (and by pre-commit): fails on any finding.
#   Python: ruff lint + ruff format check + mypy (strict on core_engine; django-stubs/drf-stubs for api).
#   Frontend: prettier check, TypeScript type check and eslint; the generated API types must match the schema
#   (frontend/lib/api-schema.ts, regenerated with `cd frontend && npm run gen:api`).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

echo "==> ruff check"
$PY -m ruff check --quiet .
echo "==> ruff format --check"
$PY -m ruff format --check --quiet .
echo "==> mypy"
$PY -m mypy --no-error-summary backend

if [ -f frontend/package.json ]; then
  cd frontend
  echo "==> prettier --check"
  npx --no-install prettier --check --log-level warn .
  echo "==> tsc --noEmit"
  npm run --silent typecheck
  echo "==> eslint"
  npm run --silent lint
  echo "==> generated API types match the schema"
  npm run --silent check:api
fi
