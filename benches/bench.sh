#!/usr/bin/env bash
# The benchmark of issue 10: a generated desk (agentdesk seed), the hot calls under wrk, each run
# alternated with a run against an actix-web hello-world (examples/ceiling.rs) so every figure has
# its ceiling from the same minute, pgbench's single-row INSERT as the reference for writes, the
# GrabChat race, metrics latencies, a 100,000-message export and the server's memory throughout.
#
# Usage: benches/bench.sh [--small] [--secs N] [--no-build] [--fresh] [--perf] [--doc]
#   --small     a 10,000-chat desk instead of 100,000 chats / 1,000,000 messages (quick check)
#   --secs N    seconds per wrk run (default 10)
#   --no-build  use the binaries already in $CARGO_TARGET_DIR/release
#   --fresh     seed again even when a seeded desk of the same shape is cached (< 6 h old)
#   --perf      record a perf profile of the server during each call (perf-<call>.txt in the output)
#   --doc       append the run's table, machine and command to docs/performance.md
# DATABASE_URL=postgres://user@host:port/any benchmarks PostgreSQL: the databases agentdesk_bench
# (and a template agentdesk_seed_<shape>) are created and dropped there. Default: SQLite.
# Needs: wrk, curl, python3, sqlite3 or psql, pgbench (PostgreSQL's client tools) for the INSERT
# reference. Output: the table on stdout, everything else in $CARGO_TARGET_DIR/bench/<run>/.
set -euo pipefail
cd "$(dirname "$0")/.."
COMMAND_LINE="benches/bench.sh $*"
SMALL=0 SECS=10 BUILD=1 FRESH=0 PERF=0 DOC=0
while [ $# -gt 0 ]; do
  case "$1" in
    --small) SMALL=1 ;;
    --secs) SECS=$2; shift ;;
    --no-build) BUILD=0 ;;
    --fresh) FRESH=1 ;;
    --perf) PERF=1 ;;
    --doc) DOC=1 ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
  esac
  shift
done
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
BIN=$CARGO_TARGET_DIR/release/agentdesk
CEILING=$CARGO_TARGET_DIR/release/examples/ceiling
RACE=$CARGO_TARGET_DIR/release/examples/grab_race
CONN=64
PORT=18400 RECEIVER_PORT=18401 CEILING_PORT=18500
BASE=http://127.0.0.1:$PORT
if [ "$SMALL" = 1 ]; then
  SHAPE=(--agents 100 --departments 6 --chats 10000 --messages-per-chat 10 --queued 1000 --open 200 --days 90 --long-chat-messages 200,10000 --seed 10)
  RACERS=50
else
  SHAPE=(--agents 1000 --departments 8 --chats 100000 --messages-per-chat 10 --queued 10000 --open 2000 --days 365 --long-chat-messages 200,100000 --seed 10)
  RACERS=200
fi
for tool in wrk curl python3; do command -v $tool >/dev/null || { echo "bench: $tool is missing (apt-get install $tool)"; exit 1; }; done
[ "$BUILD" = 1 ] && cargo build --release --bin agentdesk --example ceiling --example grab_race

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
BACKEND=sqlite
[[ "${DATABASE_URL:-}" == postgres* ]] && BACKEND=postgres
OUT=$CARGO_TARGET_DIR/bench/$STAMP-$BACKEND
CACHE=$CARGO_TARGET_DIR/bench/cache
mkdir -p "$OUT" "$CACHE"
KEY=$(echo "${SHAPE[*]}" | sha1sum | cut -c1-10)
PG_ADMIN=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
RESULTS=$OUT/results.jsonl
: > "$RESULTS"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
log() { echo "bench: $*" >&2; }
result() { echo "$1" >> "$RESULTS"; }

