# A MongoDB-wire server: a real mongod when one is on PATH, else FerretDB v1.24 on SQLite.
# FerretDB is built from its Go module; `go install` alone yields a binary that panics at
# start, because the module ships build/version/version.txt empty (it is written at release
# time), so we build from a writable copy of the module with that file filled in, and with five
# patches applied (each explains itself in its header):
#  - ferretdb/sqlite-id-index.patch: unpatched, its SQLite backend never uses the _id index, so
#    every read and write by _id scans the collection (50 ms a write at 5,000 documents);
#  - ferretdb/update-compare-and-set.patch: unpatched, two concurrent updates conditional on the
#    same version can both win, which would void the worker's version check;
#  - ferretdb/sqlite-date-range.patch: unpatched, the expiry safety net's due-date query reads and
#    decodes every consent on every pass;
#  - ferretdb/sqlite-string-range.patch: unpatched, the read API's list queries (a range on one
#    string key) read and decode every consent on every request;
#  - ferretdb/read-decode-speed.patch: unpatched, decoding a stored document costs twice the CPU
#    (a json.Decoder per value, its schema decoded by reflection every time, a stack trace per
#    iterator), which capped the read API on two cores.

FERRETDB_VERSION="${STACK_FERRETDB_VERSION:-v1.24.2}"
# sqlite (default, nothing else to run) or postgresql (flat write cost; see postgres.sh).
FERRETDB_BACKEND="${STACK_FERRETDB_BACKEND:-sqlite}"
FERRETDB_PATCHES=("$STACK_DIR/ferretdb/sqlite-id-index.patch" "$STACK_DIR/ferretdb/update-compare-and-set.patch"
  "$STACK_DIR/ferretdb/sqlite-date-range.patch" "$STACK_DIR/ferretdb/sqlite-string-range.patch"
  "$STACK_DIR/ferretdb/read-decode-speed.patch")
# The build's folder names the patch level, so a cached unpatched build is replaced, not reused.
FERRETDB_BUILD="ferretdb-$FERRETDB_VERSION-cw6"
FERRETDB_BIN="$STACK_OPT/$FERRETDB_BUILD/ferretdb"

mongo_kind() { if command -v mongod >/dev/null; then echo mongod; else echo ferretdb; fi; }
mongo_marker() {
  # Any of our FerretDB builds, so `down` still stops one started before a patch level changed.
  if [[ $(mongo_kind) == mongod ]]; then echo "--dbpath $STACK_RUN/mongo/data"; else echo "$STACK_OPT/ferretdb-"; fi
}

mongo_installed() { [[ $(mongo_kind) == mongod || -x $FERRETDB_BIN ]]; }

mongo_install() {
  command -v go >/dev/null || { fail "mongo: neither mongod nor go found (go builds FerretDB)"; return 1; }
  local dest="$STACK_OPT/$FERRETDB_BUILD" src
  say "mongo: building FerretDB $FERRETDB_VERSION from the Go module proxy (cold install)"
  mkdir -p "$dest"
  src=$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" \
        | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') \
    || { fail "mongo: go mod download of FerretDB failed"; return 1; }
  [[ -d $src ]] || { fail "mongo: go mod download gave no source dir"; return 1; }
  rm -rf "$dest/src" && cp -r "$src" "$dest/src" && chmod -R u+w "$dest/src"
  echo "$FERRETDB_VERSION" >"$dest/src/build/version/version.txt"
  local patch_file
  for patch_file in "${FERRETDB_PATCHES[@]}"; do
    patch -s -p1 --forward -d "$dest/src" <"$patch_file" \
      || { fail "mongo: $patch_file does not apply to FerretDB $FERRETDB_VERSION"; return 1; }
  done
  run_logged "$dest/install.log" bash -c "cd '$dest/src' && go build -o '$FERRETDB_BIN' ./cmd/ferretdb" \
    || { fail "mongo: FerretDB build failed; see $dest/install.log"; return 1; }
  rm -rf "$dest/src"
}

# FerretDB's CPU, not the worker's, bounds the expiry drain on this stack, and much of it is Go's
# garbage collector sweeping the short-lived documents of every request (its live heap is tens of
# MB). Collecting only near a memory limit instead of at every doubling of the heap raised the
# drain of bench:expiry from ~500 to ~800 expiries/s on 2 cores (docs/benchmarks/expiry-lag.md).
FERRETDB_GOMEMLIMIT="${STACK_FERRETDB_GOMEMLIMIT:-1GiB}"

mongo_start() {
  local dir="$STACK_RUN/mongo"
  local ferretdb=(env GOGC=off GOMEMLIMIT="$FERRETDB_GOMEMLIMIT" "$FERRETDB_BIN")
  mkdir -p "$dir/data"
  if [[ $(mongo_kind) == mongod ]]; then
    start_process mongo mongod --bind_ip 127.0.0.1 --port "$STACK_MONGO_PORT" --dbpath "$dir/data"
  else
    if [[ $FERRETDB_BACKEND == postgresql ]]; then
      "$(postgres_bin)/createdb" -h 127.0.0.1 -p "$STACK_POSTGRES_PORT" -U ferret ferretdb >/dev/null 2>&1 || true
      start_process mongo "${ferretdb[@]}" --handler=postgresql --postgresql-url="$(postgres_endpoint)" \
        --listen-addr="127.0.0.1:$STACK_MONGO_PORT" --state-dir="$dir" --telemetry=disable --debug-addr=- --log-level=warn
      return
    fi
    # Test and benchmark databases are never dropped while FerretDB runs (dropping a database
    # whose SQLite files are still mapped crashed it); they are cleared here, before it starts.
    rm -f "$dir"/data/cwtest_*.sqlite* "$dir"/data/smoke_*.sqlite* "$dir"/data/cwbench_*.sqlite*
    # The debug HTTP listener is not needed and would take a fixed port (8088).
    # synchronous(normal) with FerretDB's WAL: no fsync per commit, still crash-safe for the
    # database file; a power cut may lose the last commits, which a local test server can afford.
    start_process mongo "${ferretdb[@]}" --handler=sqlite --sqlite-url="file:$dir/data/?_pragma=synchronous(normal)" \
      --listen-addr="127.0.0.1:$STACK_MONGO_PORT" --state-dir="$dir" --telemetry=disable \
      --debug-addr=- --log-level=warn
  fi
}

mongo_endpoint() { echo "mongodb://127.0.0.1:$STACK_MONGO_PORT/"; }
mongo_ready() { probe mongo "$(mongo_endpoint)"; }
