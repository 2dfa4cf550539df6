#!/usr/bin/env bash
# Test services: a throwaway PostgreSQL cluster for the case store tests; Debian's dovecot and
# chromium installed for the mail and browser tests (which start their own instances).
#
#   eval "$(scripts/services.sh start)"   # prints `export DATABASE_URL_TEST=postgres://...` (and where it lives)
#   scripts/services.sh stop              # stops the cluster named by $ABUSE_DESK_PG_DIR and removes it
#   scripts/services.sh status
#
# On a fresh Debian machine where it runs as root it installs PostgreSQL, dovecot-imapd and chromium from Debian first
# (apt-get, non-interactive; `apt-get update` only when the package is not known yet). The cluster
# lives in a temp directory owned by the `postgres` user (initdb refuses root), trusts loopback
# connections only, listens on 127.0.0.1 on a free port and has its socket in its own directory,
# so several test runs on one machine never meet. If PostgreSQL cannot be had, it says why on
# stderr and exits 1: the PostgreSQL store tests then fail; they are never skipped. It never leaves
# a server behind: a start that fails or is interrupted stops what it started, and `stop` makes
# sure the postmaster is gone (pg_ctl, then signals) before removing its directory.
set -euo pipefail

log() { echo "services: $*" >&2; }
die() { log "$*"; exit 1; }

