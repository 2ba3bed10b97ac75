#!/usr/bin/env bash
# Fuzzes the parsers the outside world reaches (Fuzz/Targets) with libFuzzer
# and AddressSanitizer (leak checks on), each target for a bounded time,
# starting from its committed seed corpus (Fuzz/corpus/TARGET) and replaying
# every input that once failed (Fuzz/regressions/TARGET).
#
# Fails on a crash, a sanitizer report, a leak or a hang (an input slower
# than FB_FUZZ_INPUT_TIMEOUT seconds). Findings are kept in
# artifacts/fuzz/TARGET-crash-…; add each to Fuzz/regressions/TARGET with a
# unit test for the fix.
#
#   scripts/fuzz.sh                 every target, FB_FUZZ_SECONDS (60) each
#   scripts/fuzz.sh xml policy      only these
#
# The sanitizer build lives in .build-fuzz, apart from the normal build.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FB_FUZZ_SECONDS:-60}
# libFuzzer reads 0 as "no limit"; here it means "do not fuzz".
[ "$seconds" -gt 0 ] || { echo "FB_FUZZ_SECONDS=0: fuzzing skipped"; exit 0; }
input_timeout=${FB_FUZZ_INPUT_TIMEOUT:-10}
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(xml authnrequest artifactresolve metadata iamsmart policy)

build_flags=(--scratch-path .build-fuzz --product fuzz-targets
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld)
started=$(date +%s)
FB_FUZZ=1 swift build "${build_flags[@]}"
binary="$(FB_FUZZ=1 swift build "${build_flags[@]}" --show-bin-path)/fuzz-targets"
echo "fuzz build: $(( $(date +%s) - started )) s"

findings="${FB_ARTIFACTS_DIR:-$PWD/artifacts}/fuzz"
mkdir -p "$findings"
scratch=$(mktemp -d /tmp/fb-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:${ASAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp:${LSAN_OPTIONS:-}"

failed=()
for target in "${targets[@]}"; do
  [ -d "Fuzz/corpus/$target" ] || { echo "no seed corpus Fuzz/corpus/$target" >&2; exit 2; }
  # Past findings first: each must now run clean.
  if [ -d "Fuzz/regressions/$target" ] && [ -n "$(ls -A "Fuzz/regressions/$target")" ]; then
    if ! FB_FUZZ_TARGET=$target "$binary" -timeout="$input_timeout" "Fuzz/regressions/$target"/*; then
      failed+=("$target (regression)")
      continue
    fi
  fi
  # New inputs go to a scratch corpus; the committed seeds are only read.
  mkdir -p "$scratch/$target"
  started=$(date +%s)
  if FB_FUZZ_TARGET=$target "$binary" -max_total_time="$seconds" -timeout="$input_timeout" -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/$target-" \
      "$scratch/$target" "Fuzz/corpus/$target" >"$findings/$target.log" 2>&1; then
    echo "fuzz $target: clean for $(( $(date +%s) - started )) s, $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$findings/$target.log" | grep -o '[0-9]*$') runs"
  else
    echo "fuzz $target: FAILED, see $findings/$target.log" >&2
    grep -E "ERROR:|SUMMARY:|Test unit written" "$findings/$target.log" >&2 || tail -n 20 "$findings/$target.log" >&2
    failed+=("$target")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzzing found problems in: ${failed[*]}" >&2
  exit 1
fi
