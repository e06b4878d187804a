#!/usr/bin/env bash
# Benchmark of the BBB-compatible endpoint: throughput and p50/p99 latency of isMeetingRunning,
# getMeetingInfo, getMeetings and join through the gateway (per-token path) against the same
# simulator called directly; then the per-token path with 1 and with 10,000 tokens in the
# database. With nginx installed, nginx as a plain reverse proxy to the same simulator is
# measured too, as the reference for what any proxy costs on these cores. `dist` builds, wrk
# on 127.0.0.1 only, bounded runs; each figure is the median of ROUNDS alternating runs.
#
#   crates/bbb-endpoint/benches/endpoint.sh            # defaults: -t1 -c32 -d8s, 3 rounds
#   DURATION=4s ROUNDS=5 CONNECTIONS=16 crates/bbb-endpoint/benches/endpoint.sh
#
# Against another version (did a change make the endpoint slower?): BASELINE names a
# bench_setup binary built from the other commit (`cargo build --profile dist -p bbb-endpoint
# --example bench_setup` there). Then every gateway row runs baseline and candidate
# alternately in the same run, round by round (baseline, then candidate), and prints both
# medians and the candidate's throughput as a share of the baseline's, per round and their
# median: comparing figures of two separate runs mixes the change with the machine's drift.
# Each binary starts its own simulator in its own process, so the simulators are compared
# directly as well (a check that the gateway rows compare the gateways, not the simulators);
# the nginx reference is left out. CANDIDATE names the candidate binary instead of building
# `target/dist/examples/bench_setup` from this tree.
#
#   BASELINE=/tmp/base/dist/examples/bench_setup DURATION=4s ROUNDS=5 \
#     crates/bbb-endpoint/benches/endpoint.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."

DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
MANY_TOKENS=${MANY_TOKENS:-10000}
ROUNDS=${ROUNDS:-3}
NGINX_PORT=${NGINX_PORT:-18391}
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install -y wrk)" >&2; exit 1; }

BASELINE=${BASELINE:-}
if [ -n "$BASELINE" ] && [ ! -x "$BASELINE" ]; then
  echo "BASELINE=$BASELINE is not an executable bench_setup" >&2
  exit 1
fi
if [ -n "${CANDIDATE:-}" ]; then
  [ -x "$CANDIDATE" ] || { echo "CANDIDATE=$CANDIDATE is not an executable bench_setup" >&2; exit 1; }
else
  # The `dist` profile (fat LTO): what the Docker image ships is what is measured.
  cargo build --profile dist -q -p bbb-endpoint --example bench_setup
  CANDIDATE=target/dist/examples/bench_setup
fi
WORK=$(mktemp -d /tmp/bbb-endpoint-bench.XXXXXX)
SETUP_PIDS=()
NGINX_PID=""
stop_setups() {
  for pid in "${SETUP_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -INT "$pid"
      wait "$pid" 2>/dev/null || true
    fi
  done
  SETUP_PIDS=()
}
trap 'stop_setups; [ -n "$NGINX_PID" ] && kill "$NGINX_PID"; rm -rf "$WORK"' EXIT

start_setup() { # binary tokens urls-file
  rm -f "$3"
  "$1" --tokens "$2" --urls "$3" 2>"$3.log" &
  local pid=$!
  SETUP_PIDS+=("$pid")
  for _ in $(seq 1 600); do
    [ -s "$3" ] && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$3.log" >&2; exit 1; }
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

# One wrk run: "rps p50_ms p99_ms errors" on one line.
run_wrk() { # url connections
  local out
  wrk -t"$THREADS" -c"$2" -d1s "$1" >/dev/null # warm-up: fills pools and caches
  out=$(wrk -t"$THREADS" -c"$2" -d"$DURATION" --latency "$1")
  printf '%s %s %s %s\n' \
    "$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")" \
    "$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")" \
    "$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")" \
    "$(awk '/Non-2xx or 3xx responses:|Socket errors:/ { printf "%s;", $0 }' <<<"$out")"
}

# The median (by throughput) of ROUNDS runs, each side measured alternately so that both see
# the same machine: the machine is shared with the simulator and wrk, and its load drifts.
# Then the second side's throughput as a share of the first's, round by round (each pair ran
# back to back, so drifts between rounds cancel out), and the median of those shares; not for
# a pair that does different work (SHARE=no).
measure_pair() { # label url-a label-b url-b [connections]
  local connections=${5:-$CONNECTIONS} a=() b=()
  for _ in $(seq 1 "$ROUNDS"); do
    a+=("$(run_wrk "$2" "$connections")")
    b+=("$(run_wrk "$4" "$connections")")
  done
  print_median "$1" "${a[@]}"
  print_median "$3" "${b[@]}"
  [ "${SHARE:-yes}" = no ] && return
  local shares=()
  for i in "${!a[@]}"; do
    shares+=("$(awk -v a="${a[$i]%% *}" -v b="${b[$i]%% *}" 'BEGIN { printf "%.1f", 100 * b / a }')")
  done
  printf '%s\n' "${shares[@]}" | sort -n | awk -v rounds="${shares[*]}" '
    { share[NR] = $1 }
    END {
      median = NR % 2 ? share[(NR + 1) / 2] : (share[NR / 2] + share[NR / 2 + 1]) / 2
      printf "  share per round (%%): %s; median %.1f %%\n", rounds, median
    }'
}

