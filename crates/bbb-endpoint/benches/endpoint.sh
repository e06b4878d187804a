#!/usr/bin/env bash
# Benchmark of the BBB-compatible endpoint: throughput and p50/p99 latency of isMeetingRunning,
# getMeetingInfo, getMeetings and join through the gateway (per-token path) against the same
# simulator called directly; then the per-token path with 1 and with 10,000 tokens in the
# database. Release builds, wrk on 127.0.0.1 only, bounded runs.
#
#   crates/bbb-endpoint/benches/endpoint.sh            # defaults: -t1 -c32 -d8s
#   DURATION=4s CONNECTIONS=16 crates/bbb-endpoint/benches/endpoint.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."

DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
MANY_TOKENS=${MANY_TOKENS:-10000}
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install -y wrk)" >&2; exit 1; }

cargo build --release -q -p bbb-endpoint --example bench_setup
SETUP=target/release/examples/bench_setup
WORK=$(mktemp -d /tmp/bbb-endpoint-bench.XXXXXX)
SETUP_PIDS=()
stop_setups() {
  for pid in "${SETUP_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -INT "$pid"
      wait "$pid" 2>/dev/null || true
    fi
  done
  SETUP_PIDS=()
}
trap 'stop_setups; rm -rf "$WORK"' EXIT

start_setup() { # tokens urls-file
  rm -f "$2"
  "$SETUP" --tokens "$1" --urls "$2" 2>"$2.log" &
  local pid=$!
  SETUP_PIDS+=("$pid")
  for _ in $(seq 1 600); do
    [ -s "$2" ] && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$2.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "setup did not get ready" >&2; exit 1
}

url_of() { awk -v name="$1" '$1 == name { print $2 }' "${2:-$WORK/urls}"; }

# wrk's latency figure in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else { print v } }'
}

measure() { # label url [connections]
  local out connections=${3:-$CONNECTIONS}
  # A short warm-up fills connection pools and caches.
  wrk -t"$THREADS" -c"$connections" -d1s "$2" >/dev/null
  out=$(wrk -t"$THREADS" -c"$connections" -d"$DURATION" --latency "$2")
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
  errors=$(awk '/Non-2xx or 3xx responses:|Socket errors:/ { print }' <<<"$out" | tr '\n' ' ')
  printf '%-34s %10s req/s   p50 %8s ms   p99 %8s ms  %s\n' "$1" "$rps" "$p50" "$p99" "$errors"
}

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION; $(nproc) cores"
start_setup 1 "$WORK/urls"
echo "unloaded latency (one connection): the gateway's own cost per call"
for call in isMeetingRunning getMeetingInfo; do
  measure "direct  $call, -c1" "$(url_of "direct_$call")" 1
  measure "gateway $call, -c1" "$(url_of "gateway_$call")" 1
done
echo
echo "under load (-c$CONNECTIONS)"
# join last: every direct join adds an attendee to the simulator's meeting.
for call in isMeetingRunning getMeetingInfo getMeetings join; do
  measure "direct  $call" "$(url_of "direct_$call")"
  measure "gateway $call" "$(url_of "gateway_$call")"
done
stop_setups

echo
echo "per-token path, isMeetingRunning: 1 token vs $MANY_TOKENS tokens in the database"
echo "(both set up side by side, measured alternately, three rounds)"
start_setup 1 "$WORK/one"
start_setup "$MANY_TOKENS" "$WORK/many"
for round in 1 2 3; do
  measure "round $round: 1 token" "$(url_of gateway_isMeetingRunning "$WORK/one")"
  measure "round $round: $MANY_TOKENS tokens" "$(url_of gateway_isMeetingRunning "$WORK/many")"
done
stop_setups
