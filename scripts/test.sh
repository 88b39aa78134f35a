#!/usr/bin/env bash
# Type-check, lint and run every test (sets up Node 24 and dependencies first when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-node.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
exec npm test
