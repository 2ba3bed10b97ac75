#!/usr/bin/env bash
# Builds the bridge and runs the demo: bridge, sandbox iAM Smart and a sandbox
# Guangdong relying party on loopback, SQLite store under var/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages "${BUILD_PACKAGES[@]}"
swift build --product bridge
exec "$(swift build --show-bin-path)/bridge" demo "$@"
