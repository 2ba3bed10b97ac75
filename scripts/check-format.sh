#!/usr/bin/env bash
# Checks that Sources and Tests follow .swift-format (swift-format ships with
# the toolchain). Fails on any finding; `swift format -i -r Sources Tests`
# fixes most of them.
set -euo pipefail
cd "$(dirname "$0")/.."
swift format lint --strict --configuration .swift-format -r Sources Tests
