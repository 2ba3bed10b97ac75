#!/usr/bin/env bash
# Checks the flow model (Model/flow.pml) with spin, exhaustively: every
# property on the model of the design must hold; every witness (reachable_*)
# must be reached, so the properties are not vacuous; and every deliberately
# broken variant must make spin find a counterexample, so the model is shown
# to be able to fail. One line per check, then "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages spin gcc

model="$PWD/Model/flow.pml"
work=$(mktemp -d /tmp/fb-model.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Each broken variant and the property spin must find violated in it.
variants=(
  "BUG_CONSENT_READ_THEN_WRITE at_most_one_entry"
  "BUG_CONSENT_READ_THEN_WRITE declined_or_refused_never_releases"
  "BUG_CONSENT_READ_THEN_WRITE one_consent_proceeds"
  "BUG_CALLBACK_READ_THEN_WRITE one_signin_per_flow"
  "BUG_LOG_FAILURE_IGNORED no_assertion_without_entry"
  "BUG_ASSERTION_BEFORE_LOG no_assertion_without_entry"
  "BUG_ARTIFACT_READ_THEN_DELETE artifact_resolves_once"
  "BUG_CONTEXT_FROM_REQUEST context_never_overstated"
  "BUG_STORE_RELEASE_BY_UPSERT stuck_flow_never_resumes"
)
mapfile -t properties < <(sed -n 's/^ltl \([a-z_]*\) .*/\1/p' "$model")

# Generates and compiles a verifier: build NAME [spin -D flags...]. The
# state space is small, so the verifier is compiled without optimisation:
# that is faster than the search it saves.
build() {
  local dir="$work/$1"
  shift
  mkdir -p "$dir"
  cp "$model" "$dir/flow.pml"
  (
    cd "$dir"
    spin -a "$@" flow.pml >spin.log 2>&1 || { cat spin.log >&2; exit 1; }
    gcc -O0 -o pan pan.c >gcc.log 2>&1 || { cat gcc.log >&2; exit 1; }
  )
}

# Both cores: the verifiers compile in parallel.
pids=()
build design & pids+=($!)
# Without any claim: only invalid end states (a request stuck outside an end_ label).
(build design-noclaim && cd "$work/design-noclaim" && gcc -O0 -DNOCLAIM -o pan pan.c >>gcc.log 2>&1) & pids+=($!)
for variant in $(printf '%s\n' "${variants[@]}" | cut -d' ' -f1 | sort -u); do
  build "$variant" "-D$variant" & pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done

passed=0
failed=0
report() { # report ok|fail LINE
  if [ "$1" = ok ]; then passed=$((passed + 1)); echo "PASS  $2"; else failed=$((failed + 1)); echo "FAIL  $2"; fi
}
# Runs a verifier; prints "errors states seconds truncated".
verify() { # verify DIR BINARY [pan flags...]
  local dir="$1" binary="$2"
  shift 2
  local out
  out=$(cd "$dir" && "./$binary" -m20000 "$@" 2>&1) || true
  local errors states seconds truncated=no
  errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' <<<"$out" | head -n 1)
  states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' <<<"$out" | head -n 1)
  seconds=$(sed -n 's/^pan: elapsed time \([0-9.e+-]*\) seconds.*/\1/p' <<<"$out" | head -n 1)
  grep -q "max search depth too small" <<<"$out" && truncated=yes
  echo "${errors:-?} ${states:-?} ${seconds:-?} $truncated"
}

# The design: every property holds, exhaustively (-a: the claims are checked
# as LTL, whatever shape spin gives them), and every witness is reachable.
for property in "${properties[@]}"; do
  read -r errors states seconds truncated < <(verify "$work/design" pan -a -N "$property")
  if [[ "$property" == reachable_* ]]; then
    if [ "$errors" != "?" ] && [ "$errors" -gt 0 ]; then
      report ok "$property: reached ($states states, ${seconds}s)"
    else
      report fail "$property: never reached; the properties may hold vacuously"
    fi
  elif [ "$errors" = 0 ] && [ "$truncated" = no ]; then
    report ok "$property holds ($states states, ${seconds}s)"
  else
    report fail "$property: $errors errors, search truncated: $truncated; replay in a scratch copy: spin -a flow.pml; cc -o pan pan.c; ./pan -a -N $property; spin -t -p flow.pml"
  fi
done
# No request ever deadlocks: each ends or waits at an end_ label.
read -r errors states seconds truncated < <(verify "$work/design-noclaim" pan)
if [ "$errors" = 0 ] && [ "$truncated" = no ]; then
  report ok "valid_end_states hold ($states states, ${seconds}s)"
else
  report fail "valid_end_states: $errors errors, search truncated: $truncated"
fi

# The broken variants: spin must find the counterexample.
for entry in "${variants[@]}"; do
  read -r variant property <<<"$entry"
  read -r errors states seconds truncated < <(verify "$work/$variant" pan -a -N "$property")
  if [ "$errors" != "?" ] && [ "$errors" -gt 0 ]; then
    report ok "$variant violates $property (counterexample after $states states, ${seconds}s)"
  else
    report fail "$variant: spin found no counterexample for $property; the model no longer shows this bug"
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
