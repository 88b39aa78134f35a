#!/usr/bin/env bash
# Sets up Nimbus (Node 24 if needed, dependencies) and serves an app: scripts/dev.sh [app-dir] [nimbus dev options]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-node.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
app="${1:-examples/hello}"
shift || true
exec node bin/nimbus.js dev "$app" "$@"
