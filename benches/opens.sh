#!/usr/bin/env bash
# Chat opens alone (notifyUserNewChatMessage, as in benches/bench.sh) against a copy of a seeded
# SQLite desk: the quick loop used to tune SQLite's writes (docs/performance.md, "Fourth pass").
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
# A channel server that accepts every delivery (the welcome menu's replies).
python3 - "$RECEIVER_PORT" <<'PY' & PIDS+=($!)
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args): pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Ok).serve_forever()
PY
DATABASE_URL=$OUT/desk.db AGENTDESK_BIND=127.0.0.1:$PORT RUST_LOG=warn MAIL_OUTBOX_DIR=$OUT/outbox \
  CHANNEL_ALLOWED_NETWORKS=127.0.0.0/8 "$BIN" serve > "$OUT/server.log" 2>&1 & SERVER=$!
PIDS+=($SERVER)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break; sleep 0.2; done
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['Channel'][sys.argv[2]])" "$SEED_JSON" "$1"; }
KEY=$(field ApiKey) ACCOUNT=$(field ChatAccountToken) STAMP=$(date +%s%N)
cat > "$OUT/channel.lua" <<LUA
local threads = 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
function init(args) n = 0 end
request = function()
  n = n + 1
  local body = string.format('{"chatServer":"chat.example.com","chatSessionID":"opens-$STAMP-%d-%08d","chatAccountToken":"$ACCOUNT","customerName":"Bench Customer %d","message":"Hello, I need help with order %d"}', tid, n, n, n)
  return wrk.format("POST", "/api/v2/chat/notifyUserNewChatMessage", {["apiKey"]="$KEY", ["Content-Type"]="application/json"}, body)
end
LUA
if [ "$PERF" = 1 ]; then
  perf record -F 999 -g -p $SERVER -o "$CARGO_TARGET_DIR/bench/opens-perf.data" -- sleep "$SECS" >/dev/null 2>&1 & PIDS+=($!)
fi
wrk -t2 -c64 -d"${SECS}s" --latency -s "$OUT/channel.lua" "http://127.0.0.1:$PORT" | grep -E 'Requests/sec|50%|99%|Non-2xx'
