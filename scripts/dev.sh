#!/usr/bin/env bash
# Command 1: the demo portal. Installs what is missing (Node 22, dependencies), then starts the
# GitHub simulator in activity mode, the Backstage backend (SQLite under .data/), the frontend, and a
# small alert generator that pages the demo services now and then.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

SIMULATOR_PORT=7010
WEBHOOK_SECRET=pulse-demo-webhook-secret
DEMO_REPOSITORIES=acme/payments-api,acme/billing-worker,acme/ledger-service,acme/storefront-web,acme/catalog-service,acme/checkout-service

ensure_node
ensure_dependencies
require_free_ports 3000 7007 "$SIMULATOR_PORT"
mkdir -p "$DATA_DIR/sqlite"

# Each child runs in its own process group so that stopping the demo stops everything it spawned.
pids=()
start_in_background() {
  setsid "$@" &
  pids+=($!)
}
stop_all() {
  trap - EXIT INT TERM
  local pid
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
  wait 2>/dev/null
}
trap stop_all EXIT
trap 'exit 130' INT TERM

say "starting the GitHub simulator on http://localhost:$SIMULATOR_PORT"
start_in_background node "$YARN_RELEASE" workspace @internal/github-simulator start \
  --port "$SIMULATOR_PORT" --host 127.0.0.1 --seed 7 \
  --repositories "$DEMO_REPOSITORIES" --pulls 60 --runs 200 \
  --activity-interval-ms "${PULSE_DEMO_ACTIVITY_MS:-20000}" \
  --webhook-url http://localhost:7007/api/events/http/github \
  --webhook-secret "$WEBHOOK_SECRET"

say "starting the backend (http://localhost:7007) and the frontend (http://localhost:3000)"
BROWSER=none start_in_background node "$YARN_RELEASE" start

if node scripts/wait-for.js 600 http://localhost:7007/api/pulse/health http://localhost:3000; then
  start_in_background node scripts/demo-alerts.js
  say "the Pulse demo portal is ready: http://localhost:3000 (sign in as guest; Ctrl-C stops everything)"
else
  die "the portal did not come up within 10 minutes; see the output above"
fi
wait -n "${pids[@]}"
say "a demo process stopped; stopping the rest"
