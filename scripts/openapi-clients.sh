#!/usr/bin/env bash
# Consumer checks of the committed openapi.yaml, as front-end teams use it (docs/clients.md):
#   1. Redocly CLI's lint, recommended rules, with the exceptions redocly.yaml documents;
#   2. openapi-typescript generates TypeScript types from it, and tsc type-checks them with
#      clients/typescript/example.ts (a typed login, directory call and error branch).
# Versions are pinned in clients/package.json + package-lock.json (installed with `npm ci`
# into the git-ignored clients/node_modules). scripts/test.sh runs this; without npm the
# checks are skipped with a warning (never silently passed).
set -euo pipefail
cd "$(dirname "$0")/../clients"

if ! command -v npm >/dev/null 2>&1; then
  echo "!!! ============================================================================ !!!" >&2
  echo "!!! npm not found: the OpenAPI consumer checks (Redocly lint, TypeScript types) " >&2
  echo "!!! were SKIPPED. Install Node.js >= 20.19 with npm to run them (CI has it).    " >&2
  echo "!!! ============================================================================ !!!" >&2
  exit 0
fi

# Install exactly the lock file's versions, again only when the lock file changed.
stamp=node_modules/.installed-package-lock.json
if ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
  echo "==> npm ci (clients/)"
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
  cp package-lock.json "$stamp"
fi

export NO_UPDATE_NOTIFIER=1 REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
echo "==> redocly lint openapi.yaml"
# The Node 20 end-of-life banner is noise here; the problems and the verdict are kept.
status=0
report=$(node_modules/.bin/redocly lint ../openapi.yaml --config ../redocly.yaml --format=stylish 2>&1) || status=$?
grep -v -E '^\s*(║|╔|╚)|^\s*$' <<<"$report" || true
if [ "$status" != 0 ]; then
  echo "redocly lint failed: fix boxerconnect/schema.py (or the views), then make openapi" >&2
  exit "$status"
fi
echo "==> openapi-typescript + tsc"
node_modules/.bin/openapi-typescript ../openapi.yaml --output typescript/schema.d.ts --silent
node_modules/.bin/tsc --project typescript/tsconfig.json
echo "    the generated types and clients/typescript/example.ts type-check"
