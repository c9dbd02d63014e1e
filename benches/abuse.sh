#!/usr/bin/env bash
# The abuse check: the attacks of docs/security.md against a release build, printing what each
# attacker got, the server's peak RSS and a normal agent's read latency meanwhile.
# Needs: cargo build --release, python3. Figures go to docs/security.md, never into tests.
# Usage: benches/abuse.sh                       (SQLite, a temporary file)
#        DATABASE_URL=postgres://postgres@127.0.0.1:5432/abuse benches/abuse.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${AGENTDESK_BIN:-target/release/agentdesk}
[ -x "$BIN" ] || cargo build --release --bin agentdesk
PORT=18500
WORK=$(mktemp -d)
DB_URL=${DATABASE_URL:-$WORK/abuse.db}
if [[ "$DB_URL" == postgres* ]]; then
  admin="${DB_URL%/*}/postgres"
  name="${DB_URL##*/}"
  psql "$admin" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
fi
export DATABASE_URL=$DB_URL AGENTDESK_BIND=127.0.0.1:$PORT RUST_LOG=warn MAIL_OUTBOX_DIR=$WORK/outbox \
  TRUSTED_PROXIES=127.0.0.1/32 CHANNEL_ALLOWED_NETWORKS=127.0.0.0/8 DELIVERY_TIMEOUT_SECONDS=10
AGENTDESK_PASSWORD=abuse-password-1 $BIN create-manager --name Mia --email mia@example.com >/dev/null
$BIN > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.1; done
echo "agentdesk $(git rev-parse --short HEAD) on ${DB_URL%%:*}; $(nproc) cores; RSS at start $(($(awk '/VmRSS/{print $2}' /proc/$SERVER/status) / 1024)) MB"
ABUSE_DB=$DB_URL python3 benches/abuse.py "http://127.0.0.1:$PORT" "$SERVER" mia@example.com abuse-password-1 "$WORK/outbox"
