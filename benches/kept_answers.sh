#!/usr/bin/env bash
# What the chat answers kept while nothing changes (service::unchanged) are worth: the list mix of
# benches/bench.sh (benches/list-mix.txt: 4 ChatTypes x 3 Selectors x 8 pages; 64 agents'
# sessions), on a fresh copy of the generated desk, with nothing kept (UNCHANGED_ANSWERS_MB=0)
# and then with the default, each after a warm-up; prints req/s, p50, p99 and the answers kept and computed (from /metrics).
#
# Usage: benches/kept_answers.sh [--secs N] [--warm N]
# Needs a desk seeded by benches/bench.sh (the full shape, in target/bench/cache, < 6 h old) and
# the release binary. DATABASE_URL=postgres://user@host:port/any measures PostgreSQL (a scratch
# database agentdesk_kept is created and dropped there). Default: SQLite.
set -euo pipefail
SECS=10 WARM=30
while [ $# -gt 0 ]; do
  case "$1" in
    --secs) SECS=$2; shift ;;
    --warm) WARM=$2; shift ;;
    *) sed -n '2,11p' "$0"; exit 2 ;;
  esac
  shift
done
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
BIN=$TARGET/release/agentdesk
CACHE=$TARGET/bench/cache
SHAPE="--agents 1000 --departments 8 --chats 100000 --messages-per-chat 10 --queued 10000 --open 2000 --days 365 --long-chat-messages 200,100000 --seed 10"
KEY=$(echo "$SHAPE" | sha1sum | cut -c1-10)
PORT=18600 BASE=http://127.0.0.1:18600
WORK=$(mktemp -d)
SERVER=""
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT

if [[ "${DATABASE_URL:-}" == postgres* ]]; then
  ADMIN=${DATABASE_URL%/*}/postgres
  SEED_JSON=$CACHE/agentdesk_seed_$KEY.json
  fresh_copy() {
    psql "$ADMIN" -qAtc "DROP DATABASE IF EXISTS agentdesk_kept" -c "CREATE DATABASE agentdesk_kept TEMPLATE agentdesk_seed_$KEY"
    echo "${DATABASE_URL%/*}/agentdesk_kept"
  }
else
  SEED_JSON=$CACHE/seed-$KEY.json
  fresh_copy() {
    rm -f "$WORK"/desk.db*
    cp "$CACHE/seed-$KEY.db" "$WORK/desk.db"
    echo "$WORK/desk.db"
  }
fi
[ -f "$SEED_JSON" ] || { echo "kept_answers: no seeded desk; run benches/bench.sh first"; exit 1; }
seedq() { python3 -c "import json; d=json.load(open('$SEED_JSON')); print($1)"; }


PASSWORD=$(seedq "d['Password']")
for mb in 0 32; do
  url=$(fresh_copy)
  DATABASE_URL=$url UNCHANGED_ANSWERS_MB=$mb AGENTDESK_BIND=127.0.0.1:$PORT RUST_LOG=warn METRICS_ON_MAIN_LISTENER=true \
    MAIL_OUTBOX_DIR=$WORK/outbox "$BIN" serve > "$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -fs "$BASE/ready" >/dev/null 2>&1 && break; sleep 0.2; done
  : > "$WORK/tokens.txt"
  for email in $(seedq "'\n'.join(a['Email'] for a in d['Agents'][:64])"); do
    curl -fs -X POST "$BASE/api/AgentLogon?Version=1" -H 'Content-Type: application/json' \
      -d "{\"EmailAddress\":\"$email\",\"Password\":\"$PASSWORD\"}" |
      python3 -c "import sys,json; print(json.load(sys.stdin)['SessionToken'])" >> "$WORK/tokens.txt"
  done
  sleep "$WARM"
  BENCH_PATHS=benches/list-mix.txt BENCH_TOKENS=$WORK/tokens.txt \
    wrk -t2 -c64 -d"${SECS}s" --timeout 10s --latency -s benches/paths.lua "$BASE" > "$WORK/wrk.txt"
  answers=$(curl -fs "$BASE/metrics" | awk '/^agentdesk_chat_answers_total/ {gsub(/.*outcome="|"}/, "", $1); printf "%s %s  ", $1, $2}')
  echo "UNCHANGED_ANSWERS_MB=$mb: $(awk '/Requests\/sec/ {print $2 " req/s"}' "$WORK/wrk.txt"), p50 $(awk '$1 == "50%" {print $2}' "$WORK/wrk.txt"), p99 $(awk '$1 == "99%" {print $2}' "$WORK/wrk.txt"); answers: $answers"
  kill $SERVER; wait $SERVER 2>/dev/null || true
  SERVER=""
done
[[ "${DATABASE_URL:-}" == postgres* ]] && psql "$ADMIN" -qAtc "DROP DATABASE IF EXISTS agentdesk_kept"
exit 0
