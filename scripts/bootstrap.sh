#!/usr/bin/env bash
# Installs what Steward needs on a fresh machine, and nothing that is already there.
#   bash scripts/bootstrap.sh            node modules, the Temporal CLI, a running PostgreSQL
#   bash scripts/bootstrap.sh --tests    also Debian's openssh-server and chromium and the Temporal server, for the integration tests
#   bash scripts/bootstrap.sh --cluster  also the Temporal server, for scripts/temporal-cluster.ts
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_CLI_VERSIONS=(v1.5.1 v1.5.0 v1.4.1)
# docker-compose.yml runs the images of the same version (test/docker-compose.test.ts checks it).
TEMPORAL_SERVER_VERSION=v1.29.1
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/steward"
TOOLS_BIN="$PWD/.tools/bin"

say() { printf '[bootstrap] %s\n' "$*"; }

# Runs a long build in the background and says every 30 s that it is still going.
# usage: with_progress "what is being built" command args...
with_progress() {
  local what=$1 started=$SECONDS pid
  shift
  "$@" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if (( (SECONDS - started) % 30 == 0 )) && kill -0 "$pid" 2>/dev/null; then say "  still building $what: $(( SECONDS - started )) s"; fi
  done
  wait "$pid"
}

install_node_modules() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing node modules (npm ci)"
    npm ci --no-audit --no-fund
  fi
}

# The Temporal CLI is built from its Go module once per machine (about 5 minutes on 2 cores) and
# kept in a per-user cache keyed by version, so other clones reuse it.
install_temporal_cli() {
  if [ -n "${TEMPORAL_CLI:-}" ]; then
    [ -x "$TEMPORAL_CLI" ] || { say "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file"; exit 1; }
    return
  fi
  [ -x "$TOOLS_BIN/temporal" ] && return
  mkdir -p "$TOOLS_BIN"
  for version in "${TEMPORAL_CLI_VERSIONS[@]}"; do
    local cached="$CACHE_ROOT/temporal-cli-$version/temporal"
    if [ ! -x "$cached" ] && command -v go >/dev/null 2>&1; then
      say "building the Temporal CLI $version from its Go module (first time on this machine: about 5 minutes)"
      mkdir -p "$(dirname "$cached")"
      GOBIN="$(dirname "$cached")" with_progress "the Temporal CLI" go install "github.com/temporalio/cli/cmd/temporal@$version" || say "go install of $version failed"
    fi
    if [ -x "$cached" ]; then
      ln -f "$cached" "$TOOLS_BIN/temporal" 2>/dev/null || cp "$cached" "$TOOLS_BIN/temporal"
      say "Temporal CLI $version at .tools/bin/temporal"
      return
    fi
  done
  if [ -n "${TEMPORAL_ADDRESS:-}" ]; then
    say "no Temporal CLI here; using the Temporal server at TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS"
    return
  fi
  cat >&2 <<'MSG'
[bootstrap] Steward needs a Temporal server, and this machine can neither build nor find one.
  Install Go 1.22 or newer (https://go.dev/dl) and run this again: it builds the Temporal CLI
  from github.com/temporalio/cli/cmd/temporal@v1.5.1 into .tools/bin.
  Or set TEMPORAL_CLI to the path of an existing `temporal` binary,
  or set TEMPORAL_ADDRESS to the host:port of a running Temporal server.
MSG
  exit 1
}

# The Temporal server and temporal-sql-tool for scripts/temporal-cluster.ts, built from the server's
# Go module once per machine (about 6 minutes on 2 cores) and cached by version like the CLI.
install_temporal_server() {
  local cache="$CACHE_ROOT/temporal-server-$TEMPORAL_SERVER_VERSION"
  if [ ! -x "$cache/temporal-server" ] || [ ! -x "$cache/temporal-sql-tool" ]; then
    command -v go >/dev/null 2>&1 || { say "building the Temporal server needs Go 1.25 or newer (https://go.dev/dl)"; exit 1; }
    local started=$SECONDS build
    build="$(mktemp -d)"
    say "building the Temporal server $TEMPORAL_SERVER_VERSION and temporal-sql-tool from their Go module (first time on this machine: about 6 minutes)"
    if ! GOBIN="$build" with_progress "the Temporal server" go install "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION"; then
      rm -rf "$build"
      say "go install of the Temporal server $TEMPORAL_SERVER_VERSION failed after $(( SECONDS - started )) s"
      exit 1
    fi
    mkdir -p "$cache"
    mv "$build/server" "$cache/temporal-server"
    mv "$build/sql" "$cache/temporal-sql-tool"
    rm -rf "$build"
    say "built the Temporal server in $(( SECONDS - started )) s"
  fi
  mkdir -p "$TOOLS_BIN"
  for tool in temporal-server temporal-sql-tool; do
    ln -f "$cache/$tool" "$TOOLS_BIN/$tool" 2>/dev/null || cp "$cache/$tool" "$TOOLS_BIN/$tool"
  done
  say "Temporal server $TEMPORAL_SERVER_VERSION at .tools/bin/temporal-server, with temporal-sql-tool"
}

postgres_reachable() {
  node -e "const c=new (require('pg').Client)({connectionString:process.argv[1].replace(/\/[^/]*$/,'/postgres')});c.connect().then(()=>c.end()).catch(()=>process.exit(1))" "$1"
}

ensure_postgres() {
  local url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/steward}"
  postgres_reachable "$url" && return
  if [ -z "${DATABASE_URL:-}" ] && command -v pg_ctlcluster >/dev/null 2>&1; then
    say "starting the local PostgreSQL cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
    for _ in $(seq 1 30); do
      postgres_reachable "$url" && return
      sleep 1
    done
  fi
  say "PostgreSQL is not reachable at ${url%%@*}@…; start it or set DATABASE_URL"
  exit 1
}

install_sshd() {
  [ -x /usr/sbin/sshd ] && return
  if [ "$(id -u)" != 0 ]; then
    say "the integration tests need Debian's openssh-server and root; run: sudo apt-get install -y openssh-server"
    exit 1
  fi
  say "installing openssh-server for the integration tests"
  apt_update_once
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server >/dev/null
}

# Debian's package lists, fetched at most once a run, before the first apt-get install.
APT_UPDATED=
apt_update_once() {
  [ -n "$APT_UPDATED" ] && return
  say "updating Debian's package lists (apt-get update)"
  apt-get update -qq
  APT_UPDATED=1
}

# Headless Chromium for the explorer's browser test (test/explorer.e2e.test.ts drives it with
# playwright-core, which downloads no browser of its own).
install_chromium() {
  [ -x /usr/bin/chromium ] && return
  if [ "$(id -u)" != 0 ]; then
    say "the browser test needs Debian's chromium and root; run: sudo apt-get install -y --no-install-recommends chromium"
    exit 1
  fi
  apt_update_once
  say "installing chromium for the explorer's browser test (about 350 MB on disk)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  say "installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
}

install_node_modules
install_temporal_cli
ensure_postgres
case "${1:-}" in
  # The server comes after the CLI, which embeds the same server module, so Go's build cache can
  # reuse what the two share; on two cores building both at once gains nothing.
  --tests) install_sshd; install_chromium; install_temporal_server ;;
  --cluster) install_temporal_server ;;
esac
say "done"
