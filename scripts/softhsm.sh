# SoftHSM2 helpers for scripts/test.sh and scripts/demo.sh (PKCS#11 mode).

# Points SoftHSM2 at a token folder under $1 (exports SOFTHSM2_CONF,
# SOFTHSM_MODULE and SOFTHSM_PIN). The PIN is a fixed test value.
softhsm_setup() {
  mkdir -p "$1/tokens"
  printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$1" > "$1/softhsm2.conf"
  export SOFTHSM2_CONF="$1/softhsm2.conf"
  SOFTHSM_MODULE=$(ls /usr/lib/softhsm/libsofthsm2.so /usr/lib/*/softhsm/libsofthsm2.so 2>/dev/null | head -n 1)
  export SOFTHSM_MODULE SOFTHSM_PIN=${SOFTHSM_PIN:-246810}
  SOFTHSM_TOKENS="$1/tokens"
}

# Initialises a token labelled $1 and prints its folder.
softhsm_token() {
  local before after
  before=$(ls "$SOFTHSM_TOKENS")
  softhsm2-util --init-token --free --label "$1" --pin "$SOFTHSM_PIN" --so-pin "$SOFTHSM_PIN$SOFTHSM_PIN" >/dev/null
  after=$(ls "$SOFTHSM_TOKENS")
  echo "$SOFTHSM_TOKENS/$(comm -13 <(echo "$before") <(echo "$after") | head -n 1)"
}
