#!/usr/bin/env bash
# Throughput of the simulator for getMeetingInfo (a meeting with 20 attendees) and getMeetings,
# measured with wrk against the `dist` (fat LTO) binary. Not a test: it prints figures.
#
#   crates/bbb-sim/benches/throughput.sh            # defaults below
#   DURATION=20s CONNECTIONS=64 WORKERS=2 crates/bbb-sim/benches/throughput.sh
set -euo pipefail

PORT="${PORT:-18090}"
SECRET="${SECRET:-bench-secret}"
WORKERS="${WORKERS:-2}"
THREADS="${THREADS:-1}"
CONNECTIONS="${CONNECTIONS:-32}"
DURATION="${DURATION:-10s}"
MEETING="bench-room"
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"

command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }

cd "$ROOT"
# The `dist` profile (fat LTO), as the Docker image ships it.
cargo build --profile dist -p bbb-sim --bin bbb-sim
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/dist/bbb-sim"

"$BIN" --port "$PORT" --secret "$SECRET" --workers "$WORKERS" --log-level warn &
SIM_PID=$!
trap 'kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null || true' EXIT

BASE="http://127.0.0.1:$PORT"
for _ in $(seq 50); do
  curl -sf "$BASE/bigbluebutton/api" >/dev/null && break
  sleep 0.1
done

signed() { # call query -> URL with sha1 checksum
  local sum
  sum=$(printf '%s' "$1$2$SECRET" | sha1sum | cut -d' ' -f1)
  if [ -n "$2" ]; then echo "$BASE/bigbluebutton/api/$1?$2&checksum=$sum"; else echo "$BASE/bigbluebutton/api/$1?checksum=$sum"; fi
}

curl -sf "$(signed create "name=Bench+Room&meetingID=$MEETING")" >/dev/null
curl -sf -X POST "$BASE/sim/meetings/$MEETING/attendees?count=20" >/dev/null
INFO_URL="$(signed getMeetingInfo "meetingID=$MEETING")"
MEETINGS_URL="$(signed getMeetings "")"
ATTENDEES=$(curl -sf "$INFO_URL" | grep -o '<attendee>' | wc -l)
echo "meeting $MEETING has $ATTENDEES attendees; sim workers=$WORKERS; wrk -t$THREADS -c$CONNECTIONS -d$DURATION"

for name in getMeetingInfo getMeetings; do
  url="$INFO_URL"; [ "$name" = getMeetings ] && url="$MEETINGS_URL"
  echo "== $name"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" \
    | grep -E 'Requests/sec|Transfer/sec|Latency  |50%|90%|99%|Non-2xx|Socket errors'
done
