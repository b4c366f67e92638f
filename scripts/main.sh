#!/usr/bin/env bash
# The main job: install and build the pack, install real n8n (cached outside the repository),
# then start n8n on http://127.0.0.1:5678 with the pack and the shipped workflows (scripts/sandbox.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --no-audit --no-fund
fi
command -v openssl >/dev/null || { echo "openssl is needed for the local HTTPS stand-ins (apt-get install openssl)" >&2; exit 1; }
npm run build --silent
bash scripts/n8n-runtime.sh >/dev/null
exec node scripts/run-ts.js scripts/sandbox.ts
