#!/usr/bin/env bash
# Command 2: every test. Type check, lint, formatting, unit and integration tests on SQLite and PostgreSQL 15,
# the browser tests in Chromium against the running demo portal, and the adopter proof (the packed
# packages installed into fresh create-app apps by the README's steps). Ends with
# "N passed, N failed, N skipped" summed over every suite.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

ensure_node
ensure_dependencies
ensure_postgres
ensure_chromium
export PULSE_REQUIRE_POSTGRES=1

RESULTS="$REPO_ROOT/test-results"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"

passed=0 failed=0 skipped=0
record() { # name, exit code
  if [ "$2" = 0 ]; then passed=$((passed + 1)); say "$1: passed"
  else failed=$((failed + 1)); say "$1: FAILED"; fi
}
add_counts() { # file with "passed failed skipped"
  local p f s
  read -r p f s < "$1" || { failed=$((failed + 1)); return; }
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}
cleanup() {
  [ -n "${portal_pid:-}" ] && kill -TERM -- "-$portal_pid" 2>/dev/null
  stop_postgres
}
trap cleanup EXIT

say "type check"
yarn tsc > "$RESULTS/tsc.log" 2>&1; rc=$?
[ $rc = 0 ] || tail -40 "$RESULTS/tsc.log"
record "type check" $rc
# The adopter proof builds the packages' type declarations from this run's dist-types.
[ $rc = 0 ] && export PULSE_TYPES_FRESH=1

say "API reports (the public surface of the published packages is unchanged, or its report updated)"
yarn build:api-reports --ci > "$RESULTS/api-reports.log" 2>&1; rc=$?
[ $rc = 0 ] || tail -40 "$RESULTS/api-reports.log"
record "API reports" $rc

say "lint"
yarn backstage-cli repo lint > "$RESULTS/lint.log" 2>&1; rc=$?
[ $rc = 0 ] || tail -60 "$RESULTS/lint.log"
record "lint" $rc

say "formatting (prettier --check)"
yarn prettier --check . > "$RESULTS/prettier.log" 2>&1; rc=$?
[ $rc = 0 ] || grep -v '^Checking' "$RESULTS/prettier.log" | tail -40
record "formatting" $rc

say "unit and integration tests (SQLite and PostgreSQL: $BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING)"
CI=true yarn backstage-cli repo test --watchAll=false --json --outputFile="$RESULTS/jest.json" 2>&1 | tee "$RESULTS/jest.log" | grep -E '^(PASS|FAIL)|●' 
node scripts/count-results.js jest "$RESULTS/jest.json" > "$RESULTS/jest.counts"
add_counts "$RESULTS/jest.counts"
say "jest: $(cat "$RESULTS/jest.counts" | awk '{print $1" passed, "$2" failed, "$3" skipped"}')"

say "script tests (node:test: the demo's helpers in scripts/)"
node --test --test-reporter=tap --test-reporter-destination="$RESULTS/scripts.tap" \
  --test-reporter=spec --test-reporter-destination=stdout scripts/*.test.js > "$RESULTS/scripts.log" 2>&1
node scripts/count-results.js tap "$RESULTS/scripts.tap" > "$RESULTS/scripts.counts"
add_counts "$RESULTS/scripts.counts"
say "script tests: $(awk '{print $1" passed, "$2" failed"}' "$RESULTS/scripts.counts")"

say "browser tests: starting the demo portal"
setsid bash scripts/dev.sh > "$RESULTS/portal.log" 2>&1 &
portal_pid=$!
if node scripts/wait-for.js 600 http://localhost:7007/api/pulse/health http://localhost:3000; then
  (cd packages/e2e-tests && PULSE_RESULTS_DIR="$RESULTS" node "$YARN_RELEASE" playwright test) 2>&1 | tee "$RESULTS/e2e.log" | tail -30
  node scripts/count-results.js playwright "$RESULTS/e2e.json" > "$RESULTS/e2e.counts"
  add_counts "$RESULTS/e2e.counts"
else
  say "the demo portal did not start; last lines of its log:"
  tail -40 "$RESULTS/portal.log"
  failed=$((failed + 1))
fi

# The demo portal's work is done; the adopter proof needs the machine's two cores.
if [ -n "${portal_pid:-}" ]; then
  kill -TERM -- "-$portal_pid" 2>/dev/null
  wait "$portal_pid" 2>/dev/null
  portal_pid=
fi

say "adopter proof: the packed packages installed into fresh create-app apps (new and legacy frontend) by the README's steps"
PULSE_ADOPTER_RESULTS_DIR="$RESULTS/adopter" PULSE_ADOPTER_COUNTS="$RESULTS/adopter.counts" \
  bash scripts/verify-adopter-install.sh 2>&1 | tee "$RESULTS/adopter.log" | grep -E '^(ok|FAIL|    )|took|^\[pulse\] error'
[ -s "$RESULTS/adopter.counts" ] || echo "0 1 0" > "$RESULTS/adopter.counts"
add_counts "$RESULTS/adopter.counts"
say "adopter proof: $(awk '{print $1" passed, "$2" failed"}' "$RESULTS/adopter.counts")"

echo
echo "Screenshots and logs: $RESULTS"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
