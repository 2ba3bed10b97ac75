#!/usr/bin/env bash
# Builds the bridge and runs the demo: bridge, sandbox iAM Smart and a sandbox
# Guangdong relying party on loopback, SQLite store under var/.
# FB_DEMO_PKCS11=1 keeps the bridge's private keys in a SoftHSM2 token
# (var/demo-pkcs11/softhsm) instead of files.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages "${BUILD_PACKAGES[@]}"
if [ "${FB_DEMO_PKCS11:-}" = 1 ]; then
  ensure_packages softhsm2 opensc
  source scripts/softhsm.sh
  softhsm_setup "$PWD/var/demo-pkcs11/softhsm"
  softhsm2-util --show-slots | grep -q "Label: *fb-demo" || softhsm_token fb-demo >/dev/null
  export FB_PKCS11_MODULE="$SOFTHSM_MODULE" FB_PKCS11_TOKEN=fb-demo FB_PKCS11_PIN="$SOFTHSM_PIN"
  set -- --pkcs11 --directory var/demo-pkcs11 "$@"
fi
swift build --product bridge
exec "$(swift build --show-bin-path)/bridge" demo "$@"
