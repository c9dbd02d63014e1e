#!/usr/bin/env bash
# The live desk under load (issue 26): a generated desk, agents on event streams, customers writing
# at a fixed rate, front-ends polling at a fixed rate (examples/live_load.rs), then the same with a
# closed-loop list flood (wrk, 64 connections) beside customers writing, then chat opens into one
# department, each against the actix-web hello-world (examples/ceiling.rs) measured in the same run.
#
# Usage: benches/live.sh [--small] [--secs N] [--no-build] [--fresh]
#   --small     100 agents / 10,000 chats, 50 on streams, 50 messages/s, 60 polls/s (a quick check)
#   --secs N    seconds per phase (default 20)
#   --no-build  use the binaries already in $CARGO_TARGET_DIR/release
#   --fresh     seed again even when a desk of the same shape is cached (< 6 h old)
# DATABASE_URL=postgres://user@host:port/any runs it on PostgreSQL (databases agentdesk_live and a
# template agentdesk_live_seed_<shape> are created there). Default: SQLite.
# Needs: wrk, curl, python3, psql for PostgreSQL. Output: one JSON line per phase on stdout; the
# logs in $CARGO_TARGET_DIR/bench/live-<time>/.
set -euo pipefail
cd "$(dirname "$0")/.."
SMALL=0 SECS=20 BUILD=1 FRESH=0
while [ $# -gt 0 ]; do
  case "$1" in
    --small) SMALL=1 ;;
    --secs) SECS=$2; shift ;;
    --no-build) BUILD=0 ;;
    --fresh) FRESH=1 ;;
    *) sed -n '2,15p' "$0"; exit 2 ;;
  esac
  shift
done
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
REL=${LIVE_BIN_DIR:-$CARGO_TARGET_DIR/release}  # LIVE_BIN_DIR: other binaries (e.g. a debug smoke run)
if [ "$SMALL" = 1 ]; then
  SHAPE=(--agents 100 --departments 4 --chats 10000 --messages-per-chat 10 --queued 500 --open 200 --days 90 --seed 26)
  AGENTS=50 CUSTOMERS=100 RATE=50 POLL=60 FLOOD_RATE=25
else
  SHAPE=(--agents 1000 --departments 8 --chats 100000 --messages-per-chat 10 --queued 2000 --open 2000 --days 365 --seed 26)
  AGENTS=500 CUSTOMERS=400 RATE=200 POLL=300 FLOOD_RATE=100
fi
for tool in wrk curl python3; do command -v $tool >/dev/null || { echo "live: $tool is missing (apt-get install $tool)"; exit 1; }; done
[ "$BUILD" = 1 ] && cargo build --release --bin agentdesk --example ceiling --example live_load
PORT=18700 RECEIVER_PORT=18701 CEILING_PORT=18702 BASE=http://127.0.0.1:18700
OUT=$CARGO_TARGET_DIR/bench/live-$(date -u +%Y%m%dT%H%M%SZ)
CACHE=$CARGO_TARGET_DIR/bench/cache
mkdir -p "$OUT" "$CACHE"
KEY=live-$(echo "${SHAPE[*]}" | sha1sum | cut -c1-10)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
log() { echo "live: $*" >&2; }

