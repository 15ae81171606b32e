#!/usr/bin/env bash
# Command 1: the demo portal. Installs what is missing (Node 22, dependencies), then starts the
# GitHub simulator in activity mode, the Backstage backend (SQLite under .data/, emptied at each start), the frontend, and a
# small alert generator that pages the demo services now and then.
#
# PULSE_DEMO_REPLICAS=2 runs the backend as two replicas on PostgreSQL behind nginx (round robin,
# WebSocket upgrades passed through) on the same URL; both come from Debian's packages.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

SIMULATOR_PORT=7010
WEBHOOK_SECRET=pulse-demo-webhook-secret
DEMO_REPOSITORIES=acme/payments-api,acme/billing-worker,acme/ledger-service,acme/storefront-web,acme/catalog-service,acme/checkout-service

REPLICAS="${PULSE_DEMO_REPLICAS:-1}"
case "$REPLICAS" in 1|2|3|4) ;; *) die "PULSE_DEMO_REPLICAS must be 1 to 4, not '$REPLICAS'" ;; esac

ensure_node
ensure_dependencies
require_free_ports 3000 7007 "$SIMULATOR_PORT"
# The simulator makes its world afresh at every start: the portal's data of the previous one would
# name pull requests, commits and runs that no longer exist (and their syncs would fail on them).
rm -rf "$DATA_DIR/sqlite"
mkdir -p "$DATA_DIR/sqlite"
if [ "$REPLICAS" -gt 1 ]; then
  ensure_nginx
  export PULSE_DEMO_PG_PORT="${PULSE_DEMO_PG_PORT:-5438}"
  replica_ports=()
  for i in $(seq 1 "$REPLICAS"); do replica_ports+=($((7007 + 10 * i))); done
  require_free_ports "${replica_ports[@]}"
  # As the SQLite files above; a cluster still running (a demo killed hard) is left as it is.
  if ! pg_isready -q -h 127.0.0.1 -p "$PULSE_DEMO_PG_PORT" 2>/dev/null; then
    rm -rf "$DATA_DIR/postgres-demo"
  fi
  demo_postgres="$(start_postgres_cluster "$DATA_DIR/postgres-demo" "$PULSE_DEMO_PG_PORT" demo)" || exit 1
fi

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
  if [ -n "${demo_postgres:-}" ]; then
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- $demo_postgres -m fast stop >/dev/null 2>&1 || true
    else $demo_postgres -m fast stop >/dev/null 2>&1 || true; fi
  fi
}
trap stop_all EXIT
trap 'exit 130' INT TERM

say "starting the GitHub simulator on http://localhost:$SIMULATOR_PORT"
# The simulator's clock follows the wall clock; a step of 0 keeps it there (a step adds simulated
# time on top, which would date pull requests and runs minutes into the future).
start_in_background node "$YARN_RELEASE" workspace @internal/github-simulator start \
  --port "$SIMULATOR_PORT" --host 127.0.0.1 --seed 7 \
  --repositories "$DEMO_REPOSITORIES" --pulls 60 --runs 200 \
  --activity-interval-ms "${PULSE_DEMO_ACTIVITY_MS:-20000}" --activity-step-seconds 0 \
  --webhook-url http://localhost:7007/api/events/http/github \
  --webhook-secret "$WEBHOOK_SECRET"

if [ "$REPLICAS" -gt 1 ]; then
  nginx_dir="$DATA_DIR/nginx"
  mkdir -p "$nginx_dir/logs"
  {
    echo "daemon off; pid $nginx_dir/nginx.pid; error_log $nginx_dir/logs/error.log warn;"
    echo "events { worker_connections 4096; }"
    echo "http {"
    echo "  access_log off;"
    echo "  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }"
    echo "  upstream pulse_backends {"
    for port in "${replica_ports[@]}"; do echo "    server 127.0.0.1:$port;"; done
    echo "  }"
    echo "  server {"
    echo "    listen 127.0.0.1:7007;"
    echo "    client_max_body_size 10m;"
    echo "    location / {"
    echo "      proxy_pass http://pulse_backends;"
    echo "      proxy_http_version 1.1;"
    echo "      proxy_set_header Host \$host;"
    echo "      proxy_set_header Upgrade \$http_upgrade;"
    echo "      proxy_set_header Connection \$connection_upgrade;"
    echo "      proxy_read_timeout 3600s;"
    echo "      proxy_buffering off;"
    echo "    }"
    echo "  }"
    echo "}"
  } > "$nginx_dir/nginx.conf"
  say "starting nginx on http://localhost:7007 in front of ${#replica_ports[@]} backend replicas on PostgreSQL (127.0.0.1:$PULSE_DEMO_PG_PORT)"
  start_in_background "$NGINX_BIN" -p "$nginx_dir" -c "$nginx_dir/nginx.conf"
  for port in "${replica_ports[@]}"; do
    say "starting a backend replica on port $port"
    APP_CONFIG_backend_listen_port="$port" METRICS_PORT=$((port + 2450)) start_in_background node "$YARN_RELEASE" workspace backend start \
      --config ../../app-config.yaml --config ../../app-config.replicas.yaml
  done
  say "starting the frontend (http://localhost:3000)"
  BROWSER=none start_in_background node "$YARN_RELEASE" workspace app start
else
  say "starting the backend (http://localhost:7007) and the frontend (http://localhost:3000)"
  BROWSER=none start_in_background node "$YARN_RELEASE" start
fi

if node scripts/wait-for.js 600 http://localhost:7007/api/pulse/health http://localhost:3000; then
  start_in_background node scripts/demo-alerts.js
  say "the Pulse demo portal is ready: http://localhost:3000 (sign in as guest; Ctrl-C stops everything)"
else
  die "the portal did not come up within 10 minutes; see the output above"
fi
wait -n "${pids[@]}"
say "a demo process stopped; stopping the rest"
