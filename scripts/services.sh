#!/usr/bin/env bash
# Test services: a throwaway PostgreSQL cluster for the case store tests.
#
#   eval "$(scripts/services.sh start)"   # prints `export DATABASE_URL_TEST=postgres://...` (and where it lives)
#   scripts/services.sh stop              # stops the cluster named by $ABUSE_DESK_PG_DIR and removes it
#   scripts/services.sh status
#
# On a fresh Debian machine where it runs as root it installs PostgreSQL from Debian first
# (apt-get, non-interactive; `apt-get update` only when the package is not known yet). The cluster
# lives in a temp directory owned by the `postgres` user (initdb refuses root), trusts loopback
# connections only, listens on 127.0.0.1 on a free port and has its socket in its own directory,
# so several test runs on one machine never meet. If PostgreSQL cannot be had, it says why on
# stderr and exits 1: the PostgreSQL store tests then fail; they are never skipped.
set -euo pipefail

log() { echo "services: $*" >&2; }
die() { log "$*"; exit 1; }

# Where Debian puts the server binaries (overridable so the failure path can be tested).
PG_LIB=${ABUSE_DESK_PG_LIB:-/usr/lib/postgresql}

pg_bindir() {
  local d
  d=$(ls -d "$PG_LIB"/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v initdb)"; return 0; fi
  return 1
}

install_postgres() {
  [ "$(id -u)" -eq 0 ] || die "PostgreSQL is not installed and installing it needs root (run: apt-get install -y postgresql)"
  command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is not installed and this is not a Debian-like system (no apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  log "installing PostgreSQL from Debian (apt-get install -y postgresql)"
  # Debian's package starts a cluster of its own on 5432 when installed; keep it from starting
  # anything during the install (policy-rc.d), the tests use their own cluster.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; created_policy=1; fi
  local ok=0 apt=(apt-get -o DPkg::Lock::Timeout=300 -q)
  if "${apt[@]}" install -y --no-install-recommends postgresql >&2; then ok=1
  else
    log "apt-get install failed; refreshing the package lists (apt-get update) and trying again"
    if "${apt[@]}" update >&2 && "${apt[@]}" install -y --no-install-recommends postgresql >&2; then ok=1; fi
  fi
  [ "$created_policy" -eq 1 ] && rm -f "$policy"
  [ "$ok" -eq 1 ] || die "could not install PostgreSQL with apt-get (see the messages above)"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Removes clusters of earlier runs that died without `stop`: their postmaster is gone and the
# directory is more than 10 minutes old (a younger one may be another run's, still in initdb).
reap_stale() {
  local d pid
  while IFS= read -r d; do
    pid=$(head -n 1 "$d/data/postmaster.pid" 2>/dev/null || true)
    if [ -z "$pid" ] || [ ! -d "/proc/$pid" ]; then rm -rf "$d"; fi
  done < <(find "${TMPDIR:-/tmp}" -maxdepth 1 -type d -name 'abuse-desk-pg.*' -mmin +10 2>/dev/null)
}

start() {
  if [ -n "${ABUSE_DESK_PG_DIR:-}" ] && [ -f "${ABUSE_DESK_PG_DIR}/url" ] && [ -f "${ABUSE_DESK_PG_DIR}/data/postmaster.pid" ]; then
    # Already started in this environment: say it again (idempotent).
    echo "export DATABASE_URL_TEST='$(cat "$ABUSE_DESK_PG_DIR/url")'"
    echo "export ABUSE_DESK_PG_DIR='$ABUSE_DESK_PG_DIR'"
    return 0
  fi
  local bindir
  if ! bindir=$(pg_bindir); then
    install_postgres
    bindir=$(pg_bindir) || die "PostgreSQL was installed but initdb/pg_ctl are not found under $PG_LIB"
  fi
  reap_stale
  local dir owner run
  dir=$(mktemp -d "${TMPDIR:-/tmp}/abuse-desk-pg.XXXXXX")
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "no postgres user to run the cluster as (the Debian package creates it)"
    chown postgres: "$dir"; chmod 700 "$dir"
    owner=postgres
    run() { runuser -u postgres -- "$@"; }
  else
    owner=$(id -un)
    run() { "$@"; }
  fi
  run "$bindir/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; die "initdb failed"; }
  # Loopback only, trust (no passwords in the test URL); durability settings off: the tests kill
  # clients, never the server, so fsync buys nothing here but time.
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$dir/data/pg_hba.conf"
  [ "$owner" = postgres ] && chown postgres: "$dir/data/postgresql.conf" "$dir/data/pg_hba.conf"
  local port started=0
  for port in $(shuf -i 20000-60000 -n 20); do
    port_free "$port" || continue
    if run "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "-p $port" start >/dev/null 2>&1; then started=1; break; fi
  done
  if [ "$started" -ne 1 ]; then
    cat "$dir/server.log" >&2 2>/dev/null || true
    rm -rf "$dir"
    die "could not start PostgreSQL on a free port"
  fi
  run "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres abuse_desk_test >&2 || { run "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1; rm -rf "$dir"; die "createdb failed"; }
  local url="postgres://postgres@127.0.0.1:$port/abuse_desk_test"
  echo "$url" >"$dir/url"
  echo "$bindir" >"$dir/bindir"
  log "PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port (cluster in $dir)"
  echo "export DATABASE_URL_TEST='$url'"
  echo "export ABUSE_DESK_PG_DIR='$dir'"
}

stop() {
  local dir=${ABUSE_DESK_PG_DIR:-}
  [ -n "$dir" ] && [ -d "$dir" ] || { log "nothing to stop"; return 0; }
  case "$dir" in "${TMPDIR:-/tmp}"/abuse-desk-pg.*) ;; *) die "refusing to remove $dir: not a cluster this script made";; esac
  local bindir; bindir=$(cat "$dir/bindir" 2>/dev/null || pg_bindir || true)
  if [ -f "$dir/data/postmaster.pid" ] && [ -n "$bindir" ]; then
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    else "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true; fi
  fi
  rm -rf "$dir"
  log "stopped and removed $dir"
}

status() {
  local dir=${ABUSE_DESK_PG_DIR:-}
  if [ -n "$dir" ] && [ -f "$dir/data/postmaster.pid" ]; then echo "postgres: running ($(cat "$dir/url"))"; else echo "postgres: not running"; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 64 ;;
esac
