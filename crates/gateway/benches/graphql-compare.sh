#!/usr/bin/env bash
# GraphQL throughput of two bbb-gateway binaries, BASELINE and CANDIDATE, in one run on the
# same machine: the figures of issue 15 ("GraphQL speed"), each the median of ROUNDS rounds in
# which the two binaries are loaded one after the other (wrk -t1 -c16), so that both see the
# same machine while its load drifts. Per query:
#
#   /healthz                                  the HTTP floor
#   {__typename}, anonymous                   GraphQL floor: site by Host, no user
#   {__typename}, authenticated               + the JWT's user
#   viewer                                    { viewer { id username } }
#   meetings(first: 50)                       id name welcomeMessage record of 50 meetings
#   meetings(first: 50) + live                the same with live { running participantCount
#                                             moderatorCount attendees { fullName role }
#                                             server { name } } of 50 running meetings on two
#                                             simulated BBB servers, 3 attendees each
#
# on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set (a server where the user may
# CREATE DATABASE; each binary gets a fresh database, dropped afterwards; psql is used for that).
# The authenticated user is a plain user (no staff) holding ADD_MEETINGS on the group, who
# owns the 50 meetings. The table gives each binary's req/s, the candidate's share of the
# baseline (median of the per-round ratios) and the issue's target; below each row, the
# gateway's CPU time per request (process user+system time over the run / requests) and any
# wrk errors.
#
# Each binary gets the same data through its own front doors only, so that any two versions
# compare: the CLI (`group create`, `server add`, `user create`), then GraphQL (`login`,
# `grantGroupPermission`, `createMeeting`, `startMeeting`, which creates the meeting on BBB)
# and the simulator's `POST /sim/meetings/{meetingID}/attendees`. Each binary has its own
# database and its own two simulated servers (one `bbb-sim` process). Every query is run once
# and checked (no GraphQL error, 50 meetings, 3 attendees each) before it is loaded.
#
#   cargo build --profile dist --bin bbb-gateway --bin bbb-sim        # the candidate
#   (git worktree add ../base <commit>; cd ../base; cargo build --release --bin bbb-gateway --bin bbb-sim)
#   BASELINE=../base/target/release/bbb-gateway crates/gateway/benches/graphql-compare.sh
#   BASELINE=… CANDIDATE=target/dist/bbb-gateway SIM=target/dist/bbb-sim \
#     DURATION=5s ROUNDS=5 TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
#     crates/gateway/benches/graphql-compare.sh
#
# Environment: BASELINE (required), CANDIDATE (default target/dist/bbb-gateway), SIM (bbb-sim;
# default: the one beside BASELINE), DURATION (4s), ROUNDS (3), CONNECTIONS (16), THREADS (1),
# PORT_BASE (18420: the run listens on 127.0.0.1 ports PORT_BASE..PORT_BASE+6), LOG_LEVEL
# (the gateways' log.level, default info as shipped; their logs go to a file emptied before
# every load), BASELINE_ENV / CANDIDATE_ENV (extra KEY=VALUE settings, space separated, for one
# side only, e.g. CANDIDATE_ENV='BBB_GATEWAY_LOG__ACCESS=off'), MIXED (60s: after the
# queries, each side in turn under that long a mixed load of viewer, meetings, live and the BBB
# endpoint's isMeetingRunning, four connections each, then its RSS; 0 skips it), KEEP_WORK=1
# (keep the temporary directory with the logs), POSTGRAPHILE (see below), PROFILE=DIR (then
# profile the candidate with perf under each GraphQL query, see profile_candidate) and
# PROFILE_QUERIES (which of them, default all: typename-anonymous typename-authenticated viewer
# meetings live).
#
# Optional PostGraphile v4 comparison (the issue's reference: what a frontend team would put in
# front of PostgreSQL instead; one Node.js process, no auth). Install it outside the repository:
#
#   mkdir -p /tmp/postgraphile && cd /tmp/postgraphile && npm install postgraphile@4
#
# and set POSTGRAPHILE=/tmp/postgraphile/node_modules/.bin/postgraphile with TEST_DATABASE_URL.
# The script then starts, on the baseline's PostgreSQL database with its 50 meetings,
#
#   NODE_ENV=production postgraphile --connection postgres://…/<baseline database> \
#     --schema public --host 127.0.0.1 --port $((PORT_BASE + 6)) --disable-graphiql --disable-query-log
#
# and loads `{ allMeetings(first: 50) { nodes { id name welcomeMessage record } } }` (table
# `meeting`, columns id, name, welcome_message, record) and `{__typename}` in the same rounds,
# alternating with both gateways.
set -euo pipefail
# Paths given relative to the caller's directory, before moving to the repository's root.
absolute() { if [[ $1 == */* ]]; then realpath -m -- "$1"; else echo "$1"; fi; }
for name in BASELINE CANDIDATE SIM POSTGRAPHILE; do
  if [ -n "${!name:-}" ]; then printf -v "$name" '%s' "$(absolute "${!name}")"; fi
done
if [ -n "${PROFILE:-}" ]; then PROFILE=$(realpath -m -- "$PROFILE"); fi
cd "$(dirname "$0")/../../.."

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
[ -n "${BASELINE:-}" ] || usage
CANDIDATE=${CANDIDATE:-target/dist/bbb-gateway}
SIM=${SIM:-$(dirname "$BASELINE")/bbb-sim}
DURATION=${DURATION:-4s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-1}
PORT_BASE=${PORT_BASE:-18420}
LOG_LEVEL=${LOG_LEVEL:-info}
MEETINGS=50
ATTENDEES=3
POSTGRAPHILE=${POSTGRAPHILE:-}
MIXED=${MIXED:-60s}
PROFILE=${PROFILE:-}
PROFILE_QUERIES=${PROFILE_QUERIES:-typename-anonymous typename-authenticated viewer meetings live}

for binary in "$BASELINE" "$CANDIDATE" "$SIM"; do
  [ -x "$binary" ] || {
    echo "not an executable: $binary (build it, or set BASELINE / CANDIDATE / SIM)" >&2
    exit 1
  }
done
for tool in wrk curl jq openssl; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install -y $tool)" >&2; exit 1; }
done
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  command -v psql >/dev/null || { echo "psql is missing (apt-get install -y postgresql-client)" >&2; exit 1; }
fi
if [ -n "$POSTGRAPHILE" ] && [ -z "${TEST_DATABASE_URL:-}" ]; then
  echo "POSTGRAPHILE needs TEST_DATABASE_URL (it reads PostgreSQL only)" >&2
  exit 1
fi
for offset in 0 1 2 3 4 5 6; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$((PORT_BASE + offset))") 2>/dev/null; then
    echo "port $((PORT_BASE + offset)) is taken: set PORT_BASE" >&2
    exit 1
  fi
done

WORK=$(mktemp -d /tmp/graphql-compare.XXXXXX)
CLK_TCK=$(getconf CLK_TCK)
SECRET_KEY=$(openssl rand -hex 32)
JWT_SECRET=$(openssl rand -hex 32)
PASSWORD=$(openssl rand -hex 16)
PIDS=()       # every process this script started, stopped at the end
DATABASES=()  # PostgreSQL databases it created, dropped at the end

stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
drop_databases() {
  local db
  for db in "${DATABASES[@]}"; do
    psql -q "$TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1 || true
  done
  DATABASES=()
}
cleanup() {
  stop_all
  drop_databases
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
die() {
  echo "graphql-compare: $*" >&2
  exit 1
}

Q_TYPENAME='{ __typename }'
Q_VIEWER='{ viewer { id username } }'
Q_MEETINGS='{ meetings(first: 50) { nodes { id name welcomeMessage record } } }'
Q_LIVE='{ meetings(first: 50) { nodes { id name welcomeMessage record live { running participantCount moderatorCount attendees { fullName role } server { name } } } } }'
Q_POSTGRAPHILE='{ allMeetings(first: 50) { nodes { id name welcomeMessage record } } }'

# ---- one side: a gateway binary with its database, its simulators and its data -------------

# The settings of one side's gateway (environment), for the CLI and for serve alike.
side_env() { # side
  local extra=BASELINE_ENV
  [ "$1" = candidate ] && extra=CANDIDATE_ENV
  # shellcheck disable=SC2206 # KEY=VALUE words, split on purpose
  SIDE_ENV=(
    "BBB_GATEWAY_DATABASE_URL=${DB_URL[$1]}"
    "BBB_GATEWAY_SECRET_KEY=$SECRET_KEY"
    "BBB_GATEWAY_JWT__SECRET=$JWT_SECRET"
    'BBB_GATEWAY_OUTBOUND__ALLOW=["127.0.0.0/8"]'
    "BBB_GATEWAY_LOG__LEVEL=$LOG_LEVEL"
    ${!extra:-}
  )
}

cli() { # side args... (standard input passed on)
  local side=$1
  shift
  side_env "$side"
  env "${SIDE_ENV[@]}" "${BINARY[$side]}" "$@" >>"$WORK/$side.setup.log" 2>&1 ||
    die "$side: bbb-gateway $* failed: $(tail -n 3 "$WORK/$side.setup.log")"
}

# One GraphQL request; prints the answer's data, fails on any error.
gql() { # port token query [variables]
  local body answer variables=${4:-'{}'}
  body=$(jq -cn --arg query "$3" --argjson variables "$variables" \
    '{query: $query, variables: $variables}')
  local auth=()
  [ -n "$2" ] && auth=(-H "Authorization: Bearer $2")
  answer=$(curl -sS --max-time 30 -H 'Content-Type: application/json' "${auth[@]}" \
    --data "$body" "http://127.0.0.1:$1/graphql") || die "POST :$1/graphql failed"
  jq -e '.errors == null and .data != null' >/dev/null <<<"$answer" ||
    die "GraphQL error on :$1 for $3: $answer"
  jq -c .data <<<"$answer"
}

wait_for() { # url what
  for _ in $(seq 1 300); do
    curl -fsS --max-time 2 -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  die "$2 did not get ready ($1)"
}

start_side() { # side gateway-port sim-port-1 sim-port-2
  local side=$1 port=$2 sim1=$3 sim2=$4
  PORT[$side]=$port
  "$SIM" --port "$sim1" --secret "sim-$side-1" --port "$sim2" --secret "sim-$side-2" \
    --host 127.0.0.1 --log-level warn >>"$WORK/$side.sim.log" 2>&1 &
  PIDS+=($!)
  wait_for "http://127.0.0.1:$sim1/bigbluebutton/api/" "$side simulator 1"
  wait_for "http://127.0.0.1:$sim2/bigbluebutton/api/" "$side simulator 2"

  cli "$side" migrate up
  cli "$side" group create bench
  cli "$side" server add sim-1 --group bench \
    --url "http://127.0.0.1:$sim1/bigbluebutton/api/" --secret-stdin <<<"sim-$side-1"
  cli "$side" server add sim-2 --group bench \
    --url "http://127.0.0.1:$sim2/bigbluebutton/api/" --secret-stdin <<<"sim-$side-2"
  cli "$side" user create admin --superuser --staff --password-stdin <<<"$PASSWORD"
  cli "$side" user create bench --display-name 'Bench User' --password-stdin <<<"$PASSWORD"

  side_env "$side"
  env "${SIDE_ENV[@]}" "${BINARY[$side]}" serve --listen "127.0.0.1:$port" \
    >>"$WORK/$side.log" 2>&1 &
  GATEWAY_PID[$side]=$!
  PIDS+=($!)
  wait_for "http://127.0.0.1:$port/readyz" "$side gateway"

  local login='mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }'
  local admin group bench created guid id number
  admin=$(gql "$port" "" "$login" "$(jq -cn --arg p "$PASSWORD" '{u: "admin", p: $p}')" |
    jq -r .login.token)
  group=$(gql "$port" "$admin" '{ serverGroups { id name } }' |
    jq -r '.serverGroups[] | select(.name == "bench") | .id')
  gql "$port" "$admin" 'mutation($g: ID!) { grantGroupPermission(groupId: $g,
      user: {username: "bench"}, permission: ADD_MEETINGS) { __typename } }' \
    "$(jq -cn --arg g "$group" '{g: $g}')" >/dev/null
  bench=$(gql "$port" "" "$login" "$(jq -cn --arg p "$PASSWORD" '{u: "bench", p: $p}')" |
    jq -r .login.token)
  TOKEN[$side]=$bench

  for number in $(seq 1 "$MEETINGS"); do
    created=$(gql "$port" "$bench" \
      'mutation($input: CreateMeetingInput!) { createMeeting(input: $input) { id guid } }' \
      "$(jq -cn --arg g "$group" --argjson n "$number" '{input: {groupId: $g,
        name: "Bench room \($n)", welcomeMessage: "Welcome to bench room \($n)!",
        record: ($n % 2 == 0)}}')")
    id=$(jq -r .createMeeting.id <<<"$created")
    guid=$(jq -r .createMeeting.guid <<<"$created")
    gql "$port" "$bench" 'mutation($id: ID!) { startMeeting(id: $id) { id } }' \
      "$(jq -cn --arg id "$id" '{id: $id}')" >/dev/null
    # The meeting runs on one of the two servers; the other one answers 404.
    curl -fsS -o /dev/null -X POST \
      "http://127.0.0.1:$sim1/sim/meetings/$guid/attendees?count=$ATTENDEES" 2>/dev/null ||
      curl -fsS -o /dev/null -X POST \
        "http://127.0.0.1:$sim2/sim/meetings/$guid/attendees?count=$ATTENDEES" ||
      die "$side: meeting $guid runs on neither simulator"
  done
  endpoint_token "$side" "$port"
  local per_server
  per_server=$(for sim in "$sim1" "$sim2"; do
    curl -fsS "http://127.0.0.1:$sim/sim/meetings" | jq 'length'
  done | paste -sd/)
  echo "$side: ${BINARY[$side]} on $BACKEND, $MEETINGS running meetings ($per_server per simulator)"
  check_side "$side"
  write_scripts "$side"
}

# A BBB call through the endpoint's per-token path, signed with the token's secret (SHA-1).
bbb_url() { # side call query
  local checksum
  checksum=$(printf '%s' "$2$3${BBB_SECRET[$1]}" | sha1sum | cut -d' ' -f1)
  echo "http://127.0.0.1:${PORT[$1]}${BBB_PATH[$1]}$2?$3&checksum=$checksum"
}

# An API token (CLI) and a meeting it created through the BBB endpoint, for the mixed load.
endpoint_token() { # side port
  local side=$1 created
  side_env "$side"
  created=$(env "${SIDE_ENV[@]}" "${BINARY[$side]}" token create mixed --group bench \
    2>>"$WORK/$side.setup.log") || die "$side: token create failed"
  BBB_SECRET[$side]=$(sed -n 's/^secret (shown only now): //p' <<<"$created")
  BBB_PATH[$side]=$(grep -o '/t/[^/]*/bigbluebutton/api/' <<<"$created" | head -n 1)
  curl -fsS --max-time 30 "$(bbb_url "$side" create 'meetingID=mixed&name=Mixed')" |
    grep -q '<returncode>SUCCESS</returncode>' || die "$side: create through the BBB endpoint failed"
  # (running stays false until someone joins, as on BBB; the call is answered all the same)
  curl -fsS --max-time 30 "$(bbb_url "$side" isMeetingRunning 'meetingID=mixed')" |
    grep -q '<returncode>SUCCESS</returncode>' || die "$side: isMeetingRunning through the endpoint failed"
}

# MIXED of GraphQL (viewer, meetings, live) and BBB endpoint (isMeetingRunning) load at once,
# four connections each, then the gateway's resident memory.
mixed_load() { # side
  local side=$1 what pids=()
  for what in viewer meetings live; do
    wrk -t1 -c4 -d"$MIXED" -s "$WORK/$side.$what.lua" "http://127.0.0.1:${PORT[$side]}/graphql" \
      >"$WORK/$side.mixed.$what.txt" &
    pids+=($!)
  done
  wrk -t1 -c4 -d"$MIXED" "$(bbb_url "$side" isMeetingRunning 'meetingID=mixed')" \
    >"$WORK/$side.mixed.endpoint.txt" &
  pids+=($!)
  wait "${pids[@]}"
  local requests
  requests=$(cat "$WORK/$side".mixed.*.txt | awk '/requests in/ { n += $1 } END { print n }')
  echo "$side RSS after $MIXED of mixed load ($requests requests: viewer, meetings, live," \
    "BBB isMeetingRunning, wrk -c4 each): $(awk '/^VmRSS/ { printf "%.0f MiB", $2 / 1024 }' \
      "/proc/${GATEWAY_PID[$side]}/status")"
}

# Every query once, with the answer the load is meant to produce.
check_side() { # side
  local port=${PORT[$1]} token=${TOKEN[$1]}
  gql "$port" "" "$Q_TYPENAME" | jq -e '.__typename == "Query"' >/dev/null ||
    die "$1: anonymous {__typename}"
  gql "$port" "$token" "$Q_VIEWER" | jq -e '.viewer.username == "bench"' >/dev/null ||
    die "$1: viewer is not the bench user"
  gql "$port" "$token" "$Q_MEETINGS" |
    jq -e --argjson n "$MEETINGS" '.meetings.nodes | length == $n' >/dev/null ||
    die "$1: meetings(first: 50) does not list $MEETINGS meetings"
  gql "$port" "$token" "$Q_LIVE" | jq -e --argjson n "$MEETINGS" --argjson a "$ATTENDEES" '
      .meetings.nodes | length == $n and
        all(.live.running and .live.participantCount == $a and (.live.attendees | length) == $a)' \
    >/dev/null || die "$1: live does not show $MEETINGS running meetings with $ATTENDEES attendees"
}

# A wrk script POSTing one GraphQL query, with or without the side's token.
lua_post() { # file query [token]
  {
    echo 'wrk.method = "POST"'
    echo 'wrk.headers["Content-Type"] = "application/json"'
    [ -n "${3:-}" ] && echo "wrk.headers[\"Authorization\"] = \"Bearer $3\""
    echo "wrk.body = [==[$(jq -cn --arg query "$2" '{query: $query}')]==]"
  } >"$1"
}

write_scripts() { # side
  lua_post "$WORK/$1.typename-anonymous.lua" "$Q_TYPENAME"
  lua_post "$WORK/$1.typename-authenticated.lua" "$Q_TYPENAME" "${TOKEN[$1]}"
  lua_post "$WORK/$1.viewer.lua" "$Q_VIEWER" "${TOKEN[$1]}"
  lua_post "$WORK/$1.meetings.lua" "$Q_MEETINGS" "${TOKEN[$1]}"
  lua_post "$WORK/$1.live.lua" "$Q_LIVE" "${TOKEN[$1]}"
}

start_postgraphile() { # database-url port
  NODE_ENV=production "$POSTGRAPHILE" --connection "$1" --schema public --host 127.0.0.1 \
    --port "$2" --disable-graphiql --disable-query-log >>"$WORK/postgraphile.log" 2>&1 &
  GATEWAY_PID[postgraphile]=$!
  PIDS+=($!)
  PORT[postgraphile]=$2
  for _ in $(seq 1 150); do
    curl -fsS --max-time 2 -o /dev/null -H 'Content-Type: application/json' \
      --data '{"query":"{__typename}"}' "http://127.0.0.1:$2/graphql" 2>/dev/null && break
    kill -0 "${GATEWAY_PID[postgraphile]}" 2>/dev/null ||
      die "PostGraphile stopped: $(tail -n 5 "$WORK/postgraphile.log")"
    sleep 0.2
  done
  gql "$2" "" "$Q_POSTGRAPHILE" |
    jq -e --argjson n "$MEETINGS" '.allMeetings.nodes | length == $n' >/dev/null ||
    die "PostGraphile does not list $MEETINGS meetings"
  lua_post "$WORK/postgraphile.typename-anonymous.lua" "$Q_TYPENAME"
  lua_post "$WORK/postgraphile.meetings.lua" "$Q_POSTGRAPHILE"
  echo "postgraphile: $("$POSTGRAPHILE" --version 2>/dev/null | head -n 1) on the baseline's database"
}

# ---- measuring ----------------------------------------------------------------------------

cpu_ticks() { # pid: user + system time of the whole process, in clock ticks
  sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# One wrk run against one side: "req/s cpu-µs-per-request errors" on one line.
run_wrk() { # side what
  local side=$1 pid=${GATEWAY_PID[$1]} url args=(-t"$THREADS" -c"$CONNECTIONS" --timeout 10s)
  url="http://127.0.0.1:${PORT[$side]}/graphql"
  if [ "$2" = healthz ]; then
    url="http://127.0.0.1:${PORT[$side]}/healthz"
  else
    args+=(-s "$WORK/$side.$2.lua")
  fi
  kill -0 "$pid" 2>/dev/null || die "$side stopped; see its log (KEEP_WORK=1)"
  wrk "${args[@]}" -d1s "$url" >/dev/null # warm-up: pools, caches, JIT
  for log in "$WORK"/*.log; do : >"$log"; done
  local before after out
  before=$(cpu_ticks "$pid")
  out=$(wrk "${args[@]}" -d"$DURATION" "$url")
  after=$(cpu_ticks "$pid")
  awk -v before="$before" -v after="$after" -v tck="$CLK_TCK" '
    /^Requests\/sec:/ { rps = $2 }
    / requests in / { requests = $1 }
    /Non-2xx or 3xx responses:/ { errors = errors "non-2xx:" $NF ";" }
    /Socket errors:/ { sub(/^ *Socket errors: */, ""); gsub(/ /, ""); errors = errors $0 ";" }
    END {
      cpu = requests > 0 ? (after - before) * 1e6 / tck / requests : 0
      printf "%s %.0f %s\n", rps, cpu, errors == "" ? "-" : errors
    }' <<<"$out"
}

# With PROFILE=DIR: after the measured rounds, one more load of each GraphQL query against the
# candidate under `perf record` (cpu-clock samples, which work without hardware counters, e.g.
# in VMs; DWARF call graphs, which need no frame pointers), and its reports in DIR, per
# <backend>.<query>: .threads.txt (CPU by thread and library: the actix workers vs sqlx's
# SQLite threads vs the kernel), .self.txt (self time by symbol), .inclusive.txt (time
# including callees, by symbol) and .callers.txt (call paths). Not part of the figures above.
profile_candidate() {
  command -v perf >/dev/null || die "PROFILE needs perf (apt-get install -y linux-perf)"
  mkdir -p "$PROFILE"
  local what pid=${GATEWAY_PID[candidate]} data base seconds=${DURATION%s}
  for what in $PROFILE_QUERIES; do
    base="$PROFILE/$BACKEND.$what"
    data="$base.perf.data"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$((seconds + 2))s" -s "$WORK/candidate.$what.lua" \
      "http://127.0.0.1:${PORT[candidate]}/graphql" >"$base.wrk.txt" &
    local load=$!
    sleep 1
    perf record -q -e cpu-clock -F 499 --call-graph dwarf,16384 -p "$pid" -o "$data" \
      -- sleep "$seconds" 2>>"$PROFILE/perf.log" >/dev/null
    wait "$load"
    perf_report "$data" --no-children --sort comm,dso -g none >"$base.threads.txt"
    perf_report "$data" --no-children --sort symbol -g none --percent-limit 0.3 >"$base.self.txt"
    perf_report "$data" --children --sort symbol -g none --percent-limit 0.3 >"$base.inclusive.txt"
    perf_report "$data" --no-children --sort symbol -G --percent-limit 2 >"$base.callers.txt"
    echo "  profiled $what: $base.{threads,self,inclusive,callers}.txt"
  done
}

# perf's text report without its comment lines and the padding long Rust symbols cause.
perf_report() { # data options...
  local data=$1
  shift
  perf report -i "$data" --stdio "$@" 2>>"$PROFILE/perf.log" | grep -v '^#' | grep -v '^$' |
    sed -E 's/[[:space:]]+(-[[:space:]]+)*$//' | cut -c1-300 || true
}

median() { # numbers on standard input
  sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ROUNDS rounds; in each, every side in turn. Stores medians in RPS[label,side],
# CPU[label,side], ERRORS[label,side] and the median per-round ratio in RATIO[label,a/b].
measure() { # label what sides...
  local label=$1 what=$2 side round
  shift 2
  local sides=("$@")
  declare -A runs=()
  for round in $(seq 1 "$ROUNDS"); do
    for side in "${sides[@]}"; do
      runs[$side,$round]=$(run_wrk "$side" "$what")
    done
  done
  for side in "${sides[@]}"; do
    RPS[$label,$side]=$(for round in $(seq 1 "$ROUNDS"); do
      echo "${runs[$side,$round]}" | cut -d' ' -f1
    done | median)
    CPU[$label,$side]=$(for round in $(seq 1 "$ROUNDS"); do
      echo "${runs[$side,$round]}" | cut -d' ' -f2
    done | median)
    ERRORS[$label,$side]=$(for round in $(seq 1 "$ROUNDS"); do
      echo "${runs[$side,$round]}" | cut -d' ' -f3
    done | sort -u | paste -sd' ')
  done
  local a b
  for a in "${sides[@]}"; do
    for b in "${sides[@]}"; do
      [ "$a" = "$b" ] && continue
      RATIO[$label,$a/$b]=$(for round in $(seq 1 "$ROUNDS"); do
        awk -v a="${runs[$a,$round]%% *}" -v b="${runs[$b,$round]%% *}" \
          'BEGIN { printf "%.4f\n", (b > 0 ? a / b : 0) }'
      done | median)
    done
  done
  printf '  %-34s' "$label"
  for side in "${sides[@]}"; do
    printf ' %s %10.0f req/s %5.0f µs CPU/req' "$side" "${RPS[$label,$side]}" "${CPU[$label,$side]}"
  done
  echo
}

# ---- one backend ----------------------------------------------------------------------------

run_backend() { # sqlite | postgres
  BACKEND=$1
  declare -gA BINARY=([baseline]=$BASELINE [candidate]=$CANDIDATE) DB_URL=() PORT=() TOKEN=() \
    GATEWAY_PID=() RPS=() CPU=() ERRORS=() RATIO=() BBB_SECRET=() BBB_PATH=()
  local side
  for side in baseline candidate; do
    if [ "$BACKEND" = sqlite ]; then
      DB_URL[$side]="sqlite://$WORK/$side.sqlite?mode=rwc"
    else
      local db="bbb_gateway_bench_${side}_$$"
      psql -q "$TEST_DATABASE_URL" -c "CREATE DATABASE \"$db\"" >/dev/null ||
        die "cannot create database $db on TEST_DATABASE_URL"
      DATABASES+=("$db")
      DB_URL[$side]="${TEST_DATABASE_URL%/*}/$db"
    fi
  done
  start_side baseline "$PORT_BASE" $((PORT_BASE + 2)) $((PORT_BASE + 3))
  start_side candidate $((PORT_BASE + 1)) $((PORT_BASE + 4)) $((PORT_BASE + 5))
  local with_postgraphile=no
  if [ "$BACKEND" = postgres ] && [ -n "$POSTGRAPHILE" ]; then
    start_postgraphile "${DB_URL[baseline]}" $((PORT_BASE + 6))
    with_postgraphile=yes
  fi

  echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION (after 1 s of warm-up), median of $ROUNDS" \
    "alternating rounds; $(nproc) cores; log.level $LOG_LEVEL"
  local rows=(
    "/healthz|healthz|(reference)"
    "{__typename}, anonymous|typename-anonymous|candidate ≥ 30 % of its /healthz"
    "{__typename}, authenticated|typename-authenticated|—"
    "viewer|viewer|≥ 4×"
    "meetings(first: 50)|meetings|≥ 4×"
    "meetings(first: 50) + live|live|≥ 3×"
  )
  local row label what target
  for row in "${rows[@]}"; do
    IFS='|' read -r label what target <<<"$row"
    if [ "$with_postgraphile" = yes ] && [[ $what == typename-anonymous || $what == meetings ]]; then
      measure "$label" "$what" baseline candidate postgraphile
    else
      measure "$label" "$what" baseline candidate
    fi
  done

  echo
  echo "### $BACKEND: $MEETINGS meetings, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, median of $ROUNDS rounds"
  echo
  echo "| query | baseline req/s | candidate req/s | candidate / baseline | target | CPU µs/req (baseline / candidate) |"
  echo "|---|---:|---:|---:|---|---:|"
  for row in "${rows[@]}"; do
    IFS='|' read -r label what target <<<"$row"
    if [ "$what" = typename-anonymous ]; then
      target="$target (now $(awk -v a="${RPS[$label,candidate]}" -v h="${RPS[/healthz,candidate]}" \
        'BEGIN { printf "%.1f %%", 100 * a / h }'))"
    fi
    printf '| %s | %.0f | %.0f | %.2f× | %s | %.0f / %.0f |\n' "$label" \
      "${RPS[$label,baseline]}" "${RPS[$label,candidate]}" "${RATIO[$label,candidate/baseline]}" \
      "$target" "${CPU[$label,baseline]}" "${CPU[$label,candidate]}"
  done
  if [ "$with_postgraphile" = yes ]; then
    echo
    echo "| query | baseline req/s | candidate req/s | PostGraphile v4 req/s | baseline / PostGraphile | candidate / PostGraphile | target |"
    echo "|---|---:|---:|---:|---:|---:|---|"
    for label in "{__typename}, anonymous" "meetings(first: 50)"; do
      printf '| %s | %.0f | %.0f | %.0f | %.2f× | %.2f× | candidate ≥ 2× |\n' "$label" \
        "${RPS[$label,baseline]}" "${RPS[$label,candidate]}" "${RPS[$label,postgraphile]}" \
        "${RATIO[$label,baseline/postgraphile]}" "${RATIO[$label,candidate/postgraphile]}"
    done
    echo "(PostGraphile: allMeetings(first: 50) { nodes { id name welcomeMessage record } }, no auth)"
  fi
  [ -n "$PROFILE" ] && profile_candidate
  local errors=""
  for key in "${!ERRORS[@]}"; do
    [ "${ERRORS[$key]}" != - ] && errors+="  $key: ${ERRORS[$key]}"$'\n'
  done
  [ -n "$errors" ] && printf 'wrk errors:\n%s' "$errors"
  for side in baseline candidate; do
    echo "$side RSS after the run: $(awk '/^VmRSS/ { printf "%.0f MiB", $2 / 1024 }' \
      "/proc/${GATEWAY_PID[$side]}/status")"
  done
  if [ "$MIXED" != 0 ]; then
    for side in baseline candidate; do mixed_load "$side"; done
  fi
  echo
  stop_all
  drop_databases
}

echo "baseline:  $BASELINE"
echo "candidate: $CANDIDATE"
echo "simulator: $SIM"
run_backend sqlite
[ -n "${TEST_DATABASE_URL:-}" ] && run_backend postgres
exit 0
