#!/usr/bin/env bash
# Runs every test: unit, store (SQLite and a real PostgreSQL on loopback),
# interop with xmlsec1, end to end over HTTP, and headless Chromium pages.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages "${BUILD_PACKAGES[@]}" xmlsec1 postgresql chromium fonts-wqy-microhei python3 python3-cryptography python3-pysaml2 softhsm2 opensc

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

# TLS: a test CA, a server certificate it signs for localhost and 127.0.0.1,
# and a second CA with the same name that signed nothing (the wrong trust root).
pg_tls="$pg_dir/tls"
mkdir -p "$pg_tls"
make_ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=FederationBridge test PostgreSQL CA" -keyout "$pg_tls/$1.key" -out "$pg_tls/$1.pem" 2>/dev/null
}
make_ca ca
make_ca other-ca
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$pg_tls/server.key" -out "$pg_tls/server.csr" 2>/dev/null
printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=critical,CA:FALSE" \
  "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$pg_tls/server.ext"
openssl x509 -req -in "$pg_tls/server.csr" -CA "$pg_tls/ca.pem" -CAkey "$pg_tls/ca.key" -CAcreateserial \
  -days 2 -extfile "$pg_tls/server.ext" -out "$pg_tls/server.pem" 2>/dev/null
# The server refuses a key that others can read.
chown postgres "$pg_tls/server.key" 2>/dev/null || true
chmod 0600 "$pg_tls/server.key"

# The server also listens on 127.0.0.2, an address its certificate does not
# carry, where only the certificate's name (localhost) can match.
echo "host all all 127.0.0.0/8 trust" >>"$pg_dir/data/pg_hba.conf"
as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -w -l "$pg_dir/log" \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1,127.0.0.2 -c fsync=on -c ssl=on \
      -c ssl_cert_file=$pg_tls/server.pem -c ssl_key_file=$pg_tls/server.key" start >/dev/null
# Plain connections stay allowed, so tests choose disable, require or verify-full.
export FB_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
export FB_TEST_POSTGRES_CA="$pg_tls/ca.pem"
export FB_TEST_POSTGRES_OTHER_CA="$pg_tls/other-ca.pem"
export FB_TEST_POSTGRES_UNNAMED_ADDRESS="127.0.0.2"


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

scripts/check-format.sh
scripts/check-model.sh
swift build --build-tests
swift test --skip-build "$@"
# libFuzzer with AddressSanitizer on every parser the outside world reaches,
# FB_FUZZ_SECONDS (60) per target; FB_FUZZ_SECONDS=0 skips it.
if [ "${FB_FUZZ_SECONDS:-60}" != 0 ]; then
  scripts/fuzz.sh
fi