print_median() { # label runs...
  local label=$1
  shift
  printf '%s\n' "$@" | sort -n -k1,1 | awk -v label="$label" -v n="$#" '
    NR == int((n + 1) / 2) {
      printf "%-34s %10s req/s   p50 %8s ms   p99 %8s ms  %s\n", label, $1, $2, $3, $4
    }'
}

# nginx as a reference: the cheapest possible reverse proxy (no checksum, no lookup, no
# rewriting) in front of the same simulator, on the same cores. Skipped without nginx.
start_nginx() { # simulator-port
  command -v nginx >/dev/null || return 1
  mkdir -p "$WORK/nginx"
  cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  upstream sim { server 127.0.0.1:$1; keepalive 64; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { proxy_pass http://sim; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
  nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" || return 1
  sleep 0.5
  NGINX_PID=$(cat "$WORK/nginx/nginx.pid")
}

# Baseline against candidate: the same rows, each gateway row as a pair of the two builds.
compare_builds() {
  echo "baseline:  $BASELINE"
  echo "candidate: $CANDIDATE"
  echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, median of $ROUNDS rounds (baseline, candidate); $(nproc) cores"
  start_setup "$BASELINE" 1 "$WORK/base"
  start_setup "$CANDIDATE" 1 "$WORK/cand"
  echo "unloaded latency (one connection): the gateway's own cost per call"
  for call in isMeetingRunning getMeetingInfo; do
    measure_pair "baseline  $call, -c1" "$(url_of "gateway_$call" "$WORK/base")" \
      "candidate $call, -c1" "$(url_of "gateway_$call" "$WORK/cand")" 1
  done
  echo
  echo "under load (-c$CONNECTIONS)"
  for call in isMeetingRunning getMeetingInfo getMeetings; do
    measure_pair "baseline  $call" "$(url_of "gateway_$call" "$WORK/base")" \
      "candidate $call" "$(url_of "gateway_$call" "$WORK/cand")"
  done
  echo
  echo "the two simulators directly (-c$CONNECTIONS): both sides should match"
  for call in isMeetingRunning getMeetingInfo getMeetings; do
    measure_pair "baseline  direct $call" "$(url_of "direct_$call" "$WORK/base")" \
      "candidate direct $call" "$(url_of "direct_$call" "$WORK/cand")"
  done
  # Last on these setups: a direct join would add an attendee, the gateway's join does not
  # call the backend (see below), so both meetings stay alike.
  echo
  measure_pair "baseline  join" "$(url_of gateway_join "$WORK/base")" \
    "candidate join" "$(url_of gateway_join "$WORK/cand")"
  stop_setups

  echo
  echo "per-token path, isMeetingRunning with $MANY_TOKENS tokens in the database"
  start_setup "$BASELINE" "$MANY_TOKENS" "$WORK/base-many"
  start_setup "$CANDIDATE" "$MANY_TOKENS" "$WORK/cand-many"
  measure_pair "baseline  $MANY_TOKENS tokens" "$(url_of gateway_isMeetingRunning "$WORK/base-many")" \
    "candidate $MANY_TOKENS tokens" "$(url_of gateway_isMeetingRunning "$WORK/cand-many")"
  stop_setups
}
if [ -n "$BASELINE" ]; then
  compare_builds
  exit 0
fi

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, median of $ROUNDS alternating runs; $(nproc) cores"
start_setup "$CANDIDATE" 1 "$WORK/urls"
echo "unloaded latency (one connection): the gateway's own cost per call"
for call in isMeetingRunning getMeetingInfo; do
  measure_pair "direct  $call, -c1" "$(url_of "direct_$call")" \
    "gateway $call, -c1" "$(url_of "gateway_$call")" 1
done
echo
echo "under load (-c$CONNECTIONS)"
for call in isMeetingRunning getMeetingInfo getMeetings; do
  measure_pair "direct  $call" "$(url_of "direct_$call")" \
    "gateway $call" "$(url_of "gateway_$call")"
done
direct_url=$(url_of direct_isMeetingRunning)
sim_port=$(sed -E 's#^http://127\.0\.0\.1:([0-9]+)/.*#\1#' <<<"$direct_url")
if start_nginx "$sim_port"; then
  echo
  echo "reference: nginx as a plain reverse proxy to the same simulator"
  for call in isMeetingRunning getMeetingInfo getMeetings; do
    direct_url=$(url_of "direct_$call")
    measure_pair "direct  $call" "$direct_url" \
      "nginx   $call" "${direct_url/127.0.0.1:$sim_port/127.0.0.1:$NGINX_PORT}"
  done
  kill "$NGINX_PID"
  NGINX_PID=""
else
  echo "(nginx not installed: no reference proxy figures)"
fi
# join last: every direct join adds an attendee to the simulator's meeting, which makes its
# getMeetingInfo answer grow. The gateway answers join with a 302 to the backend's signed URL
# without calling it, as bbb-web answers join with a 302 into the client.
echo
SHARE=no measure_pair "direct  join" "$(url_of direct_join)" "gateway join" "$(url_of gateway_join)"
stop_setups

echo
echo "per-token path, isMeetingRunning: 1 token vs $MANY_TOKENS tokens in the database"
start_setup "$CANDIDATE" 1 "$WORK/one"
start_setup "$CANDIDATE" "$MANY_TOKENS" "$WORK/many"
measure_pair "1 token" "$(url_of gateway_isMeetingRunning "$WORK/one")" \
  "$MANY_TOKENS tokens" "$(url_of gateway_isMeetingRunning "$WORK/many")"
stop_setups
