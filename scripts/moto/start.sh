#!/usr/bin/env bash
# Starts moto's server (unpacked by scripts/moto/setup.sh) on 127.0.0.1:PORT in the
# background, waits until it answers, and records its pid in .moto/server-PORT.pid.
# Prints the endpoint (http://127.0.0.1:PORT) on stdout.
# Usage: scripts/moto/start.sh [PORT]   (default 5000)
# Environment: MOTO_HOME, MOTO_PYTHON (as setup.sh), MOTO_START_TIMEOUT (seconds, default 30).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
MOTO_HOME="${MOTO_HOME:-$REPO/.moto}"
ROOT="$MOTO_HOME/root"
PYTHON="${MOTO_PYTHON:-/usr/bin/python3}"
PORT="${1:-5000}"
WAIT_SECONDS="${MOTO_START_TIMEOUT:-30}"
PID_FILE="$MOTO_HOME/server-$PORT.pid"
LOG_FILE="$MOTO_HOME/server-$PORT.log"

log() { printf '[moto start] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ "$PORT" =~ ^[0-9]+$ ]] && (( PORT > 0 && PORT < 65536 )) || die "PORT must be a TCP port number, got '$PORT'"
[[ -f "$ROOT/.complete" && -f "$ROOT/usr/bin/moto_server" ]] || die "moto is not set up in $ROOT: run scripts/moto/setup.sh first"

answers() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/moto-api/data.json" 2>/dev/null; }

if [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
  answers || die "pid $(cat "$PID_FILE") from $PID_FILE is alive but port $PORT does not answer"
  log "already running (pid $(cat "$PID_FILE"))"
  echo "http://127.0.0.1:$PORT"
  exit 0
fi
answers && die "something else already answers on port $PORT"

# setsid: the server gets its own session, so a CI step ending does not take it down
# before stop.sh and stop.sh can end exactly this process and nothing else.
# no_proxy: moto itself POSTs SNS notifications to local HTTP subscribers (the contract
# tests' sink), which must never go through a proxy from the environment.
PYTHONPATH="$ROOT/usr/lib/python3/dist-packages" no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}" NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" setsid "$PYTHON" -s "$ROOT/usr/bin/moto_server" \
  -H 127.0.0.1 -p "$PORT" >"$LOG_FILE" 2>&1 < /dev/null &
pid=$!
echo "$pid" > "$PID_FILE"

deadline=$((SECONDS + WAIT_SECONDS))
until answers; do
  if ! kill -0 "$pid" 2>/dev/null; then
    rm -f "$PID_FILE"
    tail -n 20 "$LOG_FILE" >&2 || true
    die "moto_server exited before answering (log: $LOG_FILE)"
  fi
  if (( SECONDS >= deadline )); then
    kill "$pid" 2>/dev/null || true
    rm -f "$PID_FILE"
    tail -n 20 "$LOG_FILE" >&2 || true
    die "moto_server did not answer on port $PORT within ${WAIT_SECONDS}s (log: $LOG_FILE)"
  fi
  sleep 0.2
done
log "moto_server pid $pid answers on http://127.0.0.1:$PORT (log: $LOG_FILE)"
echo "http://127.0.0.1:$PORT"
