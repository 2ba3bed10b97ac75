#!/usr/bin/env bash
# Runs every test: unit, store (SQLite and a real PostgreSQL on loopback),
# interop with xmlsec1, end to end over HTTP, and headless Chromium pages.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages "${BUILD_PACKAGES[@]}" xmlsec1 postgresql chromium fonts-wqy-microhei python3 softhsm2 opensc

# A PostgreSQL server of our own on a free loopback port, removed at exit.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_dir=$(mktemp -d /tmp/fb-pg.XXXXXX)
chown postgres "$pg_dir" 2>/dev/null || true
pg_port=$(free_port)
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_pg() {
  as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
hsm_dir=""
cleanup() { stop_pg; [ -z "$hsm_dir" ] || rm -rf "$hsm_dir"; }
trap cleanup EXIT
as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres >/dev/null
as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -w -l "$pg_dir/log" \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=on" start >/dev/null
export FB_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"

# SoftHSM2 tokens of our own for the PKCS#11 tests (removed at exit).
hsm_dir=$(mktemp -d /tmp/fb-hsm.XXXXXX)
source scripts/softhsm.sh
softhsm_setup "$hsm_dir"
export FB_TEST_PKCS11_MODULE="$SOFTHSM_MODULE" FB_TEST_PKCS11_PIN="$SOFTHSM_PIN"
export FB_TEST_PKCS11_TOKEN=fb-test
softhsm_token fb-test >/dev/null
# A token only the wrong-PIN test logs in to.
export FB_TEST_PKCS11_PIN_TOKEN=fb-pin-test
softhsm_token fb-pin-test >/dev/null
# A token only the `bridge keys` command tests write to, from child processes.
export FB_TEST_PKCS11_CLI_TOKEN=fb-cli-test
softhsm_token fb-cli-test >/dev/null
# A second token that one test takes away and gives back, reached through a
# copy of the module: a separate instance whose re-initialisation after the
# token returns leaves the other tests' sessions alone.
export FB_TEST_PKCS11_REMOVABLE_TOKEN=fb-removable FB_TEST_PKCS11_REMOVABLE_PIN="$SOFTHSM_PIN"
FB_TEST_PKCS11_REMOVABLE_DIR=$(softhsm_token fb-removable)
FB_TEST_PKCS11_REMOVABLE_MODULE="$hsm_dir/removable-libsofthsm2.so"
cp "$SOFTHSM_MODULE" "$FB_TEST_PKCS11_REMOVABLE_MODULE"
export FB_TEST_PKCS11_REMOVABLE_DIR FB_TEST_PKCS11_REMOVABLE_MODULE

mkdir -p artifacts
export FB_ARTIFACTS_DIR="$PWD/artifacts"

swift build --build-tests
swift test --skip-build "$@"
