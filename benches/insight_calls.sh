#!/bin/bash
# One client's latency of DataInsight (every Period), LiveMetrics and GET /metrics against a
# seeded desk (`agentdesk seed ...`, see docs/performance.md), sequential curl calls.
#   benches/insight_calls.sh NAME DATABASE_URL [PORT]
# AGENTDESK_BIN picks the binary (default target/release/agentdesk). The first DataInsight year
# call seals what is missing; its time is printed apart.
set -u
name=$1; url=$2; port=${3:-18095}
bin=${AGENTDESK_BIN:-target/release/agentdesk}
log=$(mktemp)
DATABASE_URL=$url RUST_LOG=warn "$bin" migrate >/dev/null 2>&1
DATABASE_URL=$url AGENTDESK_BIND=127.0.0.1:$port RUST_LOG=warn METRICS_ON_MAIN_LISTENER=true MAIL_OUTBOX_DIR=$(mktemp -d) "$bin" serve >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
sleep 3
token=$(curl -s -X POST "http://127.0.0.1:$port/api/AgentLogon?Version=1" -H 'content-type: application/json' \
  -d '{"EmailAddress":"manager1@desk.example","Password":"agentdesk-demo"}' |
  python3 -c 'import sys,json;print(json.load(sys.stdin)["SessionToken"])')
call() { curl -s -o /dev/null -w "%{time_total}\n" "http://127.0.0.1:$port/api/$1?Version=1&SessionToken=$token$2"; }
echo "$name DataInsight year, first call (seals what is missing): $(call DataInsight '&Period=year')"
for p in year month week day; do
  echo "$name DataInsight $p (10 calls, sorted s): $(for i in $(seq 10); do call DataInsight "&Period=$p"; done | sort -n | tr '\n' ' ')"
done
echo "$name LiveMetrics (15 calls, sorted s): $(for i in $(seq 15); do call LiveMetrics ''; done | sort -n | tr '\n' ' ')"
echo "$name GET /metrics (10 calls, sorted s): $(for i in $(seq 10); do
  curl -s -o /dev/null -w "%{time_total}\n" "http://127.0.0.1:$port/metrics"; done | sort -n | tr '\n' ' ')"
