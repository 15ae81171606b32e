#!/usr/bin/env bash
# The adopter proof: builds and packs the Pulse packages, generates a fresh Backstage app with
# @backstage/create-app (new frontend) and a legacy-frontend one in a temporary folder, installs
# the packed packages into each by the README's "Installing Pulse into your own portal" steps
# (read from the README), and checks over HTTP and in Chromium that Pulse works there, on SQLite
# against the GitHub simulator. Ends with "N passed, N failed".
#
# PULSE_ADOPTER_FLAVORS=new (or legacy) runs one app; PULSE_ADOPTER_KEEP=1 keeps the apps;
# ports: PULSE_ADOPTER_BACKEND_PORT (7107), PULSE_ADOPTER_SIMULATOR_PORT (7110),
# PULSE_ADOPTER_REGISTRY_PORT (7199). Screenshots and logs: test-results/adopter.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

ensure_node
ensure_dependencies
ensure_chromium
require_free_ports "${PULSE_ADOPTER_BACKEND_PORT:-7107}" "${PULSE_ADOPTER_SIMULATOR_PORT:-7110}" "${PULSE_ADOPTER_REGISTRY_PORT:-7199}"

# The packages' type declarations come from the repository's type check (dist-types); the test
# command has just run it and says so.
if [ -z "${PULSE_TYPES_FRESH:-}" ]; then
  say "type check (for the packages' type declarations)"
  yarn tsc > /dev/null 2>&1 || die "the type check failed; run 'yarn tsc' to see why"
fi

export PULSE_ADOPTER_RESULTS_DIR="${PULSE_ADOPTER_RESULTS_DIR:-$REPO_ROOT/test-results/adopter}"
rm -rf "$PULSE_ADOPTER_RESULTS_DIR"
mkdir -p "$PULSE_ADOPTER_RESULTS_DIR"
PULSE_ADOPTER_WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/pulse-adopter.XXXXXX")"
export PULSE_ADOPTER_WORK_DIR
cleanup() {
  if [ -n "${PULSE_ADOPTER_KEEP:-}" ]; then say "the generated apps are in $PULSE_ADOPTER_WORK_DIR"
  else rm -rf "$PULSE_ADOPTER_WORK_DIR"; fi
}
trap cleanup EXIT

say "adopter proof in $PULSE_ADOPTER_WORK_DIR (two generated apps; allow about 12 minutes)"
node scripts/adopter/verify.js