# Whatever a run leaves half-done is undone on any exit, an interrupted one included (a CI runner
# cancelling the job sends SIGTERM to the process group): a policy-rc.d it created, a server it
# started but did not hand over.
cleanup_policy=""
cleanup_cluster=""
on_exit() {
  local rc=$?
  [ -z "$cleanup_policy" ] || rm -f "$cleanup_policy"
  [ -z "$cleanup_cluster" ] || remove_cluster "$cleanup_cluster"
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Where Debian puts the server binaries (overridable so the failure path can be tested).
PG_LIB=${ABUSE_DESK_PG_LIB:-/usr/lib/postgresql}

# True when the process exists and is not a zombie (/proc works for another user's process, where
# kill -0 would fail).
proc_alive() {
  local state
  state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

postmaster_pid() { head -n 1 "$1/data/postmaster.pid" 2>/dev/null || true; }

# True when the cluster's postmaster runs: the pid of its lock file is alive and is the postmaster
# of this data directory (after a crash the pid may belong to something else by now; that process
# must never be signalled).
cluster_running() {
  local pid; pid=$(postmaster_pid "$1")
  [ -n "$pid" ] && proc_alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$1/data"
}

# Runs a PostgreSQL program as the cluster's owner, from / (the caller's directory may be one the
# postgres user cannot enter, such as /root).
run() {
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else (cd / && "$@"); fi
}

# Stops the server of a cluster directory, whatever it takes: pg_ctl's immediate shutdown, then
# SIGQUIT (the postmaster's own immediate shutdown), then SIGKILL.
stop_server() {
  local dir=$1 bindir pid i
  cluster_running "$dir" || return 0
  bindir=$(cat "$dir/bindir" 2>/dev/null || pg_bindir || true)
  [ -z "$bindir" ] || run "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
  cluster_running "$dir" || return 0
  pid=$(postmaster_pid "$dir")
  for sig in QUIT KILL; do
    cluster_running "$dir" || return 0
    kill -s "$sig" "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do cluster_running "$dir" || return 0; sleep 0.1; done
  done
  log "could not stop the PostgreSQL server $pid of $dir"
}

remove_cluster() {
  stop_server "$1"
  rm -rf "$1"
}

pg_bindir() {
  local d
  d=$(ls -d "$PG_LIB"/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v initdb)"; return 0; fi
  return 1
}

# Installs Debian packages (apt-get, non-interactive; `apt-get update` only when a package is not
# known yet). Debian's postgresql and dovecot packages start a server of their own when installed;
# policy-rc.d keeps them from starting anything during the install (the tests use their own,
# on loopback ports). It is removed on any exit (on_exit), so an interrupted install never leaves
# services unable to start.
apt_install() {
  local what=$1; shift
  [ "$(id -u)" -eq 0 ] || die "$what is not installed and installing it needs root (run: apt-get install -y $*)"
  command -v apt-get >/dev/null 2>&1 || die "$what is not installed and this is not a Debian-like system (no apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  log "installing $what from Debian (apt-get install -y $*)"
  local policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then cleanup_policy=$policy; printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; fi
  local ok=0 apt=(apt-get -o DPkg::Lock::Timeout=300 -q)
  # A fresh image has no package lists (the package is unknown) or stale ones (its download
  # fails); either way the install fails and is retried once after `apt-get update`.
  if "${apt[@]}" install -y --no-install-recommends "$@" >&2; then ok=1
  else
    log "apt-get install failed; refreshing the package lists (apt-get update) and trying again"
    if "${apt[@]}" update >&2 && "${apt[@]}" install -y --no-install-recommends "$@" >&2; then ok=1; fi
  fi
  if [ -n "$cleanup_policy" ]; then rm -f "$cleanup_policy"; cleanup_policy=""; fi
  [ "$ok" -eq 1 ] || die "could not install $what with apt-get (see the messages above)"
}

install_postgres() { apt_install PostgreSQL postgresql; }

# The programs the mail and browser tests start themselves (each test its own throwaway
# instance on a loopback port): Debian's dovecot (IMAP) and chromium. Installed when missing;
# their paths are exported for the tests, which fail (never skip) without them.
ensure_programs() {
  local dovecot=/usr/sbin/dovecot chromium=/usr/bin/chromium missing=()
  [ -x "$dovecot" ] || missing+=(dovecot-imapd)
  [ -x "$chromium" ] || missing+=(chromium)
  [ "${#missing[@]}" -eq 0 ] || apt_install "${missing[*]}" "${missing[@]}"
  [ -x "$dovecot" ] || die "dovecot was installed but $dovecot is missing"
  [ -x "$chromium" ] || die "chromium was installed but $chromium is missing"
  echo "export ABUSE_DESK_DOVECOT='$dovecot'"
  echo "export ABUSE_DESK_CHROMIUM='$chromium'"
}

# The directory clusters are made in: $TMPDIR, unless the postgres user cannot reach it (root's
# TMPDIR under /root, or a private directory): then /tmp.
cluster_base() {
  local base
  # Absolute and canonical: the postmaster's command line names the data directory this way.
  base=$(cd "${TMPDIR:-/tmp}" 2>/dev/null && pwd -P) || base=/tmp
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$base" -a -r "$base" 2>/dev/null; then base=/tmp; fi
  echo "$base"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Removes clusters of earlier runs that died without `stop`: their postmaster is gone and the
# directory is more than 10 minutes old (a younger one may be another run's, still in initdb).
reap_stale() {
  local d
  while IFS= read -r d; do
    cluster_running "$d" || rm -rf "$d"
  done < <(find "$1" -maxdepth 1 -type d -name 'abuse-desk-pg.*' -mmin +10 2>/dev/null)
}

start() {
  if [ -n "${ABUSE_DESK_PG_DIR:-}" ] && [ -f "${ABUSE_DESK_PG_DIR}/url" ]; then
    if cluster_running "$ABUSE_DESK_PG_DIR"; then
      # Already started in this environment: say it again (idempotent).
      echo "export DATABASE_URL_TEST='$(cat "$ABUSE_DESK_PG_DIR/url")'"
      echo "export ABUSE_DESK_PG_DIR='$ABUSE_DESK_PG_DIR'"
      return 0
    fi
    log "the cluster in $ABUSE_DESK_PG_DIR is not running any more; starting a new one"
  fi
  local bindir
  if ! bindir=$(pg_bindir); then
    install_postgres
    bindir=$(pg_bindir) || die "PostgreSQL was installed but initdb/pg_ctl are not found under $PG_LIB"
  fi
  if [ "$(id -u)" -eq 0 ]; then id postgres >/dev/null 2>&1 || die "no postgres user to run the cluster as (the Debian package creates it)"; fi
  local base dir
  base=$(cluster_base)
  reap_stale "$base"
  dir=$(mktemp -d "$base/abuse-desk-pg.XXXXXX")
  # From here until it is handed over, any failure or interruption stops and removes it.
  cleanup_cluster=$dir
  echo "$bindir" >"$dir/bindir"
  [ "$(id -u)" -ne 0 ] || { chown postgres: "$dir"; chmod 700 "$dir"; }
  run "$bindir/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
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
  [ "$(id -u)" -ne 0 ] || chown postgres: "$dir/data/postgresql.conf" "$dir/data/pg_hba.conf"
  local port started=0
  for port in $(shuf -i 20000-60000 -n 20); do
    port_free "$port" || continue
    if run "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "-p $port" start >/dev/null 2>&1; then started=1; break; fi
    # A start that timed out may still be coming up: stop it before trying another port.
    stop_server "$dir"
  done
  if [ "$started" -ne 1 ]; then
    cat "$dir/server.log" >&2 2>/dev/null || true
    die "could not start PostgreSQL on a free port"
  fi
  run "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres abuse_desk_test >&2 || die "createdb failed"
  local url="postgres://postgres@127.0.0.1:$port/abuse_desk_test"
  echo "$url" >"$dir/url"
  log "PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port (cluster in $dir)"
  echo "export DATABASE_URL_TEST='$url'"
  echo "export ABUSE_DESK_PG_DIR='$dir'"
  cleanup_cluster=""
}

stop() {
  local dir=${ABUSE_DESK_PG_DIR:-}
  [ -n "$dir" ] && [ -d "$dir" ] || { log "nothing to stop"; return 0; }
  case "$(basename "$dir")" in abuse-desk-pg.*) [ -f "$dir/bindir" ] || die "refusing to remove $dir: not a cluster this script made" ;; *) die "refusing to remove $dir: not a cluster this script made" ;; esac
  remove_cluster "$dir"
  log "stopped and removed $dir"
}

status() {
  local dir=${ABUSE_DESK_PG_DIR:-}
  if [ -n "$dir" ] && [ -f "$dir/url" ] && cluster_running "$dir"; then echo "postgres: running ($(cat "$dir/url"))"; else echo "postgres: not running"; fi
}

case "${1:-}" in
  start) ensure_programs; start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 64 ;;
esac
