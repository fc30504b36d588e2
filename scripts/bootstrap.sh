#!/usr/bin/env bash
# Installs what Steward needs on a fresh machine, and nothing that is already there.
#   bash scripts/bootstrap.sh            node modules, the Temporal CLI, a running PostgreSQL
#   bash scripts/bootstrap.sh --tests    also Debian's openssh-server, for the integration tests
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_CLI_VERSIONS=(v1.5.1 v1.5.0 v1.4.1)
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/steward"
TOOLS_BIN="$PWD/.tools/bin"

say() { printf '[bootstrap] %s\n' "$*"; }

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
      GOBIN="$(dirname "$cached")" go install "github.com/temporalio/cli/cmd/temporal@$version" || say "go install of $version failed"
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
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server >/dev/null
}

install_node_modules
install_temporal_cli
ensure_postgres
if [ "${1:-}" = "--tests" ]; then install_sshd; fi
