#!/usr/bin/env bash
# Stops the moto server that scripts/moto/start.sh started on PORT (by its recorded pid).
# Usage: scripts/moto/stop.sh [PORT]   (default 5000). Succeeds when nothing runs.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
MOTO_HOME="${MOTO_HOME:-$REPO/.moto}"
PORT="${1:-5000}"
PID_FILE="$MOTO_HOME/server-$PORT.pid"
WAIT_SECONDS="${MOTO_STOP_TIMEOUT:-15}"

log() { printf '[moto stop] %s\n' "$*" >&2; }

# Running, and not a zombie waiting for whoever adopted it to reap it.
running() {
  local state
  state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z ]]
}

[[ -f "$PID_FILE" ]] || { log "no server recorded for port $PORT"; exit 0; }
pid="$(cat "$PID_FILE")"
rm -f "$PID_FILE"
[[ "$pid" =~ ^[0-9]+$ ]] || { log "ignoring a malformed pid file ($pid)"; exit 0; }
# Only a moto_server process: a stale pid file must not end an unrelated process.
if ! { tr '\0' ' ' < "/proc/$pid/cmdline"; } 2>/dev/null | grep -q 'moto_server'; then
  log "pid $pid is not running moto_server any more"
  exit 0
fi
kill "$pid" 2>/dev/null || true
# moto exits on SIGTERM, but tearing down its backends can take a few seconds.
for _ in $(seq 1 $((WAIT_SECONDS * 10))); do
  running "$pid" || { log "stopped pid $pid"; exit 0; }
  sleep 0.1
done
log "pid $pid still running ${WAIT_SECONDS}s after SIGTERM: sending SIGKILL"
kill -9 "$pid" 2>/dev/null || true