# ---- the desk: seeded once per shape, then copied for every run (a run changes it)
if [ "$BACKEND" = postgres ]; then
  ADMIN=${DATABASE_URL%/*}/postgres
  TEMPLATE=agentdesk_seed_$KEY
  BENCH_URL=${DATABASE_URL%/*}/agentdesk_bench
  psql_admin() { psql "$ADMIN" -qAtc "$1"; }
  have_template=$(psql_admin "SELECT 1 FROM pg_database WHERE datname = '$TEMPLATE'")
  if [ "$FRESH" = 1 ] || [ -z "$have_template" ] || [ -z "$(find "$CACHE/$TEMPLATE.json" -mmin -360 2>/dev/null)" ]; then
    psql_admin "DROP DATABASE IF EXISTS $TEMPLATE"
    psql_admin "CREATE DATABASE $TEMPLATE"
    log "seeding PostgreSQL: ${SHAPE[*]}"
    DATABASE_URL=${DATABASE_URL%/*}/$TEMPLATE RUST_LOG=warn "$BIN" seed "${SHAPE[@]}" > "$CACHE/$TEMPLATE.json" 2> "$OUT/seed.log" || { cat "$OUT/seed.log"; exit 1; }
    cp "$OUT/seed.log" "$CACHE/$TEMPLATE.log"
  fi
  cp "$CACHE/$TEMPLATE.log" "$OUT/seed.log" 2>/dev/null || true
  SEED_JSON=$CACHE/$TEMPLATE.json
  psql_admin "DROP DATABASE IF EXISTS agentdesk_bench"
  psql_admin "CREATE DATABASE agentdesk_bench TEMPLATE $TEMPLATE"
  export DATABASE_URL=$BENCH_URL
  sql() { psql "$DATABASE_URL" -qAtc "$1"; }
else
  SEEDED=$CACHE/seed-$KEY.db
  if [ "$FRESH" = 1 ] || [ -z "$(find "$SEEDED" -mmin -360 2>/dev/null)" ]; then
    rm -f "$SEEDED" "$SEEDED-wal" "$SEEDED-shm"
    log "seeding SQLite: ${SHAPE[*]}"
    DATABASE_URL=$SEEDED RUST_LOG=warn "$BIN" seed "${SHAPE[@]}" > "$CACHE/seed-$KEY.json" 2> "$OUT/seed.log" || { cat "$OUT/seed.log"; exit 1; }
    cp "$OUT/seed.log" "$CACHE/seed-$KEY.log"
  fi
  cp "$CACHE/seed-$KEY.log" "$OUT/seed.log" 2>/dev/null || true
  SEED_JSON=$CACHE/seed-$KEY.json
  cp "$SEEDED" "$OUT/bench.db"
  export DATABASE_URL=$OUT/bench.db
  sql() { sqlite3 "$DATABASE_URL" "$1"; }
fi
cp "$SEED_JSON" "$OUT/seed.json"
seedq() { python3 -c "import sys,json; d=json.load(open('$OUT/seed.json')); print($1)"; }
grep -E "^(seeded|table|customers|chats|messages|deliveries|chat_events|chat_tags) " "$OUT/seed.log" >&2 || true

# ---- pgbench: one INSERT per transaction, 64 clients: the database's own write ceiling
PGBENCH_TPS=""
if command -v pgbench >/dev/null && psql "$PG_ADMIN" -qAtc "SELECT 1" >/dev/null 2>&1; then
  PGB_DB=agentdesk_pgbench
  psql "$PG_ADMIN" -qAtc "DROP DATABASE IF EXISTS $PGB_DB" && psql "$PG_ADMIN" -qAtc "CREATE DATABASE $PGB_DB"
  PGB_URL=${PG_ADMIN%/*}/$PGB_DB
  pgbench -i -s 1 -q "$PGB_URL" >/dev/null 2>&1
  printf '\\set aid random(1, 100000)\nINSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, :aid, 1, CURRENT_TIMESTAMP);\n' > "$OUT/insert.sql"
  log "pgbench single INSERT, $CONN clients, ${SECS}s"
  pgbench -n -c $CONN -j 2 -T "$SECS" -f "$OUT/insert.sql" "$PGB_URL" > "$OUT/pgbench.txt" 2>&1 || true
  PGBENCH_TPS=$(awk '/^tps/ {print int($3); exit}' "$OUT/pgbench.txt")
  psql "$PG_ADMIN" -qAtc "DROP DATABASE IF EXISTS $PGB_DB"
  result "{\"call\":\"pgbench INSERT (reference)\",\"rps\":${PGBENCH_TPS:-0},\"kind\":\"reference\"}"
else
  log "no PostgreSQL at $PG_ADMIN or no pgbench: the INSERT reference is skipped"
fi

# ---- processes: a channel server that accepts every delivery, the ceiling, the desk
python3 benches/accept_deliveries.py $RECEIVER_PORT & PIDS+=($!)
"$CEILING" 127.0.0.1:$CEILING_PORT & PIDS+=($!)
# The channel server is on loopback, which the desk refuses to call unless allowed.
AGENTDESK_BIND=127.0.0.1:$PORT RUST_LOG=warn MAIL_OUTBOX_DIR=$OUT/outbox CHANNEL_ALLOWED_NETWORKS=127.0.0.0/8 "$BIN" serve > "$OUT/server.log" 2>&1 & SERVER=$!
PIDS+=($SERVER)
for _ in $(seq 100); do curl -fs "$BASE/ready" >/dev/null 2>&1 && curl -fs "http://127.0.0.1:$CEILING_PORT/" >/dev/null 2>&1 && break; sleep 0.2; done
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
( while kill -0 $SERVER 2>/dev/null; do echo "$(date +%s) $(rss_kb $SERVER)" >> "$OUT/rss.log"; sleep 1; done ) & PIDS+=($!)

# ---- sessions: one per racing agent (the first 64 also serve the read runs), and the managers
PASSWORD=$(seedq "d['Password']")
# Each line in one write: two logons at a time share the pipe, and print() writes in pieces when
# Python is unbuffered (PYTHONUNBUFFERED), which interleaved tokens.
logon() {
  curl -fs -X POST "$BASE/api/AgentLogon?Version=1" -H 'Content-Type: application/json' \
    -d "{\"EmailAddress\":\"$1\",\"Password\":\"$PASSWORD\"}" | python3 -c "import sys,json; d=json.load(sys.stdin); sys.stdout.write(f\"{d['Agent']['AgentID']} {d['SessionToken']}\\n\")"
}
export -f logon; export BASE PASSWORD
log "logging on $RACERS agents and the managers"
seedq "'\n'.join(a['Email'] for a in d['Agents'][:$RACERS])" | xargs -P 2 -I{} bash -c 'logon {}' > "$OUT/agents.txt"
seedq "'\n'.join(a['Email'] for a in d['Managers'])" | xargs -P 2 -I{} bash -c 'logon {}' > "$OUT/managers.txt"
head -n $CONN "$OUT/agents.txt" | cut -d' ' -f2 > "$OUT/agent-tokens.txt"
cut -d' ' -f2 "$OUT/managers.txt" > "$OUT/manager-tokens.txt"
M=$(head -1 "$OUT/manager-tokens.txt")
log "$(wc -l < "$OUT/agents.txt") agents and $(wc -l < "$OUT/managers.txt") managers logged on"

# ---- wrk scripts: benches/paths.lua for GETs (a path list and a token list, round-robin); POSTs for writes
export BENCH_API_KEY=$(seedq "d['Channel']['ApiKey']") BENCH_ACCOUNT=$(seedq "d['Channel']['ChatAccountToken']") BENCH_SESSIONS=bench-$STAMP
cat > "$OUT/send.lua" <<'LUA'
local pairs_ = {}
for l in io.lines(os.getenv("BENCH_PAIRS")) do
  local token, chat = l:match("(%S+) (%S+)")
  pairs_[#pairs_ + 1] = {token, chat}
end
local threads = 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
function init(args) n = (tid or 0) * 7919 end
request = function()
  n = n + 1
  local p = pairs_[(n % #pairs_) + 1]
  local body = '{"ChatID": ' .. p[2] .. ', "MessageText": "Thanks for waiting, I have an answer for you."}'
  return wrk.format("POST", "/api/SendMessage?Version=1&SessionToken=" .. p[1], {["Content-Type"]="application/json"}, body)
end
LUA

# wrk's summary as one JSON object: requests/s, p50, p99 (ms), errors (non-2xx + socket errors)
parse_wrk() {
  python3 - "$1" <<'PY'
import re, sys, json
text = open(sys.argv[1]).read()
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s|m)", v)
    if not m: return None
    x, u = float(m.group(1)), m.group(2)
    return round(x / 1000 if u == "us" else x if u == "ms" else x * 1000 if u == "s" else x * 60000, 2)
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
reqs = re.search(r"(\d+) requests in", text)
errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(g) for g in sock.groups()) if sock else 0)
print(json.dumps({"rps": float(rps.group(1)) if rps else 0.0, "p50": ms(p50.group(1)) if p50 else None,
                  "p99": ms(p99.group(1)) if p99 else None, "errors": errors,
                  "requests": int(reqs.group(1)) if reqs else 0}))
PY
}

CEILING_RUNS=0
# measure NAME TARGET_KEY WRK_ARGS...: the ceiling, then the call, same connections and duration
measure() {
  local name=$1 key=$2; shift 2
  local slug; slug=$(echo "$name" | tr -c 'A-Za-z0-9' '-' | tr -s '-')
  wrk -t2 -c$CONN -d"${SECS}s" --timeout 10s --latency "http://127.0.0.1:$CEILING_PORT/" > "$OUT/ceiling-$slug.txt" 2>&1
  local ceiling; ceiling=$(parse_wrk "$OUT/ceiling-$slug.txt")
  if [ "$PERF" = 1 ] && command -v perf >/dev/null; then
    perf record -F 499 -g -p $SERVER -o "$OUT/perf-$slug.data" -- sleep "$SECS" >/dev/null 2>&1 &
    local perfpid=$!
  fi
  wrk -t2 -c$CONN -d"${SECS}s" --timeout 10s --latency "$@" > "$OUT/wrk-$slug.txt" 2>&1
  if [ "$PERF" = 1 ] && [ -n "${perfpid:-}" ]; then
    wait $perfpid 2>/dev/null || true
    perf report -i "$OUT/perf-$slug.data" --no-children --sort symbol --stdio 2>/dev/null | grep -v '^$' | head -80 > "$OUT/perf-$slug.txt" || true
  fi
  local call; call=$(parse_wrk "$OUT/wrk-$slug.txt")
  result "$(python3 -c "import json,sys; c=json.loads(sys.argv[1]); k=json.loads(sys.argv[2]); c.update(call=sys.argv[3], target=sys.argv[4], ceiling=k['rps'], kind='wrk', rss_kb=int(sys.argv[5])); print(json.dumps(c))" "$call" "$ceiling" "$name" "$key" "$(rss_kb $SERVER)")"
  log "$name: $(echo "$call" | cut -c1-120) (ceiling $(echo "$ceiling" | python3 -c 'import sys,json; print(json.load(sys.stdin)["rps"])') req/s)"
}

# sequential latency of N calls (one client): p50 and max, in ms
latency() {
  local name=$1 key=$2 n=$3; shift 3
  : > "$OUT/lat.txt"
  for i in $(seq "$n"); do
    local url=${*:$(( (i - 1) % $# + 1 )):1}
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$url" >> "$OUT/lat.txt"
  done
  result "$(python3 - "$OUT/lat.txt" "$name" "$key" <<'PY'
import sys, json, statistics
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
t = sorted(float(r[1]) * 1000 for r in rows)
errors = sum(1 for r in rows if r[0] != "200")
print(json.dumps({"call": sys.argv[2], "target": sys.argv[3], "kind": "latency", "n": len(t),
                  "p50": round(statistics.median(t), 1), "p99": round(t[-1], 1), "errors": errors}))
PY
)"
  log "$name: $(tail -1 "$RESULTS" | cut -c1-160)"
}

run_paths() { # name key token-file path...
  local name=$1 key=$2 tokens=$3; shift 3
  printf '%s\n' "$@" > "$OUT/paths.txt"
  BENCH_PATHS=$OUT/paths.txt BENCH_TOKENS=$tokens measure "$name" "$key" -s benches/paths.lua "$BASE"
}

AT=$OUT/agent-tokens.txt MT=$OUT/manager-tokens.txt
run_paths "GetDepartmentList" small "$AT" "/api/GetDepartmentList?Version=1"
run_paths "GetSettings" small "$MT" "/api/GetSettings?Version=1"
run_paths "GetCannedResponses" small "$AT" "/api/GetCannedResponses?Version=1"
run_paths "KeepAlive" keepalive "$AT" "/api/KeepAlive?Version=1"

mapfile -t LIST_PATHS < benches/list-mix.txt
run_paths "GetChatList (every ChatType, Selector, Page)" list "$AT" "${LIST_PATHS[@]}"
run_paths "GetChatList ChatType=unassigned Page=1" list "$AT" "/api/GetChatList?Version=1&ChatType=unassigned&PageSize=20"
run_paths "GetChatList ChatType=closed Page=200" list "$AT" "/api/GetChatList?Version=1&ChatType=closed&PageSize=20&Page=200"
run_paths "GetChatList (manager, all chats) Page=1" list "$MT" "/api/GetChatList?Version=1&PageSize=20"

LONG=$(seedq "d['LongChats'][0]['ChatID']")
LONG_N=$(seedq "d['LongChats'][0]['Messages']")
run_paths "GetChat + GetChatMessages ($LONG_N-message chat)" chat "$MT" \
  "/api/GetChat?Version=1&ChatID=$LONG" \
  "/api/GetChatMessages?Version=1&ChatID=$LONG&PageSize=100&Page=1" \
  "/api/GetChatMessages?Version=1&ChatID=$LONG&PageSize=100&Page=2"

# Ten different terms, each searched once: a repeated search would be answered from what the
# server keeps while nothing changes (service::unchanged) and measure that instead of the search.
TERMS=("order%2012345" "Naidoo" "refund" "%2B2782000" "courier" "invoice" "warehouse" "declined" "subscription" "damaged")
TERM_URLS=()
for t in "${TERMS[@]}"; do TERM_URLS+=("$BASE/api/GetChatList?Version=1&SessionToken=$M&PageSize=20&Term=$t"); done
latency "GetChatList Term= (one client)" term 10 "${TERM_URLS[@]}"
latency "LiveMetrics (one client)" livemetrics 20 "$BASE/api/LiveMetrics?Version=1&SessionToken=$M"
latency "DataInsight Period=year (one client)" datainsight 5 "$BASE/api/DataInsight?Version=1&SessionToken=$M&Period=year"

measure "notifyUserNewChatMessage (a customer opens a chat)" write -s benches/channel.lua "$BASE"

# ---- the GrabChat race: every queued chat, RACERS agents at once, no capacity limit
curl -fs -X POST "$BASE/api/UpdateSettings?Version=1&SessionToken=$M" -H 'Content-Type: application/json' \
  -d '{"Settings":[{"MaxChatsPerAgent":0}]}' > /dev/null
QUEUED=$(sql "SELECT COUNT(*) FROM chats WHERE state = 1 AND department_id IS NOT NULL")
RACE_START=$(date -u '+%Y-%m-%d %H:%M:%S')
sleep 1
cut -d' ' -f2 "$OUT/agents.txt" > "$OUT/race-tokens.txt"
log "GrabChat race: $(wc -l < "$OUT/race-tokens.txt") agents over $QUEUED queued chats"
"$RACE" "127.0.0.1:$PORT" "$OUT/race-tokens.txt" > "$OUT/race.json"
LEFT=$(sql "SELECT COUNT(*) FROM chats WHERE state = 1 AND department_id IS NOT NULL")
# What the database holds counts, not what clients heard: an assignment answered 503 still happened.
TAKEN=$(sql "SELECT COUNT(*) FROM chats WHERE state = 2 AND assigned_at >= '$RACE_START'")
DOUBLES=$(sql "SELECT COUNT(*) FROM (SELECT chat_id FROM chat_events WHERE kind = 2 AND at >= '$RACE_START' GROUP BY chat_id HAVING COUNT(*) > 1) x")
OWNERS=$(sql "SELECT COUNT(*) FROM (SELECT chat_id FROM messages WHERE special_type = 'Assigned' AND created_at >= '$RACE_START' GROUP BY chat_id HAVING COUNT(*) > 1) x")
result "$(python3 -c "
import json; r = json.load(open('$OUT/race.json'))
print(json.dumps({'call': 'GrabChat race ($(wc -l < "$OUT/race-tokens.txt") clients, $QUEUED queued)', 'target': 'race', 'kind': 'race',
  'rps': round(int('$TAKEN') / r['Seconds']), 'errors': r['Errors'], 'assignments': int('$TAKEN'), 'answered': r['Assignments'], 'seconds': r['Seconds'],
  'doubles': int('$DOUBLES') + int('$OWNERS') + r['DoublesSeenByClients'], 'left': int('$LEFT')}))")"
log "race: $(cat "$OUT/race.json"); doubles in the database: facts $DOUBLES, transcript lines $OWNERS; left in queue: $LEFT"

# ---- SendMessage: each racing agent answers the chats it just took
sql "SELECT agent_id, id FROM chats WHERE state = 2 AND assigned_at >= '$RACE_START' ORDER BY id" > "$OUT/raced-chats.txt"
python3 - "$OUT/agents.txt" "$OUT/raced-chats.txt" > "$OUT/pairs.txt" <<'PY'
import sys
tokens = dict(l.split() for l in open(sys.argv[1]) if l.strip())
for line in open(sys.argv[2]):
    if "|" in line:
        agent, chat = line.strip().split("|")
        if agent in tokens:
            print(tokens[agent], chat)
PY
if [ -s "$OUT/pairs.txt" ]; then
  BENCH_PAIRS=$OUT/pairs.txt measure "SendMessage (an agent answers)" write -s "$OUT/send.lua" "$BASE"
else
  log "no open chats to answer: SendMessage skipped"
fi

# ---- ExportChat of the longest chat: rows/s and how far the server's memory grows meanwhile
BIG=$(seedq "max(d['LongChats'], key=lambda c: c['Messages'])['ChatID']")
BIG_N=$(seedq "max(d['LongChats'], key=lambda c: c['Messages'])['Messages']")
for attempt in 1 2; do
  before=$(rss_kb $SERVER)
  ( while :; do rss_kb $SERVER; sleep 0.05; done ) > "$OUT/export-rss.txt" & sampler=$!
  timing=$(curl -s -o "$OUT/export.csv" -w '%{http_code} %{time_total} %{size_download}' "$BASE/api/ExportChat?Version=1&SessionToken=$M&ChatID=$BIG")
  kill $sampler 2>/dev/null; wait $sampler 2>/dev/null || true
  peak=$(sort -n "$OUT/export-rss.txt" | tail -1)
done
rows=$(python3 -c "import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=''))) - 1)" "$OUT/export.csv")
result "$(python3 -c "
code, secs, size = '$timing'.split()
secs = float(secs)
print('{\"call\": \"ExportChat ($BIG_N-message chat)\", \"target\": \"export\", \"kind\": \"export\", \"rows\": $rows, \"seconds\": %.3f, \"rps\": %d, \"errors\": %d, \"rss_growth_kb\": %d, \"bytes\": %s}' % (secs, $rows / secs, code != '200', $peak - $before, size))")"
log "export: $(tail -1 "$RESULTS")"

RSS_MAX=$(awk '$2 > m {m = $2} END {print m}' "$OUT/rss.log")
result "{\"call\":\"server RSS, whole run (max)\",\"target\":\"rss\",\"kind\":\"rss\",\"rss_kb\":$RSS_MAX}"

# ---- the table
MACHINE="$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, Linux $(uname -r), load average before the run: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$RESULTS" "$BACKEND" "${PGBENCH_TPS:-0}" > "$OUT/table.md" <<'PY'
import sys, json
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
backend, pg_tps = sys.argv[2], float(sys.argv[3] or 0)
pg = backend == "postgres"
def ratio_target(share_sqlite, share_pg, p99=None):
    return {"share": share_pg if pg else share_sqlite, "p99": p99}
targets = {
    "small": ratio_target(0.30, 0.10), "list": ratio_target(0.10, 0.05, 50), "chat": ratio_target(0.05, 0.03),
    "keepalive": ratio_target(0.20, 0.08),
}
def fmt(x, unit=""):
    return "–" if x is None else (f"{x:,.0f}{unit}" if x >= 100 else f"{x:.1f}{unit}")
print("| call | req/s | p50 | p99 | errors | ceiling req/s | ratio | target | met? |")
print("|---|---:|---:|---:|---:|---:|---:|---|---|")
for r in rows:
    k, t = r.get("kind"), r.get("target")
    call, rps, p50, p99, err = r["call"], r.get("rps"), r.get("p50"), r.get("p99"), r.get("errors", 0)
    ceiling = r.get("ceiling"); ratio = rps / ceiling if ceiling else None
    target, met = "", ""
    if t in targets:
        tg = targets[t]
        target = f"≥ {tg['share']:.0%} of ceiling" + (f", p99 < {tg['p99']} ms" if tg["p99"] else "")
        ok = ratio is not None and ratio >= tg["share"] and (not tg["p99"] or (p99 or 1e9) < tg["p99"])
        met = "yes" if ok and err == 0 else "**no**"
    elif t == "write":
        if pg:
            target = f"≥ 30 % of pgbench INSERT ({pg_tps * 0.3:,.0f}/s)"
            ok = rps >= 0.3 * pg_tps
        else:
            target, ok = "≥ 1,500/s", rps >= 1500
        met = "yes" if ok and err == 0 else "**no**"
    elif t == "term":
        target, met = "p50 < 20 ms", "yes" if p50 < 20 and err == 0 else "**no**"
    elif t == "livemetrics":
        target, met = "< 50 ms", "yes" if p50 < 50 and err == 0 else "**no**"
    elif t == "datainsight":
        target, met = "< 500 ms", "yes" if p50 < 500 and err == 0 else "**no**"
    elif t == "race":
        target = "≥ 1,000 assignments/s, 0 doubles"
        met = "yes" if rps >= 1000 and r["doubles"] == 0 else "**no**"
        call += (f": {r['assignments']:,} in {r['seconds']} s ({r['answered']:,} answered 200), "
                 f"{r['doubles']} doubles, {r['left']} left")
    elif t == "export":
        target = "RSS growth < 20 MB, ≥ 50,000 rows/s"
        met = "yes" if r["rss_growth_kb"] < 20 * 1024 and rps >= 50000 and err == 0 else "**no**"
        call += f": {r['rows']:,} rows in {r['seconds']} s, RSS +{r['rss_growth_kb'] / 1024:.1f} MB"
    elif t == "rss":
        target, met = "< 200 MB", "yes" if r["rss_kb"] < 200 * 1024 else "**no**"
        call += f": {r['rss_kb'] / 1024:.0f} MB"
    elif k == "reference":
        target = "reference for the write rows"
    print(f"| {call} | {fmt(rps)} | {fmt(p50, ' ms')} | {fmt(p99, ' ms')} | {err if err is not None else ''} | "
          f"{fmt(ceiling)} | {'' if ratio is None else f'{ratio:.1%}'} | {target} | {met} |")
PY
{
  echo "### $(date -u '+%Y-%m-%d %H:%M') UTC, $BACKEND"
  echo
  echo "Machine: $MACHINE. Command: \`$COMMAND_LINE\` (DATABASE_URL ${BACKEND}); desk: \`agentdesk seed ${SHAPE[*]}\`;"
  echo "wrk -t2 -c$CONN -d${SECS}s per call, each after a ceiling run of the same length."
  echo
  cat "$OUT/table.md"
} > "$OUT/section.md"
cat "$OUT/section.md"
if [ "$DOC" = 1 ]; then
  { echo; cat "$OUT/section.md"; } >> docs/performance.md
  log "appended to docs/performance.md"
fi
log "everything is in $OUT"
