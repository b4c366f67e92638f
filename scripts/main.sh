#!/usr/bin/env bash
# The main job: install, build, and check the Azure AD tenant configured in the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --no-audit --no-fund
fi
npm run build --silent
node scripts/verify-tenant.js
