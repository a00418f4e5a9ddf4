#!/usr/bin/env bash
# The web app's API types come from the backend's OpenAPI schema (drf-spectacular → openapi-typescript → prettier).
#   bash scripts/gen-api-types.sh          regenerate frontend/lib/api-schema.ts (npm run gen:api in frontend/)
#   bash scripts/gen-api-types.sh --check  exit 1 when the committed file differs from a fresh one (npm run check:api)
# The schema must also be free of drf-spectacular warnings (--fail-on-warn). Needs no database or running server.
set -euo pipefail
cd "$(dirname "$0")/.."

target=frontend/lib/api-schema.ts
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

.venv/bin/python backend/manage.py spectacular --validate --fail-on-warn --format openapi-json \
  --file "$tmp/schema.json" 2>"$tmp/spectacular.log" || {
  cat "$tmp/spectacular.log" >&2
  echo "gen-api-types: the OpenAPI schema has errors or warnings (above)" >&2
  exit 1
}
(
  cd frontend
  # Defaults are the server's to apply: a request field with a default stays optional.
  npx --no-install openapi-typescript "$tmp/schema.json" --output "$tmp/api-schema.ts" --default-non-nullable false --silent >/dev/null
  # Formatted with the app's prettier config, as if it lived at its final path.
  npx --no-install prettier --stdin-filepath "lib/api-schema.ts" <"$tmp/api-schema.ts" >"$tmp/api-schema.formatted.ts"
)

if [ "${1:-}" = "--check" ]; then
  if ! diff -u "$target" "$tmp/api-schema.formatted.ts" >"$tmp/diff.txt"; then
    head -n 60 "$tmp/diff.txt" >&2
    echo "gen-api-types: $target is stale (differs from the backend's schema); run 'npm run gen:api' in frontend/" >&2
    exit 1
  fi
  echo "gen-api-types: $target is up to date"
else
  cp "$tmp/api-schema.formatted.ts" "$target"
  echo "gen-api-types: wrote $target"
fi
