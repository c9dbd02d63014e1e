#!/usr/bin/env bash
# Load test: a release server on an empty SQLite file (or DATABASE_URL), N customers writing in
# through the channel API, then the hot agent endpoints under wrk. Numbers go to docs/performance.md.
# Needs: cargo build --release, wrk (apt-get install wrk), curl, python3.
# Usage: benches/load.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
BIN=target/release/agentdesk
PORT=18400
BASE=http://127.0.0.1:$PORT
WORK=$(mktemp -d)
export DATABASE_URL=${DATABASE_URL:-$WORK/bench.db} AGENTDESK_BIND=127.0.0.1:$PORT RUST_LOG=warn MAIL_OUTBOX_DIR=$WORK/outbox
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }

# A channel server that accepts every message, so deliveries complete as they would in production.
cat > "$WORK/receiver.py" <<'PY'
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Ok(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args): pass
ThreadingHTTPServer(("127.0.0.1", 18401), Ok).serve_forever()
PY
python3 "$WORK/receiver.py" &
RECEIVER=$!

AGENTDESK_PASSWORD=bench-password-1 $BIN create-manager --name Bench --email bench@example.com >/dev/null
$BIN > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER $RECEIVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do curl -fs "$BASE/ready" >/dev/null && break; sleep 0.1; done

TOKEN=$(curl -fs -X POST "$BASE/api/AgentLogon?Version=1" -d '{"EmailAddress":"bench@example.com","Password":"bench-password-1"}' | json '["SessionToken"]')
Q="Version=1&SessionToken=$TOKEN"
curl -fs -X POST "$BASE/api/CreateDepartment?$Q" -d '{"Name":"Support","WelcomeNew":"You are number #POSITIONINQUEUE#"}' >/dev/null
curl -fs -X POST "$BASE/api/UpdateSettings?$Q" -d '{"Settings":[{"MaxChatsPerAgent":0}]}' >/dev/null
CH=$(curl -fs -X POST "$BASE/api/CreateChannel?$Q" -d '{"Name":"bench","ChatServer":"http://127.0.0.1:18401/hooks"}')
API_KEY=$(echo "$CH" | json '["ApiKey"]')
ACCOUNT=$(echo "$CH" | json '["ChatAccountToken"]')

cat > "$WORK/message.lua" <<LUA
local counter = 0
local threads = 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
function init(args) n = 0 end
request = function()
  n = n + 1
  local body = string.format('{"chatServer":"chat.example.com","chatSessionID":"bench-%d-%08d","chatAccountToken":"$ACCOUNT","message":"Hello, I need help with order %d"}', tid, n, n)
  return wrk.format("POST", "/api/v2/chat/notifyUserNewChatMessage", {["apiKey"]="$API_KEY", ["Content-Type"]="application/json"}, body)
end
LUA

echo "== notifyUserNewChatMessage (each request opens a new chat: customer, chat, message, welcome, delivery row)"
wrk -t2 -c16 -d"${SECS}s" --latency -s "$WORK/message.lua" "$BASE" | grep -E "Requests/sec|Latency|50%|99%|requests in"
sleep 3 # let the delivery worker finish the welcome messages
echo "== GetChatList unassigned, page 1 of 20 (queue positions computed per row)"
wrk -t2 -c16 -d"${SECS}s" --latency "$BASE/api/GetChatList?$Q&ChatType=unassigned&PageSize=20" | grep -E "Requests/sec|Latency|50%|99%|requests in"
echo "== GetChatList open+closed by last message, page 50"
wrk -t2 -c16 -d"${SECS}s" --latency "$BASE/api/GetChatList?$Q&Page=50&PageSize=20" | grep -E "Requests/sec|Latency|50%|99%|requests in"
echo "== GetChatList Term search (customer name/number or any message text)"
wrk -t2 -c16 -d"${SECS}s" --latency "$BASE/api/GetChatList?$Q&Term=order%20123&PageSize=20" | grep -E "Requests/sec|Latency|50%|99%|requests in"
echo "== KeepAlive (authentication only)"
wrk -t2 -c16 -d"${SECS}s" --latency "$BASE/api/KeepAlive?$Q" | grep -E "Requests/sec|Latency|50%|99%|requests in"
CHATS=$(curl -fs "$BASE/api/GetChatList?$Q&PageSize=1" | json '["Cursor"]["Total"]')
echo "== chats in the database: $CHATS; server RSS: $(ps -o rss= -p $SERVER | tr -d ' ') KiB"