# ---- the desk: seeded once per shape, copied for every run
if [[ "${DATABASE_URL:-}" == postgres* ]]; then
  BACKEND=postgres ADMIN=${DATABASE_URL%/*}/postgres TEMPLATE=agentdesk_${KEY//-/_}
  have=$(psql "$ADMIN" -qAtc "SELECT 1 FROM pg_database WHERE datname = '$TEMPLATE'")
  if [ "$FRESH" = 1 ] || [ -z "$have" ] || [ ! -s "$CACHE/$TEMPLATE.json" ]; then
    psql "$ADMIN" -qAtc "DROP DATABASE IF EXISTS $TEMPLATE" && psql "$ADMIN" -qAtc "CREATE DATABASE $TEMPLATE"
    log "seeding PostgreSQL: ${SHAPE[*]}"
    DATABASE_URL=${DATABASE_URL%/*}/$TEMPLATE RUST_LOG=warn "$REL/agentdesk" seed "${SHAPE[@]}" > "$CACHE/$TEMPLATE.json"
  fi
  SEED_JSON=$CACHE/$TEMPLATE.json
  psql "$ADMIN" -qAtc "DROP DATABASE IF EXISTS agentdesk_live" && psql "$ADMIN" -qAtc "CREATE DATABASE agentdesk_live TEMPLATE $TEMPLATE"
  export DATABASE_URL=${DATABASE_URL%/*}/agentdesk_live
else
  BACKEND=sqlite SEEDED=$CACHE/$KEY.db
  if [ "$FRESH" = 1 ] || [ -z "$(find "$SEEDED" -mmin -360 2>/dev/null)" ]; then
    rm -f "$SEEDED" "$SEEDED-wal" "$SEEDED-shm"
    log "seeding SQLite: ${SHAPE[*]}"
    DATABASE_URL=$SEEDED RUST_LOG=warn "$REL/agentdesk" seed "${SHAPE[@]}" > "$CACHE/$KEY.json"
  fi
  SEED_JSON=$CACHE/$KEY.json
  cp "$SEEDED" "$OUT/desk.db"
  export DATABASE_URL=$OUT/desk.db
fi

# ---- processes: a channel server that takes every delivery, the ceiling, the desk
python3 benches/accept_deliveries.py $RECEIVER_PORT & PIDS+=($!)
"$REL/examples/ceiling" 127.0.0.1:$CEILING_PORT & PIDS+=($!)
AGENTDESK_BIND=127.0.0.1:$PORT RUST_LOG=warn MAIL_OUTBOX_DIR=$OUT/outbox CHANNEL_ALLOWED_NETWORKS=127.0.0.0/8 \
  EVENT_STREAMS_MAX=20000 "$REL/agentdesk" serve > "$OUT/server.log" 2>&1 & SERVER=$!
PIDS+=($SERVER)
for _ in $(seq 150); do curl -fs "$BASE/ready" >/dev/null 2>&1 && curl -fs "http://127.0.0.1:$CEILING_PORT/" >/dev/null 2>&1 && break; sleep 0.2; done

# ---- the desk routes by itself (LeastBusy, no capacity limit) and new chats go to one department
seedq() { python3 -c "import sys,json; d=json.load(open('$SEED_JSON')); print($1)"; }
M=$(curl -fs -X POST "$BASE/api/AgentLogon?Version=1" -H 'Content-Type: application/json' \
  -d "{\"EmailAddress\":\"$(seedq "d['Managers'][0]['Email']")\",\"Password\":\"$(seedq "d['Password']")\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["SessionToken"])')
api() { curl -fs -X POST "$BASE/api/$1?Version=1&SessionToken=$M" -H 'Content-Type: application/json' -d "$2" > /dev/null; }
api UpdateSettings '{"Settings":[{"RoutingMode":"LeastBusy"},{"MaxChatsPerAgent":0}]}'
for id in $(curl -fs "$BASE/api/GetDepartmentList?Version=1&SessionToken=$M" | python3 -c 'import sys,json; print(" ".join(str(d["DepartmentID"]) for d in json.load(sys.stdin)["Departments"][1:]))'); do
  api UpdateDepartment "{\"DepartmentID\":$id,\"IncludeInWelcomeMenu\":false}"
done

ceiling() { wrk -t2 -c64 -d"${SECS}s" --latency "http://127.0.0.1:$CEILING_PORT/" | awk '/Requests\/sec/ {print int($2)}'; }
drive() { "$REL/examples/live_load" --base "$BASE" --seed "$SEED_JSON" --pid $SERVER --agents $AGENTS \
  --customers $CUSTOMERS --tokens "$OUT/tokens.txt" --secs "$SECS" "$@"; }
wrk_json() { # wrk's summary as JSON: requests/s, p50, p99 (ms), errors
  python3 -c '
import re, sys, json
t = sys.stdin.read()
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v); x, u = float(m.group(1)), m.group(2)
    return round(x / 1000 if u == "us" else x if u == "ms" else x * 1000, 2)
rps = re.search(r"Requests/sec:\s+([\d.]+)", t); p50 = re.search(r"^\s+50%\s+(\S+)", t, re.M); p99 = re.search(r"^\s+99%\s+(\S+)", t, re.M)
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print(json.dumps({"rps": float(rps.group(1)), "p50_ms": ms(p50.group(1)), "p99_ms": ms(p99.group(1)), "errors": int(bad.group(1)) if bad else 0}))'
}

CEILING=$(ceiling)
log "ceiling: $CEILING req/s ($BACKEND)"
echo "{\"phase\":\"ceiling\",\"backend\":\"$BACKEND\",\"rps\":$CEILING}"

log "phase 1: $AGENTS agents on streams, $RATE customer messages/s, $POLL polls/s"
echo "{\"phase\":\"live\",\"result\":$(drive --rate $RATE --poll-rate $POLL)}"

log "phase 2: a list flood (wrk, 64 connections) while customers write $FLOOD_RATE messages/s"
head -n 64 "$OUT/tokens.txt" > "$OUT/flood-tokens.txt"
BENCH_PATHS=benches/list-mix.txt BENCH_TOKENS=$OUT/flood-tokens.txt \
  wrk -t2 -c64 -d"${SECS}s" --timeout 10s --latency -s benches/paths.lua "$BASE" > "$OUT/flood.txt" 2>&1 & FLOOD=$!
LIVE=$(drive --rate $FLOOD_RATE --poll-rate 0)
wait $FLOOD
FLOOD_JSON=$(wrk_json < "$OUT/flood.txt")
echo "{\"phase\":\"flood\",\"ceiling\":$CEILING,\"lists\":$FLOOD_JSON,\"customers\":$LIVE}"

log "phase 3: new chats into one department (wrk, 32 connections)"
export BENCH_API_KEY=$(seedq "d['Channel']['ApiKey']") BENCH_ACCOUNT=$(seedq "d['Channel']['ChatAccountToken']") BENCH_SESSIONS=live-$(date +%s%N)
api UpdateSettings '{"Settings":[{"RoutingMode":"Manual"}]}'
wrk -t2 -c32 -d"${SECS}s" --latency -s benches/channel.lua "$BASE" > "$OUT/opens.txt" 2>&1
echo "{\"phase\":\"opens\",\"result\":$(wrk_json < "$OUT/opens.txt")}"
log "done: $OUT"
