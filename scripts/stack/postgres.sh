# PostgreSQL for FerretDB, only when STACK_FERRETDB_BACKEND=postgresql. FerretDB's SQLite
# backend pushes only a bare {_id} filter down to SQLite, so the worker's versioned writes
# ({_id, version}) scan the whole collection and slow down as it grows; its PostgreSQL backend
# stays flat. Debian's postgresql server, run as our own process on our own port.

STACK_POSTGRES_PORT="${STACK_POSTGRES_PORT:-15432}"

postgres_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# PostgreSQL refuses to run as root: as root it runs as the `postgres` user, in a folder that
# user can reach (the stack home under /root is not); otherwise as the current user.
postgres_as_root() { [[ $(id -u) -eq 0 ]]; }
postgres_dir() {
  if postgres_as_root; then echo "/var/tmp/consent-worker-postgres-$STACK_POSTGRES_PORT"; else echo "$STACK_RUN/postgres"; fi
}
# setpriv execs (no parent process left), so the pid file holds the server's own pid.
postgres_as_owner() {
  if postgres_as_root; then echo setpriv --reuid=postgres --regid=postgres --init-groups --; fi
}
POSTGRES_MARKER="-D $(postgres_dir)/data"

postgres_installed() { [[ -n $(postgres_bin) ]]; }

postgres_install() {
  say "postgres: installing Debian's postgresql (cold install)"
  local SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  run_logged "$STACK_HOME/postgres-install.log" bash -c \
    "$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql" \
    || { fail "postgres: apt-get install postgresql failed; see $STACK_HOME/postgres-install.log"; return 1; }
}

postgres_start() {
  local dir bin
  dir=$(postgres_dir); bin=$(postgres_bin)
  mkdir -p "$dir" "$STACK_RUN/postgres"
  postgres_as_root && chown postgres:postgres "$dir"
  if [[ ! -f $dir/data/PG_VERSION ]]; then
    say "postgres: initdb in $dir/data"
    $(postgres_as_owner) "$bin/initdb" -D "$dir/data" -U ferret --auth=trust -E UTF8 >>"$(log_file postgres)" 2>&1 \
      || { fail "postgres: initdb failed; see $(log_file postgres)"; return 1; }
  fi
  # A local test server: durability traded for speed (a crash may lose recent commits).
  # shellcheck disable=SC2046 # the owner prefix is empty or several words, on purpose
  start_process postgres $(postgres_as_owner) "$bin/postgres" -D "$dir/data" -p "$STACK_POSTGRES_PORT" -k "$dir" \
    -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off
}

postgres_endpoint() { echo "postgres://ferret@127.0.0.1:$STACK_POSTGRES_PORT/ferretdb"; }
postgres_ready() { "$(postgres_bin)/pg_isready" -q -h 127.0.0.1 -p "$STACK_POSTGRES_PORT"; }
