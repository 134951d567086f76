# Shared helpers for the native stack: paths, ports, progress lines, process control.
# Sourced by stack.sh and the per-server files; never run on its own.

STACK_HOME="${CONSENT_STACK_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/consent-worker}"
STACK_OPT="$STACK_HOME/opt"   # installed servers: survives `down`, makes the warm `up` fast
# Data, logs and pid files of the running servers. STACK_RUN_DIR gives a second stack instance
# (on other STACK_*_PORTs) its own servers while sharing the installs in opt/: the fault suite
# stops and starts servers there, never in the shared stack.
STACK_RUN="${STACK_RUN_DIR:-$STACK_HOME/run}"

# Ports are off the servers' defaults so the stack never collides with a server the user runs.
STACK_KAFKA_PORT="${STACK_KAFKA_PORT:-19092}"
STACK_KAFKA_CONTROLLER_PORT="${STACK_KAFKA_CONTROLLER_PORT:-19093}"
STACK_REGISTRY_PORT="${STACK_REGISTRY_PORT:-18081}"
STACK_MONGO_PORT="${STACK_MONGO_PORT:-27027}"
STACK_REDIS_PORT="${STACK_REDIS_PORT:-16379}"

STACK_T0=$(date +%s)

say() { printf '[stack %4ss] %s\n' "$(( $(date +%s) - STACK_T0 ))" "$*"; }
fail() { say "FAILED: $*" >&2; return 1; }

# Runs a long step quietly into a log, printing a dot every 10 s so a cold install shows life.
run_logged() {
  local log=$1; shift
  mkdir -p "$(dirname "$log")"
  "$@" >"$log" 2>&1 &
  local pid=$! n=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1; n=$((n + 1))
    if (( n % 10 == 0 )); then say "  ... still working (${n}s, log: $log)"; fi
  done
  wait "$pid"
}

pid_file() { echo "$STACK_RUN/$1/pid"; }
log_file() { echo "$STACK_RUN/$1/server.log"; }

# A pid file is trusted only while that pid still runs the command we started
# (its cmdline contains the marker), so `down` never kills a recycled pid.
running_pid() {
  local name=$1 marker=$2 f pid
  f=$(pid_file "$name")
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker" || return 1
  echo "$pid"
}

# Starts a server in its own session (so it outlives this shell) and records its pid.
start_process() {
  local name=$1; shift
  mkdir -p "$STACK_RUN/$name"
  setsid nohup "$@" >>"$(log_file "$name")" 2>&1 </dev/null &
  echo $! >"$(pid_file "$name")"
}

stop_process() {
  local name=$1 marker=$2 pid i
  if ! pid=$(running_pid "$name" "$marker"); then
    say "$name: not running (nothing of ours to stop)"; rm -f "$(pid_file "$name")"; return 0
  fi
  kill "$pid" 2>/dev/null
  for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  rm -f "$(pid_file "$name")"
  say "$name: stopped (pid $pid)"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Polls a probe until it answers; the probe talks the server's real protocol.
wait_until() {
  local name=$1 seconds=$2 marker=$3; shift 3
  local i
  for (( i = 0; i < seconds * 2; i++ )); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if ! running_pid "$name" "$marker" >/dev/null; then
      fail "$name exited during start-up; last lines of $(log_file "$name"):"
      tail -n 15 "$(log_file "$name")" >&2
      return 1
    fi
    sleep 0.5
  done
  fail "$name did not answer within ${seconds}s; see $(log_file "$name")"
  tail -n 15 "$(log_file "$name")" >&2
  return 1
}

# The probe uses the same client libraries as the worker (kafkajs, the registry client, the
# MongoDB driver, ioredis), so "up" means "answers the worker's own requests".
# --no-warnings: kafkajs 2.2 trips Node 24's TimeoutNegativeWarning, which is harmless noise here.
probe() { node --no-warnings "$STACK_DIR/probe.ts" "$@"; }
