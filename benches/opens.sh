#!/usr/bin/env bash
# Chat opens alone (notifyUserNewChatMessage, as in benches/bench.sh) against a copy of a seeded
# SQLite desk: the quick loop used to tune SQLite's writes (docs/performance.md, "Group commit on
# SQLite").
#
# Usage: benches/opens.sh [--perf] [--secs N] DESK.db SEED.json
#   DESK.db    a desk built by `agentdesk seed` (benches/bench.sh caches one in target/bench/cache/)
#   SEED.json  what that seed printed (the channel's apiKey and chatAccountToken)
#   --perf     record a perf profile of the server (target/bench/opens-perf.data)
# Needs: wrk, curl, python3; the release binary (cargo build --release).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=10 PERF=0
while [ $# -gt 2 ]; do
  case "$1" in
    --perf) PERF=1 ;;
    --secs) SECS=$2; shift ;;
    *) sed -n '2,10p' "$0"; exit 2 ;;
  esac
  shift
done
[ $# -eq 2 ] || { sed -n '2,10p' "$0"; exit 2; }
DESK=$1 SEED_JSON=$2
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
BIN=$CARGO_TARGET_DIR/release/agentdesk
OUT=$CARGO_TARGET_DIR/bench/opens
PORT=18600 RECEIVER_PORT=18401
mkdir -p "$OUT"
rm -f "$OUT/desk.db" "$OUT/desk.db-wal" "$OUT/desk.db-shm"
cp "$DESK" "$OUT/desk.db"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
python3 benches/accept_deliveries.py $RECEIVER_PORT & PIDS+=($!)
DATABASE_URL=$OUT/desk.db AGENTDESK_BIND=127.0.0.1:$PORT RUST_LOG=warn MAIL_OUTBOX_DIR=$OUT/outbox \
  CHANNEL_ALLOWED_NETWORKS=127.0.0.0/8 "$BIN" serve > "$OUT/server.log" 2>&1 & SERVER=$!
PIDS+=($SERVER)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break; sleep 0.2; done
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['Channel'][sys.argv[2]])" "$SEED_JSON" "$1"; }
export BENCH_API_KEY=$(field ApiKey) BENCH_ACCOUNT=$(field ChatAccountToken) BENCH_SESSIONS=opens-$(date +%s%N)
if [ "$PERF" = 1 ]; then
  perf record -F 999 -g -p $SERVER -o "$CARGO_TARGET_DIR/bench/opens-perf.data" -- sleep "$SECS" >/dev/null 2>&1 & PIDS+=($!)
fi
wrk -t2 -c64 -d"${SECS}s" --latency -s benches/channel.lua "http://127.0.0.1:$PORT" | grep -E 'Requests/sec|50%|99%|Non-2xx'
